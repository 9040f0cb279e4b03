"""Users from an external OpenID Connect issuer (``--oidc-issuer-url`` and friends): upstream's OIDC token
authenticator (``k8s.io/apiserver/plugin/pkg/authenticator/token/oidc``), for ID tokens sent as bearer tokens.

* only tokens whose (unverified) ``iss`` is the issuer URL are this authenticator's; others are left to
  the next one;
* keys come from the issuer's discovery document (``<issuer>/.well-known/openid-configuration`` →
  ``jwks_uri``), fetched on first use and again when a token names a key id not seen yet (at most every
  ``REFRESH_INTERVAL_SECONDS``); until they are fetched tokens fail with "oidc: authenticator not
  initialized", as upstream's do while it initialises;
* the token must be signed with one of ``signing_algs`` (default RS256), name the issuer, carry the client
  id in ``aud``, and not be expired;
* the user name is the ``username_claim`` (default ``sub``) with a prefix: by default ``<issuer>#`` unless
  the claim is ``email`` (``-`` for none). An ``email`` claim must not say ``email_verified: false``;
* groups are the ``groups_claim`` (a string or a list of strings) with ``groups_prefix``;
* ``required_claims`` must be present with exactly the given values;
* like the static token file, OIDC tokens are good for the API server's own audiences only
  (``WrapAudienceAgnosticToken``).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import jwt
import orjson

from pinnace.apiserver.authn import AuthenticationFailed, TokenResponse, audience_agnostic
from pinnace.apiserver.authnoptions import OIDCOptions
from pinnace.apiserver.serviceaccount.tokens import unverified_issuer
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]
Fetch = Callable[[str], Awaitable[Object]]

REFRESH_INTERVAL_SECONDS = 10.0
FETCH_TIMEOUT_SECONDS = 10.0


class OIDCAuthenticator:
    def __init__(
        self,
        options: OIDCOptions,
        fetch: Fetch,
        *,
        api_audiences: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._options = options
        self._fetch = fetch
        self._api_audiences = tuple(api_audiences)
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._unnamed_keys: list[jwt.PyJWK] = []
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_options(cls, options: OIDCOptions, api_audiences: Sequence[str] = ()) -> OIDCAuthenticator:
        """The authenticator fetching over HTTPS, trusting ``ca_file`` (or the system's CAs). Blocking."""
        context = ssl.create_default_context(cafile=str(options.ca_file) if options.ca_file else None)
        return cls(options, https_fetcher(context), api_audiences=api_audiences)

    @property
    def prefix(self) -> str:
        """The user name prefix (``--oidc-username-prefix``), upstream's defaulting applied."""
        prefix = self._options.username_prefix
        if prefix == "-":
            return ""
        if prefix is None:
            return "" if self._options.username_claim == "email" else f"{self._options.issuer_url}#"
        return prefix

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None:
        if unverified_issuer(token) != self._options.issuer_url:
            return None
        matched = audience_agnostic(self._api_audiences, audiences)
        if matched is None:
            return None
        claims = await self._verify(token)
        return TokenResponse(self._user(claims), matched)

    async def _verify(self, token: str) -> Object:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as err:
            raise AuthenticationFailed(f"oidc: malformed jwt: {err}") from err
        algorithm = header.get("alg")
        if algorithm not in self._options.signing_algs:
            raise AuthenticationFailed(
                f"oidc: verify token: oidc: id token signed with unsupported algorithm, expected "
                f'{list(self._options.signing_algs)} got "{algorithm}"'
            )
        keys = await self._keys_for(str(header.get("kid") or ""))
        for key in keys:
            try:
                decoded = jwt.api_jws.decode_complete(token, key, algorithms=list(self._options.signing_algs))
            except jwt.InvalidTokenError:
                continue
            claims = orjson.loads(decoded["payload"])
            if isinstance(claims, dict):
                self._check_claims(claims)
                return claims
        raise AuthenticationFailed("oidc: verify token: failed to verify signature: no keys matched")

    async def _keys_for(self, kid: str) -> list[jwt.PyJWK]:
        if not self._known(kid):
            await self._refresh()
        if self._fetched_at is None:
            raise AuthenticationFailed("oidc: authenticator not initialized")
        if kid and kid in self._keys:
            return [self._keys[kid]]
        return [*self._keys.values(), *self._unnamed_keys] if not kid else list(self._unnamed_keys)

    def _known(self, kid: str) -> bool:
        if self._fetched_at is None:
            return False
        return not kid or kid in self._keys

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < REFRESH_INTERVAL_SECONDS:
                return
            try:
                discovery_url = self._options.issuer_url.rstrip("/") + "/.well-known/openid-configuration"
                discovery = await self._fetch(discovery_url)
                if discovery.get("issuer") != self._options.issuer_url:
                    # go-oidc refuses a provider whose discovery names another issuer.
                    raise AuthenticationFailed(
                        f"oidc: issuer did not match the issuer returned by provider, expected "
                        f'"{self._options.issuer_url}" got "{discovery.get("issuer")}"'
                    )
                key_set = await self._fetch(str(discovery.get("jwks_uri", "")))
            except (OSError, aiohttp.ClientError, ValueError, TimeoutError) as err:
                raise AuthenticationFailed(f"oidc: authenticator not initialized: {err}") from err
            keys: dict[str, jwt.PyJWK] = {}
            unnamed: list[jwt.PyJWK] = []
            for entry in key_set.get("keys") or ():
                try:
                    key = jwt.PyJWK(entry)
                except (jwt.PyJWKError, jwt.InvalidKeyError):
                    continue  # a key of a type this server cannot use (e.g. an encryption key)
                if key.key_id:
                    keys[key.key_id] = key
                else:
                    unnamed.append(key)
            self._keys, self._unnamed_keys, self._fetched_at = keys, unnamed, now

    def _check_claims(self, claims: Object) -> None:
        options = self._options
        if claims.get("iss") != options.issuer_url:
            raise AuthenticationFailed(
                f"oidc: verify token: oidc: id token issued by a different provider, expected "
                f'"{options.issuer_url}" got "{claims.get("iss")}"'
            )
        audiences = claims.get("aud")
        audience_list = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if options.client_id not in audience_list:
            raise AuthenticationFailed(
                f'oidc: verify token: oidc: expected audience "{options.client_id}" got {audience_list}'
            )
        expiry = claims.get("exp")
        if isinstance(expiry, int | float) and self._clock() > expiry:
            expired_at = time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(expiry))
            raise AuthenticationFailed(
                f"oidc: verify token: oidc: token is expired (Token Expiry: {expired_at})"
            )
        for name, value in options.required_claims:
            if name not in claims:
                raise AuthenticationFailed(f"oidc: required claim {name} not present in ID token")
            if claims[name] != value:
                raise AuthenticationFailed(
                    f"oidc: required claim {name} value does not match. Got = {claims[name]}, want = {value}"
                )

    def _user(self, claims: Object) -> UserInfo:
        options = self._options
        username = claims.get(options.username_claim)
        if not isinstance(username, str):
            raise AuthenticationFailed(
                f"oidc: parse username claims {options.username_claim!r}: claim not present"
            )
        if options.username_claim == "email" and claims.get("email_verified") is False:
            raise AuthenticationFailed("oidc: email not verified")
        groups: tuple[str, ...] = ()
        if options.groups_claim and options.groups_claim in claims:
            value = claims[options.groups_claim]
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                raise AuthenticationFailed(
                    f"oidc: parse groups claim {options.groups_claim!r}: not a string or list"
                )
            groups = tuple(options.groups_prefix + name for name in names)
        return UserInfo(name=self.prefix + username, groups=groups)


def https_fetcher(context: ssl.SSLContext) -> Fetch:
    async def fetch(url: str) -> Object:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, ssl=context) as response,
        ):
            if response.status != 200:
                raise ValueError(f"{url}: {response.status} {response.reason}")
            document = orjson.loads(await response.read())
        if not isinstance(document, dict):
            raise ValueError(f"{url}: not a JSON object")
        return document

    return fetch
