"""NodeAffinity: ``spec.nodeSelector`` and required node affinity (Filter), preferred node affinity (Score),
plus the profile-wide ``addedAffinity`` of NodeAffinityArgs
(``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go``).

PreFilter turns ``matchFields`` on ``metadata.name`` with In into a node-name set (only those nodes are
filtered); terms whose name sets do not overlap make the pod unschedulable with "pod affinity terms conflict".
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
    PreFilterExtensions,
    PreFilterResult,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.nodeaffinity import (
    NodeSelector,
    PreferredSchedulingTerms,
    RequiredNodeAffinity,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import default_normalize_score, events, outcome_from_codes

NAME = names.NODE_AFFINITY
ERR_REASON_POD: Final = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED: Final = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT: Final = "pod affinity terms conflict"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_PRE_SCORE_KEY: Final = "PreScore" + NAME
_ENFORCED = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_ENFORCED,))
_POD = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_POD,))


def _required_terms(pod: PodInfo) -> list[Mapping[str, Any]] | None:
    required = ((pod.spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is None:
        return None
    terms: list[Mapping[str, Any]] = required.get("nodeSelectorTerms") or []
    return terms


def required_node_affinity(pod: PodInfo) -> RequiredNodeAffinity:
    cached: RequiredNodeAffinity | None = pod.cache.get("requiredNodeAffinity")
    if cached is None:
        cached = pod.cache["requiredNodeAffinity"] = RequiredNodeAffinity.of_pod(pod.pod)
    return cached


def preferred_node_affinity(pod: PodInfo) -> PreferredSchedulingTerms | None:
    preferred = ((pod.spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution"
    )
    if not preferred:
        return None
    return PreferredSchedulingTerms.parse(preferred)


class NodeAffinity:
    name = NAME

    def __init__(self, args: Mapping[str, Any]) -> None:
        added = args.get("addedAffinity") or {}
        required = added.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.added_node_selector = NodeSelector.parse(required) if required is not None else None
        preferred = added.get("preferredDuringSchedulingIgnoredDuringExecution")
        self.added_pref_terms = PreferredSchedulingTerms.parse(preferred) if preferred else None

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        terms = _required_terms(pod)
        if terms is None and self.added_node_selector is None and pod.spec.get("nodeSelector") is None:
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, required_node_affinity(pod))
        if not terms:
            return None, None
        node_names: set[str] | None = None
        for term in terms:
            term_names: set[str] | None = None
            for req in term.get("matchFields") or ():
                if req.get("key") == "metadata.name" and req.get("operator") == "In":
                    values = {str(v) for v in req.get("values") or ()}
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                # A term without a node-name requirement admits every node (terms are ORed).
                return None, None
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_CONFLICT,))
        return PreFilterResult(frozenset(node_names) if node_names else None), None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    def _required(self, state: CycleState, pod: PodInfo) -> RequiredNodeAffinity:
        cached: RequiredNodeAffinity | None = state.get(_PRE_FILTER_KEY)
        return cached if cached is not None else required_node_affinity(pod)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if self.added_node_selector is not None and not self.added_node_selector.match(
            node_info.labels, node_info.name
        ):
            return _ENFORCED
        if not self._required(state, pod).match(node_info.labels, node_info.name):
            return _POD
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        codes = np.zeros(snapshot.num_nodes, dtype=np.int32)
        if self.added_node_selector is not None:
            codes[~self.added_node_selector.match_all(snapshot)] = 1
        required = self._required(state, pod)
        if not required.is_empty:
            codes[(codes == 0) & ~required.match_all(snapshot)] = 2
        return outcome_from_codes(codes, [_ENFORCED, _POD])

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        preferred = preferred_node_affinity(pod)
        if preferred is None and self.added_pref_terms is None:
            return Status(Code.Skip)
        state.write(_PRE_SCORE_KEY, (preferred,))
        return None

    def _preferred(self, state: CycleState, pod: PodInfo) -> PreferredSchedulingTerms | None:
        cached: tuple[PreferredSchedulingTerms | None] | None = state.get(_PRE_SCORE_KEY)
        return cached[0] if cached is not None else preferred_node_affinity(pod)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        count = 0
        if self.added_pref_terms is not None:
            count += self.added_pref_terms.score(node_info.labels, node_info.name)
        preferred = self._preferred(state, pod)
        if preferred is not None:
            count += preferred.score(node_info.labels, node_info.name)
        return count, None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        total = np.zeros(snapshot.num_nodes, dtype=np.int64)
        if self.added_pref_terms is not None:
            total += self.added_pref_terms.score_all(snapshot)
        preferred = self._preferred(state, pod)
        if preferred is not None:
            total += preferred.score_all(snapshot)
        return total[indices]

    def score_extensions(self) -> ScoreExtensions | None:
        return self

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: IntArray, nodes: Sequence[NodeInfo]
    ) -> Status | None:
        default_normalize_score(scores, reverse=False)
        return None

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint)
        )


def new(args: Mapping[str, Any], handle: Any) -> NodeAffinity:
    return NodeAffinity(args)
