"""StatefulSets and DaemonSets with real kubectl against a real API server and controller manager.

There is no kubelet and no scheduler here: the test plays the kubelet by marking pods Running and Ready
through the status subresource (only when it means to, so the StatefulSet's ordering can be watched), and
binds DaemonSet pods to the node their node affinity names, as the scheduler would.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from tests.e2e.conftest import APIServerProcess, ComponentProcess, kubectl, start_apiserver, start_component

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
CONTROLLERS = "statefulset,daemonset"


def seed_object(kind: str, name: str) -> dict[str, Any]:
    for block in re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S):
        for doc in yaml.safe_load_all(block):
            if isinstance(doc, dict) and doc.get("kind") == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"the seed has no {kind} {name}")


class Cluster:
    def __init__(self, server: APIServerProcess, manager: ComponentProcess, cache: Path) -> None:
        self.server = server
        self.manager = manager
        self.cache = cache
        self.core = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(server.kubeconfig)))

    def run(self, *args: str) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args)
        assert result.returncode == 0, (
            f"kubectl {' '.join(args)}: {result.stderr}\n{self.manager.log()[-4000:]}"
        )
        return result.stdout

    def apply(self, body: dict[str, Any]) -> None:
        path = self.cache.parent / f"{body['kind']}-{body['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(body))
        self.run("apply", "-f", str(path))

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json"))

    def pods(self, selector: str) -> dict[str, dict[str, Any]]:
        """Pods not being deleted, by name."""
        items = self.json("get", "pods", "-l", selector)["items"]
        return {p["metadata"]["name"]: p for p in items if not p["metadata"].get("deletionTimestamp")}

    def has_pod(self, selector: str, name: str) -> bool:
        return name in self.pods(selector)

    def make_ready(self, pod: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        status = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": stamp}],
        }
        self.run(
            "patch", "pod", pod, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status})
        )

    def ready_all(self, selector: str) -> None:
        for name, pod in self.pods(selector).items():
            if pod.get("status", {}).get("phase") != "Running":
                self.make_ready(name)

    def finish_deletions(self, selector: str) -> None:
        """Play the kubelet: a bound pod being deleted waits for its kubelet to confirm it stopped."""
        for pod in self.json("get", "pods", "-l", selector)["items"]:
            if pod["metadata"].get("deletionTimestamp"):
                name = pod["metadata"]["name"]
                self.run("delete", "pod", name, "--grace-period=0", "--force", "--ignore-not-found")

    def bind_to_target_nodes(self, selector: str) -> None:
        """Play the scheduler: bind unbound pods to the node their affinity term names."""
        for name, pod in self.pods(selector).items():
            if pod["spec"].get("nodeName"):
                continue
            terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            (node,) = terms["nodeSelectorTerms"][0]["matchFields"][0]["values"]
            target = k8s.V1ObjectReference(api_version="v1", kind="Node", name=node)
            binding = k8s.V1Binding(metadata=k8s.V1ObjectMeta(name=name), target=target)
            # The generated client cannot read the Status a binding answers with: take the raw response.
            self.core.create_namespaced_pod_binding(name, "default", binding, _preload_content=False)

    def until(self, what: str, condition: Callable[[], bool], seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.manager.log()[-4000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("sets")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    try:
        manager = start_component(
            server, "controller-manager", "--controllers", CONTROLLERS, "--no-leader-elect"
        )
        yield Cluster(server, manager, data_dir / "kubectl-cache")
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


def test_seed_statefulset_creates_pods_in_order_with_their_claims(cluster: Cluster) -> None:
    cluster.apply(seed_object("StatefulSet", "pg"))
    for ordinal in range(3):
        name = f"pg-{ordinal}"
        cluster.until(f"{name} to be created", functools.partial(cluster.has_pod, "app=pg", name))
        time.sleep(0.5)  # time enough for the controller to (wrongly) create the next one
        assert sorted(cluster.pods("app=pg")) == [f"pg-{i}" for i in range(ordinal + 1)]
        claim = cluster.json("get", "pvc", f"data-{name}")
        assert claim["metadata"]["labels"] == {"app": "pg"}
        assert claim["spec"]["resources"]["requests"]["storage"] == "100Gi"
        cluster.make_ready(name)
    # kubectl reports any set with a partition field (defaulted to 0) as a partitioned roll out.
    out = cluster.run("rollout", "status", "statefulset/pg", "--timeout=20s")
    assert out == "partitioned roll out complete: 3 new pods have been updated...\n"
    pod = cluster.json("get", "pod", "pg-1")
    assert pod["spec"]["hostname"] == "pg-1"
    assert pod["spec"]["subdomain"] == "pg"
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "pg-1"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-pg-1"}} in pod["spec"]["volumes"]
    status = cluster.json("get", "statefulset", "pg")["status"]
    assert status["readyReplicas"] == status["currentReplicas"] == status["updatedReplicas"] == 3
    assert status["observedGeneration"] == 1
    events = cluster.run("get", "events", "--field-selector", "involvedObject.name=pg")
    assert "create Claim data-pg-0 Pod pg-0 in StatefulSet pg success" in events
    assert "create Pod pg-2 in StatefulSet pg successful" in events


def test_statefulset_rollout_history_and_undo(cluster: Cluster) -> None:
    cluster.run("set", "image", "statefulset/pg", "postgres=postgres:17")

    def rolled(image: str) -> bool:
        cluster.ready_all("app=pg")
        pods = cluster.pods("app=pg")
        return len(pods) == 3 and all(
            p["spec"]["containers"][0]["image"] == image and p.get("status", {}).get("phase") == "Running"
            for p in pods.values()
        )

    cluster.until("the rolling update to postgres:17", lambda: rolled("postgres:17"), seconds=20)
    cluster.run("rollout", "status", "statefulset/pg", "--timeout=20s")
    history = cluster.run("rollout", "history", "statefulset/pg")
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M), history
    cluster.run("rollout", "undo", "statefulset/pg")
    cluster.until("the roll back to postgres:16", lambda: rolled("postgres:16"), seconds=20)
    out = cluster.run("rollout", "status", "statefulset/pg", "--timeout=20s")
    assert out == "partitioned roll out complete: 3 new pods have been updated...\n"
    revisions = cluster.json("get", "controllerrevisions", "-l", "app=pg")["items"]
    assert sorted(r["revision"] for r in revisions) == [2, 3]
    # kubectl compares the revision's bytes with its own encoding of the running template.
    out = cluster.run("rollout", "undo", "statefulset/pg", "--to-revision=3")
    assert out == "statefulset.apps/pg skipped rollback (current template already matches revision 3)\n"
    # Scaling down removes the highest ordinals and keeps their claims (whenScaled: Retain).
    cluster.run("scale", "statefulset/pg", "--replicas=1")
    cluster.until("pg-2 and pg-1 to go", lambda: sorted(cluster.pods("app=pg")) == ["pg-0"])
    claims = cluster.json("get", "pvc", "-l", "app=pg")["items"]
    assert sorted(c["metadata"]["name"] for c in claims) == ["data-pg-0", "data-pg-1", "data-pg-2"]


def node(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
    }


def daemon_set() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "agent", "image": "fluentd:1"}]},
            },
        },
    }


def test_daemonset_runs_one_pod_per_node_and_rolls_out(cluster: Cluster) -> None:
    for name in ("node-a", "node-b"):
        cluster.apply(node(name))
    cluster.apply(daemon_set())
    cluster.until("a pod per node", lambda: len(cluster.pods("app=agent")) == 2)
    cluster.bind_to_target_nodes("app=agent")
    pods = cluster.pods("app=agent")
    assert sorted(p["spec"]["nodeName"] for p in pods.values()) == ["node-a", "node-b"]
    for name in pods:
        cluster.make_ready(name)
    out = cluster.run("rollout", "status", "daemonset/agent", "--timeout=20s")
    assert out == 'daemon set "agent" successfully rolled out\n'
    status = cluster.json("get", "daemonset", "agent")["status"]
    assert (
        status["desiredNumberScheduled"] == status["numberAvailable"] == status["updatedNumberScheduled"] == 2
    )

    cluster.run("set", "image", "daemonset/agent", "agent=fluentd:2")

    def rolled(image: str) -> bool:
        cluster.finish_deletions("app=agent")
        cluster.bind_to_target_nodes("app=agent")
        cluster.ready_all("app=agent")
        pods = cluster.pods("app=agent")
        return len(pods) == 2 and all(
            p["spec"]["containers"][0]["image"] == image and p.get("status", {}).get("phase") == "Running"
            for p in pods.values()
        )

    cluster.until("the rolling update to fluentd:2", lambda: rolled("fluentd:2"), seconds=20)
    out = cluster.run("rollout", "status", "daemonset/agent", "--timeout=20s")
    assert out == 'daemon set "agent" successfully rolled out\n'
    history = cluster.run("rollout", "history", "daemonset/agent")
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M), history
    cluster.run("rollout", "undo", "daemonset/agent")
    cluster.until("the roll back to fluentd:1", lambda: rolled("fluentd:1"), seconds=20)
    cluster.run("rollout", "status", "daemonset/agent", "--timeout=20s")
    out = cluster.run("rollout", "undo", "daemonset/agent", "--to-revision=3")
    assert out == "daemonset.apps/agent skipped rollback (current template already matches revision 3)\n"
