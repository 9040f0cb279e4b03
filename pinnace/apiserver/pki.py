"""The cluster CA and the certificates the API server needs, kept under ``DATA_DIR/pki/``.

Like kubeadm and k3s, the first start creates everything and later starts reuse it::

    DATA_DIR/pki/                      (mode 0700)
      ca.crt         ca.key            cluster CA, 10 years; signs everything below
      apiserver.crt  apiserver.key     serving certificate (SANs: loopback, host name, the
                                       ``kubernetes.default.svc`` names, configured extra SANs)
      admin.crt      admin.key         client certificate CN=kubernetes-admin, O=system:masters

Decisions:

* ECDSA P-256 everywhere: keys are generated in milliseconds, and Go clients (kubectl, client-go) and
  Python's ``ssl`` accept them. An RSA CA put there by hand is accepted too.
* A leaf (serving or admin) is reissued when it is missing or unreadable, was not issued by the current
  CA, does not match its key, expires within ``RENEW_BEFORE``, or (serving only) its SANs differ from the
  requested ones. So changing ``extra_sans`` or the host name takes effect on the next start.
* The CA is never replaced silently: a CA certificate without its key (or the reverse) is an error, because a
  new CA would invalidate every credential already handed out.
* Private keys are PKCS#8 PEM files with mode 0600; every file is written atomically.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pinnace.apiserver.atomicfile import write_atomically
from pinnace.apiserver.user import MASTERS_GROUP

log = logging.getLogger(__name__)

CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=365)
# k3s renews certificates that expire within 90 days when it starts; a server restarted at least once a
# quarter therefore never serves an expired certificate.
RENEW_BEFORE = timedelta(days=90)
# Backdate every certificate a little so that a client whose clock runs slightly behind accepts it.
CLOCK_SKEW = timedelta(minutes=5)

ADMIN_USER = "kubernetes-admin"

# What kubeadm puts in the API server certificate (``pkiutil.GetAPIServerAltNames``) besides the node's
# addresses: in-cluster clients reach the server as ``kubernetes.default.svc``.
DEFAULT_DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
DEFAULT_IP_ADDRESSES = ("127.0.0.1", "::1")

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IssuerKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class PKIError(Exception):
    """The PKI directory is in a state that cannot be repaired without losing the CA."""


@dataclass(frozen=True, slots=True)
class ClusterPKI:
    """Where the cluster's certificates and keys live (all PEM files)."""

    directory: Path
    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path

    @classmethod
    def at(cls, data_dir: Path) -> ClusterPKI:
        """The layout under ``data_dir/pki``; nothing is read or created."""
        directory = data_dir / "pki"
        return cls(
            directory=directory,
            ca_cert=directory / "ca.crt",
            ca_key=directory / "ca.key",
            serving_cert=directory / "apiserver.crt",
            serving_key=directory / "apiserver.key",
            admin_cert=directory / "admin.crt",
            admin_key=directory / "admin.key",
        )


@dataclass(frozen=True, slots=True)
class SubjectAltNames:
    """The names a serving certificate is valid for; compared as sets to decide on reissuing."""

    dns_names: frozenset[str]
    ip_addresses: frozenset[IPAddress]

    def to_extension(self) -> x509.SubjectAlternativeName:
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in sorted(self.dns_names)]
        names += [x509.IPAddress(ip) for ip in sorted(self.ip_addresses, key=lambda ip: (ip.version, ip))]
        return x509.SubjectAlternativeName(names)


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A freshly minted client certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes


def serving_sans(extra_sans: Iterable[str] = ()) -> SubjectAltNames:
    """The SANs the serving certificate must carry: defaults, this host's name, then ``extra_sans``.

    Each extra SAN is an IP address if it parses as one, otherwise a DNS name (like k3s' ``--tls-san``).
    """
    dns_names = set(DEFAULT_DNS_NAMES)
    ip_addresses: set[IPAddress] = {ipaddress.ip_address(ip) for ip in DEFAULT_IP_ADDRESSES}
    hostname = socket.gethostname().strip().lower()
    if hostname:
        dns_names.add(hostname)
    for san in extra_sans:
        san = san.strip()
        if not san:
            continue
        try:
            ip_addresses.add(ipaddress.ip_address(san))
        except ValueError:
            dns_names.add(san.lower())
    return SubjectAltNames(frozenset(dns_names), frozenset(ip_addresses))


def ensure_pki(data_dir: Path, *, extra_sans: Iterable[str] = (), now: datetime | None = None) -> ClusterPKI:
    """Create whatever is missing or stale under ``data_dir/pki`` and return its layout.

    Idempotent: a second call with the same arguments reads the files and writes nothing. Blocking (file I/O
    and key generation): call it from a thread in async code.
    """
    now = now or datetime.now(UTC)
    pki = ClusterPKI.at(data_dir)
    pki.directory.mkdir(parents=True, exist_ok=True)
    pki.directory.chmod(0o700)

    ca_cert, ca_key = _ensure_ca(pki, now)

    sans = serving_sans(extra_sans)
    serving = _load_leaf(pki.serving_cert, pki.serving_key, ca_cert, now)
    if serving is None or _sans_of(serving) != sans:
        log.info("issuing API server serving certificate path=%s", pki.serving_cert)
        cert_pem, key_pem = _issue_serving(ca_cert, ca_key, sans, now)
        _write_pair(pki.serving_cert, pki.serving_key, cert_pem, key_pem)

    if _load_leaf(pki.admin_cert, pki.admin_key, ca_cert, now) is None:
        log.info("issuing admin client certificate path=%s user=%s", pki.admin_cert, ADMIN_USER)
        admin = _issue_client(ca_cert, ca_key, ADMIN_USER, [MASTERS_GROUP], LEAF_VALIDITY, now)
        _write_pair(pki.admin_cert, pki.admin_key, admin.cert_pem, admin.key_pem)
    return pki


def mint_client_certificate(
    pki: ClusterPKI,
    user: str,
    groups: Sequence[str] = (),
    days: int = 365,
    *,
    now: datetime | None = None,
) -> ClientCertificate:
    """Issue a client certificate that the API server authenticates as ``user`` in ``groups``.

    Follows the Kubernetes x509 convention: subject CN is the user name, each subject O one group.
    Nothing is written to disk; the CA in ``pki`` must exist (see :func:`ensure_pki`).
    """
    if not user:
        raise ValueError("a client certificate needs a user name (its subject CN)")
    if days <= 0:
        raise ValueError(f"days must be positive, got {days}")
    ca_cert, ca_key = _load_ca(pki)
    return _issue_client(ca_cert, ca_key, user, groups, timedelta(days=days), now or datetime.now(UTC))


# --- the CA -------------------------------------------------------------------------------------------------


def _ensure_ca(pki: ClusterPKI, now: datetime) -> tuple[x509.Certificate, IssuerKey]:
    have_cert, have_key = pki.ca_cert.exists(), pki.ca_key.exists()
    if have_cert and have_key:
        return _load_ca(pki)
    if have_cert or have_key:
        present, missing = (pki.ca_cert, pki.ca_key) if have_cert else (pki.ca_key, pki.ca_cert)
        raise PKIError(
            f"{present} exists but {missing} does not; restore it, or remove both to create a new cluster CA "
            "(which invalidates every credential it issued)"
        )
    log.info("creating cluster CA path=%s", pki.ca_cert)
    key = _new_key()
    # k3s names its CA "k3s-server-ca@<unix time>" so that CAs of different clusters are told apart.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"pinnace-ca@{int(now.timestamp())}")])
    cert = (
        _builder(name, name, key.public_key(), now, CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_pair(pki.ca_cert, pki.ca_key, _cert_pem(cert), _key_pem(key))
    return cert, key


def _load_ca(pki: ClusterPKI) -> tuple[x509.Certificate, IssuerKey]:
    try:
        cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
        key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise PKIError(f"cannot load the cluster CA from {pki.directory}: {err}") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PKIError(f"{pki.ca_key}: unsupported CA key type {type(key).__name__} (want ECDSA or RSA)")
    if _public_der(cert.public_key()) != _public_der(key.public_key()):
        raise PKIError(f"{pki.ca_cert} and {pki.ca_key} do not belong together")
    return cert, key


# --- leaves -------------------------------------------------------------------------------------------------


def _load_leaf(
    cert_path: Path, key_path: Path, ca_cert: x509.Certificate, now: datetime
) -> x509.Certificate | None:
    """The certificate at ``cert_path`` if it can be reused as is, else None (it will be reissued)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return None
    if _public_der(cert.public_key()) != _public_der(key.public_key()):
        return None
    if cert.not_valid_after_utc - now < RENEW_BEFORE:
        return None
    return cert


def _issue_serving(
    ca_cert: x509.Certificate, ca_key: IssuerKey, sans: SubjectAltNames, now: datetime
) -> tuple[bytes, bytes]:
    key = _new_key()
    # kubeadm's serving certificate CN; clients check the SANs, never the CN.
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    cert = (
        _leaf_builder(ca_cert, subject, key, now, LEAF_VALIDITY)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(sans.to_extension(), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return _cert_pem(cert), _key_pem(key)


def _issue_client(
    ca_cert: x509.Certificate,
    ca_key: IssuerKey,
    user: str,
    groups: Sequence[str],
    validity: timedelta,
    now: datetime,
) -> ClientCertificate:
    key = _new_key()
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in groups]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
    cert = (
        _leaf_builder(ca_cert, x509.Name(attributes), key, now, validity)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ClientCertificate(cert_pem=_cert_pem(cert), key_pem=_key_pem(key))


def _leaf_builder(
    ca_cert: x509.Certificate,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    now: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        _builder(subject, ca_cert.subject, key.public_key(), now, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )


# --- small helpers ------------------------------------------------------------------------------------------


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + validity)
    )


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _sans_of(cert: x509.Certificate) -> SubjectAltNames:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return SubjectAltNames(frozenset(), frozenset())
    ips = frozenset(
        ip
        for ip in ext.get_values_for_type(x509.IPAddress)
        if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address)
    )
    return SubjectAltNames(frozenset(ext.get_values_for_type(x509.DNSName)), ips)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: IssuerKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _public_der(public_key: PublicKeyTypes) -> bytes:
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return public_key.public_bytes(der, spki)


def _write_pair(cert_path: Path, key_path: Path, cert_pem: bytes, key_pem: bytes) -> None:
    # Key first: a crash between the two writes leaves a certificate that does not match its key, which
    # _load_leaf detects and repairs on the next start.
    write_atomically(key_path, key_pem, mode=0o600)
    write_atomically(cert_path, cert_pem, mode=0o644)
