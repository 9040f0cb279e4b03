"""Does one RBAC PolicyRule allow one request? (upstream ``rbac.RuleAllows`` and the matchers of
``pkg/apis/rbac/v1/evaluation_helpers.go``).

A :class:`PolicyRule` is the frozen form of ``rbac.authorization.k8s.io/v1`` PolicyRule; its fields are
frozensets so that the matchers, run for every rule on every request, are set lookups:

- verbs: ``*`` or the request's verb;
- apiGroups: ``*`` or the request's group (``""`` is the core group);
- resources: ``*``, the request's ``resource`` or ``resource/subresource``, or ``*/subresource``;
- resourceNames: empty (any name) or the request's name;
- nonResourceURLs: ``*``, the exact path, or a prefix ending in ``*`` (``/apis/*`` matches ``/apis/apps``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pinnace.apiserver.authz import Attributes

# The wildcards of rbac/v1 (VerbAll, APIGroupAll, ResourceAll, NonResourceAll): all "*".
ALL = "*"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule as written (lists keep their order for display); the match sets are derived from them."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, rule: Mapping[str, Any]) -> PolicyRule:
        def strings(key: str) -> tuple[str, ...]:
            value = rule.get(key) or ()
            return tuple(str(item) for item in value)

        return cls(
            verbs=strings("verbs"),
            api_groups=strings("apiGroups"),
            resources=strings("resources"),
            resource_names=strings("resourceNames"),
            non_resource_urls=strings("nonResourceURLs"),
        )

    def to_dict(self) -> dict[str, list[str]]:
        """The API form, with empty lists left out as the Go type's ``omitempty`` does."""
        fields = (
            ("verbs", self.verbs),
            ("apiGroups", self.api_groups),
            ("resources", self.resources),
            ("resourceNames", self.resource_names),
            ("nonResourceURLs", self.non_resource_urls),
        )
        out = {key: list(values) for key, values in fields if values}
        out.setdefault("verbs", [])  # verbs is required and always written
        return out


def rules_from(obj: Mapping[str, Any]) -> tuple[PolicyRule, ...]:
    """The rules of a Role or ClusterRole object (``rules: null`` is none)."""
    return tuple(PolicyRule.from_dict(rule) for rule in obj.get("rules") or () if isinstance(rule, Mapping))


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready for matching: frozensets, and the ``*/subresource`` forms set apart."""

    rule: PolicyRule
    verbs: frozenset[str]
    api_groups: frozenset[str]
    resources: frozenset[str]
    resource_names: frozenset[str]
    url_prefixes: tuple[str, ...]
    urls: frozenset[str]

    @classmethod
    def of(cls, rule: PolicyRule) -> CompiledRule:
        return cls(
            rule=rule,
            verbs=frozenset(rule.verbs),
            api_groups=frozenset(rule.api_groups),
            resources=frozenset(rule.resources),
            resource_names=frozenset(rule.resource_names),
            url_prefixes=tuple(url.rstrip("*") for url in rule.non_resource_urls if url.endswith("*")),
            urls=frozenset(rule.non_resource_urls),
        )

    def allows(self, attributes: Attributes) -> bool:
        """Upstream ``RuleAllows``."""
        if not (ALL in self.verbs or attributes.verb in self.verbs):
            return False
        if attributes.resource_request:
            return (
                (ALL in self.api_groups or attributes.api_group in self.api_groups)
                and self.resource_matches(attributes.resource, attributes.subresource)
                and (not self.resource_names or attributes.name in self.resource_names)
            )
        path = attributes.path
        return ALL in self.urls or path in self.urls or any(path.startswith(p) for p in self.url_prefixes)

    def resource_matches(self, resource: str, subresource: str) -> bool:
        """``ResourceMatches``: ``*``, the combined ``resource/subresource``, or ``*/subresource``."""
        resources = self.resources
        if ALL in resources:
            return True
        if not subresource:
            return resource in resources
        return f"{resource}/{subresource}" in resources or f"*/{subresource}" in resources


def compile_rules(rules: Iterable[PolicyRule]) -> tuple[CompiledRule, ...]:
    return tuple(CompiledRule.of(rule) for rule in rules)


def rule_allows(attributes: Attributes, rule: PolicyRule) -> bool:
    return CompiledRule.of(rule).allows(attributes)
