"""InterPodAffinity: required and preferred (anti-)affinity both ways, namespaces and namespaceSelector
(interpodaffinity/filtering_test.go and scoring_test.go)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.scheduler.framework.handle import StaticListers
from tests.scheduler.builders import node, pod
from tests.scheduler.harness import UNRESOLVABLE, UNSCHEDULABLE, cluster, run_filter, run_score

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
AFFINITY = f"{UNRESOLVABLE}: node(s) didn't match pod affinity rules"
ANTI = f"{UNSCHEDULABLE}: node(s) didn't match pod anti-affinity rules"
EXISTING = f"{UNSCHEDULABLE}: node(s) didn't satisfy existing pods anti-affinity rules"

NODES = [
    node("n1", labels={ZONE: "a"}),
    node("n2", labels={ZONE: "a"}),
    node("n3", labels={ZONE: "b"}),
    node("n4"),
]


def term(labels: dict[str, str], key: str, **extra: Any) -> dict[str, Any]:
    return {"labelSelector": {"matchLabels": labels}, "topologyKey": key, **extra}


def affinity(kind: str, *terms: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def preferred(kind: str, weight: int, t: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": weight, "podAffinityTerm": t}]}
    }


WEB_ON_N1 = pod("web", labels={"app": "web"}, node_name="n1")


@pytest.mark.parametrize(
    ("existing", "incoming", "expected"),
    [
        pytest.param(
            [WEB_ON_N1],
            pod("p", affinity=affinity("podAffinity", term({"app": "web"}, ZONE))),
            {"n1": None, "n2": None, "n3": AFFINITY, "n4": AFFINITY},
            id="affinity admits the matching pod's zone; a node without the key never fits",
        ),
        pytest.param(
            [WEB_ON_N1],
            pod("p", affinity=affinity("podAntiAffinity", term({"app": "web"}, HOST))),
            {"n1": ANTI, "n2": None, "n3": None, "n4": None},
            id="anti-affinity on hostname avoids the matching pod's node",
        ),
        pytest.param(
            [WEB_ON_N1],
            pod("p", affinity=affinity("podAntiAffinity", term({"app": "web"}, ZONE))),
            {"n1": ANTI, "n2": ANTI, "n3": None, "n4": None},
            id="anti-affinity on zone avoids the whole zone",
        ),
        pytest.param(
            [
                pod(
                    "db",
                    labels={"app": "db"},
                    node_name="n1",
                    affinity=affinity("podAntiAffinity", term({"app": "web"}, ZONE)),
                )
            ],
            pod("p", labels={"app": "web"}),
            {"n1": EXISTING, "n2": EXISTING, "n3": None, "n4": None},
            id="an existing pod's anti-affinity keeps matching pods out of its zone",
        ),
        pytest.param(
            [],
            pod("p", labels={"app": "web"}, affinity=affinity("podAffinity", term({"app": "web"}, ZONE))),
            {"n1": None, "n2": None, "n3": None, "n4": AFFINITY},
            id="the first pod of a self-affine series may go anywhere with the topology key",
        ),
        pytest.param(
            [WEB_ON_N1],
            pod("p", affinity=affinity("podAffinity", term({"app": "web"}, ZONE, namespaces=["other"]))),
            {"n1": AFFINITY, "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
            id="a term only sees pods in its namespaces",
        ),
        pytest.param(
            [pod("web", namespace="other", labels={"app": "web"}, node_name="n3")],
            pod("p", affinity=affinity("podAffinity", term({"app": "web"}, ZONE, namespaces=["other"]))),
            {"n1": AFFINITY, "n2": AFFINITY, "n3": None, "n4": AFFINITY},
            id="listed namespaces are searched",
        ),
        pytest.param(
            [WEB_ON_N1],
            pod(
                "p", affinity=affinity("podAffinity", term({"app": "web"}, ZONE), term({"app": "web"}, HOST))
            ),
            {"n1": None, "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
            id="every required term must be satisfied",
        ),
    ],
)
def test_filter(
    existing: list[dict[str, Any]], incoming: dict[str, Any], expected: dict[str, str | None]
) -> None:
    assert run_filter(cluster(NODES, existing), "InterPodAffinity", incoming) == expected


def test_namespace_selector_selects_namespaces_by_label() -> None:
    listers = StaticListers().add(
        "Namespace",
        {"metadata": {"name": "team-a", "labels": {"team": "a"}}},
        {"metadata": {"name": "team-b", "labels": {"team": "b"}}},
    )
    existing = [
        pod("web-a", namespace="team-a", labels={"app": "web"}, node_name="n1"),
        pod("web-b", namespace="team-b", labels={"app": "web"}, node_name="n3"),
    ]
    c = cluster(NODES, existing, listers=listers)
    incoming = pod(
        "p",
        affinity=affinity(
            "podAntiAffinity", term({"app": "web"}, ZONE, namespaceSelector={"matchLabels": {"team": "a"}})
        ),
    )
    assert run_filter(c, "InterPodAffinity", incoming) == {"n1": ANTI, "n2": ANTI, "n3": None, "n4": None}


def test_pods_without_affinity_skip_the_filter() -> None:
    assert run_filter(cluster(NODES, [WEB_ON_N1]), "InterPodAffinity", pod("p")) == dict.fromkeys(
        ("n1", "n2", "n3", "n4")
    )


def test_preferred_affinity_scores_the_zone_of_matching_pods() -> None:
    scores = run_score(
        cluster(NODES, [WEB_ON_N1]),
        "InterPodAffinity",
        pod("p", affinity=preferred("podAffinity", 50, term({"app": "web"}, ZONE))),
    )
    assert scores == {"n1": 100, "n2": 100, "n3": 0, "n4": 0}


def test_preferred_anti_affinity_scores_the_other_zones() -> None:
    incoming = pod("p", affinity=preferred("podAntiAffinity", 50, term({"app": "web"}, ZONE)))
    assert run_score(cluster(NODES, [WEB_ON_N1]), "InterPodAffinity", incoming) == {
        "n1": 0,
        "n2": 0,
        "n3": 100,
        "n4": 100,
    }


def test_existing_pods_required_affinity_attracts_with_hard_pod_affinity_weight() -> None:
    existing = [
        pod(
            "x",
            labels={"app": "x"},
            node_name="n3",
            affinity=affinity("podAffinity", term({"app": "x"}, ZONE)),
        )
    ]
    scores = run_score(cluster(NODES, existing), "InterPodAffinity", pod("p", labels={"app": "x"}))
    assert scores == {"n1": 0, "n2": 0, "n3": 100, "n4": 0}


def test_existing_pods_preferred_anti_affinity_repels() -> None:
    existing = [pod("x", node_name="n1", affinity=preferred("podAntiAffinity", 10, term({"app": "p"}, HOST)))]
    scores = run_score(cluster(NODES, existing), "InterPodAffinity", pod("p", labels={"app": "p"}))
    assert scores == {"n1": 0, "n2": 100, "n3": 100, "n4": 100}


def test_no_matching_terms_skip_scoring() -> None:
    assert run_score(cluster(NODES, [WEB_ON_N1]), "InterPodAffinity", pod("p")) is None
