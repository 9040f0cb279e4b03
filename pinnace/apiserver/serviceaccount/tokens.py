"""Signing and verifying service account JWTs: upstream's ``JWTTokenGenerator`` and
``JWTTokenAuthenticator`` (``pkg/serviceaccount/jwt.go``), on PyJWT's JWS layer.

Verification runs in upstream's order, and each step's failure is upstream's:

1. the unverified payload's ``iss`` must be one of the accepted issuers, otherwise the token is not a
   service account token at all (``None``: another authenticator may know it);
2. the signature must verify with a key whose id matches the ``kid`` header (every key when there is none);
3. ``aud`` must intersect the audiences the caller targets (a request: the API server's own; a
   TokenReview: its ``spec.audiences``). A token without ``aud`` counts as the API server's;
4. the :class:`~pinnace.apiserver.serviceaccount.validator.Validator` checks times and that the service
   account and any bound object still exist with the same uid.

Claims are checked here rather than by PyJWT so that time comes from an injected clock and leeways and
messages are upstream's (go-jose's one-minute ``DefaultLeeway``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, Protocol

import jwt
import orjson

from pinnace.apiserver.authn import AuthenticationFailed, TokenResponse, aggregate_messages
from pinnace.apiserver.serviceaccount.claims import PrivateClaims, ServiceAccountInfo, parse_private_claims
from pinnace.apiserver.serviceaccount.keys import SigningKey, VerificationKey

Object = dict[str, Any]

# go-jose's ErrCryptoFailure, what upstream reports for a signature no key verifies.
CRYPTO_FAILURE = "square/go-jose: error in cryptographic primitive"


class ClaimsValidator(Protocol):
    """Checks a token whose issuer and signature are verified; returns who it authenticates or raises
    :class:`~pinnace.apiserver.authn.AuthenticationFailed` (upstream's ``Validator``)."""

    async def validate(self, payload: Object, private: PrivateClaims) -> ServiceAccountInfo: ...


class TokenGenerator:
    """Signs payloads as ``issuer`` with one key; the ``kid`` header names the key."""

    def __init__(self, issuer: str, key: SigningKey) -> None:
        self.issuer = issuer
        self.key = key

    def generate(self, payload: Object) -> str:
        # The issuer's iss wins over the payload's, as go-jose applies claims in reverse precedence; keys
        # are sorted as Go marshals the merged claims map.
        claims = orjson.dumps({**payload, "iss": self.issuer}, option=orjson.OPT_SORT_KEYS)
        # go-jose writes no "typ" header.
        headers = {"kid": self.key.key_id, "typ": None}
        return jwt.api_jws.encode(claims, self.key.private_key, algorithm=self.key.algorithm, headers=headers)


class JWTTokenAuthenticator:
    """A :class:`~pinnace.apiserver.authn.TokenAuthenticator` for tokens of ``issuers``."""

    def __init__(
        self,
        issuers: Sequence[str],
        keys: Sequence[VerificationKey],
        implicit_audiences: Sequence[str],
        validator: ClaimsValidator,
    ) -> None:
        self._issuers = frozenset(issuers)
        self._keys = tuple(keys)
        self._implicit_audiences = tuple(implicit_audiences)
        self._validator = validator

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None:
        if unverified_issuer(token) not in self._issuers:
            return None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            return None
        kid = header.get("kid") or ""
        keys = [key for key in self._keys if not kid or key.key_id == kid]
        if not keys:
            raise AuthenticationFailed("invalid signature, no keys found")
        payload = _verified_payload(token, keys)
        try:
            private = parse_private_claims(payload)
        except ValueError as err:
            raise AuthenticationFailed(f"json: cannot unmarshal private claims: {err}") from err

        issuer = payload.get("iss")
        if issuer not in self._issuers:
            # Parsed before the signature was checked; upstream checks again.
            raise AuthenticationFailed(f'token issuer "{issuer}" is invalid')

        token_audiences = _audiences(payload.get("aud"))
        if not token_audiences:
            token_audiences = self._implicit_audiences  # legacy tokens carry none
        requested = tuple(audiences) or self._implicit_audiences
        matched = tuple(aud for aud in token_audiences if aud in requested)
        if not matched and self._implicit_audiences:
            raise AuthenticationFailed(
                f"token audiences {_go_strings(token_audiences)} is invalid for the target audiences "
                f"{_go_strings(requested)}"
            )
        info = await self._validator.validate(payload, private)
        return TokenResponse(user=info.user_info(), audiences=matched)


def unverified_issuer(token: str) -> str | None:
    """``hasCorrectIssuer``'s look at the unverified payload: its ``iss``, or None if it is no JWT."""
    if token.lstrip().startswith("{"):
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def _verified_payload(token: str, keys: Sequence[VerificationKey]) -> Object:
    errors: list[str] = []
    for key in keys:
        try:
            decoded = jwt.api_jws.decode_complete(token, key.public_key, algorithms=[key.algorithm])
        except jwt.InvalidTokenError:
            errors.append(CRYPTO_FAILURE)
            continue
        try:
            payload = orjson.loads(decoded["payload"])
        except orjson.JSONDecodeError as err:
            raise AuthenticationFailed(f"invalid character in token payload: {err}") from err
        if not isinstance(payload, dict):
            raise AuthenticationFailed("json: cannot unmarshal token payload into claims")
        return payload
    raise AuthenticationFailed(aggregate_messages(errors))


def _audiences(value: Any) -> tuple[str, ...]:
    # go-jose's Audience accepts a single string or a list of strings.
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _go_strings(values: Sequence[str]) -> str:
    """A []string printed with %q: ``["a" "b"]``."""
    return "[" + " ".join(orjson.dumps(value).decode() for value in values) + "]"
