"""The external OIDC authenticator against a small issuer on loopback HTTPS (discovery + JWKS), with upstream's
claim rules (``plugin/pkg/authenticator/token/oidc``). Token times come from a fake clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from pinnace.apiserver.authn import AuthenticationFailed
from pinnace.apiserver.authnoptions import OIDCOptions
from pinnace.apiserver.oidc import OIDCAuthenticator
from pinnace.apiserver.pki import ensure_pki
from pinnace.apiserver.tls import serving_ssl_context

API = ("https://kubernetes.default.svc.cluster.local",)
# Tokens are stamped relative to the clock when each is made: the module may be imported long before a
# test runs (collection of a 20-minute suite), and a stamp taken at import would have expired by then.


@dataclass
class Issuer:
    url: str
    ca_file: Path
    key: rsa.RSAPrivateKey
    requests: list[str]

    def token(self, **claims: Any) -> str:
        payload = {"iss": self.url, "aud": "kubectl", "sub": "u-1", "exp": int(time.time()) + 600, **claims}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
async def issuer(tmp_path: Path) -> AsyncIterator[Issuer]:
    pki = ensure_pki(tmp_path)
    key = rsa.generate_private_key(65537, 2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "use": "sig"}
    requests: list[str] = []
    app = web.Application()
    holder: dict[str, str] = {}

    async def discovery(request: web.Request) -> web.Response:
        requests.append(request.path)
        return web.json_response({"issuer": holder["url"], "jwks_uri": holder["url"] + "/keys"})

    async def keys(request: web.Request) -> web.Response:
        requests.append(request.path)
        return web.json_response({"keys": [jwk]})

    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_get("/keys", keys)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=serving_ssl_context(pki))
    await site.start()
    try:
        port = runner.addresses[0][1]
        holder["url"] = f"https://127.0.0.1:{port}"
        yield Issuer(holder["url"], pki.ca_cert, key, requests)
    finally:
        await runner.cleanup()


def authenticator(issuer: Issuer, **options: Any) -> OIDCAuthenticator:
    settings = {"issuer_url": issuer.url, "client_id": "kubectl", "ca_file": issuer.ca_file, **options}
    return OIDCAuthenticator.from_options(OIDCOptions(**settings), API)


async def test_an_id_token_authenticates_with_the_issuer_prefix(issuer: Issuer) -> None:
    oidc = authenticator(issuer, groups_claim="groups", groups_prefix="oidc:")
    response = await oidc.authenticate_token(issuer.token(groups=["dev", "ops"]), API)
    assert response is not None
    assert response.user.name == f"{issuer.url}#u-1"
    assert response.user.groups == ("oidc:dev", "oidc:ops")
    assert response.audiences == API
    # Keys are fetched once and reused.
    await oidc.authenticate_token(issuer.token(), API)
    assert issuer.requests == ["/.well-known/openid-configuration", "/keys"]


@pytest.mark.parametrize(
    ("options", "claims", "user"),
    [
        pytest.param({"username_claim": "email"}, {"email": "a@x.io"}, "a@x.io", id="email has no prefix"),
        pytest.param({"username_prefix": "-"}, {}, "u-1", id="prefix disabled"),
        pytest.param({"username_prefix": "corp:"}, {}, "corp:u-1", id="own prefix"),
    ],
)
async def test_user_names(issuer: Issuer, options: dict[str, Any], claims: dict[str, Any], user: str) -> None:
    response = await authenticator(issuer, **options).authenticate_token(issuer.token(**claims), API)
    assert response is not None
    assert response.user.name == user


@pytest.mark.parametrize(
    ("options", "claims", "message"),
    [
        pytest.param(
            {},
            {"aud": "other"},
            "oidc: verify token: oidc: expected audience \"kubectl\" got ['other']",
            id="wrong client id",
        ),
        pytest.param({}, {"exp": -10}, "oidc: verify token: oidc: token is expired", id="expired"),
        pytest.param(
            {"username_claim": "email"},
            {"email": "a@x.io", "email_verified": False},
            "oidc: email not verified",
            id="email not verified",
        ),
        pytest.param(
            {"required_claims": (("tenant", "a"),)},
            {"tenant": "b"},
            "oidc: required claim tenant value does not match. Got = b, want = a",
            id="required claim differs",
        ),
    ],
)
async def test_refused_tokens(
    issuer: Issuer, options: dict[str, Any], claims: dict[str, Any], message: str
) -> None:
    with pytest.raises(AuthenticationFailed) as raised:
        await authenticator(issuer, **options).authenticate_token(issuer.token(**claims), API)
    assert str(raised.value).startswith(message)


async def test_tokens_of_other_issuers_are_left_to_others(issuer: Issuer) -> None:
    oidc = authenticator(issuer)
    assert await oidc.authenticate_token(issuer.token(iss="https://other.example"), API) is None
    assert issuer.requests == []


async def test_a_token_signed_by_someone_else_is_refused(issuer: Issuer) -> None:
    forged = jwt.encode(
        {"iss": issuer.url, "aud": "kubectl", "sub": "root", "exp": int(time.time()) + 60},
        rsa.generate_private_key(65537, 2048),
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(AuthenticationFailed, match="failed to verify signature"):
        await authenticator(issuer).authenticate_token(forged, API)


async def test_an_unreachable_issuer_is_not_initialized(tmp_path: Path) -> None:
    options = OIDCOptions(issuer_url="https://127.0.0.1:1", client_id="kubectl")
    oidc = OIDCAuthenticator.from_options(options, API)
    token = jwt.encode({"iss": options.issuer_url, "aud": "kubectl"}, "k" * 32, algorithm="HS256")
    with pytest.raises(AuthenticationFailed) as raised:
        await oidc.authenticate_token(token, API)
    assert "unsupported algorithm" in str(raised.value)
    signed = jwt.encode({"iss": options.issuer_url}, rsa.generate_private_key(65537, 2048), algorithm="RS256")
    with pytest.raises(AuthenticationFailed, match="oidc: authenticator not initialized"):
        await oidc.authenticate_token(signed, API)
