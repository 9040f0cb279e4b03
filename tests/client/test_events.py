"""EventRecorder over FakeClient: Event shape, aggregation of repeats, spam filter, best-effort writes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.errors import ConnectionFailed, Forbidden
from pinnace.client.events import EventRecorder
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object

START = datetime(2025, 5, 1, 8, 0, 0, tzinfo=UTC)
POD: Object = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "prod", "uid": "u-1", "resourceVersion": "7"},
}
NODE: Object = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "u-2"}}


@contextlib.asynccontextmanager
async def running(recorder: EventRecorder) -> AsyncIterator[None]:
    task = asyncio.create_task(recorder.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_event_shape() -> None:
    client, clock = FakeClient(), FakeClock(START)
    recorder = EventRecorder(client, "default-scheduler", clock=clock)
    async with running(recorder):
        recorder.eventf(POD, "Warning", "FailedScheduling", "0/%d nodes are available", 3)
        recorder.event(NODE, "Normal", "NodeReady", "Node node-1 status is now: NodeReady")
        await recorder.flush()
    pod_event, node_event = client.objects(r.EVENTS, "prod")[0], client.objects(r.EVENTS, "default")[0]
    assert pod_event["metadata"]["name"] == "web-1.%x" % (int(START.timestamp()) * 10**9)
    assert pod_event["involvedObject"] == {
        "kind": "Pod",
        "namespace": "prod",
        "name": "web-1",
        "uid": "u-1",
        "apiVersion": "v1",
        "resourceVersion": "7",
    }
    assert (pod_event["type"], pod_event["reason"], pod_event["message"]) == (
        "Warning",
        "FailedScheduling",
        "0/3 nodes are available",
    )
    assert pod_event["source"] == {"component": "default-scheduler"}
    assert pod_event["reportingComponent"] == "default-scheduler"
    assert (pod_event["count"], pod_event["firstTimestamp"], pod_event["lastTimestamp"]) == (
        1,
        "2025-05-01T08:00:00Z",
        "2025-05-01T08:00:00Z",
    )
    assert node_event["involvedObject"]["name"] == "node-1"  # cluster-scoped: Events go to "default"


async def test_repeats_patch_the_count_instead_of_creating() -> None:
    client, clock = FakeClient(), FakeClock(START)
    recorder = EventRecorder(client, "kubelet", "node-1", clock=clock)
    async with running(recorder):
        for _ in range(3):
            recorder.event(POD, "Normal", "Pulled", "Container image already present")
            await recorder.flush()
            clock.advance(10)
    [event] = client.objects(r.EVENTS, "prod")
    assert (event["count"], event["firstTimestamp"], event["lastTimestamp"]) == (
        3,
        "2025-05-01T08:00:00Z",
        "2025-05-01T08:00:20Z",
    )
    assert event["source"] == {"component": "kubelet", "host": "node-1"}
    assert [a.verb for a in client.actions] == ["create", "patch", "patch"]


async def test_many_similar_messages_are_combined() -> None:
    client = FakeClient()
    recorder = EventRecorder(client, "c", clock=FakeClock(START))
    async with running(recorder):
        for i in range(12):
            recorder.event(POD, "Warning", "BackOff", f"attempt {i}")
        await recorder.flush()
    events = client.objects(r.EVENTS, "prod")
    combined = [e for e in events if e["message"].startswith("(combined from similar events): ")]
    assert len(events) == 10 and len(combined) == 1 and combined[0]["count"] == 3


async def test_spam_filter_allows_a_burst_of_25_per_object() -> None:
    client = FakeClient()
    recorder = EventRecorder(client, "c", clock=FakeClock(START))
    async with running(recorder):
        for i in range(30):
            recorder.event(POD, "Normal", f"Reason{i}", "m")
        await recorder.flush()
    assert len(client.objects(r.EVENTS)) == 25


async def test_recording_never_blocks_and_a_full_queue_drops() -> None:
    recorder = EventRecorder(FakeClient(), "c", clock=FakeClock(START), queue_size=2)
    for i in range(5):  # nobody drains the queue
        recorder.event(POD, "Normal", "R", f"m{i}")
    assert recorder.dropped == 3


async def test_transient_failures_are_retried_and_rejections_dropped() -> None:
    client, clock = FakeClient(), FakeClock(START)
    client.fail_next("create", "events", ConnectionFailed("refused", sent=False))
    recorder = EventRecorder(client, "c", clock=clock)
    async with running(recorder):
        recorder.event(POD, "Normal", "R", "m")
        await clock.wait_for_sleepers(1)
        await clock.step(2)
        await recorder.flush()
        client.fail_next("create", "events", Forbidden({"code": 403, "reason": "Forbidden", "message": "no"}))
        recorder.event(POD, "Normal", "Other", "m")
        await recorder.flush()
    assert [e["reason"] for e in client.objects(r.EVENTS)] == ["R"]


async def test_a_deleted_event_is_created_again() -> None:
    client = FakeClient()
    recorder = EventRecorder(client, "c", clock=FakeClock(START))
    async with running(recorder):
        recorder.event(POD, "Normal", "R", "m")
        await recorder.flush()
        [event] = client.objects(r.EVENTS)
        await client.delete(r.EVENTS, event["metadata"]["name"], "prod")
        recorder.event(POD, "Normal", "R", "m")
        await recorder.flush()
    [again] = client.objects(r.EVENTS)
    assert again["count"] == 2
