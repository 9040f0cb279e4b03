"""What one user may do in one namespace, compiled for lookups (the authorizer's fast path).

Matching a request against each rule in turn costs about a microsecond per rule in Python, and the
controller manager holds over a hundred. So the rules that apply to a (user, groups, namespace) are compiled
once into a table keyed by (verb, API group, resource), where any of the three may be ``*`` as written; a
request then looks up the 8 (or 12, with a subresource: ``resource/sub``, ``*/sub``, ``*``) keys that could
match. Rules that name resources (resourceNames) and URL prefixes are few, and checked one by one. Each entry
remembers the position of its rule in upstream's visiting order, so the smallest one wins and the reason a
SubjectAccessReview shows names the same binding as upstream's.

Compiled grants are cached per (user name, groups, namespace) and dropped whenever any RBAC object changes
(:attr:`RBACIndex.generation`), so a change applies to the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinnace.apiserver.authz import Attributes
from pinnace.apiserver.rbac.index import RBACIndex
from pinnace.apiserver.rbac.rules import ALL, CompiledRule
from pinnace.apiserver.user import UserInfo

# Bound on cached (user, namespace) tables; the cache starts over when it is reached.
MAX_CACHED = 4096


@dataclass
class Grants:
    """The rules of one user in one namespace, compiled."""

    resources: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)
    named: list[tuple[int, CompiledRule, str]] = field(default_factory=list)
    urls: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    url_prefixes: list[tuple[int, CompiledRule, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def compile(cls, index: RBACIndex, user: UserInfo, namespace: str) -> Grants:
        grants = cls()
        # One reason per binding, written once: every rule of a binding shares its source.
        reasons: dict[int, str] = {}
        for order, visit in enumerate(index.visit_rules_for(user, namespace)):
            if visit.error:
                grants.errors.append(visit.error)
            if visit.rule is None or visit.source is None:
                continue
            reason = reasons.get(id(visit.source))
            if reason is None:
                reason = reasons[id(visit.source)] = f"RBAC: allowed by {visit.source}"
            grants._add(order, visit.rule, reason)
        return grants

    def _add(self, order: int, compiled: CompiledRule, source: str) -> None:
        rule = compiled.rule
        if rule.resources:
            if rule.resource_names:
                self.named.append((order, compiled, source))
            else:
                for verb in rule.verbs:
                    for group in rule.api_groups:
                        for resource in rule.resources:
                            self.resources.setdefault((verb, group, resource), (order, source))
        if rule.non_resource_urls:
            if compiled.url_prefixes:
                self.url_prefixes.append((order, compiled, source))
            for verb in rule.verbs:
                for url in rule.non_resource_urls:
                    self.urls.setdefault((verb, url), (order, source))

    def allowed_by(self, attributes: Attributes) -> str | None:
        """The reason (naming the binding) of the first rule, in upstream's order, that allows the request;
        None if no rule does."""
        best: tuple[int, str] | None = None
        verbs = (attributes.verb, ALL)
        if attributes.resource_request:
            groups = (attributes.api_group, ALL)
            if attributes.subresource:
                sub = attributes.subresource
                resources: tuple[str, ...] = (f"{attributes.resource}/{sub}", f"*/{sub}", ALL)
            else:
                resources = (attributes.resource, ALL)
            table = self.resources
            for verb in verbs:
                for group in groups:
                    for resource in resources:
                        found = table.get((verb, group, resource))
                        if found is not None and (best is None or found[0] < best[0]):
                            best = found
            if attributes.name:
                for order, compiled, source in self.named:
                    if (best is None or order < best[0]) and compiled.allows(attributes):
                        best = (order, source)
                        break  # later entries come later in the order
        else:
            for verb in verbs:
                for url in (attributes.path, ALL):
                    found = self.urls.get((verb, url))
                    if found is not None and (best is None or found[0] < best[0]):
                        best = found
            for order, compiled, source in self.url_prefixes:
                if (best is None or order < best[0]) and compiled.allows(attributes):
                    best = (order, source)
                    break
        return best[1] if best is not None else None


class GrantsCache:
    def __init__(self, index: RBACIndex) -> None:
        self._index = index
        self._generation = -1
        self._cache: dict[tuple[str, tuple[str, ...], str], Grants] = {}

    def get(self, user: UserInfo, namespace: str) -> Grants:
        if self._generation != self._index.generation:
            self._cache.clear()
            self._generation = self._index.generation
        key = (user.name, user.groups, namespace)
        grants = self._cache.get(key)
        if grants is None:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            grants = self._cache[key] = Grants.compile(self._index, user, namespace)
        return grants
