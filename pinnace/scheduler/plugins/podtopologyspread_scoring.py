"""PodTopologySpread's PreScore/Score/NormalizeScore (``podtopologyspread/scoring.go``, Kubernetes 1.32).

For each soft constraint (or default constraint), a filtered node scores
``matching pods in its domain x log(domains + 2) + (maxSkew - 1)``, summed over constraints and rounded;
domains are the distinct values among the filtered nodes (for ``kubernetes.io/hostname``: the node itself),
and pods are counted on every node that has the keys and passes the inclusion policies. Fewer pods is
better: NormalizeScore maps ``s`` to ``100 * (max + min - s) / max``. Filtered nodes missing a key are
ignored (score 0) -- except with system-default constraints, where a missing label counts as value "".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import MAX_NODE_SCORE, Code, CycleState, IntArray, Status
from pinnace.scheduler.framework.nodetree import LABEL_HOSTNAME
from pinnace.scheduler.framework.snapshot import FILTERED_ROWS_KEY, Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins.podtopologyspread_common import Constraint, count_matching, policy_mask

if TYPE_CHECKING:
    from pinnace.scheduler.plugins.podtopologyspread import PodTopologySpread

PRE_SCORE_KEY: Final = "PreScorePodTopologySpread"


@dataclass(slots=True)
class PreScoreState:
    constraints: list[Constraint]
    snapshot: Snapshot
    rows: npt.NDArray[np.intp]
    ignored: npt.NDArray[np.bool_]  # aligned with rows
    ignored_names: set[str]
    buckets: list[npt.NDArray[np.intp] | None]  # per constraint: each snapshot node's domain slot
    domain_counts: list[npt.NDArray[np.int64] | None]
    node_counts: list[npt.NDArray[np.int64]]
    weights: list[float]

    def clone(self) -> PreScoreState:
        return self


def filtered_rows(state: CycleState, snapshot: Snapshot, nodes: Sequence[NodeInfo]) -> npt.NDArray[np.intp]:
    rows: npt.NDArray[np.intp] | None = state.get(FILTERED_ROWS_KEY)
    if rows is not None and len(rows) == len(nodes):
        return rows
    return np.array([snapshot.index[n.name] for n in nodes], dtype=np.intp)


def _buckets(snapshot: Snapshot, key: str) -> tuple[npt.NDArray[np.intp], int]:
    """Domain slot per node: its value id, with a missing label sharing the slot of the value ""."""
    ids = snapshot.label_ids(key).astype(np.intp)
    values = snapshot.label_values(key)
    empty = snapshot.label_value_id(key, "")
    missing_slot = empty if empty is not None else len(values)
    return np.where(ids >= 0, ids, missing_slot), len(values) + 1


def pre_score(
    plugin: PodTopologySpread, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]
) -> Status | None:
    snapshot: Snapshot = plugin.handle.snapshot
    if snapshot.num_nodes == 0:
        return Status(Code.Skip)
    require_all = bool(pod.spec.get("topologySpreadConstraints")) or not plugin.system_defaulted
    constraints = plugin.constraints(pod, "ScheduleAnyway")
    if not constraints:
        return Status(Code.Skip)
    rows = filtered_rows(state, snapshot, nodes)
    all_keys = np.ones(snapshot.num_nodes, dtype=bool)
    for c in constraints:
        all_keys &= snapshot.label_ids(c.topology_key) >= 0
    ignored = ~all_keys[rows] if require_all else np.zeros(len(rows), dtype=bool)
    kept = rows[~ignored]
    buckets: list[npt.NDArray[np.intp] | None] = []
    domain_counts: list[npt.NDArray[np.int64] | None] = []
    node_counts: list[npt.NDArray[np.int64]] = []
    weights: list[float] = []
    for c in constraints:
        counts = count_matching(c, pod.namespace, snapshot)
        node_counts.append(counts)
        if c.topology_key == LABEL_HOSTNAME:
            buckets.append(None)
            domain_counts.append(None)
            weights.append(math.log(len(rows) - int(ignored.sum()) + 2))
            continue
        bucket, slots = _buckets(snapshot, c.topology_key)
        wanted = np.zeros(slots, dtype=bool)
        wanted[bucket[kept]] = True
        eligible = policy_mask(c, pod, snapshot) & wanted[bucket]
        if require_all:
            eligible &= all_keys
        per_domain = np.bincount(bucket[eligible], weights=counts[eligible], minlength=slots).astype(np.int64)
        buckets.append(bucket)
        domain_counts.append(per_domain)
        weights.append(math.log(int(wanted.sum()) + 2))
    names = {snapshot.names[int(i)] for i in rows[ignored]}
    state.write(
        PRE_SCORE_KEY,
        PreScoreState(
            constraints, snapshot, rows, ignored, names, buckets, domain_counts, node_counts, weights
        ),
    )
    return None


def _score_rows(s: PreScoreState, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    total = np.zeros(len(rows), dtype=np.float64)
    for i, c in enumerate(s.constraints):
        has_key = s.snapshot.label_ids(c.topology_key)[rows] >= 0
        domain_counts, bucket = s.domain_counts[i], s.buckets[i]
        if domain_counts is None or bucket is None:
            cnt = s.node_counts[i][rows]
        else:
            cnt = domain_counts[bucket[rows]]
        total += np.where(has_key, cnt * s.weights[i] + (c.max_skew - 1), 0.0)
    return total


def score(state: CycleState, node_info: NodeInfo) -> int:
    s: PreScoreState = state.read(PRE_SCORE_KEY)
    if node_info.name in s.ignored_names:
        return 0
    row = np.array([s.snapshot.index[node_info.name]], dtype=np.intp)
    return math.floor(float(_score_rows(s, row)[0]) + 0.5)


def score_all(state: CycleState, indices: npt.NDArray[np.intp]) -> IntArray:
    s: PreScoreState = state.read(PRE_SCORE_KEY)
    raw = np.floor(_score_rows(s, indices) + 0.5).astype(np.int64)  # math.Round of non-negative values
    if len(indices) == len(s.rows) and s.ignored.any():
        raw[s.ignored] = 0
    return raw


def normalize(state: CycleState, scores: IntArray) -> None:
    s: PreScoreState | None = state.get(PRE_SCORE_KEY)
    if s is None or not len(scores):
        return
    ignored = s.ignored if len(s.ignored) == len(scores) else np.zeros(len(scores), dtype=bool)
    valid = scores[~ignored]
    min_score = int(valid.min()) if len(valid) else 0
    max_score = max(int(valid.max()), 0) if len(valid) else 0
    if max_score == 0:
        out = np.full(len(scores), MAX_NODE_SCORE, dtype=np.int64)
    else:
        out = MAX_NODE_SCORE * (max_score + min_score - scores) // max_score
    out[ignored] = 0
    scores[:] = out
