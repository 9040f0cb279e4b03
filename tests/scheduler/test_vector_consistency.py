"""Randomised check that the vectorised Filter and Score paths decide exactly as the per-node ones, for the
whole default profile, on clusters and pods drawn from a seeded generator."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from pinnace.scheduler.framework.interface import CycleState, is_success
from pinnace.scheduler.framework.snapshot import FILTERED_ROWS_KEY, NodeInfoView
from tests.scheduler.builders import container, node, pod, taint, toleration
from tests.scheduler.harness import cluster, pod_info

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
APPS = ("web", "db", "cache")


def random_node(rng: random.Random, i: int) -> dict[str, Any]:
    labels = {"gen": str(rng.randint(1, 9)), "pool": rng.choice(("a", "b"))}
    if rng.random() < 0.9:
        labels[ZONE] = rng.choice(("z1", "z2", "z3"))
    taints = (
        [taint("dedicated", rng.choice(("x", "y")), rng.choice(("NoSchedule", "PreferNoSchedule")))]
        if rng.random() < 0.3
        else []
    )
    return node(
        f"n{i}",
        cpu=str(rng.choice((1, 2, 4))),
        memory=f"{rng.choice((2, 4, 8))}Gi",
        pods=str(rng.choice((3, 10, 110))),
        labels=labels,
        taints=taints,
        unschedulable=rng.random() < 0.1,
    )


def term(rng: random.Random) -> dict[str, Any]:
    return {
        "labelSelector": {"matchLabels": {"app": rng.choice(APPS)}},
        "topologyKey": rng.choice((ZONE, HOST)),
    }


def random_pod(rng: random.Random, name: str, node_name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"pool": rng.choice(("a", "b"))}
    affinity: dict[str, Any] = {}
    if rng.random() < 0.3:
        op = rng.choice(("In", "NotIn", "Gt", "Lt", "Exists", "DoesNotExist"))
        expr: dict[str, Any] = {"key": "gen", "operator": op}
        if op in ("In", "NotIn"):
            expr["values"] = [str(rng.randint(1, 9)) for _ in range(2)]
        elif op in ("Gt", "Lt"):
            expr["values"] = [str(rng.randint(1, 9))]
        affinity["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [expr]}]
            }
        }
    if rng.random() < 0.3:
        affinity["nodeAffinity"] = {
            **affinity.get("nodeAffinity", {}),
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": rng.randint(1, 50),
                    "preference": {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]},
                }
            ],
        }
    for kind in ("podAffinity", "podAntiAffinity"):
        if rng.random() < 0.25:
            affinity.setdefault(kind, {})["requiredDuringSchedulingIgnoredDuringExecution"] = [term(rng)]
        if rng.random() < 0.25:
            affinity.setdefault(kind, {})["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": rng.randint(1, 100), "podAffinityTerm": term(rng)}
            ]
    if affinity:
        spec["affinity"] = affinity
    if rng.random() < 0.3:
        spec["tolerations"] = [toleration("dedicated", rng.choice(("x", "y")), "NoSchedule", "Equal")]
    if rng.random() < 0.3:
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": rng.randint(1, 2),
                "topologyKey": rng.choice((ZONE, HOST)),
                "whenUnsatisfiable": rng.choice(("DoNotSchedule", "ScheduleAnyway")),
                "labelSelector": {"matchLabels": {"app": rng.choice(APPS)}},
                **({"nodeTaintsPolicy": "Honor"} if rng.random() < 0.3 else {}),
            }
        ]
    cpu = rng.choice(("100m", "500m", "1", "3"))
    host_port = 8080 if rng.random() < 0.1 else None
    return pod(
        name,
        labels={"app": rng.choice(APPS)},
        containers=[container(cpu=cpu, memory=rng.choice(("128Mi", "1Gi", "3Gi")), host_port=host_port)],
        node_name=node_name,
        **spec,
    )


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_paths_agree_with_per_node_paths(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [random_node(rng, i) for i in range(rng.randint(3, 12))]
    existing = [
        random_pod(rng, f"e{i}", rng.choice(nodes)["metadata"]["name"]) for i in range(rng.randint(0, 15))
    ]
    c = cluster(nodes, existing)
    fwk = c.profiles["default-scheduler"]
    snapshot = c.snapshot
    for k in range(8):
        info = pod_info(c, random_pod(rng, f"p{k}"))
        state = CycleState()
        _, status, _ = fwk.run_pre_filter(state, info)
        if not is_success(status):
            continue
        codes, statuses = fwk.run_filter_all(state, info)
        for i, ni in enumerate(snapshot.node_infos):
            per_node = fwk.run_filter(state, info, ni)
            vector = statuses[codes[i] - 1] if codes[i] else None
            assert (None if per_node is None else (per_node.code, per_node.reasons, per_node.plugin)) == (
                None if vector is None else (vector.code, vector.reasons, vector.plugin)
            ), f"node {ni.name}"
        rows = np.flatnonzero(codes == 0).astype(np.intp)
        if len(rows) < 2:
            continue
        state.write(FILTERED_ROWS_KEY, rows)
        assert is_success(fwk.run_pre_score(state, info, NodeInfoView(snapshot, rows)))
        for plugin in fwk.score_plugins:
            if plugin.name in state.skip_score_plugins:
                continue
            vector_scores = plugin.score_all(state, info, snapshot, rows)  # type: ignore[attr-defined]
            per_node_scores = [plugin.score(state, info, snapshot.node_infos[int(i)])[0] for i in rows]
            assert list(vector_scores) == per_node_scores, plugin.name
        totals, _ = fwk.run_score(state, info, rows)
        assert ((totals >= 0) & (totals <= 100 * sum(fwk.weights.values()))).all()
