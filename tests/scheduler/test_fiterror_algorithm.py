"""FitError's message (types.go FitError.Error), numFeasibleNodesToFind and selectHost (schedule_one_test.go)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from pinnace.scheduler.framework.algorithm import num_feasible_nodes_to_find, select_host
from pinnace.scheduler.framework.fiterror import Diagnosis, FitError, NodeToStatus
from pinnace.scheduler.framework.interface import Code, Status

TAINT = Status(Code.UnschedulableAndUnresolvable, ("node(s) had untolerated taint {workload: batch}",))
CPU = Status(Code.Unschedulable, ("Insufficient cpu",))
CPU_MEMORY = Status(Code.Unschedulable, ("Insufficient cpu", "Insufficient memory"))


def diagnosis(statuses: dict[str, Status], **kw: str) -> Diagnosis:
    node_to_status = NodeToStatus()
    for name, status in statuses.items():
        node_to_status.set(name, status)
    return Diagnosis(node_to_status=node_to_status, **kw)


def test_the_briefs_example_message() -> None:
    d = diagnosis(
        {"n1": TAINT, "n2": CPU, "n3": CPU},
        post_filter_msg="preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    )
    assert str(FitError("default/p", 3, d)) == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {workload: batch}, 2 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


def test_reasons_are_counted_per_node_and_sorted_as_strings() -> None:
    d = diagnosis({f"n{i}": CPU_MEMORY for i in range(10)} | {"x": TAINT})
    assert str(FitError("p", 11, d)) == (
        "0/11 nodes are available: 1 node(s) had untolerated taint {workload: batch}, "
        "10 Insufficient cpu, 10 Insufficient memory."
    )


def test_nodes_without_a_status_count_with_the_absent_status() -> None:
    d = diagnosis({"n1": CPU})
    d.node_to_status.absent = Status(
        Code.UnschedulableAndUnresolvable, ("node(s) didn't satisfy plugin(s) [NodeAffinity]",)
    )
    assert str(FitError("p", 3, d)) == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_a_pre_filter_rejection_replaces_the_histogram() -> None:
    d = diagnosis({}, pre_filter_msg="pod has unbound immediate PersistentVolumeClaims")
    assert (
        str(FitError("p", 5, d))
        == "0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    )


def test_vectorised_statuses_render_the_same_histogram() -> None:
    node_to_status = NodeToStatus()
    node_to_status.set_vector(["a", "b", "c", "d"], np.array([1, 2, 2, 0], dtype=np.int32), [TAINT, CPU])
    assert str(FitError("p", 4, Diagnosis(node_to_status=node_to_status))) == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {workload: batch}, 2 Insufficient cpu."
    )


@pytest.mark.parametrize(
    ("nodes", "percentage", "expected"),
    [
        (10, None, 10),
        (99, None, 99),
        (100, None, 100),  # 50% of 100 is below the 100-node minimum
        (1000, None, 420),  # 50 - 1000/125 = 42%
        (5000, None, 500),  # 50 - 40 = 10%
        (6000, None, 300),  # 50 - 48 = 2% -> at least 5%
        (1000, 30, 300),
        (200, 10, 100),  # never fewer than 100 nodes
    ],
)
def test_num_feasible_nodes_to_find(nodes: int, percentage: int | None, expected: int) -> None:
    assert num_feasible_nodes_to_find(percentage, nodes) == expected


def test_select_host_takes_the_highest_total() -> None:
    assert select_host(np.array([3, 9, 4], dtype=np.int64), random.Random(1)) == 1


def test_select_host_breaks_ties_uniformly_and_reproducibly() -> None:
    totals = np.array([5, 7, 7, 1, 7], dtype=np.int64)
    generator = np.random.default_rng(7)
    picks = Counter(select_host(totals, generator) for _ in range(3000))
    assert set(picks) == {1, 2, 4}
    assert all(800 < count < 1200 for count in picks.values())
    again = [select_host(totals, np.random.default_rng(42)) for _ in range(3)]
    assert len(set(again)) == 1
