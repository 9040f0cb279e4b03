"""Deployments with real kubectl against a real API server and controller manager (deployment, replicaset,
replicationcontroller controllers): the seed's Deployment, scaling, a rolling update checked while it runs,
``kubectl rollout status|history|undo|pause|resume|restart`` with kubectl 1.32 and 1.37.

There is no kubelet: a thread in the test plays it, marking every new pod Running and Ready through the
status subresource (with the Python client), a short moment after it appears.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from tests.e2e.conftest import APIServerProcess, ComponentProcess, kubectl, start_apiserver, start_component

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
NAMESPACE = "default"


def seed_deployment() -> dict[str, Any]:
    blocks = re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S)
    for block in blocks:
        for doc in yaml.safe_load_all(block):
            if isinstance(doc, dict) and doc.get("kind") == "Deployment" and doc["metadata"]["name"] == "web":
                return doc
    raise AssertionError("the seed has no Deployment web")


class Kubelet(threading.Thread):
    """Marks pods Running and Ready (``delay`` seconds after first seeing them) until stopped."""

    def __init__(self, core: k8s.CoreV1Api, delay: float = 0.3) -> None:
        super().__init__(daemon=True, name="pretend-kubelet")
        self.core = core
        self.delay = delay
        self.halt = threading.Event()
        self.seen: dict[str, float] = {}

    def run(self) -> None:
        while not self.halt.wait(0.1):
            try:
                pods = self.core.list_namespaced_pod(NAMESPACE).items
            except ApiException:
                continue
            now = time.monotonic()
            for pod in pods:
                uid = pod.metadata.uid
                first = self.seen.setdefault(uid, now)
                if (
                    pod.metadata.deletion_timestamp
                    or pod.status.phase == "Running"
                    or now - first < self.delay
                ):
                    continue
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                status = {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": stamp}],
                }
                try:
                    self.core.patch_namespaced_pod_status(pod.metadata.name, NAMESPACE, {"status": status})
                except ApiException:
                    pass  # deleted meanwhile


class Cluster:
    def __init__(self, server: APIServerProcess, manager: ComponentProcess, cache: Path) -> None:
        self.server = server
        self.manager = manager
        self.cache = cache
        self.core = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(server.kubeconfig)))

    def run(self, *args: str, version: str | None = None) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args, version=version)
        assert result.returncode == 0, (
            f"kubectl {' '.join(args)}: {result.stderr}\n{self.manager.log()[-4000:]}"
        )
        return result.stdout

    def pods(self) -> list[Any]:
        items = self.core.list_namespaced_pod(NAMESPACE, label_selector="app=web").items
        return [p for p in items if not p.metadata.deletion_timestamp]

    def ready_pods(self) -> int:
        return sum(
            1
            for pod in self.pods()
            if any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])
        )

    def until(self, what: str, condition: Callable[[], bool], seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.manager.log()[-4000:]}")
            time.sleep(0.1)

    def rollout_status(self, version: str | None = None) -> str:
        return self.run("rollout", "status", "deployment/web", "--timeout=30s", version=version)

    def images(self) -> set[str]:
        return {p.spec.containers[0].image for p in self.pods()}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("workloads")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    kubelet: Kubelet | None = None
    try:
        manager = start_component(
            server,
            "controller-manager",
            "--controllers",
            "deployment,replicaset,replicationcontroller",
            "--no-leader-elect",
        )
        created = Cluster(server, manager, data_dir / "kubectl-cache")
        kubelet = Kubelet(created.core)
        kubelet.start()
        manifest = data_dir / "web.yaml"
        manifest.write_text(yaml.safe_dump(seed_deployment()))
        created.run("apply", "-f", str(manifest))
        yield created
    finally:
        if kubelet is not None:
            kubelet.halt.set()
            kubelet.join(5)
        if manager is not None:
            manager.stop()
        server.stop()


def test_the_seed_deployment_gives_three_pods(cluster: Cluster) -> None:
    out = cluster.rollout_status()
    assert 'deployment "web" successfully rolled out' in out
    assert len(cluster.pods()) == 3
    table = cluster.run("get", "deployment", "web")
    assert re.search(r"web\s+3/3\s+3\s+3", table), table
    rs_table = cluster.run("get", "rs", "-l", "app=web")
    assert re.search(r"web-[a-z0-9]+\s+3\s+3\s+3", rs_table), rs_table


def test_scale_to_ten_and_back(cluster: Cluster) -> None:
    cluster.run("scale", "deployment", "web", "--replicas=10")
    cluster.until("10 ready pods", lambda: cluster.ready_pods() == 10)
    cluster.rollout_status()
    cluster.run("scale", "deployment", "web", "--replicas=3")
    cluster.until("3 pods", lambda: len(cluster.pods()) == 3)
    cluster.rollout_status()
    events = cluster.run("get", "events", "--field-selector", "involvedObject.name=web")
    assert re.search(
        r"ScalingReplicaSet\s+deployment/web\s+Scaled up replica set web-\w+ from 3 to 10", events
    )
    assert re.search(r"Scaled down replica set web-\w+ from 10 to 3", events)


def test_set_image_rolls_out_within_max_surge_and_max_unavailable(cluster: Cluster) -> None:
    # 3 replicas with the default 25%/25%: maxSurge rounds up to 1, maxUnavailable down to 0.
    cluster.run("set", "image", "deployment/web", "web=nginx:1.28-alpine")
    totals: list[int] = []
    ready: list[int] = []

    def rolled_out() -> bool:
        totals.append(len(cluster.pods()))
        ready.append(cluster.ready_pods())
        return (
            cluster.images() == {"nginx:1.28-alpine"}
            and cluster.ready_pods() == 3
            and len(cluster.pods()) == 3
        )

    cluster.until("the new image everywhere", rolled_out, seconds=20)
    assert max(totals) <= 4, totals
    assert min(ready) >= 3, ready
    assert 'deployment "web" successfully rolled out' in cluster.rollout_status(version="1.37")
    sets = cluster.run("get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.replicas} {end}")
    assert sorted(sets.split()) == ["0", "3"]


def test_rollout_history_and_undo(cluster: Cluster) -> None:
    history = cluster.run("rollout", "history", "deployment/web")
    assert re.search(r"REVISION\s+CHANGE-CAUSE", history), history
    assert re.findall(r"^(\d+)\s", history, re.M) == ["1", "2"]
    detail = cluster.run("rollout", "history", "deployment/web", "--revision=1", version="1.37")
    assert "nginx:1.27-alpine" in detail
    out = cluster.run("rollout", "undo", "deployment/web", "--to-revision=1", version="1.37")
    assert "deployment.apps/web rolled back" in out
    cluster.rollout_status()
    cluster.until("the old image back", lambda: cluster.images() == {"nginx:1.27-alpine"})
    history = cluster.run("rollout", "history", "deployment/web")
    assert re.findall(r"^(\d+)\s", history, re.M) == ["2", "3"]
    d = cluster.run("get", "deployment", "web", "-o", "jsonpath={.metadata.annotations}")
    assert '"deployment.kubernetes.io/revision":"3"' in d


def test_pause_resume_and_restart(cluster: Cluster) -> None:
    assert "deployment.apps/web paused" in cluster.run("rollout", "pause", "deployment/web")
    cluster.run("set", "image", "deployment/web", "web=nginx:1.29-alpine")
    time.sleep(1.0)  # a paused Deployment must not start a rollout; give the controller a chance to err
    assert cluster.images() == {"nginx:1.27-alpine"}
    reason = cluster.run(
        "get", "deployment", "web", "-o", 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}'
    )
    assert reason == "DeploymentPaused"
    assert "deployment.apps/web resumed" in cluster.run("rollout", "resume", "deployment/web", version="1.37")
    cluster.rollout_status()
    cluster.until("the resumed rollout", lambda: cluster.images() == {"nginx:1.29-alpine"})
    before = {p.metadata.name for p in cluster.pods()}
    assert "deployment.apps/web restarted" in cluster.run(
        "rollout", "restart", "deployment/web", version="1.37"
    )
    cluster.rollout_status()
    cluster.until("all pods replaced", lambda: not before & {p.metadata.name for p in cluster.pods()})
    assert len(cluster.pods()) == 3
    history = cluster.run("rollout", "history", "deployment/web")
    assert re.findall(r"^(\d+)\s", history, re.M)[-1] == "5"
