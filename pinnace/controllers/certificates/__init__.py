"""The certificates controllers (``pkg/controller/certificates``): ``csrsigning`` issues certificates for
approved CertificateSigningRequests of the built-in signers with the cluster CA, ``csrapproving``
auto-approves kubelet client certificates for nodes allowed to ask for them, ``csrcleaner`` deletes old
requests. Shared pieces: :mod:`.authority` (signing with a CA), :mod:`.signers` (per-signer rules),
:mod:`.conditions` (reading a request's conditions).
"""
