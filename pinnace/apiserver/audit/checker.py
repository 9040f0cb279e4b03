"""Which level a request is audited at: the first policy rule that matches (``pkg/audit/policy/checker.go``).

A rule matches when every field it sets matches: ``users`` (the authenticated name), ``userGroups`` (any
group), ``verbs``, then either ``resources``/``namespaces`` (resource requests only) or ``nonResourceURLs``
(non-resource requests only). No match means level ``None``. The stages to omit are the union of the
policy's and the rule's; ``omitManagedFields`` is the rule's if set, else the policy's.

The request is described by the authenticated user (``None`` when authentication failed, which no rule
naming users or groups matches) and its :class:`~pinnace.apiserver.requestinfo.RequestInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinnace.apiserver.audit.policy import GroupResources, Policy, PolicyRule
from pinnace.apiserver.audit.types import Level, Stage
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.user import UserInfo


@dataclass(frozen=True, slots=True)
class RequestAuditConfig:
    """What the policy says about one request (upstream ``audit.RequestAuditConfig``)."""

    level: Level
    omit_stages: frozenset[Stage] = frozenset()
    omit_managed_fields: bool = False


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: PolicyRule
    config: RequestAuditConfig


class PolicyRuleEvaluator:
    """Evaluates a validated :class:`Policy` (upstream ``NewPolicyRuleEvaluator``)."""

    def __init__(self, policy: Policy) -> None:
        global_stages = frozenset(Stage(stage) for stage in policy.omit_stages)
        self._rules = tuple(
            _Rule(
                rule,
                RequestAuditConfig(
                    level=Level(rule.level),
                    omit_stages=global_stages | {Stage(stage) for stage in rule.omit_stages},
                    omit_managed_fields=(
                        policy.omit_managed_fields
                        if rule.omit_managed_fields is None
                        else rule.omit_managed_fields
                    ),
                ),
            )
            for rule in policy.rules
        )
        self._default = RequestAuditConfig(Level.NONE, global_stages, policy.omit_managed_fields)

    def evaluate(self, user: UserInfo | None, info: RequestInfo) -> RequestAuditConfig:
        for entry in self._rules:
            if rule_matches(entry.rule, user, info):
                return entry.config
        return self._default


def rule_matches(rule: PolicyRule, user: UserInfo | None, info: RequestInfo) -> bool:
    if rule.users and (user is None or user.name not in rule.users):
        return False
    if rule.user_groups and (user is None or not any(group in rule.user_groups for group in user.groups)):
        return False
    if rule.verbs and info.verb not in rule.verbs:
        return False
    if rule.namespaces or rule.resources:
        return _matches_resource(rule, info)
    if rule.non_resource_urls:
        return not info.resource_request and any(
            _path_matches(info.path, spec) for spec in rule.non_resource_urls
        )
    return True


def _path_matches(path: str, spec: str) -> bool:
    if spec == "*" or spec == path:
        return True
    return spec.endswith("*") and path.startswith(spec.rstrip("*"))


def _matches_resource(rule: PolicyRule, info: RequestInfo) -> bool:
    if not info.resource_request:
        return False
    # Cluster-scoped resources have the namespace "".
    if rule.namespaces and info.namespace not in rule.namespaces:
        return False
    if not rule.resources:
        return True
    return any(_group_matches(entry, info) for entry in rule.resources)


def _group_matches(entry: GroupResources, info: RequestInfo) -> bool:
    if entry.group not in (info.api_group, "*"):
        return False
    if not entry.resources:
        return True
    if entry.resource_names and info.name not in entry.resource_names:
        return False
    resource, subresource = info.resource, info.subresource
    combined = f"{resource}/{subresource}" if subresource else resource
    for spec in entry.resources:
        if spec in (combined, "*"):
            return True
        if subresource and spec.startswith("*/") and spec[2:] == subresource:
            return True
        if spec.endswith("/*") and spec[:-2] == resource:
            return True
    return False
