"""A node that dies: the whole control plane reacts as Kubernetes does.

Two hollow-node processes stand in for two machines. Killing one (SIGKILL, like a power cut) stops its Leases;
the node lifecycle controller marks the node NotReady and taints it unreachable; the taint eviction controller
deletes its pods after their tolerationSeconds; the ReplicaSet controller replaces them and the scheduler puts
the replacements on the node that is still alive.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    APIServerProcess,
    ComponentProcess,
    kubectl,
    start_apiserver,
    start_component,
)

pytestmark = pytest.mark.e2e

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[APIServerProcess, list[ComponentProcess]]]:
    server = start_apiserver(tmp_path / "data")
    started: list[ComponentProcess] = []
    try:
        started.append(
            start_component(
                server,
                "controller-manager",
                "--no-leader-elect",
                "--node-monitor-period",
                "1s",
                "--node-monitor-grace-period",
                "5s",
            )
        )
        started.append(start_component(server, "scheduler", "--no-leader-elect"))
        for index in (0, 1):
            started.append(
                start_component(
                    server,
                    "hollow-nodes",
                    "--count",
                    "1",
                    "--start-index",
                    str(index),
                    "--node-lease-duration-seconds",
                    "4",
                )
            )
        yield server, started
    finally:
        for component in started:
            component.stop()
        server.stop()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_pods_of_a_dead_node_are_replaced_on_a_live_one(
    cluster: tuple[APIServerProcess, list[ComponentProcess]], tmp_path: Path
) -> None:
    server, components = cluster
    cache = tmp_path / "cache"
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)

    def get(*args: str) -> Any:
        result = kubectl(server.kubeconfig, cache, "get", *args, "-o", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    wait_for("two Ready nodes", lambda: len(get("nodes")["items"]) == 2)
    assert kubectl(server.kubeconfig, cache, "apply", "-f", str(manifest)).returncode == 0
    rollout = kubectl(
        server.kubeconfig, cache, "rollout", "status", "deployment/web", "--timeout=60s", timeout=90
    )
    assert rollout.returncode == 0, rollout.stderr

    dead_node = "hollow-node-0"
    # The scheduler's default spreading puts pods on both nodes.
    victims = {
        p["metadata"]["uid"]
        for p in get("pods", "-l", "app=web")["items"]
        if p["spec"]["nodeName"] == dead_node
    }
    assert victims
    components[2].kill()  # the hollow-nodes process playing hollow-node-0

    def node_unreachable() -> bool:
        node = get("node", dead_node)
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        taints = {(t["key"], t["effect"]) for t in node["spec"].get("taints", [])}
        return ready["status"] == "Unknown" and ("node.kubernetes.io/unreachable", "NoExecute") in taints

    wait_for("the dead node to be tainted unreachable", node_unreachable, timeout=60)
    nodes = kubectl(server.kubeconfig, cache, "get", "nodes")
    assert f"{dead_node}   NotReady" in nodes.stdout, nodes.stdout

    def victims_evicted() -> bool:
        pods = get("pods", "-l", "app=web")["items"]
        left = [p for p in pods if p["metadata"]["uid"] in victims]
        return all(p["metadata"].get("deletionTimestamp") for p in left)

    wait_for("the dead node's pods to be evicted", victims_evicted, timeout=30)

    def replaced() -> bool:
        pods = get("pods", "-l", "app=web")["items"]
        live = [
            p
            for p in pods
            if not p["metadata"].get("deletionTimestamp") and p["status"].get("phase") == "Running"
        ]
        return len(live) == 4 and {p["spec"]["nodeName"] for p in live} == {"hollow-node-1"}

    wait_for("a replacement Running on the live node", replaced, timeout=60)
