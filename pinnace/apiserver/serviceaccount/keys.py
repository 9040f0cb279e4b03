"""The service account signing key pair and the public keys tokens are verified with.

kube-apiserver signs with ``--service-account-signing-key-file`` and verifies with every key in
``--service-account-key-file`` (several, so that keys can be rotated). Pinnace creates the pair with the PKI
on first start, as kubeadm does (``pki/sa.key`` and ``pki/sa.pub``):

* the key is ECDSA P-256 (JWS ``ES256``), like the rest of Pinnace's PKI: generated in a millisecond, and
  supported by upstream's signer and JWKS (``pkg/serviceaccount/jwt.go``). An RSA key put there by hand (or
  named with ``--service-account-signing-key-file``) signs ``RS256``, as upstream's does;
* a key's id (the JWS ``kid`` header and the JWK's ``kid``) is upstream's ``keyIDFromPublicKey``: the
  unpadded base64url SHA-256 of the public key's PKIX DER, so a relying party picks the right key;
* ``sa.pub`` may hold several PEM public keys (or certificates, or private keys, as upstream's
  ``keyutil.ParsePublicKeysPEM`` accepts), each of which verifies tokens.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pinnace.apiserver.atomicfile import write_atomically

log = logging.getLogger(__name__)

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

_CURVE_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


class KeyFileError(ValueError):
    """A key file is missing, unreadable or holds a key type tokens cannot be signed with."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key that verifies service account tokens, with its key id and JWS algorithm."""

    key_id: str
    algorithm: str
    public_key: PublicKey


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The private key new tokens are signed with."""

    key_id: str
    algorithm: str
    private_key: PrivateKey

    @property
    def verification_key(self) -> VerificationKey:
        return VerificationKey(self.key_id, self.algorithm, self.private_key.public_key())


def algorithm_for(key: PublicKey | PrivateKey) -> str:
    """Upstream's ``algorithmFromPublicKey``: RS256 for any RSA key, ES256/384/512 by the curve."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RS256"
    algorithm = _CURVE_ALGORITHMS.get(key.curve.name)
    if algorithm is None:
        raise KeyFileError("unknown private key curve, must be 256, 384, or 521")
    return algorithm


def key_id(public_key: PublicKey) -> str:
    """Upstream's ``keyIDFromPublicKey``: base64url(SHA-256(PKIX DER)) without padding."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def verification_key(public_key: PublicKey) -> VerificationKey:
    return VerificationKey(key_id(public_key), algorithm_for(public_key), public_key)


def signing_key(private_key: PrivateKey) -> SigningKey:
    return SigningKey(key_id(private_key.public_key()), algorithm_for(private_key), private_key)


def ensure_key_pair(private_path: Path, public_path: Path) -> None:
    """Create ``sa.key`` and ``sa.pub`` unless the private key exists; rewrite a missing ``sa.pub``.

    A private key is never replaced: every token issued so far is signed with it. Blocking.
    """
    if private_path.exists():
        if not public_path.exists():
            public = load_signing_key(private_path).private_key.public_key()
            write_atomically(public_path, _public_pem(public), mode=0o644)
        return
    log.info("creating service account signing key path=%s", private_path)
    private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_atomically(private_path, pem, mode=0o600)
    write_atomically(public_path, _public_pem(key.public_key()), mode=0o644)


def load_signing_key(path: Path) -> SigningKey:
    """The private key in ``path`` (PKCS#8, PKCS#1 or SEC1 PEM). Blocking."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise KeyFileError(f"cannot load the service account signing key {path}: {err}") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyFileError(
            f"{path}: unknown private key type {type(key).__name__}, must be an RSA or ECDSA key"
        )
    return signing_key(key)


def load_verification_keys(paths: Iterable[Path]) -> tuple[VerificationKey, ...]:
    """Every public key in ``paths``, like ``--service-account-key-file`` (repeatable). Blocking."""
    keys: list[VerificationKey] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise KeyFileError(f"cannot read service account key file {path}: {err}") from err
        found = parse_public_keys_pem(data)
        if not found:
            raise KeyFileError(f"data does not contain any valid RSA or ECDSA public keys: {path}")
        keys.extend(verification_key(key) for key in found)
    return tuple(_unique(keys))


def parse_public_keys_pem(data: bytes) -> list[PublicKey]:
    """Public keys from PEM blocks: public keys, certificates and private keys (``ParsePublicKeysPEM``)."""
    keys: list[PublicKey] = []
    for match in _PEM_BLOCK.finditer(data):
        block, kind = match.group(0), match.group(1)
        key: Any
        try:
            if kind == b"CERTIFICATE":
                key = x509.load_pem_x509_certificate(block).public_key()
            elif kind.endswith(b"PRIVATE KEY"):
                key = serialization.load_pem_private_key(block, password=None).public_key()
            elif kind.endswith(b"PUBLIC KEY"):
                key = serialization.load_pem_public_key(block)
            else:
                continue
        except (ValueError, TypeError):
            continue
        if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            keys.append(key)
    return keys


def _unique(keys: Sequence[VerificationKey]) -> list[VerificationKey]:
    seen: set[str] = set()
    out = []
    for key in keys:
        if key.key_id not in seen:
            seen.add(key.key_id)
            out.append(key)
    return out


def _public_pem(public_key: PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
