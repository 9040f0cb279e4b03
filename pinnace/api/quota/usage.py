"""A quota's usage: which evaluators measure its hard resources, and the sum over the objects in its
namespace that fall under its scopes (``quota.CalculateUsage`` and ``generic.CalculateUsageStats``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from pinnace.api.quota.evaluators import Evaluator, Object, ScopeRequirement
from pinnace.api.quota.resourcelist import ZERO, ResourceList, add, mask

#: Lists the objects of an evaluator's resource in a namespace.
ListFunc = Callable[[Evaluator, str], Awaitable[list[Object]]]


def scope_requirements(spec: Object) -> list[ScopeRequirement]:
    """``spec.scopes`` as ``Exists`` requirements, then ``spec.scopeSelector.matchExpressions``: an object
    counts only if it matches every one."""
    requirements: list[ScopeRequirement] = [
        {"scopeName": scope, "operator": "Exists"} for scope in spec.get("scopes") or []
    ]
    requirements.extend((spec.get("scopeSelector") or {}).get("matchExpressions") or [])
    return requirements


async def calculate_usage(
    namespace: str,
    spec: Object,
    hard: ResourceList,
    evaluators: Sequence[Evaluator],
    list_objects: ListFunc,
    now: datetime,
) -> ResourceList:
    """The usage of every hard resource some evaluator can measure (others are left out)."""
    hard_names = sorted(hard)
    matched = {name for evaluator in evaluators for name in evaluator.matching_resources(hard_names)}
    requirements = scope_requirements(spec)
    usage: ResourceList = {}
    for evaluator in evaluators:
        tracked = evaluator.matching_resources(sorted(matched))
        if not tracked:
            continue
        # Every tracked resource shows, zero when nothing uses it.
        used: ResourceList = dict.fromkeys(tracked, ZERO)
        for obj in await list_objects(evaluator, namespace):
            if all(evaluator.matches_scope(requirement, obj) for requirement in requirements):
                used = add(used, evaluator.usage(obj, now))
        usage = add(usage, used)
    return mask(usage, matched)
