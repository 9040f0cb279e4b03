"""WorkQueue: client-go's work queue semantics, on a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import pytest

from pinnace.client.clock import FakeClock
from pinnace.client.errors import Conflict
from pinnace.client.workqueue import QueueShutDown, WorkQueue, run_workers


async def drain(queue: WorkQueue[str]) -> list[str]:
    keys = []
    while len(queue):
        key = await queue.get()
        keys.append(key)
        queue.done(key)
    return keys


async def test_a_burst_of_adds_coalesces() -> None:
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock())
    for key in ["a", "b", "a", "a", "c", "b"]:
        queue.add(key)
    assert queue.len() == 3
    assert await drain(queue) == ["a", "b", "c"]


async def test_adding_a_key_being_processed_requeues_it_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock())
    queue.add("a")
    key = await queue.get()
    queue.add("a")
    queue.add("a")
    assert len(queue) == 0  # not handed out twice while processing
    queue.done(key)
    assert await drain(queue) == ["a"]


async def test_add_after_waits_for_the_clock_and_the_earliest_request_wins() -> None:
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(clock=clock)
    queue.add_after("late", 10)
    queue.add_after("soon", 5)
    queue.add_after("soon", 8)  # later than the standing request: ignored
    getter = asyncio.create_task(queue.get())
    await clock.wait_for_sleepers(1)
    await clock.step(4.9)
    assert not getter.done()
    await clock.step(0.1)
    assert getter.done() and getter.result() == "soon"
    queue.done("soon")
    await clock.step(5)
    assert await queue.get() == "late"


async def test_rate_limited_back_off_grows_per_key_and_forget_resets() -> None:
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(clock=clock)
    delays = []
    for _ in range(4):
        queue.add_rate_limited("k")
        start = clock.monotonic()
        getter = asyncio.create_task(queue.get())
        await clock.wait_for_sleepers(1)
        delays.append(round(clock._sleepers[0][0] - start, 6))
        await clock.step(delays[-1])
        assert await getter == "k"
        queue.done("k")
    assert delays == [0.005, 0.01, 0.02, 0.04]
    assert queue.num_requeues("k") == 4
    queue.forget("k")
    assert queue.num_requeues("k") == 0


async def test_back_off_is_capped() -> None:
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock(), max_delay=1000)
    for _ in range(100):
        queue.add_rate_limited("k")
    assert queue._heap[-1][0] <= 1000


async def test_shut_down_hands_out_what_is_queued_then_stops() -> None:
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock())
    queue.add("a")
    waiting: WorkQueue[str] = WorkQueue(clock=FakeClock())
    parked = asyncio.create_task(waiting.get())
    await asyncio.sleep(0)
    queue.shut_down()
    waiting.shut_down()
    queue.add("b")  # ignored
    assert await queue.get() == "a"
    with pytest.raises(QueueShutDown):
        await queue.get()
    with pytest.raises(QueueShutDown):
        await parked


async def test_workers_never_process_one_key_concurrently_and_retry_failures() -> None:
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(clock=clock)
    active: Counter[str] = Counter()
    overlaps: list[str] = []
    calls: Counter[str] = Counter()
    release = asyncio.Event()

    async def sync(key: str) -> None:
        active[key] += 1
        if active[key] > 1:
            overlaps.append(key)
        calls[key] += 1
        try:
            await release.wait()
            if key == "flaky" and calls[key] == 1:
                raise Conflict({"code": 409, "reason": "Conflict", "message": "stale"})
        finally:
            active[key] -= 1

    workers = asyncio.create_task(run_workers(queue, sync, 4, name="test"))
    for key in ["a", "b", "flaky"]:
        queue.add(key)
    for _ in range(10):
        await asyncio.sleep(0)
    queue.add("a")  # while "a" is processing: marked dirty, not handed to a second worker
    queue.add("a")
    for _ in range(10):
        await asyncio.sleep(0)
    assert overlaps == [] and calls == {"a": 1, "b": 1, "flaky": 1}
    release.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert calls["a"] == 2  # the dirty re-queue
    assert queue.num_requeues("flaky") == 1
    await clock.step(0.005)  # the failed key's back-off
    for _ in range(20):
        await asyncio.sleep(0)
    assert calls["flaky"] == 2 and queue.num_requeues("flaky") == 0  # forgotten after success
    assert overlaps == []
    queue.shut_down()
    async with asyncio.timeout(1):
        await workers


async def test_cancelling_workers_does_not_lose_the_key_for_others() -> None:
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock())
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add("a")
    first.cancel()  # woken for "a" but cancelled before taking it
    with contextlib.suppress(asyncio.CancelledError):
        await first
    async with asyncio.timeout(1):
        assert await second == "a"
