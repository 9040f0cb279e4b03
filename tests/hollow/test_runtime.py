"""The whole hollow-nodes runtime on a FakeClient: nodes, their pods moving through the default stages."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.resources import NODES, PODS
from pinnace.hollow.config import HollowConfig
from pinnace.hollow.server import run_with_client
from pinnace.hollow.stages import default_stages


def pod(
    name: str, node: str, *, owner: str = "", annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "annotations": annotations or {}}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": owner, "name": "o", "uid": "o-uid"}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Pending"},
    }


@asynccontextmanager
async def hollow(client: FakeClient, clock: FakeClock, count: int = 2) -> AsyncIterator[None]:
    config = HollowConfig(kubeconfig=Path("unused"), count=count, stats_interval=0)
    task = asyncio.create_task(
        run_with_client(client, config, default_stages(), clock=clock, rng=random.Random(1))
    )
    try:
        for _ in range(50):
            if len(client.objects(NODES)) == count:
                break
            await asyncio.sleep(0)
        await settle(clock)
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def settle(clock: FakeClock, seconds: float = 0.0) -> None:
    """Let the informers and workers catch up, moving the clock ``seconds`` in small steps."""
    for _ in range(max(1, int(seconds / 0.1))):
        await clock.step(0.1 if seconds else 0)


def phase(client: FakeClient, name: str) -> str | None:
    found = [p for p in client.objects(PODS, "default") if p["metadata"]["name"] == name]
    return found[0]["status"].get("phase") if found else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_a_pod_on_a_hollow_node_runs_and_one_elsewhere_is_left_alone(clock: FakeClock) -> None:
    client = FakeClient(clock=clock)
    async with hollow(client, clock):
        await client.create(PODS, pod("mine", "hollow-node-1"))
        await client.create(PODS, pod("theirs", "real-node"))
        await settle(clock, 0.5)
        assert phase(client, "mine") == "Running"
        assert phase(client, "theirs") == "Pending"
        mine = await client.get(PODS, "mine", "default")
        assert mine["status"]["hostIP"] == "198.18.0.2"
        assert mine["status"]["podIP"] == "10.128.1.2"


async def test_a_job_pod_completes_and_a_deleted_pod_goes_away(clock: FakeClock) -> None:
    client = FakeClient(clock=clock)
    async with hollow(client, clock):
        await client.create(PODS, pod("job-1", "hollow-node-0", owner="Job"))
        await client.create(PODS, pod("web-1", "hollow-node-0"))
        await settle(clock, 0.5)
        assert phase(client, "job-1") == "Running"
        await settle(clock, 2.0)
        assert phase(client, "job-1") == "Succeeded"
        await client.delete(
            PODS, "web-1", "default"
        )  # the FakeClient keeps a scheduled pod for its grace period
        assert phase(client, "web-1") == "Running"
        await settle(clock, 1.5)
        assert phase(client, "web-1") is None


async def test_addresses_are_not_handed_out_twice(clock: FakeClock) -> None:
    client = FakeClient(clock=clock)
    async with hollow(client, clock, count=1):
        for i in range(5):
            await client.create(PODS, pod(f"p{i}", "hollow-node-0"))
        await settle(clock, 0.5)
        ips = sorted(p["status"]["podIP"] for p in client.objects(PODS, "default"))
        assert ips == ["10.128.0.2", "10.128.0.3", "10.128.0.4", "10.128.0.5", "10.128.0.6"]
