"""Which pods a ReplicaSet deletes first when it scales down (upstream's ``getPodsToDelete`` in
``pkg/controller/replicaset/replica_set.go`` and ``ActivePodsWithRanks`` in ``controller_utils.go``).

The pods that are cheapest to lose go first, comparing in this order:

1. unassigned < assigned (no ``spec.nodeName`` yet);
2. ``Pending`` < ``Unknown`` < ``Running``;
3. not ready < ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost`` < higher (the PodDeletionCost feature, GA);
5. more pods of the same owner family on the pod's node < fewer (the *rank*: spreading is kept);
6. ready for less time < longer, compared on a log2 scale of the age (LogarithmicScaleDown, on by default
   since 1.22) so that pods of similar age tie and fall through to the next rules;
7. more container restarts < fewer (regular containers first, then restartable init containers);
8. newer < older, again on the log2 scale; a tie on the log scale is broken by uid.

The rank counts *active* pods on the node that belong to any ReplicaSet with the same controller (the other
ReplicaSets of one Deployment), so a rolling update scales down the old pods that share a node with new ones.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pinnace.controllers.podutil import get_condition, is_pod_active, is_pod_ready, parse_time

Object = dict[str, Any]

POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
# Upstream's podPhaseToOrdinal; any other phase counts as Pending (a missing map key is 0 in Go).
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class RankedPod:
    pod: Object
    rank: int


def get_pods_to_delete(
    pods: Sequence[Object], related_pods: Sequence[Object], count: int, now: datetime
) -> list[Object]:
    """The ``count`` pods of ``pods`` to delete; sorting is skipped when all of them go anyway."""
    if count < len(pods):
        on_node = Counter(_node(pod) for pod in related_pods if is_pod_active(pod))
        ranked = [RankedPod(pod, on_node[_node(pod)]) for pod in pods]
        ranked.sort(key=functools.cmp_to_key(functools.partial(compare_ranked, now=now)))
        pods = [entry.pod for entry in ranked]
    return list(pods[:count])


def compare_ranked(left: RankedPod, right: RankedPod, *, now: datetime | None) -> int:
    """``ActivePodsWithRanks.Less`` as a ``cmp`` function (negative: ``left`` is deleted first)."""
    a, b = left.pod, right.pod
    a_node, b_node = _node(a), _node(b)
    if a_node != b_node and (not a_node or not b_node):
        return -1 if not a_node else 1
    a_phase, b_phase = _phase_ordinal(a), _phase_ordinal(b)
    if a_phase != b_phase:
        return -1 if a_phase < b_phase else 1
    a_ready, b_ready = is_pod_ready(a), is_pod_ready(b)
    if a_ready != b_ready:
        return -1 if not a_ready else 1
    a_cost, b_cost = deletion_cost(a), deletion_cost(b)
    if a_cost != b_cost:
        return -1 if a_cost < b_cost else 1
    if left.rank != right.rank:
        return -1 if left.rank > right.rank else 1
    if a_ready and b_ready:
        a_since, b_since = ready_since(a), ready_since(b)
        if a_since != b_since:
            return _compare_times(a, b, a_since, b_since, now)
    restarts = _compare_restarts(a, b)
    if restarts:
        return restarts
    a_created = parse_time((a.get("metadata") or {}).get("creationTimestamp"))
    b_created = parse_time((b.get("metadata") or {}).get("creationTimestamp"))
    if a_created != b_created:
        return _compare_times(a, b, a_created, b_created, now)
    return 0


def deletion_cost(pod: Object) -> int:
    """The pod's deletion cost annotation; absent or not an int32 counts as 0, as upstream ignores the
    parse error of ``GetDeletionCostFromPodAnnotations``."""
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(POD_DELETION_COST_ANNOTATION)
    if value is None:
        return 0
    try:
        cost = int(str(value), 10)
    except ValueError:
        return 0
    return cost if _INT32_MIN <= cost <= _INT32_MAX else 0


def _compare_times(
    a: Object, b: Object, a_time: datetime | None, b_time: datetime | None, now: datetime | None
) -> int:
    """Later (or unset) first; with a ``now``, times in the same power-of-two age bucket tie (by uid)."""
    if now is None or a_time is None or b_time is None:
        return -1 if _after_or_zero(a_time, b_time) else 1
    diff = _log_rank(now, a_time) - _log_rank(now, b_time)
    if diff == 0:
        a_uid = str((a.get("metadata") or {}).get("uid") or "")
        b_uid = str((b.get("metadata") or {}).get("uid") or "")
        return (a_uid > b_uid) - (a_uid < b_uid)
    return -1 if diff < 0 else 1


def _log_rank(now: datetime, moment: datetime) -> int:
    """Upstream's ``logarithmicRankDiff`` term: ``int(log2(age in nanoseconds))``, -1 for no age."""
    nanoseconds = (now - moment).total_seconds() * 1e9
    return int(math.log2(nanoseconds)) if nanoseconds > 0 else -1


def _after_or_zero(left: datetime | None, right: datetime | None) -> bool:
    if left is None or right is None:
        return left is None
    return left > right


def _compare_restarts(a: Object, b: Object) -> int:
    a_regular, a_sidecar = _max_restarts(a)
    b_regular, b_sidecar = _max_restarts(b)
    if a_regular != b_regular:
        return -1 if a_regular > b_regular else 1
    if a_sidecar != b_sidecar:
        return -1 if a_sidecar > b_sidecar else 1
    return 0


def _max_restarts(pod: Object) -> tuple[int, int]:
    """Highest restart count of regular containers, and of restartable (sidecar) init containers."""
    status = pod.get("status") or {}
    regular = max((int(s.get("restartCount") or 0) for s in status.get("containerStatuses") or []), default=0)
    sidecars = {
        c.get("name")
        for c in (pod.get("spec") or {}).get("initContainers") or []
        if c.get("restartPolicy") == "Always"
    }
    sidecar = max(
        (
            int(s.get("restartCount") or 0)
            for s in status.get("initContainerStatuses") or []
            if s.get("name") in sidecars
        ),
        default=0,
    )
    return regular, sidecar


def _node(pod: Object) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def _phase_ordinal(pod: Object) -> int:
    return _PHASE_ORDINAL.get(str((pod.get("status") or {}).get("phase") or ""), 0)


def ready_since(pod: Object) -> datetime | None:
    condition = get_condition(pod, "Ready") or {}
    return parse_time(condition.get("lastTransitionTime"))
