"""Authorization: may this user do this? Mirrors ``k8s.io/apiserver/pkg/authorization``.

An :class:`Authorizer` gets the request's :class:`Attributes` and answers ALLOW, DENY or NO_OPINION with a
reason. :class:`UnionAuthorizer` asks each in turn; the first ALLOW or DENY wins, and when all abstain the
request is denied. The chain kube-apiserver builds for ``--authorization-mode=Node,RBAC``, as far as it
exists here (:func:`new_authorizer`):

1. :class:`PrivilegedGroupAuthorizer`: members of ``system:masters`` may do everything (upstream's
   ``authorizerfactory.NewPrivilegedGroups``, which kube-apiserver always puts first).
2. the Node authorizer (:mod:`pinnace.apiserver.node`): a kubelet (``system:node:<name>`` in
   ``system:nodes``) may read only what its node's pods reference, and do what upstream's node rules allow;
   RBAC's ``system:node`` role is bound to nobody, as upstream.
3. RBAC (:mod:`pinnace.apiserver.rbac`), from the roles and bindings in the cluster. The health and
   version endpoints are open to everyone through RBAC's ``system:public-info-viewer`` binding.

An API server without storage (some tests) has no RBAC; :class:`PublicInfoAuthorizer` then opens the
public endpoints instead, and the built-in components keep their interim access.

Authorizers that can list what a user may do also implement :class:`RuleResolver`
(``authorizer.RuleResolver``), which SelfSubjectRulesReview (``kubectl auth can-i --list``) asks.
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
    # The request's ``fieldSelector`` (the Node authorizer lets a node list only its own pods).
    field_selector: str = ""


class Authorizer(Protocol):
    """Decides one request. Returns the decision and a reason (may be empty) that a denial reports."""

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]: ...


@dataclass(frozen=True, slots=True)
class SubjectRules:
    """What a user may do in a namespace (``authorizer.RuleResolver.RulesFor``), rules in API form:
    ``{"verbs", "apiGroups", "resources", "resourceNames"}`` and ``{"verbs", "nonResourceURLs"}``.

    ``incomplete`` says the list may lack rules an authorizer grants but cannot enumerate; ``errors`` are
    what went wrong while collecting them (the rules found are still valid: rules only add).
    """

    resource_rules: tuple[dict[str, list[str]], ...] = ()
    non_resource_rules: tuple[dict[str, list[str]], ...] = ()
    incomplete: bool = False
    errors: tuple[str, ...] = ()


class RuleResolver(Protocol):
    """An authorizer that can enumerate the rules it grants a user."""

    async def rules_for(self, user: UserInfo, namespace: str) -> SubjectRules: ...


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

    def _applies(self, user: UserInfo) -> bool:
        return user.name in self._users or bool(self._groups.intersection(user.groups))

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        if self._applies(attributes.user):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""

    async def rules_for(self, user: UserInfo, namespace: str) -> SubjectRules:
        # Like the Node authorizer it stands in for: the rules of a node are not enumerable.
        if self._applies(user):
            return SubjectRules(incomplete=True, errors=(NODE_RULES_ERROR,))
        return SubjectRules()


NODE_RULES_ERROR = "node authorizer does not support user rule resolution"


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

    async def rules_for(self, user: UserInfo, namespace: str) -> SubjectRules:
        """Every resolver's rules in chain order (upstream ``unionAuthzRulesHandler``)."""
        resource: list[dict[str, list[str]]] = []
        non_resource: list[dict[str, list[str]]] = []
        incomplete = False
        errors: list[str] = []
        for authorizer in self._authorizers:
            rules_for = getattr(authorizer, "rules_for", None)
            if rules_for is None:
                continue
            found: SubjectRules = await rules_for(user, namespace)
            resource.extend(found.resource_rules)
            non_resource.extend(found.non_resource_rules)
            incomplete = incomplete or found.incomplete
            errors.extend(found.errors)
        return SubjectRules(tuple(resource), tuple(non_resource), incomplete, tuple(errors))


def new_authorizer(rbac: Authorizer | None = None, node: Authorizer | None = None) -> UnionAuthorizer:
    """kube-apiserver's chain for ``--authorization-mode=Node,RBAC``: privileged group, Node, RBAC.

    Without ``rbac`` (an API server without storage) the controller manager, scheduler and nodes keep the
    blanket access they had before RBAC, and the public endpoints are opened directly.
    """
    if rbac is None:
        components = ComponentAuthorizer(
            users=("system:kube-controller-manager", "system:kube-scheduler"), groups=(NODES_GROUP,)
        )
        return UnionAuthorizer([PrivilegedGroupAuthorizer(), components, PublicInfoAuthorizer()])
    chain: list[Authorizer] = [PrivilegedGroupAuthorizer()]
    if node is not None:
        chain.append(node)
    chain.append(rbac)
    return UnionAuthorizer(chain)


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
