"""Resource-allocation scoring shared by NodeResourcesFit and NodeResourcesBalancedAllocation
(``pkg/scheduler/framework/plugins/noderesources``: resource_allocation.go, least_allocated.go,
most_allocated.go, requested_to_capacity_ratio.go, balanced_allocation.go; Kubernetes 1.32).

For each configured resource a node contributes (allocatable, requested + the pod's request):

* cpu and memory count the node's *non-zero* requests and the pod's request with upstream's defaults for
  containers that name none (100m, 200Mi), unless ``use_requested`` (BalancedAllocation) asks for the real
  requests;
* a scalar (extended) resource the pod does not request is skipped, as is a resource the node does not have.

Strategies, integer arithmetic as upstream:

* LeastAllocated: ``(allocatable - requested) * 100 / allocatable`` (0 when over-requested), weighted mean;
* MostAllocated: ``min(requested, allocatable) * 100 / allocatable``, weighted mean;
* RequestedToCapacityRatio: a broken-linear function of utilisation (shape scores x10), weighted mean of
  non-zero scores, rounded;
* Balanced: ``(1 - std(fractions)) * 100`` where fractions are requested/allocatable capped at 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework import resources
from pinnace.scheduler.framework.interface import MAX_NODE_SCORE, IntArray
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo

Strategy = Literal["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio", "Balanced"]
#: config.MaxCustomPriorityScore: shape scores are 0..10 and scaled to 0..100.
MAX_CUSTOM_PRIORITY_SCORE: Final = 10
MAX_UTILIZATION: Final = 100

DEFAULT_RESOURCES: Final = (("cpu", 1), ("memory", 1))
DEFAULT_SHAPE: Final = ((0, 10), (100, 0))


def parse_resources(raw: Sequence[Mapping[str, Any]] | None) -> tuple[tuple[str, int], ...]:
    """ResourceSpec list with upstream's defaulting (weight 0 means 1)."""
    if raw is None:
        return DEFAULT_RESOURCES
    return tuple((str(r.get("name")), int(r.get("weight") or 1)) for r in raw)


@dataclass(frozen=True, slots=True)
class Scorer:
    strategy: Strategy
    resources: tuple[tuple[str, int], ...]
    use_requested: bool = False
    shape: tuple[tuple[int, int], ...] = DEFAULT_SHAPE

    def pod_requests(self, pod: PodInfo) -> list[int]:
        """``calculatePodResourceRequestList``."""
        out: list[int] = []
        for name, _ in self.resources:
            if not self.use_requested and name == resources.CPU:
                out.append(pod.non0_cpu)
            elif not self.use_requested and name == resources.MEMORY:
                out.append(pod.non0_mem)
            else:
                out.append(pod.requests.get(name, 0))
        return out

    # Per node ----------------------------------------------------------------------------------------------

    def score(self, node_info: NodeInfo, pod_requests: Sequence[int]) -> int:
        requested = np.zeros((len(self.resources), 1), dtype=np.int64)
        allocatable = np.zeros((len(self.resources), 1), dtype=np.int64)
        for j, (name, _) in enumerate(self.resources):
            alloc, req = self._node_values(node_info, name, pod_requests[j])
            allocatable[j, 0] = alloc
            requested[j, 0] = req
        return int(self._combine(requested, allocatable)[0])

    def _node_values(self, info: NodeInfo, name: str, pod_request: int) -> tuple[int, int]:
        if pod_request == 0 and resources.is_scalar_resource_name(name):
            return 0, 0
        if name == resources.CPU:
            used = info.requested.get(name, 0) if self.use_requested else info.non_zero_cpu
            return info.allocatable.get(name, 0), used + pod_request
        if name == resources.MEMORY:
            used = info.requested.get(name, 0) if self.use_requested else info.non_zero_mem
            return info.allocatable.get(name, 0), used + pod_request
        if name == resources.EPHEMERAL_STORAGE or name in info.allocatable:
            return info.allocatable.get(name, 0), info.requested.get(name, 0) + pod_request
        return 0, 0

    # Vectorised --------------------------------------------------------------------------------------------

    def score_all(
        self, snapshot: Snapshot, rows: npt.NDArray[np.intp], pod_requests: Sequence[int]
    ) -> IntArray:
        r = len(self.resources)
        requested = np.zeros((r, len(rows)), dtype=np.int64)
        allocatable = np.zeros((r, len(rows)), dtype=np.int64)
        for j, (name, _) in enumerate(self.resources):
            pod_request = pod_requests[j]
            if pod_request == 0 and resources.is_scalar_resource_name(name):
                continue
            idx = snapshot.resource_index(name)
            if idx is None:
                continue
            allocatable[j] = snapshot.allocatable[idx][rows]
            if not self.use_requested and name == resources.CPU:
                used = snapshot.non_zero[0][rows]
            elif not self.use_requested and name == resources.MEMORY:
                used = snapshot.non_zero[1][rows]
            else:
                used = snapshot.requested[idx][rows]
            requested[j] = used + pod_request
        return self._combine(requested, allocatable)

    def _combine(self, requested: IntArray, allocatable: IntArray) -> IntArray:
        """Scores from (resources x nodes) requested and allocatable matrices."""
        if self.strategy == "Balanced":
            return _balanced(requested, allocatable)
        n = requested.shape[1]
        node_score = np.zeros(n, dtype=np.int64)
        weight_sum = np.zeros(n, dtype=np.int64)
        for j, (_, weight) in enumerate(self.resources):
            alloc, req = allocatable[j], requested[j]
            valid = alloc > 0
            all_valid = bool(valid.all())
            if not all_valid and not valid.any():
                continue
            safe_alloc = alloc if all_valid else np.where(valid, alloc, 1)
            if self.strategy == "LeastAllocated":
                per = np.where(req > alloc, 0, (alloc - req) * MAX_NODE_SCORE // safe_alloc)
            elif self.strategy == "MostAllocated":
                per = np.minimum(req, alloc) * MAX_NODE_SCORE // safe_alloc
            else:
                utilization = np.where(req > alloc, MAX_UTILIZATION, req * MAX_UTILIZATION // safe_alloc)
                per = self._broken_linear(utilization)
                valid = valid & (per > 0)
                all_valid = bool(valid.all())
            if all_valid:
                node_score += per * weight
                weight_sum += weight
            else:
                node_score += np.where(valid, per * weight, 0)
                weight_sum += np.where(valid, weight, 0)
        safe_sum = np.where(weight_sum > 0, weight_sum, 1)
        if self.strategy == "RequestedToCapacityRatio":
            # math.Round(float64(nodeScore) / float64(weightSum)): halves away from zero (all positive here).
            result = np.floor(node_score / safe_sum + 0.5).astype(np.int64)
        else:
            result = node_score // safe_sum
        return np.where(weight_sum > 0, result, 0)

    def _broken_linear(self, utilization: IntArray) -> IntArray:
        """``helper.BuildBrokenLinearFunction`` over shape points with scores scaled to MAX_NODE_SCORE."""
        scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
        points = [(u, s * scale) for u, s in self.shape]
        out = np.full(utilization.shape, points[-1][1], dtype=np.int64)
        done = np.zeros(utilization.shape, dtype=bool)
        for i, (u, s) in enumerate(points):
            here = ~done & (utilization <= u)
            if i == 0:
                out[here] = s
            else:
                u0, s0 = points[i - 1]
                # Go integer division truncates toward zero (the product may be negative).
                num = (s - s0) * (utilization - u0)
                out[here] = (s0 + np.trunc(num / (u - u0)).astype(np.int64))[here]
            done |= here
        return out


def _balanced(requested: IntArray, allocatable: IntArray) -> IntArray:
    """``balancedResourceScorer`` over (resources x nodes) matrices."""
    fast = balanced_fast(requested, allocatable)
    if fast is not None:
        return fast
    valid = allocatable > 0
    fractions = np.minimum(np.where(valid, requested / np.where(valid, allocatable, 1), 0.0), 1.0)
    count = valid.sum(axis=0)
    out = np.empty(requested.shape[1], dtype=np.int64)
    for i in range(requested.shape[1]):
        values = fractions[:, i][valid[:, i]]
        if count[i] == 2:
            std = abs((values[0] - values[1]) / 2)
        elif count[i] > 2:
            mean = values.sum() / count[i]
            std = float(np.sqrt(((values - mean) ** 2).sum() / count[i]))
        else:
            std = 0.0
        out[i] = int((1 - std) * MAX_NODE_SCORE)
    return out


def balanced_fast(requested: IntArray, allocatable: IntArray) -> IntArray | None:
    """Balanced scores when every node has exactly two resources (the default cpu+memory), vectorised."""
    if requested.shape[0] != 2 or not (allocatable > 0).all():
        return None
    f0 = np.minimum(requested[0] / allocatable[0], 1.0)
    f1 = np.minimum(requested[1] / allocatable[1], 1.0)
    scores: IntArray = ((1 - np.abs((f0 - f1) / 2)) * MAX_NODE_SCORE).astype(np.int64)
    return scores
