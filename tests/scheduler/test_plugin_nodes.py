"""NodeUnschedulable, NodeName, NodePorts and SchedulingGates: upstream's reasons."""

from __future__ import annotations

import pytest

from pinnace.scheduler.framework.interface import Code
from tests.scheduler.builders import container, node, pod, toleration
from tests.scheduler.harness import UNRESOLVABLE, UNSCHEDULABLE, cluster, pod_info, run_filter


@pytest.mark.parametrize(
    ("unschedulable", "tolerations", "expected"),
    [
        pytest.param(False, [], None, id="a schedulable node takes the pod"),
        pytest.param(
            True, [], f"{UNRESOLVABLE}: node(s) were unschedulable", id="a cordoned node refuses it"
        ),
        pytest.param(
            True,
            [toleration("node.kubernetes.io/unschedulable", effect="NoSchedule", operator="Exists")],
            None,
            id="tolerating the unschedulable taint admits a cordoned node",
        ),
    ],
)
def test_node_unschedulable(
    unschedulable: bool, tolerations: list[dict[str, str]], expected: str | None
) -> None:
    c = cluster([node("n1", unschedulable=unschedulable)])
    assert run_filter(c, "NodeUnschedulable", pod("p", tolerations=tolerations)) == {"n1": expected}


def test_node_name_only_admits_the_named_node() -> None:
    c = cluster([node("n1"), node("n2")])
    p = pod("p")
    p["spec"]["nodeName"] = "n2"
    reason = f"{UNRESOLVABLE}: node(s) didn't match the requested node name"
    assert run_filter(c, "NodeName", p) == {"n1": reason, "n2": None}


def _with_ports(name: str, port: int, ip: str = "", protocol: str = "TCP", node_name: str = "") -> dict:
    p = pod(name, containers=[container()], node_name=node_name or None)
    entry = {"containerPort": port, "hostPort": port, "protocol": protocol}
    if ip:
        entry["hostIP"] = ip
    p["spec"]["containers"][0]["ports"] = [entry]
    return p


PORTS = f"{UNSCHEDULABLE}: node(s) didn't have free ports for the requested pod ports"


@pytest.mark.parametrize(
    ("existing", "incoming", "expected"),
    [
        pytest.param(None, ("", "TCP", 8080), None, id="a free port fits"),
        pytest.param(
            ("", "TCP", 8080), ("", "TCP", 8080), PORTS, id="the same port on all addresses conflicts"
        ),
        pytest.param(("", "TCP", 8080), ("", "UDP", 8080), None, id="another protocol does not conflict"),
        pytest.param(
            ("10.0.0.1", "TCP", 8080), ("10.0.0.2", "TCP", 8080), None, id="two specific addresses do not"
        ),
        pytest.param(
            ("10.0.0.1", "TCP", 8080), ("", "TCP", 8080), PORTS, id="0.0.0.0 conflicts with any address"
        ),
        pytest.param(
            ("", "TCP", 8080), ("10.0.0.1", "TCP", 8080), PORTS, id="any address conflicts with 0.0.0.0"
        ),
    ],
)
def test_node_ports(
    existing: tuple[str, str, int] | None, incoming: tuple[str, str, int], expected: str | None
) -> None:
    pods = [_with_ports("old", existing[2], existing[0], existing[1], node_name="n1")] if existing else []
    c = cluster([node("n1")], pods)
    ip, protocol, port = incoming
    assert run_filter(c, "NodePorts", _with_ports("p", port, ip, protocol)) == {"n1": expected}


def test_scheduling_gates_hold_the_pod_with_upstreams_message() -> None:
    c = cluster([node("n1")])
    plugin = c.profiles["default-scheduler"].plugins["SchedulingGates"]
    gated = pod("p", schedulingGates=[{"name": "example.com/a"}, {"name": "example.com/b"}])
    status = plugin.pre_enqueue(pod_info(c, gated))  # type: ignore[attr-defined]
    assert status is not None
    assert status.code is Code.UnschedulableAndUnresolvable
    assert status.message() == "waiting for scheduling gates: [example.com/a example.com/b]"
    assert plugin.pre_enqueue(pod_info(c, pod("q"))) is None  # type: ignore[attr-defined]
