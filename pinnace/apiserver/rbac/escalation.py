"""Escalation prevention: nobody grants through RBAC what they do not hold themselves
(upstream ``pkg/registry/rbac/escalation_check.go`` and ``validation.ConfirmNoEscalation``).

Writing a Role or ClusterRole is allowed when the writer is in ``system:masters``, may ``escalate`` that
role resource, or already holds every rule of it (in the role's namespace; cluster-wide for a ClusterRole).
Setting or changing a ClusterRole's ``aggregationRule`` needs full authority (``*`` on everything), since
it can gather any rule. Writing a binding is allowed to ``system:masters``, to whoever may ``bind`` the
referenced role, and to whoever holds every rule of that role. Otherwise the write is refused with
upstream's message::

    roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["system:authenticated"]) is
    attempting to grant RBAC permissions not currently held:
    {APIGroups:[""], Resources:["pods"], Verbs:["get"]}

Updates that change only what the garbage collector needs (owner references, finalizers) are never
checked (``IsOnlyMutatingGCFields``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from pinnace.api.gofmt import go_quote
from pinnace.apiserver import status
from pinnace.apiserver.authz import Attributes, Authorizer, Decision
from pinnace.apiserver.rbac.covers import compact_rules, compact_string, covers
from pinnace.apiserver.rbac.index import (
    CLUSTER_ROLE,
    ROLE,
    RBACIndex,
    RoleNotFound,
    RoleRef,
    aggregate_message,
)
from pinnace.apiserver.rbac.rules import ALL, PolicyRule, rules_from
from pinnace.apiserver.user import MASTERS_GROUP, UserInfo

Object = dict[str, Any]

RBAC_GROUP = "rbac.authorization.k8s.io"
# What setting an aggregationRule needs: everything (upstream ``fullAuthority``).
FULL_AUTHORITY = (
    PolicyRule(verbs=(ALL,), api_groups=(ALL,), resources=(ALL,)),
    PolicyRule(verbs=(ALL,), non_resource_urls=(ALL,)),
)
AGGREGATION_MESSAGE = "must have cluster-admin privileges to use the aggregationRule"
_ROLE_RESOURCES = {ROLE: "roles", CLUSTER_ROLE: "clusterroles"}
# Metadata the system writes; an update differing only in these and the GC fields changes no grant.
_SYSTEM_METADATA = ("resourceVersion", "managedFields", "generation", "creationTimestamp", "uid", "selfLink")
_GC_METADATA = ("ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds")


def escalation_allowed(user: UserInfo) -> bool:
    """``EscalationAllowed``: ``system:masters`` may grant anything (the loopback client is one)."""
    return MASTERS_GROUP in user.groups


async def role_escalation_authorized(
    authorizer: Authorizer, user: UserInfo, kind: str, namespace: str, name: str
) -> bool:
    """``RoleEscalationAuthorized``: may the user ``escalate`` this role resource?"""
    attributes = Attributes(
        user=user,
        verb="escalate",
        path="",
        resource_request=True,
        api_group=RBAC_GROUP,
        api_version="*",
        namespace=namespace,
        resource=_ROLE_RESOURCES[kind],
        name=name,
    )
    decision, _ = await authorizer.authorize(attributes)
    return decision is Decision.ALLOW


async def binding_authorized(
    authorizer: Authorizer, user: UserInfo, role_ref: RoleRef, binding_namespace: str
) -> bool:
    """``BindingAuthorized``: may the user ``bind`` the referenced role, in the binding's namespace?"""
    resource = _ROLE_RESOURCES.get(role_ref.kind)
    if resource is None:
        return False
    attributes = Attributes(
        user=user,
        verb="bind",
        path="",
        resource_request=True,
        api_group=role_ref.api_group,
        namespace=binding_namespace,
        resource=resource,
        name=role_ref.name,
    )
    decision, _ = await authorizer.authorize(attributes)
    return decision is Decision.ALLOW


def _go_strings(values: Sequence[str]) -> str:
    return "[" + " ".join(go_quote(value) for value in values) + "]"


def no_escalation_error(
    index: RBACIndex, user: UserInfo, namespace: str, rules: Sequence[PolicyRule]
) -> str | None:
    """``ConfirmNoEscalation``: None when the user holds ``rules`` in ``namespace``, else the message."""
    owned, errors = index.rules_for(user, namespace)
    covered, missing = covers(owned, rules)
    if covered:
        return None
    missing_descriptions = sorted({compact_string(rule) for rule in compact_rules(missing)})
    message = (
        f"user {go_quote(user.name)} (groups={_go_strings(user.groups)}) is attempting to grant RBAC "
        "permissions not currently held:\n" + "\n".join(missing_descriptions)
    )
    if errors:
        message += f"; resolution errors: [{aggregate_message(errors)}]"
    return message


def only_gc_fields_changed(new: Object, old: Object | None) -> bool:
    """``IsOnlyMutatingGCFields``: ``new`` equals ``old`` once the garbage collector's fields are
    taken from ``old`` (and the fields the system writes are set aside)."""
    if old is None:
        return False
    new_copy, old_copy = copy.deepcopy(new), copy.deepcopy(old)
    new_meta = new_copy.setdefault("metadata", {})
    old_meta = old_copy.setdefault("metadata", {})
    for key in _GC_METADATA:
        if key in old_meta:
            new_meta[key] = old_meta[key]
        else:
            new_meta.pop(key, None)
    for meta in (new_meta, old_meta):
        for key in _SYSTEM_METADATA:
            meta.pop(key, None)
    for obj in (new_copy, old_copy):
        obj.pop("apiVersion", None)
        obj.pop("kind", None)
    return bool(new_copy == old_copy)


def has_aggregation_rule(obj: Object | None) -> bool:
    return bool(obj and (obj.get("aggregationRule") or {}).get("clusterRoleSelectors"))


class EscalationPolicy:
    """The checks of upstream's policy-based role and binding storage, given the authorizer chain and
    the RBAC rules."""

    def __init__(self, authorizer: Authorizer, index: RBACIndex) -> None:
        self.authorizer = authorizer
        self.index = index

    async def check_role(
        self, kind: str, user: UserInfo, namespace: str, url_name: str, obj: Object, old: Object | None
    ) -> None:
        """Raise 403 unless ``user`` may write Role/ClusterRole ``obj`` (replacing ``old``, if any)."""
        if escalation_allowed(user) or await role_escalation_authorized(
            self.authorizer, user, kind, namespace, url_name
        ):
            return
        if only_gc_fields_changed(obj, old):
            return
        resource, name = _ROLE_RESOURCES[kind], _name(obj)
        error = no_escalation_error(self.index, user, namespace, rules_from(obj))
        if error is not None:
            raise status.forbidden(error, resource=resource, name=name, group=RBAC_GROUP)
        if kind == CLUSTER_ROLE and (has_aggregation_rule(obj) or has_aggregation_rule(old)):
            if no_escalation_error(self.index, user, namespace, FULL_AUTHORITY) is not None:
                raise status.forbidden(AGGREGATION_MESSAGE, resource=resource, name=name, group=RBAC_GROUP)

    async def check_binding(
        self, resource: str, user: UserInfo, namespace: str, obj: Object, old: Object | None
    ) -> None:
        """Raise 403 unless ``user`` may write RoleBinding/ClusterRoleBinding ``obj``."""
        if escalation_allowed(user) or only_gc_fields_changed(obj, old):
            return
        ref = obj.get("roleRef") or {}
        role_ref = RoleRef(str(ref.get("kind", "")), str(ref.get("name", "")), str(ref.get("apiGroup", "")))
        if await binding_authorized(self.authorizer, user, role_ref, namespace):
            return
        name = _name(obj)
        try:
            compiled = self.index.role_reference_rules(role_ref, namespace)
        except RoleNotFound as err:
            raise status.forbidden(str(err), resource=resource, name=name, group=RBAC_GROUP) from None
        error = no_escalation_error(self.index, user, namespace, [rule.rule for rule in compiled])
        if error is not None:
            raise status.forbidden(error, resource=resource, name=name, group=RBAC_GROUP)


def _name(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))
