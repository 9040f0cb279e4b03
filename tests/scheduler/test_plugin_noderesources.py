"""NodeResourcesFit and NodeResourcesBalancedAllocation (fit_test.go, least/most_allocated_test.go,
requested_to_capacity_ratio_test.go, balanced_allocation_test.go), and PodRequests (resource helpers)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from pinnace.scheduler.framework.resources import pod_requests
from tests.scheduler.builders import container, node, pod
from tests.scheduler.harness import UNSCHEDULABLE, cluster, run_filter, run_score

G = 1024**3


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {
                "containers": [container("c1", cpu="2", memory="1G"), container("c2", cpu="1", memory="1G")],
                "initContainers": [
                    container("i1", cpu="2", memory="1G"),
                    container("i2", cpu="2", memory="3G"),
                ],
            },
            {"cpu": Fraction(3), "memory": Fraction(3 * 10**9)},
            id="init containers count as their maximum against the sum of regular containers",
        ),
        pytest.param(
            {
                "containers": [container("c", cpu="500m")],
                "initContainers": [
                    container("sidecar", cpu="100m", restart_policy="Always"),
                    container("init", cpu="1"),
                ],
            },
            {"cpu": Fraction(11, 10)},
            id="a sidecar adds to the regular containers and to the init containers after it",
        ),
        pytest.param(
            {"containers": [container("c", cpu="500m")], "overhead": {"cpu": "250m"}},
            {"cpu": Fraction(3, 4)},
            id="pod overhead is added",
        ),
    ],
)
def test_pod_requests(spec: dict[str, Any], expected: dict[str, Fraction]) -> None:
    assert pod_requests({"spec": spec}) == expected


def test_non_missing_requests_default_cpu_and_memory_per_container() -> None:
    spec = {"containers": [container("a"), container("b", cpu="1")]}
    assert pod_requests({"spec": spec}, non_missing=True) == {
        "cpu": Fraction(11, 10),
        "memory": Fraction(2 * 200 * 1024 * 1024),
    }


def bound(name: str, node_name: str, **kw: Any) -> dict[str, Any]:
    return pod(name, node_name=node_name, **kw)


FILTER_CASES = [
    pytest.param(pod("p", cpu="500m", memory="1Gi"), None, id="a pod that fits"),
    pytest.param(pod("p", cpu="2"), f"{UNSCHEDULABLE}: Insufficient cpu", id="not enough cpu left"),
    pytest.param(
        pod("p", cpu="2", memory="20Gi"),
        f"{UNSCHEDULABLE}: Insufficient cpu, Insufficient memory",
        id="every short resource is a reason",
    ),
    pytest.param(
        pod("p", containers=[container(cpu="100m", extra={"example.com/gpu": "1"})]),
        f"{UNSCHEDULABLE}: Insufficient example.com/gpu",
        id="extended resources are checked",
    ),
    pytest.param(
        pod("p", containers=[container(cpu="100m", extra={"example.com/fpga": "1"})]),
        f"{UNSCHEDULABLE}: Insufficient example.com/fpga",
        id="an extended resource the node lacks is insufficient",
    ),
    pytest.param(
        pod("p", containers=[container(cpu="100m", extra={"ephemeral-storage": "20Gi"})]),
        f"{UNSCHEDULABLE}: Insufficient ephemeral-storage",
        id="ephemeral storage",
    ),
    pytest.param(
        pod("p", cpu="500m", init_containers=[container("init", cpu="3")]),
        f"{UNSCHEDULABLE}: Insufficient cpu",
        id="a large init container counts",
    ),
    pytest.param(pod("p"), None, id="a pod without requests needs only a pod slot"),
]


def _full_node_cluster() -> Any:
    n = node("n1", cpu="4", memory="16Gi", extra={"example.com/gpu": "1", "ephemeral-storage": "10Gi"})
    existing = [
        bound("a", "n1", containers=[container(cpu="3", memory="8Gi", extra={"example.com/gpu": "1"})]),
    ]
    return cluster([n], existing)


@pytest.mark.parametrize(("incoming", "expected"), FILTER_CASES)
def test_filter(incoming: dict[str, Any], expected: str | None) -> None:
    assert run_filter(_full_node_cluster(), "NodeResourcesFit", incoming) == {"n1": expected}


def test_too_many_pods() -> None:
    c = cluster([node("n1", pods="1")], [bound("a", "n1")])
    assert run_filter(c, "NodeResourcesFit", pod("p", cpu="5")) == {
        "n1": f"{UNSCHEDULABLE}: Too many pods, Insufficient cpu"
    }


def test_ignored_resources_are_not_checked() -> None:
    config = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": [
            {
                "schedulerName": "default-scheduler",
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "ignoredResources": ["example.com/fpga"],
                            "ignoredResourceGroups": ["vendor.io"],
                        },
                    }
                ],
            }
        ],
    }
    c = cluster([node("n1")], config=config)
    p = pod("p", containers=[container(cpu="100m", extra={"example.com/fpga": "1", "vendor.io/thing": "2"})])
    assert run_filter(c, "NodeResourcesFit", p) == {"n1": None}


def _scoring_cluster(config: dict[str, Any] | None = None) -> Any:
    nodes = [node("empty", cpu="4", memory="32Gi"), node("busy", cpu="4", memory="32Gi")]
    return cluster(nodes, [bound("a", "busy", cpu="2", memory="8Gi")], config=config)


def _strategy(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": [
            {
                "schedulerName": "default-scheduler",
                "pluginConfig": [
                    {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": kind, **extra}}}
                ],
            }
        ],
    }


INCOMING = pod("p", cpu="1", memory="8Gi")


def test_least_allocated_prefers_free_nodes() -> None:
    # empty: cpu (4000-1000)*100/4000 = 75, memory (32-8)/32 = 75; busy: 25 and 50 -> (25+50)/2 = 37.
    assert run_score(_scoring_cluster(), "NodeResourcesFit", INCOMING) == {"empty": 75, "busy": 37}


def test_most_allocated_packs_nodes() -> None:
    scores = run_score(_scoring_cluster(_strategy("MostAllocated")), "NodeResourcesFit", INCOMING)
    assert scores == {"empty": 25, "busy": 62}


def test_requested_to_capacity_ratio_follows_the_shape() -> None:
    shape = {
        "requestedToCapacityRatio": {
            "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]
        }
    }
    scores = run_score(
        _scoring_cluster(_strategy("RequestedToCapacityRatio", **shape)), "NodeResourcesFit", INCOMING
    )
    # busy: utilisation 75 and 50 -> (75 + 50) / 2 = 62.5, rounded half away from zero as math.Round does.
    assert scores == {"empty": 25, "busy": 63}


def test_weights_change_the_mean() -> None:
    resources = {"resources": [{"name": "cpu", "weight": 3}, {"name": "memory", "weight": 1}]}
    scores = run_score(
        _scoring_cluster(_strategy("LeastAllocated", **resources)), "NodeResourcesFit", INCOMING
    )
    # busy: (25*3 + 50*1) / 4 = 31.
    assert scores == {"empty": 75, "busy": 31}


def test_pods_without_requests_are_scored_with_default_requests() -> None:
    c = cluster([node("n1", cpu="1", memory="1Gi")])
    # Non-zero defaults 100m and 200Mi: cpu (1000-100)*100/1000 = 90, memory (1024-200)*100/1024 = 80.
    assert run_score(c, "NodeResourcesFit", pod("p")) == {"n1": 85}


def test_balanced_allocation_prefers_equal_fractions() -> None:
    # empty: 1/4 and 8/32 -> std 0 -> 100; busy: 3/4 and 16/32 -> std 0.125 -> 87.
    assert run_score(_scoring_cluster(), "NodeResourcesBalancedAllocation", INCOMING) == {
        "empty": 100,
        "busy": 87,
    }
