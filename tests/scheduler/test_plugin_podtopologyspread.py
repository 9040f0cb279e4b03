"""PodTopologySpread: skew, missing labels, minDomains, node inclusion policies, matchLabelKeys, scoring and the
system default constraints (podtopologyspread/filtering_test.go, scoring_test.go)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pinnace.scheduler.framework.handle import StaticListers
from tests.scheduler.builders import node, pod, taint, toleration
from tests.scheduler.harness import UNRESOLVABLE, UNSCHEDULABLE, cluster, run_filter, run_score


def go_round(x: float) -> int:
    """math.Round: halves away from zero."""
    return math.floor(x + 0.5)


ZONE = "topology.kubernetes.io/zone"
SKEW = f"{UNSCHEDULABLE}: node(s) didn't match pod topology spread constraints"
LABEL = f"{UNRESOLVABLE}: node(s) didn't match pod topology spread constraints (missing required label)"
NODES = [
    node("n1", labels={ZONE: "a"}),
    node("n2", labels={ZONE: "a"}),
    node("n3", labels={ZONE: "b"}),
    node("n4"),
]


def constraint(
    when: str = "DoNotSchedule", max_skew: int = 1, key: str = ZONE, **extra: Any
) -> dict[str, Any]:
    return {
        "maxSkew": max_skew,
        "topologyKey": key,
        "whenUnsatisfiable": when,
        "labelSelector": {"matchLabels": {"app": "web"}},
        **extra,
    }


def web(name: str, node_name: str, **kw: Any) -> dict[str, Any]:
    return pod(name, labels={"app": "web", **kw.pop("labels", {})}, node_name=node_name, **kw)


def incoming(
    *constraints: dict[str, Any], labels: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    return pod("p", labels=labels or {"app": "web"}, topologySpreadConstraints=list(constraints), **spec)


@pytest.mark.parametrize(
    ("existing", "new", "expected"),
    [
        pytest.param(
            [web("w1", "n1"), web("w2", "n1")],
            incoming(constraint()),
            {"n1": SKEW, "n2": SKEW, "n3": None, "n4": LABEL},
            id="a domain two pods ahead of the minimum is refused; a node without the key is unresolvable",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n3")],
            incoming(constraint()),
            {"n1": None, "n2": None, "n3": None, "n4": LABEL},
            id="balanced domains admit the pod anywhere",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n3")],
            incoming(constraint(minDomains=3)),
            {"n1": SKEW, "n2": SKEW, "n3": SKEW, "n4": LABEL},
            id="fewer domains than minDomains make the global minimum 0",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n1")],
            incoming(constraint(max_skew=3)),
            {"n1": None, "n2": None, "n3": None, "n4": LABEL},
            id="maxSkew tolerates the difference",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n1")],
            incoming(constraint(), labels={"app": "other"}),
            {"n1": SKEW, "n2": SKEW, "n3": None, "n4": LABEL},
            id="a pod that does not match its own selector adds nothing but is still limited",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n1")],
            incoming(constraint(), nodeSelector={ZONE: "a"}),
            {"n1": None, "n2": None, "n3": None, "n4": LABEL},
            id="nodeAffinityPolicy Honor counts only domains the pod may go to",
        ),
        pytest.param(
            [web("w1", "n1"), web("w2", "n1")],
            incoming(constraint(nodeAffinityPolicy="Ignore"), nodeSelector={ZONE: "a"}),
            {"n1": SKEW, "n2": SKEW, "n3": None, "n4": LABEL},
            id="nodeAffinityPolicy Ignore counts every domain",
        ),
        pytest.param(
            [
                web("w1", "n1", labels={"pod-template-hash": "v1"}),
                web("w2", "n1", labels={"pod-template-hash": "v1"}),
            ],
            incoming(
                constraint(matchLabelKeys=["pod-template-hash"]),
                labels={"app": "web", "pod-template-hash": "v2"},
            ),
            {"n1": None, "n2": None, "n3": None, "n4": LABEL},
            id="matchLabelKeys counts only pods of the same revision",
        ),
        pytest.param(
            [web("w1", "n3"), web("w2", "n1", deletion=True)],
            incoming(constraint()),
            {"n1": None, "n2": None, "n3": SKEW, "n4": LABEL},
            id="terminating pods do not count",
        ),
    ],
)
def test_filter(existing: list[dict[str, Any]], new: dict[str, Any], expected: dict[str, str | None]) -> None:
    for p in existing:
        if p["spec"].pop("deletion", False):
            p["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    assert run_filter(cluster(NODES, existing), "PodTopologySpread", new) == expected


def test_node_taints_policy_honor_leaves_tainted_domains_out() -> None:
    nodes = [node("n1", labels={ZONE: "a"}), node("n3", labels={ZONE: "b"}, taints=[taint("dedicated", "x")])]
    existing = [web("w1", "n1")]
    honor = incoming(constraint(nodeTaintsPolicy="Honor"))
    ignore = incoming(constraint())
    # Honor: zone b is not a domain, zone a's count 1 is the minimum, so zone a takes another pod.
    assert run_filter(cluster(nodes, existing), "PodTopologySpread", honor) == {"n1": None, "n3": None}
    # Ignore: zone b (0) is the minimum: zone a is one ahead.
    assert run_filter(cluster(nodes, existing), "PodTopologySpread", ignore) == {"n1": SKEW, "n3": None}
    tolerating = incoming(
        constraint(nodeTaintsPolicy="Honor"), tolerations=[toleration("dedicated", operator="Exists")]
    )
    assert run_filter(cluster(nodes, existing), "PodTopologySpread", tolerating) == {"n1": SKEW, "n3": None}


def test_soft_constraints_score_emptier_domains_higher() -> None:
    existing = [web("w1", "n1"), web("w2", "n1")]
    scores = run_score(cluster(NODES, existing), "PodTopologySpread", incoming(constraint("ScheduleAnyway")))
    # Domains among scored nodes: a, b (n4 lacks the key and is ignored): weight log(2 + 2).
    a = go_round(2 * math.log(4))
    assert scores == {"n1": 0, "n2": 0, "n3": 100 * a // a, "n4": 0}


def test_system_default_constraints_spread_pods_of_a_service() -> None:
    listers = StaticListers().add(
        "Service", {"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}}}
    )
    existing = [web("w1", "n1"), web("w2", "n1")]
    scores = run_score(
        cluster(NODES, existing, listers=listers), "PodTopologySpread", pod("p", labels={"app": "web"})
    )
    host_w, zone_w = math.log(4 + 2), math.log(3 + 2)  # 4 hosts; zones a, b and "" (n4 has no zone label)
    raw = {
        "n1": go_round(2 * host_w + 2 + 2 * zone_w + 4),
        "n2": go_round(0 * host_w + 2 + 2 * zone_w + 4),
        "n3": go_round(0 * host_w + 2 + 0 * zone_w + 4),
        "n4": go_round(0 * host_w + 2),  # no zone label: only the hostname constraint scores
    }
    lo, hi = min(raw.values()), max(raw.values())
    assert scores == {name: 100 * (hi + lo - s) // hi for name, s in raw.items()}


def test_no_service_or_controller_means_no_default_spreading() -> None:
    assert run_score(cluster(NODES), "PodTopologySpread", pod("p", labels={"app": "web"})) is None


def test_pods_without_constraints_skip_the_filter() -> None:
    assert run_filter(cluster(NODES, [web("w1", "n1")]), "PodTopologySpread", pod("p")) == dict.fromkeys(
        ("n1", "n2", "n3", "n4")
    )
