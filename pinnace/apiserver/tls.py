"""The API server's TLS settings: HTTPS only, client certificates optional but verified.

``CERT_OPTIONAL`` makes the server ask for a client certificate without requiring one (Go's
``VerifyClientCertIfGiven``, what kube-apiserver uses): a presented certificate that does not chain to the
cluster CA fails the handshake, and one that does is the x509 credential ``authn.X509Authenticator`` reads.
OpenSSL checks client certificates for the ``clientAuth`` purpose on the server side, so a serving
certificate cannot be replayed as a client identity.
"""

from __future__ import annotations

import ssl

from pinnace.apiserver.pki import ClusterPKI


def serving_ssl_context(pki: ClusterPKI) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pki.serving_cert, pki.serving_key)
    context.load_verify_locations(cafile=pki.ca_cert)
    context.verify_mode = ssl.CERT_OPTIONAL
    # aiohttp speaks HTTP/1.1 only; offering h2 would make Go clients try it and fail. WebSocket and SPDY
    # upgrades (exec, port-forward) need HTTP/1.1 anyway.
    context.set_alpn_protocols(["http/1.1"])
    return context
