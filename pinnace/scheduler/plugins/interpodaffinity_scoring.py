"""InterPodAffinity's PreScore/Score/NormalizeScore (``interpodaffinity/scoring.go``, Kubernetes 1.32).

A topology domain (``node.labels[key]``) earns, for every existing pod in it:

* +weight per preferred affinity term of the incoming pod the existing pod matches, -weight per preferred
  anti-affinity term;
* +hardPodAffinityWeight per required affinity term of the existing pod the incoming pod matches;
* +weight / -weight per preferred affinity / anti-affinity term of the existing pod the incoming pod matches
  (skipped with ``ignorePreferredTermsOfExistingPods`` when the incoming pod has no preferred terms).

A node scores the sum over the keys it has; scores are then rescaled min..max to 0..100. Skip when no term
matched anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.counting import PodMatcher, TermKind, clause_of_term
from pinnace.scheduler.framework.interface import MAX_NODE_SCORE, Code, CycleState, IntArray, Status
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins.namespaces import merge_namespaces, namespace_labels
from pinnace.scheduler.plugins.topology import TopologyCounts

if TYPE_CHECKING:
    from pinnace.scheduler.plugins.interpodaffinity import InterPodAffinity

PRE_SCORE_KEY: Final = "PreScoreInterPodAffinity"


@dataclass(slots=True)
class PreScoreState:
    topology_score: TopologyCounts

    def clone(self) -> PreScoreState:
        return self


def _add(scores: TopologyCounts, key: str, node_counts: npt.NDArray[np.int64], weight: int) -> bool:
    """Add ``weight`` x pods per domain; True when some pod in a domain of ``key`` counted."""
    present = scores.snapshot.label_ids(key) >= 0
    if not (node_counts[present] > 0).any():
        return False
    scores.add_node_counts(key, node_counts * weight)
    return True


def pre_score(plugin: InterPodAffinity, state: CycleState, pod: PodInfo) -> Status | None:
    if pod.parse_error:
        return Status(Code.Error, (f"failed to parse pod: {pod.parse_error}",))
    has_constraints = bool(pod.preferred_affinity_terms or pod.preferred_anti_affinity_terms)
    if plugin.ignore_preferred_terms_of_existing_pods and not has_constraints:
        return Status(Code.Skip)
    snapshot: Snapshot = plugin.handle.snapshot
    ns_labels = namespace_labels(plugin.handle, pod.namespace)
    scores = TopologyCounts(snapshot)
    touched = False
    for weighted in pod.preferred_affinity_terms:
        term = merge_namespaces(plugin.handle, weighted.term)
        counts = snapshot.counts(PodMatcher((clause_of_term(term),)))
        touched |= _add(scores, term.topology_key, counts, weighted.weight)
    for weighted in pod.preferred_anti_affinity_terms:
        term = merge_namespaces(plugin.handle, weighted.term)
        counts = snapshot.counts(PodMatcher((clause_of_term(term),)))
        touched |= _add(scores, term.topology_key, counts, -weighted.weight)
    for carrier in snapshot.carriers():
        kind = carrier.kind
        if kind is TermKind.REQUIRED_ANTI_AFFINITY:
            continue
        if kind is TermKind.REQUIRED_AFFINITY:
            if plugin.hard_pod_affinity_weight <= 0:
                continue
            weight = plugin.hard_pod_affinity_weight
        elif plugin.ignore_preferred_terms_of_existing_pods:
            continue
        else:
            weight = carrier.weight if kind is TermKind.PREFERRED_AFFINITY else -carrier.weight
        if carrier.term.matches(pod.namespace, pod.labels, ns_labels):
            touched |= _add(scores, carrier.term.topology_key, snapshot.counts(carrier), weight)
    if not touched:
        return Status(Code.Skip)
    state.write(PRE_SCORE_KEY, PreScoreState(scores))
    return None


def score(state: CycleState, node_info: NodeInfo) -> int:
    s: PreScoreState = state.read(PRE_SCORE_KEY)
    return sum(
        s.topology_score.get(key, node_info) for key in s.topology_score.by_key if key in node_info.labels
    )


def score_all(state: CycleState, snapshot: Snapshot, indices: npt.NDArray[np.intp]) -> IntArray:
    s: PreScoreState = state.read(PRE_SCORE_KEY)
    total = np.zeros(len(indices), dtype=np.int64)
    for key in s.topology_score.by_key:
        total += s.topology_score.per_node(key)[indices]
    return total


def normalize(state: CycleState, scores: IntArray) -> None:
    s: PreScoreState | None = state.get(PRE_SCORE_KEY)
    if s is None or not len(scores):
        return
    min_count, max_count = int(scores.min()), int(scores.max())
    diff = max_count - min_count
    if diff > 0:
        scaled = float(MAX_NODE_SCORE) * ((scores - min_count).astype(np.float64) / float(diff))
        scores[:] = scaled.astype(np.int64)
    else:
        scores[:] = 0
