"""PodTopologySpread (``pkg/scheduler/framework/plugins/podtopologyspread``, Kubernetes 1.32).

Filter (``whenUnsatisfiable: DoNotSchedule``), per constraint, for a node in domain ``node.labels[key]``:
``pods matching the selector in the domain + (1 if the incoming pod matches) - global minimum <= maxSkew``,
where the global minimum is the smallest count over the eligible domains (0 when there are fewer than
``minDomains`` of them). Eligible nodes have every constraint's key and pass the node inclusion policies:
``nodeAffinityPolicy: Honor`` (default) counts only nodes matching the pod's nodeSelector/required affinity,
``nodeTaintsPolicy: Honor`` (default Ignore) only nodes whose NoSchedule/NoExecute taints the pod tolerates.
``matchLabelKeys`` adds ``key=<pod's value>`` to the selector. Only pods in the incoming pod's namespace
count, terminating ones not. A node without the key is UnschedulableAndUnresolvable
``node(s) didn't match pod topology spread constraints (missing required label)``; a skew violation
Unschedulable ``node(s) didn't match pod topology spread constraints``.

Score (``ScheduleAnyway`` constraints, or the default constraints for a pod with none): see
:mod:`.podtopologyspread_scoring`. The global minimum is tracked with upstream's two "critical paths", so
preemption's AddPod/RemovePod updates behave exactly as upstream's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.api.labels import SelectorParseError
from pinnace.scheduler.framework.handle import Handle
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
from pinnace.scheduler.plugins import podtopologyspread_scoring as scoring
from pinnace.scheduler.plugins.defaultselector import default_selector
from pinnace.scheduler.plugins.helper import events, outcome_from_codes
from pinnace.scheduler.plugins.podtopologyspread_common import (
    Constraint,
    CriticalPaths,
    count_matching,
    filter_constraints,
    node_matches_policies,
    policy_mask,
)
from pinnace.scheduler.plugins.topology import TopologyCounts

NAME = names.POD_TOPOLOGY_SPREAD
ERR_REASON_CONSTRAINTS_NOT_MATCH: Final = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH: Final = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_LABEL = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_NODE_LABEL_NOT_MATCH,))
_SKEW = Status(Code.Unschedulable, (ERR_REASON_CONSTRAINTS_NOT_MATCH,))

SYSTEM_DEFAULT_CONSTRAINTS: Final = (
    {"topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3},
    {"topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 5},
)


@dataclass(slots=True)
class PreFilterState:
    constraints: list[Constraint]
    pairs: TopologyCounts
    domains: dict[str, int] = field(default_factory=dict)
    paths: dict[str, CriticalPaths] = field(default_factory=dict)

    def clone(self) -> PreFilterState:
        return PreFilterState(
            self.constraints, self.pairs.clone(), self.domains, {k: p.clone() for k, p in self.paths.items()}
        )

    def min_match_num(self, constraint: Constraint) -> int:
        if self.domains.get(constraint.topology_key, 0) < constraint.min_domains:
            return 0
        return int(self.paths[constraint.topology_key].paths[0][1])


class PodTopologySpread:
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        self.handle = handle
        defaulting = args.get("defaultingType") or "System"
        if defaulting == "System":
            self.default_constraints: Sequence[Mapping[str, Any]] = SYSTEM_DEFAULT_CONSTRAINTS
        else:
            self.default_constraints = list(args.get("defaultConstraints") or [])
        self.system_defaulted = defaulting == "System"

    def constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        """The pod's own constraints for ``action``, or the default ones (with the sibling selector)."""
        own = pod.spec.get("topologySpreadConstraints") or []
        if own:
            cached: list[Constraint] | None = pod.cache.get(f"topologySpread/{action}")
            if cached is None:
                cached = pod.cache[f"topologySpread/{action}"] = filter_constraints(own, pod.labels, action)
            return cached
        defaults = filter_constraints(self.default_constraints, pod.labels, action)
        if not defaults:
            return []
        selector = default_selector(pod, self.handle.listers)
        if selector.is_empty:
            return []
        return [Constraint(c.max_skew, c.topology_key, selector, c.min_domains) for c in defaults]

    # PreFilter ---------------------------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        try:
            constraints = self.constraints(pod, "DoNotSchedule")
        except SelectorParseError as err:
            return None, Status.as_status(
                RuntimeError(f"obtaining pod's hard topology spread constraints: {err}")
            )
        if not constraints:
            return None, Status(Code.Skip)
        n = snapshot.num_nodes
        all_keys = np.ones(n, dtype=bool)
        for c in constraints:
            all_keys &= snapshot.label_ids(c.topology_key) >= 0
        per_key: dict[str, npt.NDArray[np.int64]] = {}
        for c in constraints:
            counts = per_key.setdefault(c.topology_key, np.full(n, -1, dtype=np.int64))
            eligible = all_keys & policy_mask(c, pod, snapshot)
            counts[eligible] = count_matching(c, pod.namespace, snapshot)[eligible]
        s = PreFilterState(constraints, TopologyCounts(snapshot))
        for key, counts in per_key.items():
            ids = snapshot.label_ids(key)
            valid = counts >= 0
            arr = s.pairs.array(key)
            arr += np.bincount(ids[valid], weights=counts[valid], minlength=len(arr)).astype(np.int64)
            present = np.bincount(ids[valid], minlength=len(arr)) > 0
            s.domains[key] = int(present.sum())
            paths = s.paths[key] = CriticalPaths()
            values = snapshot.label_values(key)
            for vid in np.flatnonzero(present):
                paths.update(values[int(vid)], int(arr[vid]))
        state.write(_PRE_FILTER_KEY, s)
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return self

    def _update_with_pod(
        self, state: CycleState, updated: PodInfo, preemptor: PodInfo, node: NodeInfo, delta: int
    ) -> None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        if updated.namespace != preemptor.namespace or node.node is None:
            return
        if any(c.topology_key not in node.labels for c in s.constraints):
            return
        for c in s.constraints:
            if not c.selector.matches(updated.labels) or not node_matches_policies(c, preemptor, node):
                continue
            s.pairs.add(c.topology_key, node, delta)
            s.paths[c.topology_key].update(node.labels[c.topology_key], s.pairs.get(c.topology_key, node))

    def add_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        self._update_with_pod(state, pod_to_add, pod_to_schedule, node_info, 1)
        return None

    def remove_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        self._update_with_pod(state, pod_to_remove, pod_to_schedule, node_info, -1)
        return None

    # Filter ------------------------------------------------------------------------------------------------

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        for c in s.constraints:
            if c.topology_key not in node_info.labels:
                return _LABEL
            self_match = 1 if c.selector.matches(pod.labels) else 0
            skew = s.pairs.get(c.topology_key, node_info) + self_match - s.min_match_num(c)
            if skew > c.max_skew:
                return _SKEW
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        codes = np.zeros(snapshot.num_nodes, dtype=np.int32)
        for c in s.constraints:
            missing = snapshot.label_ids(c.topology_key) < 0
            self_match = 1 if c.selector.matches(pod.labels) else 0
            skew = s.pairs.per_node(c.topology_key) + self_match - s.min_match_num(c)
            open_ = codes == 0
            codes[open_ & missing] = 1
            codes[open_ & ~missing & (skew > c.max_skew)] = 2
        return outcome_from_codes(codes, [_LABEL, _SKEW])

    # Score -------------------------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        return scoring.pre_score(self, state, pod, nodes)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        return scoring.score(state, node_info), None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        return scoring.score_all(state, indices)

    def score_extensions(self) -> ScoreExtensions | None:
        return self

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: IntArray, nodes: Sequence[NodeInfo]
    ) -> Status | None:
        scoring.normalize(state, scores)
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.POD, ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete),
            (
                EventResource.NODE,
                ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint,
            ),
        )


def new(args: Mapping[str, Any], handle: Handle) -> PodTopologySpread:
    return PodTopologySpread(args, handle)
