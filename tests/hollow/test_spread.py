"""Spreading periodic work evenly: what keeps 5,000 Lease renewals from arriving in one burst."""

from __future__ import annotations

import asyncio

from pinnace.client.clock import FakeClock
from pinnace.hollow.spread import Spreader


async def test_items_run_at_even_offsets_every_period() -> None:
    clock = FakeClock()
    runs: list[tuple[int, float]] = []

    async def action(index: int) -> None:
        runs.append((index, clock.monotonic()))

    spreader = Spreader("test", 5, 10.0, action, concurrency=2, clock=clock)
    task = asyncio.create_task(spreader.run())
    try:
        for _ in range(12):
            await clock.wait_for_sleepers()
            await clock.step(2.0)
        assert runs[:10] == [
            (0, 0.0), (1, 2.0), (2, 4.0), (3, 6.0), (4, 8.0),
            (0, 10.0), (1, 12.0), (2, 14.0), (3, 16.0), (4, 18.0),
        ]  # fmt: skip
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_an_initial_delay_shifts_the_first_round() -> None:
    clock = FakeClock()
    runs: list[float] = []

    async def action(index: int) -> None:
        runs.append(clock.monotonic())

    task = asyncio.create_task(
        Spreader("test", 2, 300.0, action, concurrency=1, initial_delay=300.0, clock=clock).run()
    )
    try:
        await clock.wait_for_sleepers()
        await clock.step(299.0)
        assert runs == []
        await clock.wait_for_sleepers()
        await clock.step(1.0)
        assert runs == [300.0]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_concurrency_is_bounded_and_a_busy_item_is_skipped_not_doubled() -> None:
    clock = FakeClock()
    release = asyncio.Event()
    running: set[int] = set()
    most = 0

    async def action(index: int) -> None:
        nonlocal most
        running.add(index)
        most = max(most, len(running))
        try:
            await release.wait()
        finally:
            running.discard(index)

    spreader = Spreader("test", 4, 4.0, action, concurrency=2, clock=clock)
    task = asyncio.create_task(spreader.run())
    try:
        for _ in range(12):  # three periods with every request stuck
            await clock.step(0.5)
        assert most == 2
        assert running == {0, 1}
        assert spreader.skipped >= 2  # items 0 and 1 came round again while still in flight
        release.set()
        for _ in range(10):
            await clock.step(0.5)
        assert spreader.runs > 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_failures_are_counted_and_the_next_round_tries_again() -> None:
    clock = FakeClock()
    calls = 0

    async def action(index: int) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("refused")

    spreader = Spreader("test", 1, 1.0, action, concurrency=1, clock=clock)
    task = asyncio.create_task(spreader.run())
    try:
        for _ in range(3):
            await clock.wait_for_sleepers()
            await clock.step(1.0)
        assert spreader.errors == calls >= 3
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
