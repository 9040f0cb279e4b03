"""InterPodAffinity (``pkg/scheduler/framework/plugins/interpodaffinity``, Kubernetes 1.32).

Filter, for a node in the topology domain ``node.labels[topologyKey]``:

* required **affinity**: every term's domain must hold a pod matching *all* the incoming pod's terms (a
  pod that is the first of a series matching its own terms may go anywhere that has the topology labels, if
  no such pod exists yet) -- else UnschedulableAndUnresolvable ``node(s) didn't match pod affinity rules``;
* required **anti-affinity**: no term's domain may hold a pod matching that term -- else Unschedulable
  ``node(s) didn't match pod anti-affinity rules``;
* **existing pods' anti-affinity**: no pod in the domain may have a required anti-affinity term the incoming
  pod matches -- else Unschedulable ``node(s) didn't satisfy existing pods anti-affinity rules``.

Terms select pods in their namespaces, or in namespaces chosen by ``namespaceSelector`` (merged into the
namespace list for the incoming pod's terms; matched against the incoming pod's namespace labels for
existing pods' terms). Score (:mod:`.interpodaffinity_scoring`) adds preferred terms both ways and existing
pods' required affinity with ``hardPodAffinityWeight``.

Counting uses the cache's per-node counters (PodMatcher for the incoming pod's terms, CarrierKey for
existing pods' terms), so a cycle costs a few numpy passes over the nodes instead of a walk over every pod.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.affinity import AffinityTerm, pod_matches_all_terms
from pinnace.scheduler.framework.counting import PodMatcher, TermKind, clause_of_term
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
from pinnace.scheduler.plugins import interpodaffinity_scoring as scoring
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome_from_codes
from pinnace.scheduler.plugins.namespaces import merge_namespaces, namespace_labels
from pinnace.scheduler.plugins.topology import TopologyCounts

NAME = names.INTER_POD_AFFINITY
ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: Final = (
    "node(s) didn't satisfy existing pods anti-affinity rules"
)
ERR_REASON_AFFINITY_RULES_NOT_MATCH: Final = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: Final = "node(s) didn't match pod anti-affinity rules"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME

_AFFINITY = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_AFFINITY_RULES_NOT_MATCH,))
_ANTI_AFFINITY = Status(Code.Unschedulable, (ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,))
_EXISTING = Status(Code.Unschedulable, (ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,))


@dataclass(slots=True)
class PreFilterState:
    pod: PodInfo
    affinity_terms: tuple[AffinityTerm, ...]
    anti_affinity_terms: tuple[AffinityTerm, ...]
    ns_labels: Mapping[str, str] | None
    existing_anti_affinity: TopologyCounts
    affinity: TopologyCounts
    anti_affinity: TopologyCounts

    def clone(self) -> PreFilterState:
        return PreFilterState(
            self.pod,
            self.affinity_terms,
            self.anti_affinity_terms,
            self.ns_labels,
            self.existing_anti_affinity.clone(),
            self.affinity.clone(),
            self.anti_affinity.clone(),
        )

    def update_with_pod(self, other: PodInfo, node: NodeInfo, multiplier: int) -> None:
        """``preFilterState.updateWithPod`` (preemption's AddPod/RemovePod)."""
        for term in other.required_anti_affinity_terms:
            if term.matches(self.pod.namespace, self.pod.labels, self.ns_labels):
                self.existing_anti_affinity.add(term.topology_key, node, multiplier)
        if pod_matches_all_terms(self.affinity_terms, other.namespace, other.labels, None):
            for term in self.affinity_terms:
                self.affinity.add(term.topology_key, node, multiplier)
        for term in self.anti_affinity_terms:
            if term.matches(other.namespace, other.labels, None):
                self.anti_affinity.add(term.topology_key, node, multiplier)


class InterPodAffinity:
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        self.handle = handle
        self.hard_pod_affinity_weight = int(args.get("hardPodAffinityWeight", 1))
        self.ignore_preferred_terms_of_existing_pods = bool(
            args.get("ignorePreferredTermsOfExistingPods", False)
        )

    # PreFilter ---------------------------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        if pod.parse_error:
            return None, Status(Code.UnschedulableAndUnresolvable, (f"parsing pod: {pod.parse_error}",))
        affinity_terms = tuple(merge_namespaces(self.handle, t) for t in pod.required_affinity_terms)
        anti_terms = tuple(merge_namespaces(self.handle, t) for t in pod.required_anti_affinity_terms)
        ns_labels = namespace_labels(self.handle, pod.namespace)

        existing = TopologyCounts(snapshot)
        for carrier in snapshot.carriers():
            if carrier.kind is TermKind.REQUIRED_ANTI_AFFINITY and carrier.term.matches(
                pod.namespace, pod.labels, ns_labels
            ):
                existing.add_node_counts(carrier.term.topology_key, snapshot.counts(carrier))

        affinity = TopologyCounts(snapshot)
        if affinity_terms:
            matcher = PodMatcher(tuple(clause_of_term(t) for t in affinity_terms))
            node_counts = snapshot.counts(matcher)
            for term in affinity_terms:
                affinity.add_node_counts(term.topology_key, node_counts)
        anti = TopologyCounts(snapshot)
        for term in anti_terms:
            anti.add_node_counts(term.topology_key, snapshot.counts(PodMatcher((clause_of_term(term),))))

        if existing.is_empty() and not affinity_terms and not anti_terms:
            return None, Status(Code.Skip)
        state.write(
            _PRE_FILTER_KEY,
            PreFilterState(pod, affinity_terms, anti_terms, ns_labels, existing, affinity, anti),
        )
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return self

    def add_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        s.update_with_pod(pod_to_add, node_info, 1)
        return None

    def remove_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        s.update_with_pod(pod_to_remove, node_info, -1)
        return None

    # Filter ------------------------------------------------------------------------------------------------

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        if not _satisfy_pod_affinity(s, node_info):
            return _AFFINITY
        for term in s.anti_affinity_terms:
            if (
                term.topology_key in node_info.labels
                and s.anti_affinity.get(term.topology_key, node_info) > 0
            ):
                return _ANTI_AFFINITY
        for key in s.existing_anti_affinity.by_key:
            if key in node_info.labels and s.existing_anti_affinity.get(key, node_info) > 0:
                return _EXISTING
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        s: PreFilterState = state.read(_PRE_FILTER_KEY)
        n = snapshot.num_nodes
        codes = np.zeros(n, dtype=np.int32)
        if s.affinity_terms:
            has_all = np.ones(n, dtype=bool)
            pods_exist = np.ones(n, dtype=bool)
            for term in s.affinity_terms:
                present = snapshot.label_ids(term.topology_key) >= 0
                has_all &= present
                pods_exist &= present & (s.affinity.per_node(term.topology_key) > 0)
            ok = pods_exist
            if s.affinity.is_empty() and pod_matches_all_terms(
                s.affinity_terms, pod.namespace, pod.labels, None
            ):
                ok = has_all
            codes[~ok] = 1
        anti_fail = np.zeros(n, dtype=bool)
        for term in s.anti_affinity_terms:
            anti_fail |= s.anti_affinity.per_node(term.topology_key) > 0
        codes[(codes == 0) & anti_fail] = 2
        existing_fail = np.zeros(n, dtype=bool)
        for key in s.existing_anti_affinity.by_key:
            existing_fail |= s.existing_anti_affinity.per_node(key) > 0
        codes[(codes == 0) & existing_fail] = 3
        return outcome_from_codes(codes, [_AFFINITY, _ANTI_AFFINITY, _EXISTING])

    # Score -------------------------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        return scoring.pre_score(self, state, pod)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        return scoring.score(state, node_info), None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        return scoring.score_all(state, snapshot, indices)

    def score_extensions(self) -> ScoreExtensions | None:
        return self

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: IntArray, nodes: Sequence[NodeInfo]
    ) -> Status | None:
        scoring.normalize(state, scores)
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.ASSIGNED_POD, ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete),
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint),
        )


def _satisfy_pod_affinity(s: PreFilterState, node: NodeInfo) -> bool:
    """``satisfyPodAffinity``."""
    pods_exist = True
    for term in s.affinity_terms:
        if term.topology_key not in node.labels:
            return False
        if s.affinity.get(term.topology_key, node) <= 0:
            pods_exist = False
    if not pods_exist:
        return s.affinity.is_empty() and pod_matches_all_terms(
            s.affinity_terms, s.pod.namespace, s.pod.labels, None
        )
    return True


def new(args: Mapping[str, Any], handle: Handle) -> InterPodAffinity:
    return InterPodAffinity(args, handle)
