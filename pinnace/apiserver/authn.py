"""Authentication: who sent a request. Mirrors ``k8s.io/apiserver/pkg/authentication``.

An :class:`Authenticator` looks at one request and answers a :class:`UserInfo`, None ("not my kind of
credential"), or raises :class:`AuthenticationFailed` ("credentials presented, and they are wrong").
:class:`AuthenticationChain` runs them in kube-apiserver's order and applies its rules:

1. x509 client certificate: user = subject CN, groups = the subject O values. The TLS layer has already
   verified the chain against the cluster CA (``ssl.CERT_OPTIONAL``), so only the subject is read here.
2. bearer token (``Authorization: Bearer ...``) checked by the token authenticators in upstream's order:
   the static token file, service account JWTs (:mod:`pinnace.apiserver.serviceaccount`), an external
   OIDC issuer (:mod:`pinnace.apiserver.oidc`). A token nobody recognises is an error, never anonymous.
   Token authenticators are audience-aware, as upstream's: a request targets the API server's audiences
   (``--api-audiences``), a TokenReview its ``spec.audiences``; the response says which matched.
3. every authenticated user also gets ``system:authenticated`` (upstream's ``AuthenticatedGroupAdder``).
4. only when nothing above matched *and* nothing failed: the anonymous user ``system:anonymous`` in
   ``system:unauthenticated``, restricted to a set of paths like Kubernetes 1.32's anonymous
   authenticator with ``conditions`` (``AnonymousAuthConfigurableEndpoints``). Elsewhere the request stays
   unauthenticated and the filter answers 401. The service account issuer's OIDC discovery paths are among
   them, so that RBAC decides (``system:service-account-issuer-discovery`` may be bound to
   ``system:unauthenticated`` to publish them, as on upstream clusters).
"""

from __future__ import annotations

import csv
import functools
import logging
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web
from cryptography import x509
from cryptography.x509.oid import NameOID

from pinnace.apiserver.user import ANONYMOUS, AUTHENTICATED_GROUP, UserInfo

log = logging.getLogger(__name__)


class AuthenticationFailed(Exception):
    """The request carried credentials and they are invalid; the request must get 401."""


class Authenticator(Protocol):
    """Authenticates requests by one kind of credential.

    Returns the user, or None when the request carries no credential of this kind. Raises
    :class:`AuthenticationFailed` when it carries one that is invalid. Must not modify the request.
    """

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None: ...


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A token's user and the audiences it was accepted for (upstream's ``authenticator.Response``)."""

    user: UserInfo
    audiences: tuple[str, ...] = ()


class TokenAuthenticator(Protocol):
    """Maps a bearer token to a user (``authenticator.Token``).

    ``audiences`` are the audiences the caller targets. Returns None when the token is not one of its own;
    raises :class:`AuthenticationFailed` when it is, and is invalid (expired, wrong audience, ...).
    """

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None: ...


def aggregate_messages(messages: Sequence[str]) -> str:
    """``utilerrors.NewAggregate(...).Error()``: one message as is, several de-duplicated in brackets."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


def audience_agnostic(api_audiences: Sequence[str], requested: Sequence[str]) -> tuple[str, ...] | None:
    """What a token without audiences of its own (a static token) is good for: upstream's
    ``WrapAudienceAgnosticToken``. The API server's audiences that the caller targets; None when the
    caller targets none of them (the token then does not authenticate). Without API audiences configured
    every token is good for every audience (``()``)."""
    if not api_audiences:
        return ()
    matched = tuple(aud for aud in api_audiences if aud in requested)
    return matched or None


class X509Authenticator:
    """The client certificate presented in the TLS handshake, verified by the TLS layer."""

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None:
        transport = request.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
            return None
        der = ssl_object.getpeercert(binary_form=True)
        return _user_from_certificate(der) if der else None


@functools.lru_cache(maxsize=1024)
def _user_from_certificate(der: bytes) -> UserInfo | None:
    # Cached by the certificate bytes: a keep-alive connection sends many requests with one certificate.
    subject = x509.load_der_x509_certificate(der).subject
    common_names = [_text(attr.value) for attr in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if not common_names or not common_names[0]:
        # Upstream's CommonNameUserConversion: no CN means "not authenticated by this certificate".
        return None
    groups = tuple(_text(attr.value) for attr in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    return UserInfo(name=common_names[0], groups=groups)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class BearerTokenAuthenticator:
    """``Authorization: Bearer <token>``, asked of each token authenticator in turn (upstream's bearertoken
    authenticator over a union of token authenticators)."""

    def __init__(
        self, token_authenticators: Sequence[TokenAuthenticator], api_audiences: Sequence[str] = ()
    ) -> None:
        self._token_authenticators = tuple(token_authenticators)
        self.api_audiences = tuple(api_audiences)

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None:
        # Same parsing as upstream's bearertoken.Authenticator: scheme case-insensitive, empty token ignored.
        parts = request.headers.get("Authorization", "").strip().split(" ")
        if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
            return None
        response = await self.authenticate_bearer(parts[1], self.api_audiences)
        return response.user

    async def authenticate_bearer(self, token: str, audiences: Sequence[str]) -> TokenResponse:
        """The first authenticator's answer; AuthenticationFailed with every error (or "invalid bearer
        token" when nobody recognised the token)."""
        errors: list[str] = []
        for token_authenticator in self._token_authenticators:
            try:
                response = await token_authenticator.authenticate_token(token, audiences)
            except AuthenticationFailed as err:
                errors.append(str(err))
                continue
            if response is not None:
                return response
        raise AuthenticationFailed(aggregate_messages(errors) if errors else "invalid bearer token")


class StaticTokenAuthenticator:
    """Tokens from kube-apiserver's ``--token-auth-file``: CSV rows ``token,user,uid[,"group1,group2"]``."""

    def __init__(self, tokens: dict[str, UserInfo], api_audiences: Sequence[str] = ()) -> None:
        self._tokens = dict(tokens)
        self._api_audiences = tuple(api_audiences)

    @classmethod
    def from_csv(cls, path: Path, api_audiences: Sequence[str] = ()) -> StaticTokenAuthenticator:
        """Parse the file like upstream's ``tokenfile.NewCSV``. Blocking: call from a thread in async code."""
        tokens: dict[str, UserInfo] = {}
        with path.open(newline="", encoding="utf-8-sig") as file:
            for number, record in enumerate(row for row in csv.reader(file) if row):
                if len(record) < 3:
                    raise ValueError(
                        f"token file '{path}' must have at least 3 columns (token, user name, user uid), "
                        f"found {len(record)}"
                    )
                token, name, uid = record[0], record[1], record[2]
                if not token:
                    log.warning("empty token in token file path=%s record=%d", path, number + 1)
                    continue
                if token in tokens:
                    log.warning("duplicate token in token file path=%s record=%d", path, number + 1)
                groups = tuple(g for g in record[3].split(",") if g) if len(record) >= 4 else ()
                tokens[token] = UserInfo(name=name, uid=uid, groups=groups)
        return cls(tokens, api_audiences)

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None:
        user = self._tokens.get(token)
        if user is None:
            return None
        matched = audience_agnostic(self._api_audiences, audiences)
        return None if matched is None else TokenResponse(user, matched)


class AnonymousAuthenticator:
    """``system:anonymous`` for requests to ``allowed_paths`` (and their sub-paths) only."""

    def __init__(self, allowed_paths: Iterable[str]) -> None:
        self._allowed_paths = frozenset(path.rstrip("/") for path in allowed_paths)

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None:
        path = request.path.rstrip("/")
        if path in self._allowed_paths or any(path.startswith(p + "/") for p in self._allowed_paths):
            return ANONYMOUS
        return None


class AuthenticationChain:
    """Upstream's union authenticator + ``AuthenticatedGroupAdder`` + fail-on-error anonymous fallback."""

    def __init__(
        self,
        authenticators: Sequence[Authenticator],
        *,
        anonymous: Authenticator | None = None,
        api_audiences: Sequence[str] = (),
    ) -> None:
        self._authenticators = tuple(authenticators)
        self._anonymous = anonymous
        self.api_audiences = tuple(api_audiences)

    async def authenticate(self, request: web.BaseRequest) -> UserInfo | None:
        failures: list[str] = []
        for authenticator in self._authenticators:
            try:
                user = await authenticator.authenticate(request)
            except AuthenticationFailed as err:
                failures.append(str(err))
                continue
            if user is not None:
                return user.with_group(AUTHENTICATED_GROUP)
        if failures:
            # A bad credential must not fall back to anonymous: the client meant to be someone.
            raise AuthenticationFailed(aggregate_messages(failures))
        if self._anonymous is not None:
            return await self._anonymous.authenticate(request)
        return None

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None:
        """A TokenReview's question: the bearer token alone, through the token authenticators, for
        ``audiences``; the user gets ``system:authenticated`` as on a request. None when no token
        authenticator is configured; AuthenticationFailed when the token is invalid."""
        for authenticator in self._authenticators:
            if isinstance(authenticator, BearerTokenAuthenticator):
                response = await authenticator.authenticate_bearer(token, audiences)
                return TokenResponse(response.user.with_group(AUTHENTICATED_GROUP), response.audiences)
        return None


# Paths anyone may call without credentials, like the ``system:public-info-viewer`` ClusterRole
# (bootstrap policy), extended to their sub-paths so that per-check health endpoints work too.
PUBLIC_INFO_PATHS = ("/healthz", "/livez", "/readyz", "/version")
# The service account issuer's discovery documents: anonymous requests reach them, and RBAC decides
# (``system:service-account-issuer-discovery``).
ISSUER_DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/openid/v1/jwks")


def new_authenticator(
    token_auth_file: Path | None = None,
    *,
    token_authenticators: Sequence[TokenAuthenticator] = (),
    api_audiences: Sequence[str] = (),
) -> AuthenticationChain:
    """The chain kube-apiserver would build from these flags. Blocking (reads the token file).

    ``token_authenticators`` (service account JWTs, OIDC) come after the token file, in upstream's order.
    """
    authenticators: list[Authenticator] = [X509Authenticator()]
    tokens: list[TokenAuthenticator] = []
    if token_auth_file is not None:
        tokens.append(StaticTokenAuthenticator.from_csv(token_auth_file, api_audiences))
    tokens.extend(token_authenticators)
    if tokens:
        authenticators.append(BearerTokenAuthenticator(tokens, api_audiences))
    return AuthenticationChain(
        authenticators,
        anonymous=AnonymousAuthenticator((*PUBLIC_INFO_PATHS, *ISSUER_DISCOVERY_PATHS)),
        api_audiences=api_audiences,
    )
