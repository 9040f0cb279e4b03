"""Authorization: may this user do this? Mirrors ``k8s.io/apiserver/pkg/authorization``.

An :class:`Authorizer` gets the request's :class:`Attributes` and answers ALLOW, DENY or NO_OPINION with a
reason. :class:`UnionAuthorizer` asks each in turn; the first ALLOW or DENY wins, and when all abstain the
request is denied. Today's chain (RBAC and the Node authorizer replace the second stage later):

1. :class:`PrivilegedGroupAuthorizer`: members of ``system:masters`` may do everything (upstream's
   ``authorizerfactory.NewPrivilegedGroups``, which kube-apiserver always puts first).
2. :class:`ComponentAuthorizer`: the built-in components' own identities (controller manager, scheduler,
   nodes) may do everything. This is an interim stand-in for upstream's bootstrap RBAC roles
   (``system:kube-controller-manager``, ``system:kube-scheduler``, ``system:node`` with the Node authorizer),
   which replace it when RBAC arrives; until then it lets components run as themselves rather than as admin.
3. :class:`PublicInfoAuthorizer`: anyone may ``get`` the health and version endpoints, as the
   ``system:public-info-viewer`` ClusterRole grants.

:func:`forbidden_error` renders a denial with upstream's exact wording (``responsewriters.Forbidden``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pinnace.api.gofmt import go_quote
from pinnace.apiserver.authn import PUBLIC_INFO_PATHS
from pinnace.apiserver.status import Forbidden, forbidden
from pinnace.apiserver.user import MASTERS_GROUP, NODES_GROUP, UserInfo


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


@dataclass(frozen=True, slots=True)
class Attributes:
    """What is asked (``authorizer.Attributes``).

    For a non-resource request (``resource_request`` False) only ``verb`` (the lower-cased HTTP method)
    and ``path`` matter; resource requests carry the API group, resource, namespace and name.
    """

    user: UserInfo
    verb: str
    path: str
    resource_request: bool = False
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""


class Authorizer(Protocol):
    """Decides one request. Returns the decision and a reason (may be empty) that a denial reports."""

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]: ...


class PrivilegedGroupAuthorizer:
    """ALLOW for members of any of ``groups``, NO_OPINION for everyone else."""

    def __init__(self, groups: Iterable[str] = (MASTERS_GROUP,)) -> None:
        self._groups = frozenset(groups)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        if self._groups.intersection(attributes.user.groups):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""


class ComponentAuthorizer:
    """ALLOW for the named component users and groups, NO_OPINION for everyone else."""

    def __init__(self, users: Iterable[str], groups: Iterable[str]) -> None:
        self._users = frozenset(users)
        self._groups = frozenset(groups)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        if attributes.user.name in self._users or self._groups.intersection(attributes.user.groups):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""


class PublicInfoAuthorizer:
    """ALLOW ``get`` on the public paths and their sub-paths for every user, NO_OPINION otherwise."""

    def __init__(self, paths: Iterable[str] = PUBLIC_INFO_PATHS) -> None:
        self._paths = tuple(path.rstrip("/") for path in paths)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        if attributes.resource_request or attributes.verb not in ("get", "head"):
            return Decision.NO_OPINION, ""
        path = attributes.path.rstrip("/")
        if any(path == p or path.startswith(p + "/") for p in self._paths):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""


class UnionAuthorizer:
    """The first ALLOW or DENY wins; NO_OPINION from all of them is a denial (upstream ``union``)."""

    def __init__(self, authorizers: Sequence[Authorizer]) -> None:
        self._authorizers = tuple(authorizers)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        reasons: list[str] = []
        for authorizer in self._authorizers:
            decision, reason = await authorizer.authorize(attributes)
            if decision is not Decision.NO_OPINION:
                return decision, reason
            if reason:
                reasons.append(reason)
        return Decision.NO_OPINION, ", ".join(reasons)


def new_authorizer() -> UnionAuthorizer:
    components = ComponentAuthorizer(
        users=("system:kube-controller-manager", "system:kube-scheduler"), groups=(NODES_GROUP,)
    )
    return UnionAuthorizer([PrivilegedGroupAuthorizer(), components, PublicInfoAuthorizer()])


def forbidden_message(attributes: Attributes) -> str:
    """Upstream ``responsewriters.forbiddenMessage``, word for word."""
    user = attributes.user.name
    if not attributes.resource_request:
        return f"User {go_quote(user)} cannot {attributes.verb} path {go_quote(attributes.path)}"
    resource = attributes.resource
    if attributes.subresource:
        resource += "/" + attributes.subresource
    if attributes.namespace:
        return (
            f"User {go_quote(user)} cannot {attributes.verb} resource {go_quote(resource)} in API group "
            f"{go_quote(attributes.api_group)} in the namespace {go_quote(attributes.namespace)}"
        )
    return (
        f"User {go_quote(user)} cannot {attributes.verb} resource {go_quote(resource)} in API group "
        f"{go_quote(attributes.api_group)} at the cluster scope"
    )


def forbidden_error(attributes: Attributes, reason: str = "") -> Forbidden:
    """The 403 kube-apiserver answers for a denied request, e.g.
    ``forbidden: User "alice" cannot get path "/api"`` or
    ``pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"``.
    """
    message = forbidden_message(attributes)
    if reason:
        message = f"{message}: {reason}"
    return forbidden(message, resource=attributes.resource, name=attributes.name, group=attributes.api_group)
