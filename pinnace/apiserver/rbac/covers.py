"""Does one set of rules cover another? (``k8s.io/component-helpers/auth/rbac/validation``
``policy_comparator.go``, and ``pkg/registry/rbac/validation/policy_compact.go`` for the message.)

Escalation prevention and the reconciliation of bootstrap roles both ask it. Every rule of the servant is
broken down into atoms of one group, one resource, one verb and at most one name (or one URL and one
verb); an atom is covered when a single owner rule covers it. What is left over is the missing rights,
which :func:`compact_rules` folds back together (one rule per group/resource/name, verbs joined) for
upstream's error message, each written by :func:`compact_string`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pinnace.api.gofmt import go_quote
from pinnace.apiserver.rbac.rules import ALL, PolicyRule


def breakdown_rule(rule: PolicyRule) -> list[PolicyRule]:
    """Upstream ``BreakdownRule``: rules of at most one verb, resource and resource name each."""
    atoms: list[PolicyRule] = []
    for group in rule.api_groups:
        for resource in rule.resources:
            for verb in rule.verbs:
                if rule.resource_names:
                    atoms.extend(
                        PolicyRule(
                            verbs=(verb,), api_groups=(group,), resources=(resource,), resource_names=(n,)
                        )
                        for n in rule.resource_names
                    )
                else:
                    atoms.append(PolicyRule(verbs=(verb,), api_groups=(group,), resources=(resource,)))
    # Non-resource URLs combine only with verbs.
    for url in rule.non_resource_urls:
        atoms.extend(PolicyRule(verbs=(verb,), non_resource_urls=(url,)) for verb in rule.verbs)
    return atoms


def covers(owner: Sequence[PolicyRule], servant: Iterable[PolicyRule]) -> tuple[bool, list[PolicyRule]]:
    """(whether ``owner`` covers every atom of ``servant``, the atoms it does not cover)."""
    missing = [
        atom
        for rule in servant
        for atom in breakdown_rule(rule)
        if not any(_rule_covers(owner_rule, atom) for owner_rule in owner)
    ]
    return not missing, missing


def _has_all(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    return set(wanted) <= set(owned)


def _resource_covers_all(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    if ALL in owned or _has_all(owned, wanted):
        return True
    for path in wanted:
        if path in owned:
            continue
        # Only a subresource can still be covered, by "*/<subresource>".
        if "/" not in path or "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner_path: str, path: str) -> bool:
    return owner_path == path or (owner_path.endswith("*") and path.startswith(owner_path.rstrip("*")))


def _urls_cover_all(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    return all(any(_url_covers(owner_path, path) for owner_path in owned) for path in wanted)


def _rule_covers(owner: PolicyRule, atom: PolicyRule) -> bool:
    """``ruleCovers``: ``owner`` (any size) covers ``atom`` (one verb, resource and name at most)."""
    if not (ALL in owner.verbs or _has_all(owner.verbs, atom.verbs)):
        return False
    if not (ALL in owner.api_groups or _has_all(owner.api_groups, atom.api_groups)):
        return False
    if not _resource_covers_all(owner.resources, atom.resources):
        return False
    if not _urls_cover_all(owner.non_resource_urls, atom.non_resource_urls):
        return False
    if not atom.resource_names:
        return not owner.resource_names
    return not owner.resource_names or _has_all(owner.resource_names, atom.resource_names)


def compact_rules(rules: Iterable[PolicyRule]) -> list[PolicyRule]:
    """Upstream ``CompactRules``: rules of one group, one resource and at most one name, differing only
    in their verbs, become one rule; every other rule is kept as it is."""
    compacted: list[PolicyRule] = []
    simple: dict[tuple[str, str, str | None], PolicyRule] = {}
    for rule in rules:
        if (
            rule.non_resource_urls
            or len(rule.resource_names) > 1
            or len(rule.api_groups) != 1
            or len(rule.resources) != 1
        ):
            compacted.append(rule)
            continue
        key = (rule.api_groups[0], rule.resources[0], rule.resource_names[0] if rule.resource_names else None)
        existing = simple.get(key)
        if existing is None:
            simple[key] = rule
        else:
            simple[key] = PolicyRule(
                verbs=existing.verbs + rule.verbs,
                api_groups=existing.api_groups,
                resources=existing.resources,
                resource_names=existing.resource_names,
            )
    return compacted + list(simple.values())


def _go_strings(values: Sequence[str]) -> str:
    """Go's ``%q`` of a ``[]string``: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(value) for value in values) + "]"


def compact_string(rule: PolicyRule) -> str:
    """Upstream ``CompactString``: ``{APIGroups:[""], Resources:["pods"], Verbs:["get"]}``."""
    parts = [
        f"{label}:{_go_strings(values)}"
        for label, values in (
            ("APIGroups", rule.api_groups),
            ("Resources", rule.resources),
            ("NonResourceURLs", rule.non_resource_urls),
            ("ResourceNames", rule.resource_names),
            ("Verbs", rule.verbs),
        )
        if values
    ]
    return "{" + ", ".join(parts) + "}"
