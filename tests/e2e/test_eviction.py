"""kubectl drain, cordon and the eviction subresource against PodDisruptionBudgets, as a user runs them.

There is no kubelet and no disruption controller here: pods are bound to a Node object by
``spec.nodeName`` and made Running/Ready through the status subresource, and each budget's status is
written directly, as the disruption controller would. Without a kubelet an evicted pod with a grace
period stays Terminating (its kubelet would finish the deletion), so drains that must finish pass
``--grace-period=0``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e

VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("eviction"))
    try:
        yield started
    finally:
        started.stop()


class Cluster:
    """kubectl against the module's server, with a private cache."""

    def __init__(self, server: APIServerProcess, cache: Path, version: str = "1.32") -> None:
        self.server = server
        self.cache = cache
        self.version = version

    def run(self, *args: str, stdin: str = "", check: bool = True, timeout: float = 60.0) -> tuple[int, str]:
        if stdin:
            path = self.cache.parent / "stdin.yaml"
            path.write_text(stdin)
            args = (*args, "-f", str(path))
        result = kubectl(self.server.kubeconfig, self.cache, *args, version=self.version, timeout=timeout)
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.returncode, result.stdout + result.stderr

    def json(self, *args: str) -> dict[str, object]:
        result = kubectl(self.server.kubeconfig, self.cache, *args, "-o", "json", version=self.version)
        assert result.returncode == 0, result.stderr
        loaded: dict[str, object] = json.loads(result.stdout)
        return loaded

    def workload(self, namespace: str, node: str, pods: list[str], *, allowed: int) -> None:
        """Nodes, a ReplicaSet owning ``pods`` (Running, Ready, on ``node``) and a budget over them."""
        self.run("create", "namespace", namespace)
        self.run(
            "apply",
            stdin=f"""\
apiVersion: v1
kind: Node
metadata: {{name: {node}}}
---
apiVersion: v1
kind: Node
metadata: {{name: {node}-spare}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: web, namespace: {namespace}}}
spec:
  replicas: {len(pods)}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: c, image: nginx}}]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: pdb1, namespace: {namespace}}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: web}}}}
""",
        )
        owner = self.json("get", "rs", "web", "-n", namespace)["metadata"]
        assert isinstance(owner, dict)
        for name in pods:
            self.run(
                "apply",
                stdin=f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: web}}
  ownerReferences:
  - {{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: {owner["uid"]}, controller: true}}
spec:
  nodeName: {node}
  containers: [{{name: c, image: nginx}}]
""",
            )
            ready = {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
            self.run(
                "patch",
                "pod",
                name,
                "-n",
                namespace,
                "--subresource=status",
                "--type=merge",
                "-p",
                json.dumps(ready),
            )
        self.set_budget(namespace, allowed=allowed, healthy=len(pods))

    def set_budget(self, namespace: str, *, allowed: int, healthy: int) -> None:
        budget_status = {
            "observedGeneration": 1,
            "disruptionsAllowed": allowed,
            "currentHealthy": healthy,
            "desiredHealthy": healthy - allowed,
            "expectedPods": healthy,
        }
        self.run(
            "patch",
            "pdb",
            "pdb1",
            "-n",
            namespace,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": budget_status}),
        )

    def pods(self, namespace: str) -> dict[str, dict[str, object]]:
        items = self.json("get", "pods", "-n", namespace)["items"]
        assert isinstance(items, list)
        return {item["metadata"]["name"]: item for item in items}


def drain(cluster: Cluster, node: str, *extra: str) -> tuple[int, str]:
    return cluster.run(
        "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=5s", *extra, check=False
    )


def test_drain_stops_at_a_budget_with_no_disruptions_left(server: APIServerProcess, tmp_path: Path) -> None:
    cluster = Cluster(server, tmp_path / "cache")
    cluster.workload("blocked", "node-blocked", ["web-a"], allowed=0)
    code, output = drain(cluster, "node-blocked")
    assert code == 1
    assert "node/node-blocked cordoned" in output
    assert f'error when evicting pods/"web-a" -n "blocked" (will retry after 5s): {VIOLATION}' in output
    assert 'error: unable to drain node "node-blocked"' in output
    assert 'error when evicting pods/"web-a" -n "blocked": global timeout reached: 5s' in output
    pod = cluster.pods("blocked")["web-a"]
    assert "deletionTimestamp" not in pod["metadata"]  # type: ignore[operator]


@pytest.mark.parametrize("version", ["1.27", "1.32", "1.37"])
def test_drain_evicts_what_the_budget_allows(server: APIServerProcess, tmp_path: Path, version: str) -> None:
    cluster = Cluster(server, tmp_path / "cache", version)
    namespace = f"drain-{version.replace('.', '-')}"
    node = f"node-{namespace}"
    cluster.workload(namespace, node, ["web-a", "web-b"], allowed=2)
    code, output = drain(cluster, node, "--grace-period=0")
    assert code == 0, output
    assert {"pod/web-a evicted", "pod/web-b evicted", f"node/{node} drained"} <= set(output.splitlines())
    assert cluster.pods(namespace) == {}
    budget_status = cluster.json("get", "pdb", "pdb1", "-n", namespace)["status"]
    assert isinstance(budget_status, dict)
    assert budget_status["disruptionsAllowed"] == 0
    assert set(budget_status["disruptedPods"]) == {"web-a", "web-b"}
    assert [(c["type"], c["status"], c["reason"]) for c in budget_status["conditions"]] == [
        ("DisruptionAllowed", "False", "InsufficientPods")
    ]


def test_evicted_pods_stay_terminating_until_their_kubelet_finishes(
    server: APIServerProcess, tmp_path: Path
) -> None:
    cluster = Cluster(server, tmp_path / "cache")
    cluster.workload("graceful", "node-graceful", ["web-a"], allowed=1)
    code, output = drain(cluster, "node-graceful")
    assert code == 1
    assert (
        'error when waiting for pod "web-a" in namespace "graceful" to terminate: context deadline exceeded'
        in (output)
    )
    pod = cluster.pods("graceful")["web-a"]
    metadata, pod_status = pod["metadata"], pod["status"]
    assert isinstance(metadata, dict) and isinstance(pod_status, dict)
    assert metadata["deletionGracePeriodSeconds"] == 30
    disruption = [c for c in pod_status["conditions"] if c["type"] == "DisruptionTarget"]
    assert [(c["status"], c["reason"], c["message"]) for c in disruption] == [
        ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
    ]
    _, listed = cluster.run("get", "pods", "-n", "graceful")
    assert "Terminating" in listed


def test_cordon_and_uncordon_set_only_spec_unschedulable(server: APIServerProcess, tmp_path: Path) -> None:
    cluster = Cluster(server, tmp_path / "cache")
    cluster.run("apply", stdin="apiVersion: v1\nkind: Node\nmetadata: {name: node-cordon}\n")
    assert cluster.run("cordon", "node-cordon")[1].strip() == "node/node-cordon cordoned"
    # The node.kubernetes.io/unschedulable taint is the node lifecycle controller's, not the API server's.
    assert cluster.json("get", "node", "node-cordon")["spec"] == {"unschedulable": True}
    _, listed = cluster.run("get", "node", "node-cordon")
    assert "SchedulingDisabled" in listed
    assert cluster.run("uncordon", "node-cordon")[1].strip() == "node/node-cordon uncordoned"
    assert cluster.json("get", "node", "node-cordon")["spec"] == {}


@pytest.mark.parametrize("api_version", ["policy/v1", "policy/v1beta1"])
def test_the_eviction_subresource_answers_201_success(
    server: APIServerProcess, tmp_path: Path, api_version: str
) -> None:
    cluster = Cluster(server, tmp_path / "cache")
    namespace = "raw-" + api_version.replace("/", "-")
    cluster.run("create", "namespace", namespace)
    cluster.run(
        "apply",
        stdin=f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {namespace}}}\n"
        "spec: {containers: [{name: c, image: nginx}]}\n",
    )
    body = tmp_path / "eviction.json"
    body.write_text(
        json.dumps(
            {"apiVersion": api_version, "kind": "Eviction", "metadata": {"name": "p", "namespace": namespace}}
        )
    )
    _, output = cluster.run(
        "create", "--raw", f"/api/v1/namespaces/{namespace}/pods/p/eviction", "-f", str(body)
    )
    assert json.loads(output) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    assert cluster.pods(namespace) == {}, "a Pending pod disrupts nothing and is deleted at once"
