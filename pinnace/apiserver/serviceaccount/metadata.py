"""The service account issuer's OIDC discovery documents (``pkg/serviceaccount/openidmetadata.go``).

``GET /.well-known/openid-configuration`` answers::

    {"issuer": "https://kubernetes.default.svc.cluster.local",
     "jwks_uri": "https://127.0.0.1:6443/openid/v1/jwks",
     "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
     "id_token_signing_alg_values_supported": ["ES256"]}

and ``GET /openid/v1/jwks`` the public keys as a JSON Web Key Set (``{"keys": [{"use": "sig", "kty":
"EC", "kid": ..., "crv": "P-256", "alg": "ES256", "x": ..., "y": ...}]}``), so that anyone outside the
cluster can verify the cluster's tokens. ``jwks_uri`` is ``--service-account-jwks-uri`` or, as upstream,
``https://<the server's external address>/openid/v1/jwks``. The issuer must be an https URL without query or
fragment, or the documents are not served (upstream logs and skips them too).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pinnace.apiserver.serviceaccount.keys import VerificationKey

Object = dict[str, Any]

OPENID_CONFIG_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"
# The cache lifetime upstream's static key getter announces (GetCacheAgeMaxSeconds).
MAX_AGE_SECONDS = 3600

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_CURVE_BYTES = {"secp256r1": 32, "secp384r1": 48, "secp521r1": 66}


class MetadataError(ValueError):
    """The issuer or JWKS URI cannot be published (upstream's NewOpenIDMetadataProvider errors)."""


def check_issuer_url(issuer: str) -> None:
    """The OIDC discovery spec's rules for an issuer, as upstream enforces them before serving."""
    if not issuer:
        raise MetadataError("empty issuer URL")
    parts = urlsplit(issuer)
    if parts.scheme != "https":
        raise MetadataError(f"issuer URL must use https scheme, got: {issuer}")
    if parts.query:
        raise MetadataError(f"issuer URL may not include a query, got: {issuer}")
    if parts.fragment:
        raise MetadataError(f"issuer URL may not include a fragment, got: {issuer}")


def default_jwks_uri(external_address: str) -> str:
    """``https://<host:port>/openid/v1/jwks`` for the server's external address (host and port only)."""
    return f"https://{external_address}{JWKS_PATH}"


def openid_configuration(issuer: str, jwks_uri: str, keys: Sequence[VerificationKey]) -> Object:
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["id_token"],  # Kubernetes only produces ID tokens
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": sorted({key.algorithm for key in keys}),
    }


def jwks(keys: Sequence[VerificationKey]) -> Object:
    return {"keys": [jwk(key) for key in keys]}


def jwk(key: VerificationKey) -> Object:
    """A public JWK in go-jose's field order (``use``, ``kty``, ``kid``, key fields, ``alg``)."""
    public = key.public_key
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": key.key_id,
            "alg": key.algorithm,
            "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        }
    assert isinstance(public, ec.EllipticCurvePublicKey)
    size = _CURVE_BYTES[public.curve.name]
    point = public.public_numbers()
    return {
        "use": "sig",
        "kty": "EC",
        "kid": key.key_id,
        "crv": _CURVE_NAMES[public.curve.name],
        "alg": key.algorithm,
        "x": _b64(point.x.to_bytes(size, "big")),
        "y": _b64(point.y.to_bytes(size, "big")),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
