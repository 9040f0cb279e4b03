"""The RBAC authorizer (upstream ``plugin/pkg/auth/authorizer/rbac/rbac.go``).

ALLOW as soon as one rule granted to the user (through a ClusterRoleBinding, or a RoleBinding of the
request's namespace) allows the request, with the reason ``RBAC: allowed by ClusterRoleBinding "x" of
ClusterRole "y" to Group "z"`` that a SubjectAccessReview shows. Otherwise NO_OPINION: RBAC never denies,
so later authorizers may still allow. The reason of a denial is empty, unless a binding names a role that
does not exist, which upstream reports (``RBAC: clusterrole.rbac.authorization.k8s.io "x" not found``).
Decisions come from the user's compiled grants (:mod:`~pinnace.apiserver.rbac.grants`).
"""

from __future__ import annotations

from pinnace.apiserver.authz import Attributes, Decision, SubjectRules
from pinnace.apiserver.rbac.grants import GrantsCache
from pinnace.apiserver.rbac.index import RBACIndex, aggregate_message
from pinnace.apiserver.user import UserInfo


class RBACAuthorizer:
    def __init__(self, index: RBACIndex) -> None:
        self.index = index
        self._grants = GrantsCache(index)

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        grants = self._grants.get(attributes.user, attributes.namespace)
        reason = grants.allowed_by(attributes)
        if reason is not None:
            return Decision.ALLOW, reason
        return Decision.NO_OPINION, f"RBAC: {aggregate_message(grants.errors)}" if grants.errors else ""

    async def rules_for(self, user: UserInfo, namespace: str) -> SubjectRules:
        """Upstream ``RBACAuthorizer.RulesFor``: the user's rules, split into resource and URL rules."""
        rules, errors = self.index.rules_for(user, namespace)
        resource_rules = []
        non_resource_rules = []
        for rule in rules:
            if rule.resources:
                resource = {"verbs": list(rule.verbs)}
                for key, values in (
                    ("apiGroups", rule.api_groups),
                    ("resources", rule.resources),
                    ("resourceNames", rule.resource_names),
                ):
                    if values:
                        resource[key] = list(values)
                resource_rules.append(resource)
            if rule.non_resource_urls:
                non_resource_rules.append(
                    {"verbs": list(rule.verbs), "nonResourceURLs": list(rule.non_resource_urls)}
                )
        return SubjectRules(
            resource_rules=tuple(resource_rules),
            non_resource_rules=tuple(non_resource_rules),
            errors=tuple(errors),
        )
