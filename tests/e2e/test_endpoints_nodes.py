"""Services' Endpoints and EndpointSlices, PodDisruptionBudget status and node lifecycle, driven with real
kubectl against a real API server and controller manager.

There is no kubelet and no scheduler here: pods are created bound to Node objects (``spec.nodeName``)
and made Running/Ready with an IP by patching their status subresource, as a kubelet would; nodes get
their Ready condition the same way, and "their kubelet" renews their Lease from the test.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import (
    APIServerProcess,
    ComponentProcess,
    kubectl,
    start_apiserver,
    start_component,
    start_controller_manager,
)

pytestmark = pytest.mark.e2e

Object = dict[str, Any]


class Cluster:
    def __init__(self, server: APIServerProcess, manager: ComponentProcess, cache: Path) -> None:
        self.server = server
        self.manager = manager
        self.cache = cache

    def run(self, *args: str, check: bool = True) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args)
        if check:
            assert result.returncode == 0, (
                f"kubectl {' '.join(args)}: {result.stderr}\n{self.manager.log()[-3000:]}"
            )
        return result.stdout

    def create(self, *objects: Object) -> None:
        path = self.cache.parent / f"manifest-{time.monotonic_ns()}.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        self.run("create", "-f", str(path))

    def patch_status(self, kind: str, name: str, status: Object, namespace: str = "default") -> None:
        self.run(
            "patch", kind, name, "-n", namespace, "--subresource=status", "--type=merge",
            "-p", json.dumps({"status": status}),
        )  # fmt: skip

    def evict(self, pod_name: str) -> str:
        """POST an Eviction for the pod (as ``kubectl drain`` does); returns kubectl's error output."""
        path = self.cache.parent / f"eviction-{pod_name}.json"
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod_name, "namespace": "default"},
        }
        path.write_text(json.dumps(body))
        raw = f"/api/v1/namespaces/default/pods/{pod_name}/eviction"
        result = kubectl(self.server.kubeconfig, self.cache, "create", "--raw", raw, "-f", str(path))
        return "" if result.returncode == 0 else result.stderr

    def json(self, *args: str) -> Object:
        loaded: Object = json.loads(self.run(*args, "-o", "json"))
        return loaded

    def until(self, what: str, check: Callable[[], bool], seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {seconds} s\n{self.manager.log()[-4000:]}")
            time.sleep(0.2)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(name: str, status: Object | None = None) -> Object:
    body: Object = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux"}},
    }
    if status is not None:
        body["status"] = status  # a kubelet registers its node with its status
    return body


def ready_node_status() -> Object:
    stamp = _now()
    return {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp,
            }
        ]
    }


def pod(name: str, node_name: str, *, labels: dict[str, str], **spec: Any) -> Object:
    container = {"name": "web", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"nodeName": node_name, "containers": [container], **spec},
    }


def running_status(ip: str, *, ready: bool = True) -> Object:
    stamp = _now()
    return {
        "phase": "Running",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "conditions": [
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": stamp}
        ],
    }


# Services, Endpoints, EndpointSlices, PodDisruptionBudgets --------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("endpoints")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    try:
        manager = start_controller_manager(server, ("endpoint", "endpointslice", "disruption"))
        yield Cluster(server, manager, data_dir / "kubectl-cache")
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


def test_service_endpoints_slices_and_disruption_budget(services: Cluster) -> None:
    c = services
    c.create(
        node("n1"),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
        pod("web-0", "n1", labels={"app": "web"}),
        pod("web-1", "n1", labels={"app": "web"}),
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    c.patch_status("pod", "web-0", running_status("10.244.0.10"))
    c.patch_status("pod", "web-1", running_status("10.244.0.11"))

    def endpoints() -> Object:
        found = c.run("get", "endpoints", "web", "-o", "json", "--ignore-not-found")
        return json.loads(found) if found.strip() else {}

    c.until(
        "both pods in the Endpoints",
        lambda: len((endpoints().get("subsets") or [{}])[0].get("addresses") or []) == 2,
    )
    (subset,) = endpoints()["subsets"]
    assert sorted(a["ip"] for a in subset["addresses"]) == ["10.244.0.10", "10.244.0.11"]
    assert {a["nodeName"] for a in subset["addresses"]} == {"n1"}
    assert {a["targetRef"]["name"] for a in subset["addresses"]} == {"web-0", "web-1"}
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]

    def slices() -> list[Object]:
        items: list[Object] = c.json("get", "endpointslices", "-l", "kubernetes.io/service-name=web")["items"]
        return items

    c.until(
        "both pods in the EndpointSlice", lambda: sum(len(s.get("endpoints") or []) for s in slices()) == 2
    )
    (endpoint_slice,) = slices()
    assert endpoint_slice["metadata"]["name"].startswith("web-")
    assert endpoint_slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == (
        "endpointslice-controller.k8s.io"
    )
    assert endpoint_slice["metadata"]["ownerReferences"][0]["kind"] == "Service"
    assert endpoint_slice["metadata"]["generation"] >= 1  # the API server counts slice changes
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert {tuple(e["addresses"]) for e in endpoint_slice["endpoints"]} == {
        ("10.244.0.10",),
        ("10.244.0.11",),
    }
    assert all(e["conditions"] == {"ready": True, "serving": True, "terminating": False}
               for e in endpoint_slice["endpoints"])  # fmt: skip

    described = c.run("describe", "service", "web")
    assert "10.244.0.10:8080" in described and "10.244.0.11:8080" in described, described

    c.until(
        "the budget allows one disruption",
        lambda: c.json("get", "pdb", "web").get("status", {}).get("disruptionsAllowed") == 1,
    )
    status = c.json("get", "pdb", "web")["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"]) == (2, 1, 2)
    header, row = c.run("get", "pdb", "web").splitlines()
    assert header.split() == [
        "NAME",
        "MIN",
        "AVAILABLE",
        "MAX",
        "UNAVAILABLE",
        "ALLOWED",
        "DISRUPTIONS",
        "AGE",
    ]
    assert row.split()[:4] == ["web", "1", "N/A", "1"]

    # An eviction spends the budget: the API server records web-0 in disruptedPods and deletes it (it stays
    # Terminating without a kubelet); the controller then counts one healthy pod and allows nothing more.
    assert c.evict("web-0") == ""

    def budget() -> Object:
        status: Object = c.json("get", "pdb", "web")["status"]
        return status

    c.until(
        "the eviction is accounted",
        lambda: budget()["currentHealthy"] == 1 and "disruptedPods" not in budget(),
    )
    assert budget()["disruptionsAllowed"] == 0
    condition = budget()["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "DisruptionAllowed",
        "False",
        "InsufficientPods",
    )
    assert "Cannot evict pod as it would violate the pod's disruption budget." in c.evict("web-1")

    # The terminating pod leaves the Endpoints and stays in the slice as serving but not ready.
    c.until(
        "web-0 out of the Endpoints",
        lambda: [a["ip"] for a in endpoints()["subsets"][0]["addresses"]] == ["10.244.0.11"],
    )

    def web_0_conditions() -> Object:
        (item,) = [e for s in slices() for e in s["endpoints"] if e["targetRef"]["name"] == "web-0"]
        conditions: Object = item["conditions"]
        return conditions

    c.until("web-0 terminating in the slice", lambda: web_0_conditions()["terminating"] is True)
    assert web_0_conditions() == {"ready": False, "serving": True, "terminating": True}

    # A pod that stops being Ready moves to notReadyAddresses.
    c.patch_status("pod", "web-1", running_status("10.244.0.11", ready=False))
    c.until(
        "web-1 not ready in the Endpoints", lambda: bool(endpoints()["subsets"][0].get("notReadyAddresses"))
    )
    assert [a["ip"] for a in endpoints()["subsets"][0]["notReadyAddresses"]] == ["10.244.0.11"]
    c.until("no healthy pod left", lambda: budget()["currentHealthy"] == 0)


# Node lifecycle ----------------------------------------------------------------------------------------

UNREACHABLE = "node.kubernetes.io/unreachable"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("nodes")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    try:
        manager = start_component(
            server,
            "controller-manager",
            "--controllers=nodelifecycle,taint-eviction-controller",
            "--no-leader-elect",
            "--node-monitor-period=500ms",
            "--node-monitor-grace-period=3s",
            "--node-startup-grace-period=5s",
        )
        yield Cluster(server, manager, data_dir / "kubectl-cache")
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


class LeaseRenewer:
    """The kubelet of a node, as far as its Lease goes: renews it every half second until stopped."""

    def __init__(self, cluster: Cluster, name: str) -> None:
        self.cluster = cluster
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def renew(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        kubectl(
            self.cluster.server.kubeconfig,
            self.cluster.cache,
            "patch", "lease", self.name, "-n", "kube-node-lease", "--type=merge",
            "-p", json.dumps({"spec": {"renewTime": stamp}}),
        )  # fmt: skip

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.renew()

    def __enter__(self) -> LeaseRenewer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def lease(name: str) -> Object:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": 40,
            "renewTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    }


def test_a_node_whose_lease_stops_becomes_not_ready_and_its_pods_are_evicted(nodes: Cluster) -> None:
    c = nodes
    c.create(
        node("alive", ready_node_status()),
        node("silent", ready_node_status()),
        lease("alive"),
        lease("silent"),
    )
    toleration = {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 2}
    c.create(
        pod("victim", "silent", labels={"app": "v"}, tolerations=[toleration]),
        pod("bystander", "alive", labels={"app": "b"}),
    )
    c.patch_status("pod", "victim", running_status("10.244.1.10"))
    c.patch_status("pod", "bystander", running_status("10.244.2.10"))

    def node_status(name: str) -> str:
        for line in c.run("get", "nodes", "--no-headers").splitlines():
            fields = line.split()
            if fields[0] == name:
                return fields[1]
        return ""

    def silent_taints() -> set[tuple[str, str]]:
        return {(t["key"], t["effect"]) for t in c.json("get", "node", "silent")["spec"].get("taints") or []}

    with LeaseRenewer(c, "alive"):
        c.until("silent goes NotReady", lambda: node_status("silent") == "NotReady")
        ready = next(
            x for x in c.json("get", "node", "silent")["status"]["conditions"] if x["type"] == "Ready"
        )
        assert (ready["status"], ready["reason"], ready["message"]) == (
            "Unknown",
            "NodeStatusUnknown",
            "Kubelet stopped posting node status.",
        )
        c.until("the NoExecute taint", lambda: (UNREACHABLE, "NoExecute") in silent_taints())
        tainted_at = time.monotonic()
        assert silent_taints() == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}
        assert node_status("alive") == "Ready"

        def victim_deleting() -> bool:
            found = c.run("get", "pod", "victim", "-o", "json", "--ignore-not-found")
            return not found.strip() or "deletionTimestamp" in json.loads(found)["metadata"]

        c.until("the victim is deleted after its tolerationSeconds", victim_deleting)
        assert time.monotonic() - tainted_at >= 1.0
        bystander = c.json("get", "pod", "bystander")
        assert "deletionTimestamp" not in bystander["metadata"]
        assert bystander["status"]["conditions"][0]["status"] == "True"

    events = c.json("get", "events")["items"]
    seen = {(e["involvedObject"]["name"], e["reason"], e["message"]) for e in events}
    assert ("victim", "TaintManagerEviction", "Marking for deletion Pod default/victim") in seen
    assert ("silent", "NodeNotReady", "Node silent status is now: NodeNotReady") in seen
    assert ("victim", "NodeNotReady", "Node is not ready") in seen
