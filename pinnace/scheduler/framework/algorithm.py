"""Choosing a node for one pod (``pkg/scheduler/schedule_one.go``: schedulePod and what it calls).

1. PreFilter; a rejection there rejects every node (``FitError`` with the PreFilter message).
2. A node nominated by an earlier preemption is tried first, alone.
3. Filter over the snapshot's nodes (or those the PreFilter results allow), walking from a start index that
   rotates between cycles, and stopping after ``num_feasible_nodes_to_find`` feasible nodes: 50% of the nodes
   minus 1% per 125 nodes, at least 5% and at least 100 nodes (one node when nothing scores). Nodes that
   carry nominated pods of equal or higher priority are re-checked with those pods counted.
4. One feasible node: take it. Several: PreScore, Score, NormalizeScore, weighted sum; the highest total
   wins, ties broken by reservoir sampling (each of the k tied nodes is kept with probability 1/k).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.fiterror import Diagnosis, FitError, NoNodesAvailableError
from pinnace.scheduler.framework.interface import (
    Code,
    CycleState,
    IntArray,
    SchedulingError,
    Status,
    is_rejected,
    is_success,
)
from pinnace.scheduler.framework.runtime import Framework
from pinnace.scheduler.framework.snapshot import FILTERED_ROWS_KEY, NodeInfoView
from pinnace.scheduler.framework.types import PodInfo

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """``numFeasibleNodesToFind``: the adaptive share of nodes to find before scoring."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if not percentage:
        percentage = 50 - num_all_nodes // 125
        percentage = max(percentage, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    num_nodes = num_all_nodes * percentage // 100
    return max(num_nodes, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass(slots=True)
class ScheduleResult:
    suggested_host: str
    evaluated_nodes: int
    feasible_nodes: int


def select_host(totals: IntArray, rng: random.Random | np.random.Generator) -> int:
    """``selectHost``: the position of the highest total; ties broken by reservoir sampling in node order.

    Reservoir sampling keeps the k-th tied node with probability 1/k; the last kept one wins. The k-1
    draws are made at once (``u_k * k < 1`` keeps node k), which selects with exactly the reservoir's
    distribution and, for a seeded generator, deterministically.
    """
    best = int(totals.max())
    ties = np.flatnonzero(totals == best)
    if len(ties) == 1:
        return int(ties[0])
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng.getrandbits(64))
    kept = np.flatnonzero(generator.random(len(ties) - 1) * np.arange(2, len(ties) + 1) < 1.0)
    return int(ties[kept[-1] + 1]) if len(kept) else int(ties[0])


class Algorithm:
    """Holds the rotating start index across cycles (``Scheduler.nextStartNodeIndex``)."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.next_start_node_index = 0
        self.rng = rng or random.Random()
        self.generator = np.random.default_rng(self.rng.getrandbits(64))

    def schedule_pod(self, fwk: Framework, state: CycleState, pod: PodInfo) -> ScheduleResult:
        """``schedulePod``; raises :class:`FitError`, :class:`NoNodesAvailableError` or SchedulingError."""
        snapshot = fwk.handle.snapshot
        if snapshot.num_nodes == 0:
            raise NoNodesAvailableError()
        rows, diagnosis = self.find_nodes_that_fit(fwk, state, pod)
        if len(rows) == 0:
            raise FitError(pod.key, snapshot.num_nodes, diagnosis)
        evaluated = len(rows) + len(diagnosis.node_to_status)
        if len(rows) == 1:
            return ScheduleResult(snapshot.names[int(rows[0])], evaluated, 1)
        totals = self.prioritize(fwk, state, pod, rows)
        host = snapshot.names[int(rows[select_host(totals, self.generator)])]
        return ScheduleResult(host, evaluated, len(rows))

    def prioritize(
        self, fwk: Framework, state: CycleState, pod: PodInfo, rows: npt.NDArray[np.intp]
    ) -> IntArray:
        """``prioritizeNodes``: every node scores 1 when nothing scores."""
        if not fwk.has_score_plugins():
            return np.ones(len(rows), dtype=np.int64)
        snapshot = fwk.handle.snapshot
        state.write(FILTERED_ROWS_KEY, rows)
        status = fwk.run_pre_score(state, pod, NodeInfoView(snapshot, rows))
        if not is_success(status):
            assert status is not None
            raise SchedulingError(status.message())
        totals, _ = fwk.run_score(state, pod, rows)
        return totals

    def find_nodes_that_fit(
        self, fwk: Framework, state: CycleState, pod: PodInfo
    ) -> tuple[npt.NDArray[np.intp], Diagnosis]:
        """``findNodesThatFitPod``: feasible snapshot rows, and the diagnosis of the rejected ones."""
        snapshot = fwk.handle.snapshot
        diagnosis = Diagnosis()
        pre_result, status, narrowing = fwk.run_pre_filter(state, pod)
        if not is_success(status):
            assert status is not None
            if not is_rejected(status):
                raise SchedulingError(status.message())
            diagnosis.node_to_status.absent = status
            diagnosis.pre_filter_msg = status.message()
            diagnosis.add_plugin_status(status)
            return np.zeros(0, dtype=np.intp), diagnosis

        nominated = str((pod.pod.get("status") or {}).get("nominatedNodeName") or "")
        if nominated:
            info = snapshot.get(nominated)
            if info is not None and is_success(fwk.run_filter_with_nominated_pods(state, pod, info)):
                return np.array([snapshot.index[nominated]], dtype=np.intp), diagnosis

        if pre_result is None or pre_result.all_nodes():
            candidates = np.arange(snapshot.num_nodes, dtype=np.intp)
        else:
            assert pre_result.node_names is not None
            candidates = np.array(
                sorted(snapshot.index[n] for n in pre_result.node_names if n in snapshot.index), dtype=np.intp
            )
            diagnosis.node_to_status.absent = Status(
                Code.UnschedulableAndUnresolvable,
                (f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(narrowing))}]",),
            )
        rows, processed = self._pass_filters(fwk, state, pod, candidates, diagnosis)
        self.next_start_node_index = (self.next_start_node_index + processed) % max(1, snapshot.num_nodes)
        return rows, diagnosis

    def _pass_filters(
        self,
        fwk: Framework,
        state: CycleState,
        pod: PodInfo,
        candidates: npt.NDArray[np.intp],
        diagnosis: Diagnosis,
    ) -> tuple[npt.NDArray[np.intp], int]:
        """``findNodesThatPassFilters``, sequential semantics: the first ``k`` feasible nodes from the start
        index, and the statuses of the nodes rejected before the k-th feasible one."""
        snapshot = fwk.handle.snapshot
        n = len(candidates)
        if n == 0:
            return candidates, 0
        k = num_feasible_nodes_to_find(fwk.percentage_of_nodes_to_score, n)
        if not fwk.has_score_plugins():
            k = 1
        start = self.next_start_node_index % n
        order = np.concatenate((candidates[start:], candidates[:start]))
        if not fwk.has_filter_plugins():
            return order[:k], k
        codes, statuses = fwk.run_filter_all(state, pod)
        self._check_nominated(fwk, state, pod, codes, statuses)
        if not statuses:
            return order[:k], min(k, n)
        ordered_codes = codes[order]
        feasible_positions = np.flatnonzero(ordered_codes == 0)
        if len(feasible_positions) > k:
            cutoff = int(feasible_positions[k - 1]) + 1
            feasible_positions = feasible_positions[:k]
        else:
            cutoff = n
        processed = order[:cutoff]
        recorded = np.zeros(snapshot.num_nodes, dtype=np.int32)
        recorded[processed] = codes[processed]
        diagnosis.node_to_status.set_vector(snapshot.names, recorded, statuses)
        for k_used in np.unique(recorded[recorded > 0]):
            diagnosis.add_plugin_status(statuses[int(k_used) - 1])
        return order[feasible_positions], cutoff

    @staticmethod
    def _check_nominated(
        fwk: Framework, state: CycleState, pod: PodInfo, codes: npt.NDArray[np.int32], statuses: list[Status]
    ) -> None:
        """Re-run Filter, per node, where nominated pods of equal or higher priority wait for resources."""
        nominator = fwk.handle.nominator
        nodes = getattr(nominator, "nodes_with_nominated_pods", None)
        if nodes is None:
            return
        snapshot = fwk.handle.snapshot
        for name in nodes():
            i = snapshot.index.get(name)
            if i is None or codes[i] != 0:
                continue
            status = fwk.run_filter_with_nominated_pods(state, pod, snapshot.node_infos[i])
            if not is_success(status):
                assert status is not None
                if status.code is Code.Error:
                    raise SchedulingError(status.message())
                statuses.append(status)
                codes[i] = len(statuses)
