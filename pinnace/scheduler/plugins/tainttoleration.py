"""TaintToleration: Filter rejects nodes with an untolerated NoSchedule/NoExecute taint; Score prefers nodes
with fewer untolerated PreferNoSchedule taints
(``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go``).

Vectorised per distinct taint list: nodes sharing a list share the snapshot's taint id, so the pod's
tolerations are checked once per distinct list, not once per node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    FilterOutcome,
    IntArray,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.taints import (
    PREFER_NO_SCHEDULE,
    Taint,
    Toleration,
    do_not_schedule,
    find_matching_untolerated_taint,
    tolerations_tolerate_taint,
    untolerated_taint_reason,
)
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import default_normalize_score, events, outcome_from_codes

NAME = names.TAINT_TOLERATION
_PRE_SCORE_KEY: Final = "PreScore" + NAME


def untolerated_status(pod: PodInfo, taints: Sequence[Taint]) -> Status | None:
    taint = find_matching_untolerated_taint(taints, pod.tolerations, do_not_schedule)
    if taint is None:
        return None
    return Status(Code.UnschedulableAndUnresolvable, (untolerated_taint_reason(taint),))


def prefer_no_schedule_tolerations(tolerations: Sequence[Toleration]) -> tuple[Toleration, ...]:
    """``getAllTolerationPreferNoSchedule``: tolerations with an empty or PreferNoSchedule effect."""
    return tuple(t for t in tolerations if not t.effect or t.effect == PREFER_NO_SCHEDULE)


def count_intolerable_prefer_no_schedule(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> int:
    return sum(
        1 for t in taints if t.effect == PREFER_NO_SCHEDULE and not tolerations_tolerate_taint(tolerations, t)
    )


class TaintToleration:
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        return untolerated_status(pod, node_info.taints)

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        table = np.zeros(len(snapshot.taint_sets), dtype=np.int32)
        statuses: list[Status] = []
        by_reason: dict[str, int] = {}
        for tid, taints in enumerate(snapshot.taint_sets):
            if not taints:
                continue
            status = untolerated_status(pod, taints)
            if status is not None:
                code = by_reason.get(status.reasons[0])
                if code is None:
                    statuses.append(status)
                    code = by_reason[status.reasons[0]] = len(statuses)
                table[tid] = code
        if not statuses:
            return None
        codes: npt.NDArray[np.int32] = table[snapshot.taint_ids]
        return outcome_from_codes(codes, statuses)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        state.write(_PRE_SCORE_KEY, prefer_no_schedule_tolerations(pod.tolerations))
        return None

    def _tolerations(self, state: CycleState, pod: PodInfo) -> tuple[Toleration, ...]:
        cached = state.get(_PRE_SCORE_KEY)
        return cached if cached is not None else prefer_no_schedule_tolerations(pod.tolerations)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        return count_intolerable_prefer_no_schedule(node_info.taints, self._tolerations(state, pod)), None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        tolerations = self._tolerations(state, pod)
        table = np.array(
            [count_intolerable_prefer_no_schedule(taints, tolerations) for taints in snapshot.taint_sets],
            dtype=np.int64,
        )
        return table[snapshot.taint_ids[indices]] if len(table) else np.zeros(len(indices), dtype=np.int64)

    def score_extensions(self) -> ScoreExtensions | None:
        return self

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: IntArray, nodes: Sequence[NodeInfo]
    ) -> Status | None:
        default_normalize_score(scores, reverse=True)
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeTaint),
            (EventResource.POD, ActionType.UpdatePodTolerations),
        )


def new(args: Mapping[str, Any], handle: Any) -> TaintToleration:
    return TaintToleration()
