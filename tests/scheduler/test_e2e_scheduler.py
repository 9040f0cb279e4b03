"""The scheduler process against a real API server, driven with real kubectl: nodes with allocatable,
labels and a taint; pods with the seed article's scheduling block; ``kubectl describe pod`` shows upstream's
FailedScheduling message for the one that cannot fit; the Lease ``kube-system/kube-scheduler`` is held."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import APIServerProcess, ComponentProcess, kubectl, start_apiserver, start_component

pytestmark = pytest.mark.e2e

ZONE = "topology.k8s.io/zone"  # the seed article's key


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[APIServerProcess, ComponentProcess]]:
    server = start_apiserver(tmp_path / "data")
    scheduler: ComponentProcess | None = None
    try:
        # No controller manager runs here: create what its ServiceAccount controller would, so that
        # ServiceAccount admission admits the pods.
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        apply(server, tmp_path / "kubectl-cache", account)
        scheduler = start_component(server, "scheduler")
        yield server, scheduler
    finally:
        if scheduler is not None:
            scheduler.stop()
        server.stop()


def node(name: str, zone: str, pool: str, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, ZONE: zone, "nodepool": pool}},
        "spec": {"taints": taints or []},
        "status": {
            "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
            "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ready"}],
        },
    }


def seed_pod(name: str) -> dict[str, Any]:
    """A pod with the seed's scheduling block (nodeSelector, anti-affinity, toleration, zone spread)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "api"}},
        "spec": {
            "containers": [
                {"name": "api", "image": "nginx:1.27-alpine", "resources": {"requests": {"cpu": "100m"}}}
            ],
            "nodeSelector": {"nodepool": "general"},
            "affinity": {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "labelSelector": {"matchLabels": {"app": "api"}},
                            "topologyKey": "kubernetes.io/hostname",
                        }
                    ]
                }
            },
            "tolerations": [
                {"key": "workload", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}
            ],
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": ZONE,
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"app": "api"}},
                }
            ],
        },
    }


def big_pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "3"}}}]},
    }


def apply(server: APIServerProcess, cache: Path, *objects: dict[str, Any]) -> None:
    manifest = yaml.safe_dump_all(list(objects))
    path = cache.parent / f"manifest-{time.monotonic_ns()}.yaml"
    path.write_text(manifest)
    result = kubectl(server.kubeconfig, cache, "create", "-f", str(path))
    assert result.returncode == 0, result.stderr


def wait_for(predicate: Any, timeout: float, what: str, log: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{log}")


def pod_json(server: APIServerProcess, cache: Path, name: str) -> dict[str, Any]:
    result = kubectl(server.kubeconfig, cache, "get", "pod", name, "-o", "json")
    assert result.returncode == 0, result.stderr
    pod: dict[str, Any] = json.loads(result.stdout)
    return pod


def test_seed_block_placement_and_why_pending(
    cluster: tuple[APIServerProcess, ComponentProcess], tmp_path: Path
) -> None:
    server, scheduler = cluster
    cache = tmp_path / "kubectl-cache"
    apply(
        server,
        cache,
        node("n1", "z1", "general"),
        node("n2", "z2", "general", [{"key": "workload", "value": "batch", "effect": "NoSchedule"}]),
        node("n3", "z3", "gpu"),
    )
    apply(server, cache, seed_pod("api-0"), seed_pod("api-1"))

    def placed() -> dict[str, str] | None:
        nodes = {n: pod_json(server, cache, n)["spec"].get("nodeName", "") for n in ("api-0", "api-1")}
        return nodes if all(nodes.values()) else None

    nodes = wait_for(placed, 30, "api-0 and api-1 to be scheduled", scheduler.log())
    assert sorted(nodes.values()) == ["n1", "n2"]  # one per general node; the tainted one is tolerated

    apply(server, cache, seed_pod("api-2"), big_pod("big"))
    expected = {
        "api-2": (
            "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
            "2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: "
            "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        ),
        "big": (
            "0/3 nodes are available: 1 node(s) had untolerated taint {workload: batch}, 2 Insufficient cpu. "
            "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
            "2 No preemption victims found for incoming pod."
        ),
    }
    for name, message in expected.items():

        def described(name: str = name, message: str = message) -> str | None:
            result = kubectl(server.kubeconfig, cache, "describe", "pod", name)
            return result.stdout if message in result.stdout and "FailedScheduling" in result.stdout else None

        output = wait_for(described, 30, f"FailedScheduling for {name}", scheduler.log())
        assert "default-scheduler" in output
        condition = next(
            c for c in pod_json(server, cache, name)["status"]["conditions"] if c["type"] == "PodScheduled"
        )
        assert (condition["status"], condition["reason"], condition["message"]) == (
            "False",
            "Unschedulable",
            message,
        )

    events = kubectl(
        server.kubeconfig, cache, "get", "events", "--field-selector", "reason=Scheduled", "-o", "json"
    )
    messages = sorted(e["message"] for e in json.loads(events.stdout)["items"])
    assert messages == [f"Successfully assigned default/{p} to {n}" for p, n in sorted(nodes.items())]

    lease = kubectl(
        server.kubeconfig, cache, "get", "lease", "-n", "kube-system", "kube-scheduler", "-o", "json"
    )
    assert lease.returncode == 0, lease.stderr
    assert json.loads(lease.stdout)["spec"]["holderIdentity"]


def test_preemption_spares_the_pod_a_disruption_budget_protects(
    cluster: tuple[APIServerProcess, ComponentProcess], tmp_path: Path
) -> None:
    server, scheduler = cluster
    cache = tmp_path / "kubectl-cache"
    plain = {"kubernetes.io/hostname": "", ZONE: "z", "nodepool": "general"}
    nodes = [node(name, "z", "general") for name in ("n1", "n2")]
    for n in nodes:
        n["metadata"]["labels"] = {**plain, "kubernetes.io/hostname": n["metadata"]["name"]}
    classes = [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
        }
        for name, value in (("low", 10), ("high", 1000))
    ]
    classes = [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
        }
        for name, value in (("low", 10), ("high", 1000))
    ]
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "keep-db"},
        "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "db"}}},
    }

    def workload(name: str, node_name: str, app: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": app}},
            "spec": {
                "nodeName": node_name,
                "priorityClassName": "low",
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1500m"}}}],
            },
        }

    apply(
        server, cache, *nodes, *classes, budget, workload("db", "n1", "db"), workload("batch", "n2", "batch")
    )
    high = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "urgent"},
        "spec": {
            "priorityClassName": "high",
            "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}],
        },
    }
    apply(server, cache, high)
    placed = wait_for(
        lambda: pod_json(server, cache, "urgent")["spec"].get("nodeName"),
        60,
        "urgent to be scheduled",
        scheduler.log(),
    )
    assert placed == "n2"
    remaining = kubectl(server.kubeconfig, cache, "get", "pods", "-o", "name")
    assert sorted(remaining.stdout.split()) == ["pod/db", "pod/urgent"]
    events = json.loads(
        kubectl(
            server.kubeconfig, cache, "get", "events", "--field-selector", "reason=Preempted", "-o", "json"
        ).stdout
    )["items"]
    uid = pod_json(server, cache, "urgent")["metadata"]["uid"]
    assert [(e["involvedObject"]["name"], e["message"]) for e in events] == [
        ("batch", f"Preempted by pod {uid} on node n2")
    ]
    described = kubectl(server.kubeconfig, cache, "describe", "pod", "urgent").stdout
    assert "0/2 nodes are available: 2 Insufficient cpu." in described
