"""NodeResourcesFit: the node must have room for the pod's requests and one more pod; Score by the configured
strategy (``pkg/scheduler/framework/plugins/noderesources/fit.go``, Kubernetes 1.32).

The pod's requests are ``PodRequests`` (regular containers summed, init containers as a maximum, sidecars
added, overhead added; see :mod:`pinnace.scheduler.framework.resources`). A node fails with one reason per
short resource, in upstream's order: ``Too many pods``, ``Insufficient cpu``, ``Insufficient memory``,
``Insufficient ephemeral-storage``, then ``Insufficient <extended resource>``. Extended resources named in
``ignoredResources`` (or whose domain is in ``ignoredResourceGroups``) are not checked.

Vectorised: one comparison per requested resource over the (nodes x resources) free-capacity matrix; the
failing resources of a node form a bitmask, and each distinct bitmask becomes one status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework import resources
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    FilterOutcome,
    IntArray,
    PreFilterExtensions,
    PreFilterResult,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events
from pinnace.scheduler.plugins.resourceallocation import DEFAULT_SHAPE, Scorer, Strategy, parse_resources

NAME = names.NODE_RESOURCES_FIT
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_PRE_SCORE_KEY: Final = "PreScore" + NAME
TOO_MANY_PODS: Final = "Too many pods"


@dataclass(frozen=True, slots=True)
class InsufficientResource:
    resource_name: str
    reason: str
    requested: int
    used: int
    capacity: int


def _ordered(request: Mapping[str, int]) -> list[str]:
    base = [r for r in (resources.CPU, resources.MEMORY, resources.EPHEMERAL_STORAGE) if r in request]
    return base + sorted(r for r in request if r not in base)


class Fit:
    name = NAME

    def __init__(self, args: Mapping[str, Any]) -> None:
        self.ignored_resources = frozenset(str(r) for r in args.get("ignoredResources") or ())
        self.ignored_groups = frozenset(str(g) for g in args.get("ignoredResourceGroups") or ())
        strategy = args.get("scoringStrategy") or {}
        kind: Strategy = strategy.get("type") or "LeastAllocated"
        if kind not in ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"):
            raise ValueError(f"scoring strategy {kind} is not supported")
        shape_raw = (strategy.get("requestedToCapacityRatio") or {}).get("shape")
        shape = (
            tuple((int(p.get("utilization") or 0), int(p.get("score") or 0)) for p in shape_raw)
            if shape_raw
            else DEFAULT_SHAPE
        )
        self.scorer = Scorer(kind, parse_resources(strategy.get("resources")), False, shape)

    def _ignored(self, name: str) -> bool:
        if not resources.is_extended_resource_name(name):
            return False
        return name in self.ignored_resources or name.split("/", 1)[0] in self.ignored_groups

    # PreFilter / Filter ------------------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        state.write(_PRE_FILTER_KEY, pod.requests)
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    def fits(self, request: Mapping[str, int], node_info: NodeInfo) -> list[InsufficientResource]:
        """``fitsRequest``: every resource the node is short of, in upstream's order."""
        out: list[InsufficientResource] = []
        if len(node_info.pods) + 1 > node_info.allowed_pod_number:
            out.append(
                InsufficientResource(
                    resources.PODS, TOO_MANY_PODS, 1, len(node_info.pods), node_info.allowed_pod_number
                )
            )
        if not any(request.values()):
            return out
        for name in _ordered(request):
            quantity = request[name]
            if quantity <= 0 or self._ignored(name):
                continue
            used = node_info.requested.get(name, 0)
            capacity = node_info.allocatable.get(name, 0)
            if quantity > capacity - used:
                out.append(InsufficientResource(name, f"Insufficient {name}", quantity, used, capacity))
        return out

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        request = state.get(_PRE_FILTER_KEY)
        if request is None:
            return Status.as_status(KeyError(f'error reading "{_PRE_FILTER_KEY}" from cycleState: not found'))
        short = self.fits(request, node_info)
        if short:
            return Status(Code.Unschedulable, tuple(r.reason for r in short))
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        request: Mapping[str, int] = state.get(_PRE_FILTER_KEY) or pod.requests
        reasons = [TOO_MANY_PODS]
        shorts = [snapshot.free_pods() < 1]
        if any(request.values()):
            for name in _ordered(request):
                quantity = request[name]
                if quantity <= 0 or self._ignored(name):
                    continue
                idx = snapshot.resource_index(name)
                if idx is None:
                    shorts.append(np.ones(snapshot.num_nodes, dtype=bool))
                else:
                    shorts.append(quantity > snapshot.free(idx))
                reasons.append(f"Insufficient {name}")
        failing = np.logical_or.reduce(shorts) if len(shorts) > 1 else shorts[0]
        if not failing.any():
            return None
        bits = np.zeros(snapshot.num_nodes, dtype=np.int64)
        for b, short in enumerate(shorts):
            bits |= short.astype(np.int64) << b
        distinct = np.unique(bits[failing])
        statuses = [
            Status(Code.Unschedulable, tuple(r for b, r in enumerate(reasons) if int(mask) >> b & 1))
            for mask in distinct
        ]
        codes = np.zeros(snapshot.num_nodes, dtype=np.int32)
        codes[failing] = np.searchsorted(distinct, bits[failing]).astype(np.int32) + 1
        return FilterOutcome(codes, statuses)

    # Score -------------------------------------------------------------------------------------------------

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
            (EventResource.ASSIGNED_POD, ActionType.Delete | ActionType.UpdatePodScaleDown),
            (
                EventResource.NODE,
                ActionType.Add
                | ActionType.UpdateNodeAllocatable
                | ActionType.UpdateNodeTaint
                | ActionType.UpdateNodeLabel,
            ),
        )


def new(args: Mapping[str, Any], handle: Any) -> Fit:
    return Fit(args)
