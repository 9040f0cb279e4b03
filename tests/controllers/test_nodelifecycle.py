"""The node lifecycle and taint eviction controllers against a FakeClient on a fake clock: what
``kubectl get nodes``, ``kubectl describe node`` and ``kubectl get pods`` show when a node falls silent,
reports trouble, is cordoned, or comes back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.nodelifecycle.controller import NodeLifecycleController
from pinnace.controllers.nodelifecycle.zones import (
    STATE_FULL_DISRUPTION,
    STATE_NORMAL,
    STATE_PARTIAL_DISRUPTION,
    RateLimitedTimedQueue,
    TimedValue,
    compute_zone_state,
)
from pinnace.controllers.podutil import format_time
from pinnace.controllers.tainteviction import TaintEvictionController, min_toleration_seconds
from tests.controllers.lifecycle_support import Harness, running

NS = "default"
LEASE_NS = "kube-node-lease"
GRACE = 40.0


class NodeControllers:
    """Both controllers, as ``--controllers=nodelifecycle,taint-eviction-controller`` runs them."""

    def __init__(self, ctx: ControllerContext) -> None:
        self.lifecycle = NodeLifecycleController(ctx, monitor_period=5.0, grace_period=GRACE)
        self.eviction = TaintEvictionController(ctx)

    async def run(self, workers: int) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self.lifecycle.run(workers))
            group.create_task(self.eviction.run(workers))


def node(name: str, clock: FakeClock, *, ready: str = "True", zone: str = "", **spec: Any) -> Object:
    stamp = format_time(clock.now())
    conditions = [
        {"type": t, "status": s, "lastHeartbeatTime": stamp, "lastTransitionTime": stamp, "reason": "Kubelet"}
        for t, s in (
            ("MemoryPressure", "False"),
            ("DiskPressure", "False"),
            ("PIDPressure", "False"),
            ("Ready", ready),
        )
    ]
    labels = {"kubernetes.io/os": "linux", **({"topology.kubernetes.io/zone": zone} if zone else {})}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": dict(spec),
        "status": {"conditions": conditions},
    }


def lease(name: str, clock: FakeClock) -> Object:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": LEASE_NS},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": _micro(clock)},
    }


def _micro(clock: FakeClock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pod(name: str, node_name: str, *, tolerations: list[Object] | None = None) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "nodeName": node_name,
            "containers": [{"name": "c", "image": "nginx"}],
            "tolerations": tolerations or [],
        },
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
    }


def toleration(key: str, seconds: int | None = None) -> Object:
    body: Object = {"key": key, "operator": "Exists", "effect": "NoExecute"}
    if seconds is not None:
        body["tolerationSeconds"] = seconds
    return body


def get(h: Harness, resource: Any, name: str, namespace: str = "") -> Object | None:
    for obj in h.client.objects(resource, namespace):
        if obj["metadata"]["name"] == name:
            return obj
    return None


def condition(h: Harness, node_name: str, kind: str = "Ready") -> Object:
    found = get(h, r.NODES, node_name)
    assert found is not None
    return next(c for c in found["status"]["conditions"] if c["type"] == kind)


def taints(h: Harness, node_name: str) -> set[tuple[str, str]]:
    found = get(h, r.NODES, node_name) or {}
    return {(t["key"], t["effect"]) for t in (found.get("spec") or {}).get("taints") or []}


def deleting(h: Harness, name: str) -> bool:
    found = get(h, r.PODS, name, NS)
    return found is None or bool(found["metadata"].get("deletionTimestamp"))


async def advance(h: Harness, seconds: float, *, renew: tuple[str, ...] = ()) -> None:
    """Move the clock on in 1 s steps, renewing the named nodes' Leases as their kubelets would."""
    for _ in range(int(seconds)):
        for name in renew:
            await h.client.patch(r.LEASES, name, {"spec": {"renewTime": _micro(h.clock)}}, LEASE_NS)
        h.clock.advance(1.0)
        for _ in range(30):
            await asyncio.sleep(0)


def cluster(clock: FakeClock, *nodes: Object, pods: tuple[Object, ...] = ()) -> FakeClient:
    client = FakeClient(clock=clock)
    for item in nodes:
        client.seed(r.NODES, item)
        client.seed(r.LEASES, lease(item["metadata"]["name"], clock))
    for item in pods:
        client.seed(r.PODS, item)
    return client


UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


async def test_a_silent_node_becomes_unknown_tainted_and_its_pods_not_ready() -> None:
    clock = FakeClock()
    client = cluster(clock, node("alive", clock), node("silent", clock), pods=(pod("web", "silent"),))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await advance(h, 30, renew=("alive", "silent"))
        assert condition(h, "silent")["status"] == "True"
        await advance(h, 50, renew=("alive",))
        ready = condition(h, "silent")
        assert (ready["status"], ready["reason"], ready["message"]) == (
            "Unknown",
            "NodeStatusUnknown",
            "Kubelet stopped posting node status.",
        )
        assert condition(h, "silent", "MemoryPressure")["status"] == "Unknown"
        assert condition(h, "alive")["status"] == "True"
        await advance(h, 10, renew=("alive",))
        assert taints(h, "silent") == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}
        (no_execute,) = [t for t in get(h, r.NODES, "silent")["spec"]["taints"] if t["effect"] == "NoExecute"]  # type: ignore[index]
        assert "timeAdded" in no_execute
        assert taints(h, "alive") == set()
        web = get(h, r.PODS, "web", NS)
        assert web is not None and web["status"]["conditions"][0]["status"] == "False"
        # The pod tolerates nothing: the taint eviction controller deletes it at once.
        await h.until(lambda: deleting(h, "web"))
        await h.until(lambda: bool(h.events("TaintManagerEviction")))
        seen = {
            (e["involvedObject"]["kind"], e["involvedObject"]["name"], e["reason"], e["message"])
            for e in h.events()
        }
        assert {
            ("Node", "silent", "RegisteredNode", "Node silent event: Registered Node silent in Controller"),
            ("Node", "silent", "NodeNotReady", "Node silent status is now: NodeNotReady"),
            ("Pod", "web", "NodeNotReady", "Node is not ready"),
            ("Pod", "web", "TaintManagerEviction", "Marking for deletion Pod default/web"),
        } <= seen
        assert not any(name == "alive" and reason == "NodeNotReady" for _, name, reason, _ in seen)


async def test_toleration_seconds_delay_the_deletion() -> None:
    clock = FakeClock()
    patient = pod("patient", "silent", tolerations=[toleration(UNREACHABLE, 30)])
    forever = pod("forever", "silent", tolerations=[toleration(UNREACHABLE)])
    client = cluster(clock, node("alive", clock), node("silent", clock), pods=(patient, forever))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await advance(h, 55, renew=("alive",))
        assert (UNREACHABLE, "NoExecute") in taints(h, "silent")
        await advance(h, 25, renew=("alive",))
        assert not deleting(h, "patient")
        await advance(h, 10, renew=("alive",))
        assert deleting(h, "patient")
        found = get(h, r.PODS, "patient", NS)
        assert found is not None
        target = next(c for c in found["status"]["conditions"] if c["type"] == "DisruptionTarget")
        assert (target["status"], target["reason"]) == ("True", "DeletionByTaintManager")
        assert not deleting(h, "forever")


async def test_a_recovering_node_loses_its_taints_and_pending_deletions_are_cancelled() -> None:
    clock = FakeClock()
    patient = pod("patient", "flaky", tolerations=[toleration(UNREACHABLE, 300)])
    client = cluster(clock, node("alive", clock), node("flaky", clock), pods=(patient,))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await advance(h, 55, renew=("alive",))
        assert (UNREACHABLE, "NoExecute") in taints(h, "flaky")
        # The kubelet comes back and posts Ready.
        stamp = format_time(clock.now())
        back = [{"type": "Ready", "status": "True", "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}]
        await h.client.patch(r.NODES, "flaky", {"status": {"conditions": back}}, subresource="status")
        await advance(h, 12, renew=("alive", "flaky"))
        assert taints(h, "flaky") == set()
        await h.until(
            lambda: any(e["message"] == "Cancelling deletion of Pod default/patient" for e in h.events())
        )
        await advance(h, 300, renew=("alive", "flaky"))
        assert not deleting(h, "patient")


async def test_when_every_node_is_silent_nothing_is_evicted() -> None:
    clock = FakeClock()
    client = cluster(clock, node("only", clock), pods=(pod("web", "only"),))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await advance(h, 70)
        assert condition(h, "only")["status"] == "Unknown"
        # Master disruption mode: the NoSchedule taint mirrors the condition, no NoExecute taint.
        assert taints(h, "only") == {(UNREACHABLE, "NoSchedule")}
        assert not deleting(h, "web")


@pytest.mark.parametrize(
    ("conditions", "unschedulable", "expected"),
    [
        pytest.param({"Ready": "False"}, False, {(NOT_READY, "NoSchedule")}, id="not ready"),
        pytest.param(
            {"MemoryPressure": "True", "DiskPressure": "True"},
            False,
            {
                ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                ("node.kubernetes.io/disk-pressure", "NoSchedule"),
            },
            id="pressure",
        ),
        pytest.param(
            {"PIDPressure": "True"}, False, {("node.kubernetes.io/pid-pressure", "NoSchedule")}, id="pids"
        ),
        pytest.param(
            {"NetworkUnavailable": "True"},
            False,
            {("node.kubernetes.io/network-unavailable", "NoSchedule")},
            id="network",
        ),
        pytest.param({}, True, {("node.kubernetes.io/unschedulable", "NoSchedule")}, id="cordoned"),
    ],
)
async def test_conditions_and_cordons_become_no_schedule_taints(
    conditions: dict[str, str], unschedulable: bool, expected: set[tuple[str, str]]
) -> None:
    clock = FakeClock()
    reporting = node("n1", clock, unschedulable=unschedulable)
    for c in reporting["status"]["conditions"]:
        c["status"] = conditions.pop(c["type"], c["status"])
    reporting["status"]["conditions"] += [{"type": t, "status": s} for t, s in conditions.items()]
    client = cluster(clock, reporting, node("n2", clock))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await h.until(lambda: {t for t in taints(h, "n1") if t[1] == "NoSchedule"} == expected)
        found = get(h, r.NODES, "n1")
        assert found is not None and found["metadata"]["labels"]["beta.kubernetes.io/os"] == "linux"


async def test_uncordon_removes_the_unschedulable_taint_and_keeps_others() -> None:
    clock = FakeClock()
    cordoned = node(
        "n1", clock, unschedulable=True, taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    )
    client = cluster(clock, cordoned, node("n2", clock))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await h.until(lambda: ("node.kubernetes.io/unschedulable", "NoSchedule") in taints(h, "n1"))
        await h.client.patch(r.NODES, "n1", {"spec": {"unschedulable": None}})
        await h.until(lambda: taints(h, "n1") == {("dedicated", "NoSchedule")})


async def test_a_node_reporting_not_ready_gets_the_not_ready_no_execute_taint() -> None:
    clock = FakeClock()
    client = cluster(clock, node("sick", clock, ready="False"), node("n2", clock), pods=(pod("web", "sick"),))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await advance(h, 12, renew=("sick", "n2"))
        assert taints(h, "sick") == {(NOT_READY, "NoSchedule"), (NOT_READY, "NoExecute")}
        await h.until(lambda: deleting(h, "web"))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param(["True", "True"], STATE_NORMAL, id="healthy"),
        pytest.param(["Unknown"], STATE_FULL_DISRUPTION, id="all down"),
        pytest.param(["True", "False", "False", "Unknown"], STATE_PARTIAL_DISRUPTION, id="most down"),
        pytest.param(["True", "False", "False"], STATE_NORMAL, id="two down is never partial"),
    ],
)
def test_zone_states(statuses: list[str], expected: str) -> None:
    assert compute_zone_state([{"status": s} for s in statuses])[1] == expected


async def test_the_zone_queue_taints_at_most_one_node_per_ten_seconds() -> None:
    clock = FakeClock()
    queue = RateLimitedTimedQueue(0.1, clock)
    done: list[str] = []

    async def taint(value: TimedValue) -> tuple[bool, float]:
        done.append(value.value)
        return True, 0.0

    for name in ("a", "b", "c"):
        assert queue.add(name, name)
    assert not queue.add("a", "a")  # already there
    await queue.try_(taint)
    assert done == ["a"]
    clock.advance(5)
    await queue.try_(taint)
    assert done == ["a"]
    clock.advance(5)
    await queue.try_(taint)
    assert done == ["a", "b"]
    queue.swap_limiter(0)
    clock.advance(100)
    await queue.try_(taint)
    assert done == ["a", "b"]
    assert not queue.add("a", "a")  # processed values stay known until removed
    assert queue.remove("a") and queue.add("a", "a")


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        pytest.param([], 0.0, id="none used: at once"),
        pytest.param([{"tolerationSeconds": 30}, {"tolerationSeconds": 10}], 10.0, id="the shortest"),
        pytest.param([{"tolerationSeconds": -5}], 0.0, id="negative: at once"),
        pytest.param([{}], None, id="forever"),
    ],
)
def test_min_toleration_seconds(tolerations: list[Object], expected: float | None) -> None:
    assert min_toleration_seconds(tolerations) == expected


async def test_registered_and_removed_nodes_are_reported() -> None:
    clock = FakeClock()
    client = cluster(clock, node("n1", clock), node("n2", clock))
    async with running(NodeControllers, client=client, clock=clock) as h:
        await h.until(lambda: len(h.events("RegisteredNode")) == 2)
        await h.client.delete(r.NODES, "n2")
        await advance(h, 6, renew=("n1",))
        await h.until(lambda: bool(h.events("RemovingNode")))
        (event,) = h.events("RemovingNode")
        assert event["message"] == "Node n2 event: Removing Node n2 from Controller"
        assert event["involvedObject"]["kind"] == "Node"
