"""TaintToleration: upstream's Filter reasons and PreferNoSchedule scoring (taint_toleration_test.go)."""

from __future__ import annotations

import pytest

from tests.scheduler.builders import node, pod, taint, toleration
from tests.scheduler.harness import UNRESOLVABLE, cluster, run_filter, run_score

FILTER_CASES = [
    pytest.param([], [], None, id="a node without taints takes any pod"),
    pytest.param(
        [taint("workload", "batch")],
        [],
        f"{UNRESOLVABLE}: node(s) had untolerated taint {{workload: batch}}",
        id="an untolerated NoSchedule taint rejects the node",
    ),
    pytest.param(
        [taint("workload", "batch")],
        [toleration("workload", "batch", "NoSchedule", "Equal")],
        None,
        id="an Equal toleration with the taint's value tolerates it",
    ),
    pytest.param(
        [taint("workload", "batch")],
        [toleration("workload", "other", "NoSchedule", "Equal")],
        f"{UNRESOLVABLE}: node(s) had untolerated taint {{workload: batch}}",
        id="an Equal toleration with another value does not",
    ),
    pytest.param(
        [taint("workload", "batch")],
        [toleration("workload", operator="Exists")],
        None,
        id="Exists on the key tolerates any value and effect",
    ),
    pytest.param(
        [taint("workload", "batch")],
        [toleration(operator="Exists")],
        None,
        id="Exists without a key tolerates everything",
    ),
    pytest.param(
        [taint("workload", "batch", "NoExecute")],
        [toleration("workload", "batch", "NoSchedule")],
        f"{UNRESOLVABLE}: node(s) had untolerated taint {{workload: batch}}",
        id="a toleration for another effect does not tolerate NoExecute",
    ),
    pytest.param(
        [taint("workload", "batch", "PreferNoSchedule")], [], None, id="PreferNoSchedule never filters"
    ),
    pytest.param(
        [taint("dedicated", "", "NoSchedule")],
        [],
        f"{UNRESOLVABLE}: node(s) had untolerated taint {{dedicated: }}",
        id="a taint without value prints an empty value",
    ),
    pytest.param(
        [taint("a", "1", "PreferNoSchedule"), taint("b", "2"), taint("c", "3")],
        [],
        f"{UNRESOLVABLE}: node(s) had untolerated taint {{b: 2}}",
        id="the first untolerated taint in the node's order is reported",
    ),
]


@pytest.mark.parametrize(("taints", "tolerations", "expected"), FILTER_CASES)
def test_filter(
    taints: list[dict[str, str]], tolerations: list[dict[str, str]], expected: str | None
) -> None:
    c = cluster([node("n1", taints=taints)])
    assert run_filter(c, "TaintToleration", pod("p", tolerations=tolerations)) == {"n1": expected}


def test_score_prefers_nodes_with_fewer_intolerable_prefer_no_schedule_taints() -> None:
    soft = "PreferNoSchedule"
    c = cluster(
        [
            node("none"),
            node("one", taints=[taint("a", "x", soft)]),
            node("two", taints=[taint("a", "x", soft), taint("b", "y", soft)]),
            node("tolerated", taints=[taint("c", "z", soft)]),
        ]
    )
    scores = run_score(c, "TaintToleration", pod("p", tolerations=[toleration("c", "z", soft, "Equal")]))
    # Raw counts 0, 1, 2, 0; DefaultNormalizeScore reversed: 100 - 100*count/max.
    assert scores == {"none": 100, "one": 50, "two": 0, "tolerated": 100}


def test_score_without_soft_taints_gives_every_node_the_maximum() -> None:
    c = cluster([node("a"), node("b", taints=[taint("k", "v")])])
    assert run_score(c, "TaintToleration", pod("p")) == {"a": 100, "b": 100}
