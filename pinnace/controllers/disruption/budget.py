"""A PodDisruptionBudget's numbers, computed from the pods it selects (upstream's
``pkg/controller/disruption/disruption.go``: ``getExpectedPodCount``, ``buildDisruptedPodMap``,
``countHealthyPods``, ``updatePdbStatus``; and ``component-helpers/apps/poddisruptionbudget``).

* ``expectedPods``: the number of pods the budget is about — with an integer ``minAvailable``, the pods
  selected; with a percentage or ``maxUnavailable``, the sum of the scales of the pods' controllers (found
  by :class:`ScaleFinder`);
* ``desiredHealthy``: ``minAvailable`` (a percentage of the expected pods, rounded up), or the expected pods
  minus ``maxUnavailable`` (rounded up), never below 0;
* ``currentHealthy``: Ready pods that are neither being deleted nor recently evicted (``disruptedPods``);
* ``disruptionsAllowed``: ``currentHealthy - desiredHealthy`` when positive and something is expected.

``disruptedPods`` is written by the eviction subresource; an entry is dropped once its pod is being
deleted, or two minutes after the eviction if the pod was never deleted (a ``NotDeleted`` Warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from pinnace.controllers.intstr import IntOrPercentError, scaled_value_from_int_or_percent
from pinnace.controllers.ownerrefs import controller_ref
from pinnace.controllers.podutil import format_time, is_pod_ready, parse_time

Object = dict[str, Any]

#: ``DeletionTimeout``: how long an eviction counts as in progress without the pod being deleted.
DELETION_TIMEOUT: Final = timedelta(minutes=2)

DISRUPTION_ALLOWED: Final = "DisruptionAllowed"
SUFFICIENT_PODS: Final = "SufficientPods"
INSUFFICIENT_PODS: Final = "InsufficientPods"
SYNC_FAILED: Final = "SyncFailed"


class ExpectedCountError(Exception):
    """The expected pod count cannot be computed (a pod's controller is unknown, a bad percentage)."""


@dataclass(frozen=True, slots=True)
class ControllerScale:
    uid: str
    replicas: int


#: Maps a pod's controller reference (and namespace) to the controller's uid and scale, or None.
ScaleFinder = Callable[[Object, str], ControllerScale | None]


@dataclass
class Counts:
    expected: int = 0
    desired_healthy: int = 0
    unmanaged: list[str] = field(default_factory=list)


def expected_scale(pods: list[Object], find: ScaleFinder) -> tuple[int, list[str]]:
    """``getExpectedScale``: the sum of the scales of the pods' controllers, and the pods that have none."""
    scales: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        ref = controller_ref(pod)
        if ref is None:
            unmanaged.append(pod["metadata"]["name"])
            continue
        if ref.get("uid") in scales:
            continue
        found = find(ref, str(pod["metadata"].get("namespace") or ""))
        if found is None:
            raise ExpectedCountError(f'found no controllers for pod "{pod["metadata"]["name"]}"')
        scales[found.uid] = found.replicas
    return sum(scales.values()), unmanaged


def expected_pod_count(budget: Object, pods: list[Object], find: ScaleFinder) -> Counts:
    """``getExpectedPodCount``."""
    spec = budget.get("spec") or {}
    counts = Counts()
    try:
        if spec.get("maxUnavailable") is not None:
            counts.expected, counts.unmanaged = expected_scale(pods, find)
            unavailable = scaled_value_from_int_or_percent(spec["maxUnavailable"], counts.expected, True)
            counts.desired_healthy = max(0, counts.expected - unavailable)
        elif spec.get("minAvailable") is not None:
            min_available = spec["minAvailable"]
            if isinstance(min_available, int):
                counts.desired_healthy = min_available
                counts.expected = len(pods)
            else:
                counts.expected, counts.unmanaged = expected_scale(pods, find)
                counts.desired_healthy = scaled_value_from_int_or_percent(
                    min_available, counts.expected, True
                )
    except IntOrPercentError as err:
        raise ExpectedCountError(str(err)) from err
    return counts


def build_disrupted_pod_map(
    pods: list[Object], budget: Object, now: datetime, not_deleted: Callable[[Object], None]
) -> tuple[dict[str, str], datetime | None]:
    """``buildDisruptedPodMap``: the evictions still in progress, and when the earliest of them expires.
    ``not_deleted(pod)`` is called for a pod evicted more than two minutes ago and still not deleted."""
    recorded: dict[str, str] = dict((budget.get("status") or {}).get("disruptedPods") or {})
    result: dict[str, str] = {}
    recheck: datetime | None = None
    if not recorded:
        return result, recheck
    for pod in pods:
        metadata = pod["metadata"]
        if metadata.get("deletionTimestamp"):
            continue  # being deleted: the eviction went through
        stamp = recorded.get(metadata["name"])
        disrupted_at = parse_time(stamp)
        if stamp is None or disrupted_at is None:
            continue
        expected_deletion = disrupted_at + DELETION_TIMEOUT
        if expected_deletion < now:
            not_deleted(pod)
        else:
            recheck = expected_deletion if recheck is None else min(recheck, expected_deletion)
            result[metadata["name"]] = stamp
    return result, recheck


def count_healthy_pods(pods: list[Object], disrupted: dict[str, str], now: datetime) -> int:
    """``countHealthyPods``: Ready, not being deleted, not evicted within the last two minutes."""
    healthy = 0
    for pod in pods:
        metadata = pod["metadata"]
        if metadata.get("deletionTimestamp"):
            continue
        disrupted_at = parse_time(disrupted.get(metadata["name"]))
        if disrupted_at is not None and disrupted_at + DELETION_TIMEOUT > now:
            continue
        if is_pod_ready(pod):
            healthy += 1
    return healthy


def set_status_condition(conditions: list[Object], new: Object, now: datetime) -> None:
    """``apimeta.SetStatusCondition``: ``lastTransitionTime`` moves only when the status changes."""
    for existing in conditions:
        if existing.get("type") == new["type"]:
            if existing.get("status") != new["status"]:
                existing["status"] = new["status"]
                existing["lastTransitionTime"] = format_time(now)
            existing["reason"] = new["reason"]
            existing["message"] = new["message"]
            existing["observedGeneration"] = new["observedGeneration"]
            return
    conditions.append({**new, "lastTransitionTime": format_time(now)})


def update_disruption_allowed_condition(status: Object, now: datetime) -> None:
    """``UpdateDisruptionAllowedCondition``: True/SufficientPods while a disruption is allowed."""
    allowed = int(status.get("disruptionsAllowed") or 0) > 0
    conditions = list(status.get("conditions") or [])
    set_status_condition(
        conditions,
        {
            "type": DISRUPTION_ALLOWED,
            "status": "True" if allowed else "False",
            "reason": SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS,
            "message": "",
            "observedGeneration": int(status.get("observedGeneration") or 0),
        },
        now,
    )
    status["conditions"] = conditions


def conditions_are_up_to_date(budget: Object) -> bool:
    """``ConditionsAreUpToDate``: the condition agrees with ``disruptionsAllowed`` for this generation."""
    status = budget.get("status") or {}
    condition = next((c for c in status.get("conditions") or [] if c.get("type") == DISRUPTION_ALLOWED), None)
    if condition is None:
        return False
    if int(status.get("observedGeneration") or 0) != int(budget["metadata"].get("generation") or 0):
        return False
    if int(status.get("disruptionsAllowed") or 0) > 0:
        return bool(condition.get("status") == "True" and condition.get("reason") == SUFFICIENT_PODS)
    return bool(condition.get("status") == "False" and condition.get("reason") == INSUFFICIENT_PODS)


def new_status(
    budget: Object,
    current_healthy: int,
    counts: Counts,
    disrupted: dict[str, str],
    now: datetime,
) -> Object | None:
    """``updatePdbStatus``: the status to write, or None when the stored one already says all this."""
    allowed = current_healthy - counts.desired_healthy
    if counts.expected <= 0 or allowed <= 0:
        # Nothing expected yet is a safe "no": the first pods may show up before this controller sees them.
        allowed = 0
    status = budget.get("status") or {}
    generation = int(budget["metadata"].get("generation") or 0)
    if (
        int(status.get("currentHealthy") or 0) == current_healthy
        and int(status.get("desiredHealthy") or 0) == counts.desired_healthy
        and int(status.get("expectedPods") or 0) == counts.expected
        and int(status.get("disruptionsAllowed") or 0) == allowed
        and dict(status.get("disruptedPods") or {}) == disrupted
        and int(status.get("observedGeneration") or 0) == generation
        and conditions_are_up_to_date(budget)
    ):
        return None
    written: Object = {
        "currentHealthy": current_healthy,
        "desiredHealthy": counts.desired_healthy,
        "expectedPods": counts.expected,
        "disruptionsAllowed": allowed,
        "observedGeneration": generation,
        "conditions": [dict(c) for c in status.get("conditions") or []],
    }
    if disrupted:
        written["disruptedPods"] = disrupted
    update_disruption_allowed_condition(written, now)
    return written
