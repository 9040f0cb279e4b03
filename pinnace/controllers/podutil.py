"""Pod facts controllers share, as upstream's ``pkg/api/v1/pod`` and ``controller_utils.go`` state them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pinnace.api.timestamps import parse_time as parse_time  # re-exported for the controllers
from pinnace.api.timestamps import rfc3339

Object = dict[str, Any]

TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})


def get_condition(obj: Object, condition_type: str) -> Object | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return dict(condition)
    return None


def is_pod_active(pod: Object) -> bool:
    """Not finished and not being deleted (upstream's ``IsPodActive``)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in TERMINAL_PHASES and not (pod.get("metadata") or {}).get("deletionTimestamp")


def is_pod_terminating(pod: Object) -> bool:
    """Being deleted but not yet finished (upstream's ``IsPodTerminating``)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in TERMINAL_PHASES and bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_pod_ready(pod: Object) -> bool:
    condition = get_condition(pod, "Ready")
    return condition is not None and condition.get("status") == "True"


def is_pod_available(pod: Object, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least ``min_ready_seconds`` (upstream's ``IsPodAvailable``)."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    condition = get_condition(pod, "Ready") or {}
    since = parse_time(condition.get("lastTransitionTime"))
    return since is not None and (now - since).total_seconds() >= min_ready_seconds


# Upstream's podPhaseToOrdinal: how far along an active pod is.
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _ready_since(pod: Object) -> datetime | None:
    condition = get_condition(pod, "Ready") or {}
    return parse_time(condition.get("lastTransitionTime"))


def _max_restarts(pod: Object) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max((int(status.get("restartCount") or 0) for status in statuses), default=0)


def _after_or_zero(left: datetime | None, right: datetime | None) -> bool:
    """Upstream's ``afterOrZero``: an unset time counts as later than any set one."""
    if left is None or right is None:
        return left is None
    return left > right


def compare_active_pods(left: Object, right: Object) -> int:
    """Upstream's ``controller.ActivePods`` order, as a ``cmp`` function: the pod cheaper to lose sorts
    first — unscheduled < scheduled, Pending < Unknown < Running, not ready < ready, ready for less time <
    more, more container restarts < fewer, newer < older."""
    left_node = (left.get("spec") or {}).get("nodeName") or ""
    right_node = (right.get("spec") or {}).get("nodeName") or ""
    if left_node != right_node and (not left_node or not right_node):
        return -1 if not left_node else 1
    left_phase = _PHASE_ORDINAL.get((left.get("status") or {}).get("phase") or "", 0)
    right_phase = _PHASE_ORDINAL.get((right.get("status") or {}).get("phase") or "", 0)
    if left_phase != right_phase:
        return -1 if left_phase < right_phase else 1
    if is_pod_ready(left) != is_pod_ready(right):
        return -1 if not is_pod_ready(left) else 1
    if is_pod_ready(left) and is_pod_ready(right):
        left_ready, right_ready = _ready_since(left), _ready_since(right)
        if left_ready != right_ready:
            return -1 if _after_or_zero(left_ready, right_ready) else 1
    if _max_restarts(left) != _max_restarts(right):
        return -1 if _max_restarts(left) > _max_restarts(right) else 1
    left_created = parse_time((left.get("metadata") or {}).get("creationTimestamp"))
    right_created = parse_time((right.get("metadata") or {}).get("creationTimestamp"))
    if left_created != right_created:
        return -1 if _after_or_zero(left_created, right_created) else 1
    return 0


#: A ``metav1.Time`` as the API writes it (whole seconds, UTC).
format_time = rfc3339
