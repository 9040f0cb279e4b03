"""Simulated kubelets against a FakeClient: registration, Lease renewal, status posts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pinnace.client.clock import FakeClock
from pinnace.client.errors import status_error
from pinnace.client.fake import FakeClient
from pinnace.client.resources import LEASES, NODES
from pinnace.hollow.config import HollowConfig
from pinnace.hollow.nodes import HollowNodes


def config(count: int = 3, **overrides: object) -> HollowConfig:
    return HollowConfig(kubeconfig=Path("unused"), count=count, concurrency=4, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> FakeClient:
    return FakeClient(clock=clock)


def ready(node: dict[str, Any]) -> str:
    return str(next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"))


async def test_registration_creates_ready_nodes(client: FakeClient, clock: FakeClock) -> None:
    nodes = HollowNodes(client, config(), clock=clock)
    await nodes.register_all()
    stored = client.objects(NODES)
    assert [n["metadata"]["name"] for n in stored] == ["hollow-node-0", "hollow-node-1", "hollow-node-2"]
    assert {ready(n) for n in stored} == {"True"}
    assert [a.verb for a in client.actions] == ["create"] * 3
    assert all(node.registered and node.uid for node in nodes.nodes)


async def test_registration_retries_until_the_server_answers(client: FakeClient, clock: FakeClock) -> None:
    client.fail_next("create", "nodes", status_error(500, "InternalError", "etcdserver: request timed out"))
    nodes = HollowNodes(client, config(count=1), clock=clock)
    task = asyncio.create_task(nodes.register_all())
    await clock.wait_for_sleepers()
    await clock.step(7.0)
    await task
    assert [a.verb for a in client.actions] == ["create", "create"]
    assert nodes.nodes[0].registered


async def test_an_existing_node_is_taken_over_and_keeps_its_pod_cidr(
    client: FakeClient, clock: FakeClock
) -> None:
    client.seed(
        NODES,
        {
            "metadata": {"name": "hollow-node-0", "labels": {"kubernetes.io/hostname": "hollow-node-0"}},
            "spec": {"podCIDR": "10.250.7.0/24", "podCIDRs": ["10.250.7.0/24"]},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}]},
        },
    )
    nodes = HollowNodes(client, config(count=1), clock=clock)
    await nodes.register_all()
    (stored,) = client.objects(NODES)
    assert stored["spec"]["podCIDR"] == "10.250.7.0/24"
    assert stored["metadata"]["labels"]["node.pinnace.dev/hollow"] == "true"
    assert ready(stored) == "True"
    assert nodes.nodes[0].addresses.pod_cidr == "10.250.7.0/24"  # pods get addresses from the stored CIDR
    assert [(a.verb, a.subresource) for a in client.actions] == [
        ("create", ""),
        ("get", ""),
        ("patch", ""),
        ("patch", "status"),
    ]


async def test_the_first_renewal_creates_the_lease_and_later_ones_update_it(
    client: FakeClient, clock: FakeClock
) -> None:
    nodes = HollowNodes(client, config(count=1), clock=clock)
    await nodes.register_all()
    node = nodes.nodes[0]
    await nodes.renew_lease(node)
    (lease,) = client.objects(LEASES, "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "hollow-node-0"
    assert lease["metadata"]["ownerReferences"][0]["uid"] == node.uid
    clock.advance(10)
    await nodes.renew_lease(node)
    (renewed,) = client.objects(LEASES, "kube-node-lease")
    assert renewed["spec"]["renewTime"] == "2025-01-01T00:00:10.000000Z"
    assert [
        a.verb for a in client.actions_of("create", "leases") + client.actions_of("update", "leases")
    ] == [
        "create",
        "update",
    ]
    assert nodes.lease_writes == 2


async def test_a_conflicting_renewal_rereads_the_lease_and_retries(
    client: FakeClient, clock: FakeClock
) -> None:
    nodes = HollowNodes(client, config(count=1), clock=clock)
    await nodes.register_all()
    node = nodes.nodes[0]
    await nodes.renew_lease(node)
    await client.patch(LEASES, "hollow-node-0", {"metadata": {"labels": {"x": "y"}}}, "kube-node-lease")
    clock.advance(10)
    await nodes.renew_lease(node)
    (lease,) = client.objects(LEASES, "kube-node-lease")
    assert lease["metadata"]["labels"] == {"x": "y"}
    assert lease["spec"]["renewTime"] == "2025-01-01T00:00:10.000000Z"
    assert [a.verb for a in client.actions if a.resource == "leases"][-3:] == ["update", "get", "update"]


async def test_a_deleted_lease_is_created_again(client: FakeClient, clock: FakeClock) -> None:
    nodes = HollowNodes(client, config(count=1), clock=clock)
    await nodes.register_all()
    await nodes.renew_lease(nodes.nodes[0])
    await client.delete(LEASES, "hollow-node-0", "kube-node-lease")
    await nodes.renew_lease(nodes.nodes[0])
    assert len(client.objects(LEASES, "kube-node-lease")) == 1


async def test_a_failed_renewal_is_counted_and_retried_next_round(
    client: FakeClient, clock: FakeClock
) -> None:
    nodes = HollowNodes(client, config(count=1), clock=clock)
    await nodes.register_all()
    client.fail_next(
        "create", "leases", status_error(503, "ServiceUnavailable", "the server is shutting down")
    )
    async with running(nodes):
        await clock.step(0)
        await clock.wait_for_sleepers()
        await clock.step(10.0)
        await clock.wait_for_sleepers()
    assert nodes.leases.errors == 1
    assert len(client.objects(LEASES, "kube-node-lease")) == 1


class running:
    """Run the heartbeats for the duration of a ``with`` block."""

    def __init__(self, nodes: HollowNodes) -> None:
        self._nodes = nodes
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        self._task = asyncio.create_task(self._nodes.run_heartbeats())
        await asyncio.sleep(0)

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def steps(clock: FakeClock, seconds: float, step: float = 0.5) -> AsyncIterator[None]:
    for _ in range(int(seconds / step)):
        await clock.step(step)
        yield


async def test_heartbeats_spread_lease_renewals_and_post_status_every_five_minutes(
    client: FakeClient, clock: FakeClock
) -> None:
    nodes = HollowNodes(client, config(count=4), clock=clock)
    await nodes.register_all()
    async with running(nodes):
        async for _ in steps(clock, 9.9):
            pass
        assert nodes.lease_writes == 4  # one each, 2.5 s apart
        async for _ in steps(clock, 10.0):
            pass
        assert nodes.lease_writes == 8
        assert nodes.status_posts == 0
        async for _ in steps(clock, 300.0, step=5.0):
            pass
        assert nodes.status_posts == 4
    node = client.objects(NODES)[0]
    assert {c["lastHeartbeatTime"] for c in node["status"]["conditions"]} != {"2025-01-01T00:00:00Z"}
    assert {c["lastTransitionTime"] for c in node["status"]["conditions"]} == {"2025-01-01T00:00:00Z"}


async def test_a_status_changed_by_someone_else_is_posted_again_at_once(
    client: FakeClient, clock: FakeClock
) -> None:
    nodes = HollowNodes(client, config(count=2), clock=clock)
    await nodes.register_all()
    async with running(nodes):
        await nodes.informer.wait_synced()
        # The node lifecycle controller's verdict after missed Lease renewals.
        unknown = {
            "type": "Ready",
            "status": "Unknown",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
        }
        await client.patch(
            NODES,
            "hollow-node-1",
            {"status": {"conditions": [unknown]}},
            patch_type="strategic",
            subresource="status",
        )
        for _ in range(5):
            await clock.step(0.01)
        node = await client.get(NODES, "hollow-node-1")
        assert ready(node) == "True"
        assert nodes.status_posts == 1
