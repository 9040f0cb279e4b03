"""Time as an injectable seam: the real clock, and a fake one that tests advance by hand.

Everything in :mod:`pinnace.client` that waits or stamps time (work queue delays, informer resync and
back-off, leader election, event timestamps) takes a :class:`Clock`, so unit tests never sleep (style.md
rule 11). A :class:`Clock` answers three questions: monotonic seconds for measuring intervals, wall-clock
time for timestamps written into API objects, and an awaitable sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pinnace.api.timestamps import micro_time as micro_time  # re-exported for clients
from pinnace.api.timestamps import rfc3339 as rfc3339


class Clock(Protocol):
    """The time a component sees. ``monotonic`` never goes backwards; ``now`` is UTC wall time."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The process's clocks and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


REAL_CLOCK: Clock = RealClock()


_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to (like k8s.io/utils/clock/testing's FakeClock).

    ``sleep`` parks the caller until :meth:`advance` moves time past its deadline; :meth:`wait_for_sleepers`
    lets a test wait, without sleeping, until the code under test is parked.
    """

    def __init__(self, start: datetime = _EPOCH) -> None:
        self._start = start
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._sequence = itertools.count()
        self._changed = asyncio.Event()

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._sequence), future))
        self._changed.set()
        await future

    @property
    def sleepers(self) -> int:
        """How many callers are parked in :meth:`sleep` right now."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has come (they run at the next yield)."""
        self._elapsed += seconds
        while self._sleepers and self._sleepers[0][0] <= self._elapsed:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        self._changed.set()

    async def wait_for_sleepers(self, count: int = 1) -> None:
        """Return once at least ``count`` callers are parked in :meth:`sleep`."""
        while self.sleepers < count:
            self._changed.clear()
            await self._changed.wait()

    async def step(self, seconds: float) -> None:
        """:meth:`advance`, then yield to the loop until the woken tasks have had a chance to run."""
        self.advance(seconds)
        for _ in range(20):
            await asyncio.sleep(0)
