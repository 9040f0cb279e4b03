"""NodeAffinity: nodeSelector, every operator, matchFields, addedAffinity, preferred scoring (node_affinity_test.go)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.scheduler.framework.interface import CycleState
from tests.scheduler.builders import node, pod
from tests.scheduler.harness import UNRESOLVABLE, cluster, pod_info, run_filter, run_score

MISMATCH = f"{UNRESOLVABLE}: node(s) didn't match Pod's node affinity/selector"


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        out["values"] = list(values)
    return out


NODES = [
    node("small", labels={"zone": "a", "gen": "3", "disk": "ssd"}),
    node("large", labels={"zone": "b", "gen": "10"}),
    node("bare", labels={}),
]


@pytest.mark.parametrize(
    ("spec", "fits"),
    [
        pytest.param({"nodeSelector": {"zone": "a"}}, {"small"}, id="nodeSelector matches labels exactly"),
        pytest.param(
            {"nodeSelector": {"zone": "a", "disk": "hdd"}}, set(), id="every nodeSelector label must match"
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("zone", "In", "a", "b")]})},
            {"small", "large"},
            id="In",
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("zone", "NotIn", "a")]})},
            {"large", "bare"},
            id="NotIn matches a missing label",
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("disk", "Exists")]})}, {"small"}, id="Exists"
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("disk", "DoesNotExist")]})},
            {"large", "bare"},
            id="DoesNotExist",
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("gen", "Gt", "5")]})},
            {"large"},
            id="Gt compares integers, not strings",
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("gen", "Lt", "5")]})}, {"small"}, id="Lt"
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("zone", "Gt", "1")]})},
            set(),
            id="Gt on a non-integer label never matches",
        ),
        pytest.param(
            {
                "affinity": required(
                    {"matchExpressions": [expr("zone", "In", "a")]},
                    {"matchExpressions": [expr("zone", "In", "b")]},
                )
            },
            {"small", "large"},
            id="terms are ORed",
        ),
        pytest.param(
            {"affinity": required({"matchExpressions": [expr("zone", "In", "a"), expr("gen", "Gt", "5")]})},
            set(),
            id="expressions within a term are ANDed",
        ),
        pytest.param({"affinity": required({})}, set(), id="an empty term matches no node"),
        pytest.param(
            {
                "nodeSelector": {"zone": "b"},
                "affinity": required({"matchExpressions": [expr("gen", "Gt", "5")]}),
            },
            {"large"},
            id="nodeSelector and affinity must both match",
        ),
        pytest.param(
            {"affinity": required({"matchFields": [expr("metadata.name", "In", "large")]})},
            {"large"},
            id="matchFields on metadata.name",
        ),
        pytest.param(
            {"affinity": required({"matchFields": [expr("metadata.name", "NotIn", "large")]})},
            {"small", "bare"},
            id="matchFields NotIn",
        ),
    ],
)
def test_filter(spec: dict[str, Any], fits: set[str]) -> None:
    c = cluster(NODES)
    result = run_filter(c, "NodeAffinity", pod("p", **spec))
    assert result == {name: None if name in fits else MISMATCH for name in ("small", "large", "bare")}


def test_pre_filter_narrows_to_the_named_nodes() -> None:
    c = cluster(NODES)
    plugin = c.profiles["default-scheduler"].plugins["NodeAffinity"]
    p = pod("p", affinity=required({"matchFields": [expr("metadata.name", "In", "small")]}))
    result, status = plugin.pre_filter(CycleState(), pod_info(c, p), c.snapshot)  # type: ignore[attr-defined]
    assert status is None
    assert result.node_names == frozenset({"small"})


def test_conflicting_node_name_terms_make_the_pod_unschedulable() -> None:
    c = cluster(NODES)
    p = pod(
        "p",
        affinity=required(
            {"matchFields": [expr("metadata.name", "In", "small"), expr("metadata.name", "In", "large")]},
        ),
    )
    assert run_filter(c, "NodeAffinity", p) == {
        n: f"{UNRESOLVABLE}: pod affinity terms conflict" for n in ("small", "large", "bare")
    }


def test_added_affinity_is_enforced_for_every_pod() -> None:
    config = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": [
            {
                "schedulerName": "default-scheduler",
                "pluginConfig": [
                    {
                        "name": "NodeAffinity",
                        "args": {
                            "addedAffinity": required({"matchExpressions": [expr("zone", "In", "b")]})[
                                "nodeAffinity"
                            ]
                        },
                    }
                ],
            }
        ],
    }
    c = cluster(NODES, config=config)
    enforced = f"{UNRESOLVABLE}: node(s) didn't match scheduler-enforced node affinity"
    assert run_filter(c, "NodeAffinity", pod("p")) == {"small": enforced, "large": None, "bare": enforced}


def test_preferred_terms_score_by_weight_normalised_to_100() -> None:
    c = cluster(NODES)
    preferred = [
        {"weight": 10, "preference": {"matchExpressions": [expr("zone", "In", "a")]}},
        {"weight": 30, "preference": {"matchExpressions": [expr("gen", "Gt", "5")]}},
        {"weight": 5, "preference": {"matchExpressions": [expr("disk", "Exists")]}},
    ]
    p = pod("p", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}})
    # Raw: small 15, large 30, bare 0; DefaultNormalizeScore: 100 * s / max.
    assert run_score(c, "NodeAffinity", p) == {"small": 50, "large": 100, "bare": 0}


def test_no_preferred_terms_skips_scoring() -> None:
    c = cluster(NODES)
    assert run_score(c, "NodeAffinity", pod("p")) is None
