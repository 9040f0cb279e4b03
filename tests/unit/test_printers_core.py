"""Core-group rows as ``kubectl get`` shows them from a Kubernetes 1.32 server (printers.go).

Each case is a realistic object and the exact cells upstream emits, wide columns included (the server
always renders them; kubectl hides priority-1 columns without ``-o wide``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.api.printers import Cell, printer_for

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


MIN, HOUR, DAY = 60, 3600, 86400


def meta(name: str, *, age: float = 3 * DAY, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ago(age), **extra}


def row(kind: str, obj: dict[str, Any], group: str = "") -> list[Cell]:
    printer = printer_for(group, kind)
    cells = printer.cells(obj, NOW)
    assert len(cells) == len(printer.columns)
    return cells


# --- Pods ---------------------------------------------------------------------------------------------------


def running(*, ready: bool = True, restarts: int = 0, last_exit: float | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "name": "web",
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "image": "nginx:1.27",
        "state": {"running": {"startedAt": ago(HOUR)}},
    }
    if last_exit is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(last_exit)}}
    return status


def pod(
    name: str,
    *,
    phase: str = "Running",
    containers: int = 1,
    statuses: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    node: str = "node-1",
    ip: str = "10.244.1.5",
    age: float = 2 * DAY + 3 * HOUR,
    **status_extra: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": f"c{i}", "image": "nginx:1.27"} for i in range(containers)]
    }
    if init_containers is not None:
        spec["initContainers"] = init_containers
    if node:
        spec["nodeName"] = node
    status: dict[str, Any] = {"phase": phase, **status_extra}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, age=age),
        "spec": spec,
        "status": status,
    }


READY = [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}]
NOT_READY = [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "False"}]


def deleting(obj: dict[str, Any], seconds: float = 10) -> dict[str, Any]:
    obj["metadata"]["deletionTimestamp"] = ago(seconds)
    return obj


POD_CASES = [
    pytest.param(
        pod("web-7d4b9c8f6-x2x9k", statuses=[running(restarts=2, last_exit=5 * MIN)], conditions=READY),
        [
            "web-7d4b9c8f6-x2x9k",
            "1/1",
            "Running",
            "2 (5m ago)",
            "2d3h",
            "10.244.1.5",
            "node-1",
            "<none>",
            "<none>",
        ],
        id="a running pod with one ready container that restarted twice, last five minutes ago",
    ),
    pytest.param(
        pod(
            "crash-5c9f",
            statuses=[
                {
                    "name": "app",
                    "ready": False,
                    "started": False,
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(40)}},
                }
            ],
            conditions=NOT_READY,
            age=10 * MIN,
        ),
        [
            "crash-5c9f",
            "0/1",
            "CrashLoopBackOff",
            "5 (40s ago)",
            "10m",
            "10.244.1.5",
            "node-1",
            "<none>",
            "<none>",
        ],
        id="a crash-looping pod shows the waiting reason",
    ),
    pytest.param(
        deleting(pod("web-old", statuses=[running()], conditions=READY)),
        ["web-old", "1/1", "Terminating", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a running pod being deleted is Terminating",
    ),
    pytest.param(
        pod(
            "big-job",
            phase="Pending",
            node="",
            ip="",
            conditions=[
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu.",
                }
            ],
            age=5,
        ),
        ["big-job", "0/1", "Pending", "0", "5s", "<none>", "<none>", "<none>", "<none>"],
        id="an unschedulable pod stays Pending with no IP or node",
    ),
    pytest.param(
        pod(
            "pi-7x2kq",
            phase="Succeeded",
            statuses=[
                {
                    "name": "pi",
                    "ready": False,
                    "started": False,
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": ago(MIN)}},
                }
            ],
            age=2 * MIN,
        ),
        ["pi-7x2kq", "0/1", "Completed", "0", "2m", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a finished job pod is Completed",
    ),
    pytest.param(
        deleting(
            pod(
                "pi-done",
                phase="Succeeded",
                statuses=[{"name": "pi", "ready": False, "state": {"terminated": {"reason": "Completed"}}}],
            )
        ),
        ["pi-done", "0/1", "Completed", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a finished pod being deleted keeps its final status",
    ),
    pytest.param(
        deleting(pod("on-lost-node", statuses=[running()], reason="NodeLost")),
        ["on-lost-node", "1/1", "Unknown", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a pod being deleted from an unreachable node is Unknown",
    ),
    pytest.param(
        pod("evicted", phase="Failed", reason="Evicted", statuses=[], ip=""),
        ["evicted", "0/1", "Evicted", "0", "2d3h", "<none>", "node-1", "<none>", "<none>"],
        id="the pod's status reason replaces the phase",
    ),
    pytest.param(
        pod(
            "oom",
            statuses=[
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 1,
                    "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(3)}},
                    "lastState": {
                        "terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(90)}
                    },
                }
            ],
        ),
        ["oom", "0/1", "OOMKilled", "1 (90s ago)", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a terminated container's reason is shown",
    ),
    pytest.param(
        pod(
            "killed",
            statuses=[{"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}],
        ),
        ["killed", "0/1", "Signal:9", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a terminated container without a reason shows its signal",
    ),
    pytest.param(
        pod("exited", statuses=[{"name": "a", "state": {"terminated": {"exitCode": 2}}}]),
        ["exited", "0/1", "ExitCode:2", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="or else its exit code",
    ),
    pytest.param(
        pod(
            "two",
            containers=2,
            statuses=[
                {"name": "a", "ready": True, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": True, "state": {"running": {}}},
            ],
            conditions=NOT_READY,
        ),
        ["two", "1/2", "NotReady", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a completed container beside a running one without Ready is NotReady",
    ),
    pytest.param(
        pod(
            "two",
            containers=2,
            statuses=[
                {"name": "a", "ready": True, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": True, "state": {"running": {}}},
            ],
            conditions=READY,
        ),
        ["two", "1/2", "Running", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="and Running once the pod is Ready",
    ),
    pytest.param(
        pod(
            "gated",
            phase="Pending",
            node="",
            ip="",
            conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        ),
        ["gated", "0/1", "SchedulingGated", "0", "2d3h", "<none>", "<none>", "<none>", "<none>"],
        id="a pod with scheduling gates is SchedulingGated",
    ),
    pytest.param(
        pod(
            "init",
            phase="Pending",
            init_containers=[{"name": "migrate"}, {"name": "seed"}],
            init_statuses=[
                {"name": "migrate", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}},
                {"name": "seed", "state": {"waiting": {"reason": "PodInitializing"}}},
            ],
            statuses=[{"name": "c0", "state": {"waiting": {"reason": "PodInitializing"}}}],
        ),
        ["init", "0/1", "Init:0/2", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a pod running its first of two init containers is Init:0/2",
    ),
    pytest.param(
        pod(
            "init",
            phase="Pending",
            init_containers=[{"name": "migrate"}, {"name": "seed"}],
            init_statuses=[
                {"name": "migrate", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {
                    "name": "seed",
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(20)}},
                },
            ],
            statuses=[{"name": "c0", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}],
        ),
        [
            "init",
            "0/1",
            "Init:CrashLoopBackOff",
            "3 (20s ago)",
            "2d3h",
            "10.244.1.5",
            "node-1",
            "<none>",
            "<none>",
        ],
        id="a crash-looping init container is Init:CrashLoopBackOff",
    ),
    pytest.param(
        pod(
            "init",
            phase="Failed",
            init_containers=[{"name": "migrate"}],
            init_statuses=[{"name": "migrate", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}],
        ),
        ["init", "0/1", "Init:Error", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a failed init container is Init:Error",
    ),
    pytest.param(
        pod(
            "init",
            phase="Pending",
            init_containers=[{"name": "migrate"}],
            init_statuses=[{"name": "migrate", "state": {"terminated": {"exitCode": 3}}}],
        ),
        ["init", "0/1", "Init:ExitCode:3", "0", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a failed init container without a reason shows its exit code",
    ),
    pytest.param(
        pod(
            "mesh",
            init_containers=[{"name": "proxy", "restartPolicy": "Always"}],
            init_statuses=[
                {
                    "name": "proxy",
                    "ready": True,
                    "started": True,
                    "restartCount": 1,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(3 * HOUR)}},
                }
            ],
            statuses=[running(restarts=0)],
            conditions=READY,
        ),
        ["mesh", "2/2", "Running", "1 (3h ago)", "2d3h", "10.244.1.5", "node-1", "<none>", "<none>"],
        id="a started sidecar counts as a ready container and its restarts count",
    ),
    pytest.param(
        {
            **pod(
                "gates",
                statuses=[running()],
                conditions=[*READY, {"type": "example.com/lb", "status": "True"}],
            ),
            "spec": {
                "containers": [{"name": "web"}],
                "nodeName": "node-2",
                "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}],
            },
        },
        ["gates", "1/1", "Running", "0", "2d3h", "10.244.1.5", "node-2", "<none>", "1/2"],
        id="readiness gates count the satisfied ones",
    ),
    pytest.param(
        {
            "metadata": meta("preemptor", age=30),
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "nominatedNodeName": "node-3", "podIPs": [{"ip": "fd00::5"}]},
        },
        ["preemptor", "0/1", "Pending", "0", "30s", "fd00::5", "<none>", "node-3", "<none>"],
        id="the nominated node and the first of podIPs are shown",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), POD_CASES)
def test_pod_rows(obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("Pod", obj) == expected


# Cases ported from upstream's TestPrintPod (printers_test.go): unnamed containers, restart arithmetic.
UPSTREAM_POD_CASES = [
    pytest.param(
        {
            "metadata": {"name": "test8"},
            "spec": {"initContainers": [{}, {}], "containers": [{}]},
            "status": {
                "phase": "podPhase",
                "initContainerStatuses": [
                    {
                        "restartCount": 3,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"finishedAt": ago(10)}},
                    },
                    {"state": {"waiting": {}}},
                ],
                "containerStatuses": [{"state": {"waiting": {}}}],
            },
        },
        ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"],
        id="upstream test8: a restarting first init container",
    ),
    pytest.param(
        {
            "metadata": {"name": "test10"},
            "spec": {"initContainers": [{}, {}], "containers": [{}]},
            "status": {
                "phase": "podPhase",
                "initContainerStatuses": [
                    {
                        "restartCount": 2,
                        "state": {"terminated": {}},
                        "lastState": {"terminated": {"finishedAt": ago(2 * MIN)}},
                    },
                    {
                        "restartCount": 3,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"finishedAt": ago(10)}},
                    },
                ],
                "containerStatuses": [{"state": {"waiting": {}}}],
            },
        },
        ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"],
        id="upstream test10: init restarts add up while initializing",
    ),
    pytest.param(
        {
            "metadata": {"name": "test11"},
            "spec": {"initContainers": [{}], "containers": [{}]},
            "status": {
                "phase": "Running",
                "initContainerStatuses": [
                    {
                        "restartCount": 2,
                        "state": {"terminated": {}},
                        "lastState": {"terminated": {"finishedAt": ago(2 * MIN)}},
                    }
                ],
                "containerStatuses": [
                    {
                        "restartCount": 4,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"finishedAt": ago(20)}},
                    }
                ],
            },
        },
        ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"],
        id="upstream test11: finished init containers' restarts no longer count",
    ),
    pytest.param(
        {
            "metadata": {"name": "test14"},
            "spec": {"containers": [{}, {}]},
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "ready": True,
                        "restartCount": 6,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"finishedAt": ago(5 * DAY)}},
                    },
                    {
                        "ready": True,
                        "restartCount": 3,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"finishedAt": ago(20 * DAY)}},
                    },
                ],
            },
        },
        ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"],
        id="upstream test14: restarts add up and the latest restart is shown",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), UPSTREAM_POD_CASES)
def test_pod_rows_from_upstream(obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("Pod", obj)[:5] == expected


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        pytest.param(
            "Succeeded",
            [
                {
                    "type": "Completed",
                    "status": "True",
                    "reason": "Succeeded",
                    "message": "The pod has completed successfully.",
                }
            ],
            id="a succeeded pod's row is marked Completed/Succeeded",
        ),
        pytest.param(
            "Failed",
            [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}],
            id="a failed pod's row is marked Completed/Failed",
        ),
        pytest.param("Running", [], id="a running pod's row has no conditions"),
    ],
)
def test_pod_row_conditions(phase: str, expected: list[dict[str, str]]) -> None:
    conditions = printer_for("", "Pod").conditions
    assert conditions is not None
    assert conditions(pod("p", phase=phase)) == expected


# --- Services -----------------------------------------------------------------------------------------------


def service(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta(name, age=45 * DAY), "spec": spec, "status": status or {}}


SERVICE_CASES = [
    pytest.param(
        service(
            "web",
            {
                "type": "NodePort",
                "clusterIP": "10.96.12.34",
                "clusterIPs": ["10.96.12.34"],
                "ports": [
                    {"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"},
                    {"name": "https", "port": 443, "targetPort": 8443, "nodePort": 30443, "protocol": "TCP"},
                ],
                "selector": {"app": "web", "tier": "frontend"},
            },
        ),
        [
            "web",
            "NodePort",
            "10.96.12.34",
            "<none>",
            "80:30080/TCP,443:30443/TCP",
            "45d",
            "app=web,tier=frontend",
        ],
        id="a NodePort service shows node ports",
    ),
    pytest.param(
        service(
            "shop",
            {
                "type": "LoadBalancer",
                "clusterIP": "10.96.0.50",
                "clusterIPs": ["10.96.0.50"],
                "ports": [{"port": 80, "nodePort": 31234, "protocol": "TCP"}],
                "selector": {"app": "shop"},
            },
            {"loadBalancer": {}},
        ),
        ["shop", "LoadBalancer", "10.96.0.50", "<pending>", "80:31234/TCP", "45d", "app=shop"],
        id="a LoadBalancer service waiting for its address is pending",
    ),
    pytest.param(
        service(
            "shop",
            {
                "type": "LoadBalancer",
                "clusterIP": "10.96.0.50",
                "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}],
                "externalIPs": ["198.51.100.7"],
            },
            {"loadBalancer": {"ingress": [{"hostname": "a1b2c3.elb.example.com"}, {"ip": "203.0.113.10"}]}},
        ),
        [
            "shop",
            "LoadBalancer",
            "10.96.0.50",
            "203.0.113.10,a1b2c3.elb.example.com,198.51.100.7",
            "443:31443/TCP",
            "45d",
            "<none>",
        ],
        id="a provisioned load balancer lists its addresses unclipped, then the external IPs",
    ),
    pytest.param(
        service(
            "db",
            {
                "type": "ClusterIP",
                "clusterIP": "None",
                "clusterIPs": ["None"],
                "ports": [{"port": 5432, "protocol": "TCP"}],
                "selector": {"app": "db"},
            },
        ),
        ["db", "ClusterIP", "None", "<none>", "5432/TCP", "45d", "app=db"],
        id="a headless service has cluster IP None",
    ),
    pytest.param(
        service("kubernetes", {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443}]}),
        ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "45d", "<none>"],
        id="type and protocol read as their defaults, ClusterIP and TCP",
    ),
    pytest.param(
        service(
            "dns",
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.10",
                "ports": [
                    {"name": "dns", "port": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                ],
                "externalIPs": ["192.0.2.1", "192.0.2.2"],
            },
        ),
        ["dns", "ClusterIP", "10.96.0.10", "192.0.2.1,192.0.2.2", "53/UDP,53/TCP", "45d", "<none>"],
        id="a ClusterIP service lists its external IPs",
    ),
    pytest.param(
        service("legacy-db", {"type": "ExternalName", "externalName": "db.example.com"}),
        ["legacy-db", "ExternalName", "<none>", "db.example.com", "<none>", "45d", "<none>"],
        id="an ExternalName service shows its external name",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), SERVICE_CASES)
def test_service_rows(obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("Service", obj) == expected


# --- Nodes --------------------------------------------------------------------------------------------------


def node(
    name: str, *, labels: dict[str, str], conditions: list[dict[str, str]], unschedulable: bool = False
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podCIDR": "10.244.0.0/24"}
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "metadata": {"name": name, "labels": labels, "creationTimestamp": ago(30 * DAY)},
        "spec": spec,
        "status": {
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": "192.168.1.10"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.32.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.1.0-18-amd64",
                "containerRuntimeVersion": "containerd://1.7.13",
            },
        },
    }


HEALTHY = [
    {"type": "MemoryPressure", "status": "False"},
    {"type": "DiskPressure", "status": "False"},
    {"type": "Ready", "status": "True", "reason": "KubeletReady"},
]
WIDE_NODE = [
    "192.168.1.10",
    "<none>",
    "Debian GNU/Linux 12 (bookworm)",
    "6.1.0-18-amd64",
    "containerd://1.7.13",
]

NODE_CASES = [
    pytest.param(
        node(
            "cp-1",
            labels={"kubernetes.io/hostname": "cp-1", "node-role.kubernetes.io/control-plane": ""},
            conditions=HEALTHY,
        ),
        ["cp-1", "Ready", "control-plane", "30d", "v1.32.0", *WIDE_NODE],
        id="a ready control-plane node",
    ),
    pytest.param(
        node(
            "worker-2", labels={"kubernetes.io/hostname": "worker-2"}, conditions=HEALTHY, unschedulable=True
        ),
        ["worker-2", "Ready,SchedulingDisabled", "<none>", "30d", "v1.32.0", *WIDE_NODE],
        id="a cordoned worker without roles",
    ),
    pytest.param(
        node(
            "old-master",
            labels={"kubernetes.io/role": "master", "node-role.kubernetes.io/worker": "true"},
            conditions=[{"type": "Ready", "status": "False"}],
        ),
        ["old-master", "NotReady", "master,worker", "30d", "v1.32.0", *WIDE_NODE],
        id="a not-ready node with roles from both label styles, sorted",
    ),
    pytest.param(
        {"metadata": {"name": "new", "creationTimestamp": ago(5)}, "status": {}},
        ["new", "Unknown", "<none>", "5s", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"],
        id="a node that never reported is Unknown",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), NODE_CASES)
def test_node_rows(obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("Node", obj) == expected


# --- Storage ------------------------------------------------------------------------------------------------


def test_bound_persistent_volume_claim() -> None:
    pvc = {
        "metadata": meta("data-db-0", age=12 * DAY),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "10Gi"}},
            "storageClassName": "standard",
            "volumeMode": "Filesystem",
            "volumeName": "pvc-3f1c2a9e-7b1d-4c55-9a51-2f6b8d1e0c42",
        },
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}},
    }
    assert row("PersistentVolumeClaim", pvc) == [
        "data-db-0",
        "Bound",
        "pvc-3f1c2a9e-7b1d-4c55-9a51-2f6b8d1e0c42",
        "10Gi",
        "RWO",
        "standard",
        "<unset>",
        "12d",
        "Filesystem",
    ]


def test_pending_persistent_volume_claim_shows_no_capacity() -> None:
    pvc = {
        "metadata": meta("scratch", age=40, annotations={"volume.beta.kubernetes.io/storage-class": "fast"}),
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"},
    }
    assert row("PersistentVolumeClaim", pvc) == [
        "scratch",
        "Pending",
        "",
        "",
        "",
        "fast",
        "<unset>",
        "40s",
        "Filesystem",
    ]


def test_bound_persistent_volume() -> None:
    pv = {
        "metadata": {"name": "pvc-3f1c", "creationTimestamp": ago(12 * DAY)},
        "spec": {
            "capacity": {"storage": "10240Mi"},
            "accessModes": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": "standard",
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "data-db-0"},
            "volumeMode": "Block",
            "volumeAttributesClassName": "gold",
        },
        "status": {"phase": "Bound"},
    }
    assert row("PersistentVolume", pv) == [
        "pvc-3f1c",
        "10Gi",
        "RWO,ROX",
        "Delete",
        "Bound",
        "default/data-db-0",
        "standard",
        "gold",
        "",
        "12d",
        "Block",
    ]


def test_released_persistent_volume_being_deleted() -> None:
    pv = {
        "metadata": {"name": "old", "creationTimestamp": ago(DAY), "deletionTimestamp": ago(1)},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOncePod"]},
        "status": {"phase": "Failed", "reason": "VolumeFailedDelete"},
    }
    assert row("PersistentVolume", pv) == [
        "old",
        "1Gi",
        "RWOP",
        "Retain",
        "Terminating",
        "",
        "",
        "<unset>",
        "VolumeFailedDelete",
        "24h",
        "Filesystem",
    ]


# --- Events -------------------------------------------------------------------------------------------------

CORE_EVENT = {
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": meta("web-1.17a3b9c2d4e5f601", age=10 * MIN),
    "involvedObject": {
        "kind": "Pod",
        "namespace": "default",
        "name": "web-1",
        "fieldPath": "spec.containers{web}",
        "apiVersion": "v1",
    },
    "reason": "BackOff",
    "message": "Back-off restarting failed container web in pod web-1_default(5d1c)\n",
    "source": {"component": "kubelet", "host": "node-1"},
    "firstTimestamp": ago(10 * MIN),
    "lastTimestamp": ago(2 * MIN),
    "count": 3,
    "type": "Warning",
    "reportingComponent": "kubelet",
    "reportingInstance": "node-1",
}

EVENTS_V1_EVENT = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": meta("web.17a3b9c2d4e5f602", age=30),
    "eventTime": (NOW - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    "reportingController": "deployment-controller",
    "reportingInstance": "",
    "action": "ScalingReplicaSet",
    "reason": "ScalingReplicaSet",
    "regarding": {"kind": "Deployment", "namespace": "default", "name": "web", "apiVersion": "apps/v1"},
    "note": "Scaled up replica set web-7d4b9c8f6 to 3",
    "type": "Normal",
}

EVENT_CASES = [
    pytest.param(
        "",
        CORE_EVENT,
        [
            "2m",
            "Warning",
            "BackOff",
            "pod/web-1",
            "spec.containers{web}",
            "kubelet, node-1",
            "Back-off restarting failed container web in pod web-1_default(5d1c)",
            "10m",
            3,
            "web-1.17a3b9c2d4e5f601",
        ],
        id="a repeated kubelet event",
    ),
    pytest.param(
        "events.k8s.io",
        EVENTS_V1_EVENT,
        [
            "30s",
            "Normal",
            "ScalingReplicaSet",
            "deployment/web",
            "",
            "deployment-controller",
            "Scaled up replica set web-7d4b9c8f6 to 3",
            "30s",
            1,
            "web.17a3b9c2d4e5f602",
        ],
        id="an events.k8s.io singleton event counts once and is seen at its event time",
    ),
    pytest.param(
        "events.k8s.io",
        {**EVENTS_V1_EVENT, "series": {"count": 5, "lastObservedTime": ago(20)}},
        [
            "20s",
            "Normal",
            "ScalingReplicaSet",
            "deployment/web",
            "",
            "deployment-controller",
            "Scaled up replica set web-7d4b9c8f6 to 3",
            "30s",
            5,
            "web.17a3b9c2d4e5f602",
        ],
        id="an event series is last seen at its last observation",
    ),
    pytest.param(
        "",
        {"metadata": {"name": "cluster.1"}, "involvedObject": {"kind": "Node"}, "reason": "Starting"},
        ["<unknown>", "", "Starting", "node", "", "", "", "<unknown>", 1, "cluster.1"],
        id="an event without times or an object name",
    ),
]


@pytest.mark.parametrize(("group", "obj", "expected"), EVENT_CASES)
def test_event_rows(group: str, obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("Event", obj, group) == expected


# --- The small kinds ----------------------------------------------------------------------------------------

SMALL_CASES = [
    pytest.param(
        "Namespace",
        {"metadata": meta("default", age=90 * DAY), "status": {"phase": "Active"}},
        ["default", "Active", "90d"],
        id="an active namespace",
    ),
    pytest.param(
        "Namespace",
        {"metadata": meta("old"), "status": {"phase": "Terminating"}},
        ["old", "Terminating", "3d"],
        id="a terminating namespace",
    ),
    pytest.param(
        "Secret",
        {
            "metadata": meta("tls"),
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "LS0t", "tls.key": "LS0t"},
        },
        ["tls", "kubernetes.io/tls", 2, "3d"],
        id="a TLS secret counts its keys",
    ),
    pytest.param(
        "Secret",
        {"metadata": meta("empty")},
        ["empty", "Opaque", 0, "3d"],
        id="a secret is Opaque by default",
    ),
    pytest.param(
        "ConfigMap",
        {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AAE="}},
        ["cfg", 3, "3d"],
        id="a config map counts data and binary data",
    ),
    pytest.param(
        "ServiceAccount", {"metadata": meta("default")}, ["default", 0, "3d"], id="a service account"
    ),
    pytest.param(
        "ReplicationController",
        {
            "metadata": meta("rc"),
            "spec": {
                "replicas": 3,
                "selector": {"app": "rc"},
                "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
            },
            "status": {"replicas": 3, "readyReplicas": 2},
        },
        ["rc", 3, 3, 2, "3d", "web", "nginx:1.27", "app=rc"],
        id="a replication controller",
    ),
    pytest.param(
        "PodTemplate",
        {
            "metadata": meta("tmpl"),
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27"},
                        {"name": "log", "image": "busybox"},
                    ]
                },
            },
        },
        ["tmpl", "web,log", "nginx:1.27,busybox", "app=web"],
        id="a pod template lists containers, images and pod labels, without an age",
    ),
    pytest.param(
        "Endpoints",
        {
            "metadata": meta("web"),
            "subsets": [
                {
                    "addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.7"}],
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                }
            ],
        },
        ["web", "10.244.1.5:8080,10.244.2.7:8080", "3d"],
        id="endpoints list address and port pairs",
    ),
    pytest.param(
        "Endpoints",
        {
            "metadata": meta("many"),
            "subsets": [
                {
                    "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::3"}],
                    "ports": [{"port": 80}, {"port": 443}],
                }
            ],
        },
        ["many", "10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...", "3d"],
        id="endpoints past three are counted, IPv6 in brackets",
    ),
    pytest.param(
        "Endpoints", {"metadata": meta("none")}, ["none", "<none>", "3d"], id="endpoints without subsets"
    ),
    pytest.param(
        "ResourceQuota",
        {
            "metadata": meta("compute"),
            "status": {
                "hard": {
                    "cpu": "2",
                    "memory": "2Gi",
                    "pods": "10",
                    "limits.cpu": "4",
                    "limits.memory": "4Gi",
                },
                "used": {"cpu": "500m", "memory": "1Gi", "pods": "3", "limits.cpu": "1"},
            },
        },
        [
            "compute",
            "3d",
            "cpu: 500m/2, memory: 1Gi/2Gi, pods: 3/10",
            "limits.cpu: 1/4, limits.memory: 0/4Gi",
        ],
        id="a resource quota splits requests and limits (1.32 puts Age second)",
    ),
    pytest.param(
        "ComponentStatus",
        {
            "metadata": {"name": "etcd-0"},
            "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
        },
        ["etcd-0", "Healthy", "ok", ""],
        id="a healthy component",
    ),
]


@pytest.mark.parametrize(("kind", "obj", "expected"), SMALL_CASES)
def test_small_core_kinds(kind: str, obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row(kind, obj) == expected
