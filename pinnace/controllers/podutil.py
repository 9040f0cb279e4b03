"""Pod facts controllers share, as upstream's ``pkg/api/v1/pod`` and ``controller_utils.go`` state them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def is_pod_available(pod: Object, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least ``min_ready_seconds`` (upstream's ``IsPodAvailable``)."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    condition = get_condition(pod, "Ready") or {}
    since = parse_time(condition.get("lastTransitionTime"))
    return since is not None and (now - since).total_seconds() >= min_ready_seconds
