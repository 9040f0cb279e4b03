"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory (by default) would be equally used
after placing the pod (``pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go``, 1.32).

Score = ``(1 - standard deviation of requested/allocatable fractions) * 100``, counting the nodes' real
requests (not the non-zero defaults NodeResourcesFit scores with).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    CycleState,
    EventResource,
    IntArray,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events
from pinnace.scheduler.plugins.resourceallocation import Scorer, parse_resources

NAME = names.NODE_RESOURCES_BALANCED_ALLOCATION
_PRE_SCORE_KEY: Final = "PreScore" + NAME


class BalancedAllocation:
    name = NAME

    def __init__(self, args: Mapping[str, Any]) -> None:
        self.scorer = Scorer("Balanced", parse_resources(args.get("resources")), use_requested=True)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        state.write(_PRE_SCORE_KEY, self.scorer.pod_requests(pod))
        return None

    def _pod_requests(self, state: CycleState, pod: PodInfo) -> list[int]:
        cached: list[int] | None = state.get(_PRE_SCORE_KEY)
        return cached if cached is not None else self.scorer.pod_requests(pod)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        return self.scorer.score(node_info, self._pod_requests(state, pod)), None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        return self.scorer.score_all(snapshot, indices, self._pod_requests(state, pod))

    def score_extensions(self) -> ScoreExtensions | None:
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.ASSIGNED_POD, ActionType.Delete),
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeAllocatable),
        )


def new(args: Mapping[str, Any], handle: Any) -> BalancedAllocation:
    return BalancedAllocation(args)
