"""Hollow nodes as a user meets them: an API server, a ``pinnace hollow-nodes`` process, real kubectl.

The process registers 3 nodes that ``kubectl get nodes`` shows Ready; a pod bound to one of them becomes
Running and Ready; deleting it removes it; killing the process (SIGKILL, by its PID) makes the Leases stop
being renewed. (Turning the Node NotReady after that is the node lifecycle controller's job, not tested here.)
Leases last 4 s here, renewed every second, so the test need not wait 10 s to see renewals stop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import APIServerProcess, ComponentProcess, kubectl, start_apiserver, start_component

pytestmark = pytest.mark.e2e

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: hollow-node-0
  containers:
  - name: nginx
    image: nginx:1.27
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path / "data")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def hollow(server: APIServerProcess) -> Iterator[ComponentProcess]:
    process = start_component(server, "hollow-nodes", "--count", "3", "--node-lease-duration-seconds", "4")
    try:
        yield process
    finally:
        process.stop()


def run(server: APIServerProcess, cache: Path, *args: str, timeout: float = 60.0) -> str:
    result = kubectl(server.kubeconfig, cache, *args, version="1.32", timeout=timeout)
    assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
    return result.stdout


def get_json(server: APIServerProcess, cache: Path, *args: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(run(server, cache, "get", *args, "-o", "json"))
    return loaded


def wait_for(predicate: Any, what: str, process: ComponentProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert process.alive(), f"hollow-nodes exited:\n{process.log()}"
        time.sleep(0.2)
    pytest.fail(f"{what} not seen after {timeout}s; hollow-nodes log:\n{process.log()}")


def renew_time(server: APIServerProcess, cache: Path) -> str:
    lease = get_json(server, cache, "lease", "-n", "kube-node-lease", "hollow-node-0")
    return str(lease["spec"]["renewTime"])


def test_hollow_nodes_register_run_pods_and_stop_renewing_when_killed(
    server: APIServerProcess, hollow: ComponentProcess, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"

    def nodes_ready() -> bool:
        out = kubectl(server.kubeconfig, cache, "get", "nodes", "--no-headers", version="1.32").stdout
        rows = [line.split() for line in out.splitlines()]
        return len(rows) == 3 and all(row[1] == "Ready" for row in rows)

    wait_for(nodes_ready, "3 Ready nodes", hollow)
    table = run(server, cache, "get", "nodes", "-o", "wide")
    assert "v1.32.0-pinnace-hollow" in table and "198.18.0.1" in table
    node = get_json(server, cache, "node", "hollow-node-2")
    assert node["metadata"]["labels"]["node.pinnace.dev/hollow"] == "true"
    assert "taints" not in node["spec"]

    # ServiceAccount admission wants the namespace's default ServiceAccount; no controller manager runs here.
    run(server, cache, "create", "serviceaccount", "default")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD)
    run(server, cache, "create", "-f", str(manifest))
    run(server, cache, "wait", "--for=condition=Ready", "pod/web", "--timeout=30s", timeout=40)
    pod = get_json(server, cache, "pod", "web")
    assert pod["status"]["phase"] == "Running"
    assert pod["status"]["podIP"].startswith("10.128.0.")
    assert pod["status"]["hostIP"] == "198.18.0.1"
    assert pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]

    run(server, cache, "delete", "pod", "web", "--timeout=30s", timeout=40)  # waits until it is gone
    gone = kubectl(server.kubeconfig, cache, "get", "pod", "web", version="1.32")
    assert gone.returncode != 0 and 'pods "web" not found' in gone.stderr

    first = renew_time(server, cache)
    wait_for(lambda: renew_time(server, cache) != first, "a Lease renewal", hollow, timeout=5)
    hollow.kill()
    time.sleep(0.5)  # a renewal already sent when the process died may still be written
    stopped = renew_time(server, cache)
    time.sleep(2.5)  # more than two renewal intervals
    assert renew_time(server, cache) == stopped
    # The Nodes stay: a stopped kubelet does not delete its Node either.
    assert len(get_json(server, cache, "nodes")["items"]) == 3
