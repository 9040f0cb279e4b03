"""Bearer token authentication: the union of token authenticators, audiences, and upstream's errors
(``k8s.io/apiserver/pkg/authentication``: bearertoken, union, ``WrapAudienceAgnosticToken``)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pinnace.apiserver.authn import (
    AuthenticationChain,
    AuthenticationFailed,
    BearerTokenAuthenticator,
    StaticTokenAuthenticator,
    TokenResponse,
    aggregate_messages,
    audience_agnostic,
)
from pinnace.apiserver.user import UserInfo

API = ("https://kubernetes.default.svc.cluster.local",)
ALICE = UserInfo(name="alice", uid="1", groups=("dev",))


class Failing:
    def __init__(self, message: str) -> None:
        self.message = message

    async def authenticate_token(self, token: str, audiences: Sequence[str]) -> TokenResponse | None:
        raise AuthenticationFailed(self.message)


@pytest.mark.parametrize(
    ("api", "requested", "expected"),
    [
        pytest.param(API, API, API, id="the API server's own audience"),
        pytest.param(API, ("vault",), None, id="another audience only"),
        pytest.param(API, ("vault", *API), API, id="one of several"),
        pytest.param((), ("anything",), (), id="no API audiences configured"),
    ],
)
def test_audience_agnostic_tokens(
    api: tuple[str, ...], requested: tuple[str, ...], expected: tuple[str, ...] | None
) -> None:
    assert audience_agnostic(api, requested) == expected


async def test_static_tokens_are_good_for_the_api_servers_audiences_only() -> None:
    static = StaticTokenAuthenticator({"t": ALICE}, API)
    assert await static.authenticate_token("t", API) == TokenResponse(ALICE, API)
    assert await static.authenticate_token("t", ("vault",)) is None
    assert await static.authenticate_token("unknown", API) is None


async def test_an_unknown_token_is_invalid_bearer_token() -> None:
    bearer = BearerTokenAuthenticator([StaticTokenAuthenticator({"t": ALICE}, API)], API)
    with pytest.raises(AuthenticationFailed, match=r"^invalid bearer token$"):
        await bearer.authenticate_bearer("nope", API)


async def test_errors_of_token_authenticators_are_aggregated_as_upstream() -> None:
    bearer = BearerTokenAuthenticator([Failing("a"), Failing("b"), Failing("a")], API)
    with pytest.raises(AuthenticationFailed, match=r"^\[a, b\]$"):
        await bearer.authenticate_bearer("x", API)
    assert aggregate_messages(["only"]) == "only"


async def test_the_first_authenticator_that_knows_the_token_wins_over_errors() -> None:
    bearer = BearerTokenAuthenticator([Failing("expired"), StaticTokenAuthenticator({"t": ALICE}, API)], API)
    assert (await bearer.authenticate_bearer("t", API)).user == ALICE


async def test_a_token_review_user_is_authenticated() -> None:
    chain = AuthenticationChain(
        [BearerTokenAuthenticator([StaticTokenAuthenticator({"t": ALICE}, API)], API)]
    )
    response = await chain.authenticate_token("t", API)
    assert response is not None
    assert response.user.groups == ("dev", "system:authenticated")
    assert await AuthenticationChain([]).authenticate_token("t", API) is None
