"""Taints and tolerations as the node lifecycle and taint eviction controllers handle them.

Upstream's ``k8s.io/api/core/v1`` helpers (``Toleration.ToleratesTaint``, ``Taint.MatchTaint``),
``pkg/apis/core/v1/helper.GetMatchingTolerations`` and ``pkg/util/taints`` (add, remove, diff), on the
API's plain dicts. Controllers may not import the scheduler (components meet only through the API), whose
``framework/taints.py`` holds the same matching rule for frozen values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

Object = dict[str, Any]

NO_SCHEDULE: Final = "NoSchedule"
NO_EXECUTE: Final = "NoExecute"

# v1.TaintNode* keys.
TAINT_NODE_NOT_READY: Final = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE: Final = "node.kubernetes.io/unreachable"
TAINT_NODE_UNSCHEDULABLE: Final = "node.kubernetes.io/unschedulable"
TAINT_NODE_MEMORY_PRESSURE: Final = "node.kubernetes.io/memory-pressure"
TAINT_NODE_DISK_PRESSURE: Final = "node.kubernetes.io/disk-pressure"
TAINT_NODE_PID_PRESSURE: Final = "node.kubernetes.io/pid-pressure"
TAINT_NODE_NETWORK_UNAVAILABLE: Final = "node.kubernetes.io/network-unavailable"


def taint(key: str, effect: str) -> Object:
    return {"key": key, "effect": effect}


def match_taint(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """``Taint.MatchTaint``: the same key and effect (a node has at most one taint per pair)."""
    return left.get("key") == right.get("key") and left.get("effect") == right.get("effect")


def taint_exists(taints: Iterable[Mapping[str, Any]], wanted: Mapping[str, Any]) -> bool:
    return any(match_taint(existing, wanted) for existing in taints)


def tolerates(toleration: Mapping[str, Any], taint_: Mapping[str, Any]) -> bool:
    """``Toleration.ToleratesTaint``: an empty effect matches every effect, an empty key (with ``Exists``)
    every key; operator ``""`` means ``Equal``; an unknown operator tolerates nothing."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint_.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint_.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint_.get("value") or "")
    return bool(operator == "Exists")


def get_matching_tolerations(
    taints: Iterable[Mapping[str, Any]], tolerations: Iterable[Mapping[str, Any]]
) -> tuple[bool, list[Mapping[str, Any]]]:
    """``v1helper.GetMatchingTolerations``: whether every taint is tolerated, and for each taint the first
    toleration that tolerates it (what decides how long a pod may stay)."""
    tolerations = list(tolerations)
    used: list[Mapping[str, Any]] = []
    for taint_ in taints:
        for toleration in tolerations:
            if tolerates(toleration, taint_):
                used.append(toleration)
                break
        else:
            return False, []
    return True, used


def add_or_update_taints(taints: list[Object], new: Iterable[Object]) -> tuple[list[Object], bool]:
    """``taintutils.AddOrUpdateTaint`` for several taints: a taint with the same key and effect is replaced
    unless it is equal. Returns the new list and whether it changed."""
    result = [dict(existing) for existing in taints]
    changed = False
    for wanted in new:
        for index, existing in enumerate(result):
            if match_taint(existing, wanted):
                if existing != wanted:
                    result[index] = dict(wanted)
                    changed = True
                break
        else:
            result.append(dict(wanted))
            changed = True
    return result, changed


def remove_taints(taints: list[Object], unwanted: Iterable[Mapping[str, Any]]) -> tuple[list[Object], bool]:
    """``taintutils.RemoveTaint`` for several taints (matched by key and effect)."""
    unwanted = list(unwanted)
    kept = [existing for existing in taints if not any(match_taint(existing, u) for u in unwanted)]
    return kept, len(kept) != len(taints)


def taint_set_diff(wanted: list[Object], current: list[Object]) -> tuple[list[Object], list[Object]]:
    """``taintutils.TaintSetDiff``: taints to add (wanted, not present) and to remove (present, not
    wanted), matched by key and effect."""
    to_add = [t for t in wanted if not taint_exists(current, t)]
    to_remove = [t for t in current if not taint_exists(wanted, t)]
    return to_add, to_remove
