"""Impersonation headers (upstream ``WithImpersonation``): what is authorized, whom the request becomes,
and upstream's refusals."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from pinnace.apiserver import status
from pinnace.apiserver.authz import Attributes, Decision
from pinnace.apiserver.impersonation import impersonate
from pinnace.apiserver.user import UserInfo

ADMIN = UserInfo(name="admin", groups=("system:masters", "system:authenticated"))
ALICE = UserInfo(name="alice", groups=("system:authenticated",))


class Recording:
    """Allows whatever ``allow`` says, recording each question."""

    def __init__(self, allow: bool = True) -> None:
        self.allow = allow
        self.asked: list[Attributes] = []

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        self.asked.append(attributes)
        return (Decision.ALLOW if self.allow else Decision.NO_OPINION), ""


def headers(*pairs: tuple[str, str]) -> CIMultiDict[str]:
    return CIMultiDict(pairs)


async def become(
    requestor: UserInfo, *pairs: tuple[str, str], allow: bool = True
) -> tuple[UserInfo, Recording]:
    authorizer = Recording(allow)
    request = make_mocked_request("GET", "/api/v1/pods", headers=headers(*pairs))
    return await impersonate(request, requestor, authorizer), authorizer


async def test_no_headers_keep_the_user() -> None:
    user, authorizer = await become(ALICE)
    assert user is ALICE and authorizer.asked == []


async def test_a_user_with_groups_extra_and_uid() -> None:
    user, authorizer = await become(
        ADMIN,
        ("Impersonate-User", "alice"),
        ("Impersonate-Group", "dev"),
        ("Impersonate-Group", "ops"),
        ("Impersonate-Extra-Scopes", "view"),
        ("Impersonate-Extra-Scopes", "edit"),
        ("Impersonate-Uid", "u-1"),
    )
    assert user == UserInfo(
        name="alice",
        uid="u-1",
        groups=("dev", "ops", "system:authenticated"),
        extra=(("scopes", ("view", "edit")),),
    )
    asked = [(a.verb, a.api_group, a.resource, a.subresource, a.name) for a in authorizer.asked]
    assert asked == [
        ("impersonate", "", "users", "", "alice"),
        ("impersonate", "", "groups", "", "dev"),
        ("impersonate", "", "groups", "", "ops"),
        ("impersonate", "authentication.k8s.io", "userextras", "scopes", "view"),
        ("impersonate", "authentication.k8s.io", "userextras", "scopes", "edit"),
        ("impersonate", "authentication.k8s.io", "uids", "", "u-1"),
    ]


async def test_a_service_account_gets_its_groups_unless_groups_are_given() -> None:
    user, authorizer = await become(ADMIN, ("Impersonate-User", "system:serviceaccount:dev:builder"))
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated")
    asked = authorizer.asked[0]
    assert (asked.resource, asked.namespace, asked.name) == ("serviceaccounts", "dev", "builder")
    user, _ = await become(
        ADMIN, ("Impersonate-User", "system:serviceaccount:dev:builder"), ("Impersonate-Group", "x")
    )
    assert user.groups == ("x", "system:authenticated")


async def test_anonymous_is_unauthenticated() -> None:
    user, _ = await become(ADMIN, ("Impersonate-User", "system:anonymous"))
    assert user.groups == ("system:unauthenticated",)


async def test_impersonating_without_the_verb_is_forbidden() -> None:
    with pytest.raises(status.Forbidden) as raised:
        await become(ALICE, ("Impersonate-User", "bob"), allow=False)
    assert raised.value.message == (
        'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" '
        "at the cluster scope"
    )
    with pytest.raises(status.Forbidden) as raised:
        await become(ALICE, ("Impersonate-User", "system:serviceaccount:dev:builder"), allow=False)
    assert raised.value.message == (
        'serviceaccounts "builder" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" '
        'in API group "" in the namespace "dev"'
    )


async def test_groups_without_a_user_are_an_internal_error() -> None:
    with pytest.raises(status.InternalError) as raised:
        await become(ADMIN, ("Impersonate-Group", "system:masters"))
    assert raised.value.message == (
        "Internal error occurred: requested [{Group  system:masters    }] without impersonating a user"
    )
