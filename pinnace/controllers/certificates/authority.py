"""Signing a certificate request with a CA (``pkg/controller/certificates/authority``).

:class:`CertificateAuthority` issues a certificate for a parsed request under
:class:`PermissiveSigningPolicy`, upstream's policy for the built-in signers: the subject and every SAN of
the request are copied, the usages become key usage and extended key usage, the request's own extensions
are dropped, the result is never a CA, and the validity is backdated:

- ``notBefore`` = now - backdate (5 minutes), so that clocks a little behind accept the certificate;
- ``notAfter`` = now + TTL - backdate for long-lived certificates, now + TTL for short ones (TTL < 8 h),
  whose lifetime the backdate would eat into noticeably;
- ``notAfter`` never goes past the CA's own ``notAfter``; an expired CA refuses to sign.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

# certificates/v1 KeyUsage -> x509 KeyUsage bit (keyUsageDict in policies.go).
_KEY_USAGES: dict[str, str] = {
    "signing": "digital_signature",
    "digital signature": "digital_signature",
    "content commitment": "content_commitment",
    "key encipherment": "key_encipherment",
    "key agreement": "key_agreement",
    "data encipherment": "data_encipherment",
    "cert sign": "key_cert_sign",
    "crl sign": "crl_sign",
    "encipher only": "encipher_only",
    "decipher only": "decipher_only",
}
# certificates/v1 KeyUsage -> extended key usage OID (extKeyUsageDict), in Go's ExtKeyUsage order.
_EXT_KEY_USAGES: dict[str, x509.ObjectIdentifier] = {
    "any": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "s/mime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "ipsec end system": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec tunnel": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec user": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "microsoft sgc": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape sgc": x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
}
_EXT_ORDER = list(dict.fromkeys(_EXT_KEY_USAGES.values()))

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class SigningError(Exception):
    """The CA refused to sign (the message is upstream's)."""


@dataclass(frozen=True, slots=True)
class PermissiveSigningPolicy:
    ttl: timedelta
    usages: Sequence[str]
    backdate: timedelta = timedelta(minutes=5)
    short: timedelta = timedelta(hours=8)


def key_usages(usages: Sequence[str]) -> tuple[x509.KeyUsage | None, x509.ExtendedKeyUsage | None]:
    """``keyUsagesFromStrings``: the two extensions, or :class:`SigningError` naming unknown usages."""
    bits: set[str] = set()
    extended: set[x509.ObjectIdentifier] = set()
    unknown: list[str] = []
    for usage in usages:
        if usage in _KEY_USAGES:
            bits.add(_KEY_USAGES[usage])
        elif usage in _EXT_KEY_USAGES:
            extended.add(_EXT_KEY_USAGES[usage])
        else:
            unknown.append(usage)
    if unknown:
        quoted = " ".join(f'"{u}"' for u in unknown)
        raise SigningError(f"unrecognized usage values: [{quoted}]")
    key_usage = None
    if bits:
        flags = {name: name in bits for name in set(_KEY_USAGES.values())}
        # encipher_only/decipher_only are only meaningful with key_agreement (x509 rejects them otherwise).
        if not flags["key_agreement"]:
            flags["encipher_only"] = flags["decipher_only"] = False
        key_usage = x509.KeyUsage(**flags)
    ext = x509.ExtendedKeyUsage(sorted(extended, key=_EXT_ORDER.index)) if extended else None
    return key_usage, ext


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    certificate: x509.Certificate
    private_key: SigningKey

    @classmethod
    def load(cls, cert_file: Path, key_file: Path) -> CertificateAuthority:
        """The CA from ``--cluster-signing-cert-file`` / ``--cluster-signing-key-file`` (PEM)."""
        certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            raise SigningError(f"error reading CA key file {str(key_file)!r}: unsupported key type")
        return cls(certificate, key)

    def sign(
        self, request: x509.CertificateSigningRequest, policy: PermissiveSigningPolicy, now: datetime
    ) -> x509.Certificate:
        if not request.is_signature_valid:
            raise SigningError("unable to verify certificate request signature: x509: signature is invalid")
        key_usage, ext_key_usage = key_usages(policy.usages)
        ca_not_after = self.certificate.not_valid_after_utc
        not_before = now - policy.backdate
        if policy.ttl < policy.short:
            not_after = now + policy.ttl
        else:
            not_after = now + policy.ttl - policy.backdate
        if not_after >= ca_not_after:
            not_after = ca_not_after
        if not_before >= ca_not_after:
            raise SigningError(f"the signer has expired: NotAfter={ca_not_after}")
        if now >= ca_not_after:
            raise SigningError(
                f"refusing to sign a certificate that expired in the past: NotAfter={ca_not_after}"
            )
        builder = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(self.certificate.subject)
            .public_key(request.public_key())
            .serial_number(secrets.randbits(127) | 1)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if key_usage is not None:
            builder = builder.add_extension(key_usage, critical=True)
        if ext_key_usage is not None:
            builder = builder.add_extension(ext_key_usage, critical=False)
        sans = _requested_sans(request)
        if sans is not None:
            builder = builder.add_extension(sans, critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
            critical=False,
        )
        algorithm = None if isinstance(self.private_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
        return builder.sign(self.private_key, algorithm)


def _requested_sans(request: x509.CertificateSigningRequest) -> x509.SubjectAlternativeName | None:
    try:
        return request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)
