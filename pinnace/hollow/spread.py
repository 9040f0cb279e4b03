"""Periodic work for many simulated nodes, spread evenly over the period, with bounded concurrency.

5,000 kubelets renewing their Leases every 10 s are 500 writes a second, and they arrive spread out because
each kubelet started at its own moment. One process simulating them all must not renew 5,000 Leases in one
burst every 10 s: :class:`Spreader` gives item ``i`` of ``n`` the phase ``i/n`` of the period, so the API
server sees a steady ``n/period`` requests per second. A fixed pool of workers does the requests (at most
``concurrency`` in flight); when they fall behind, the dispatcher waits for a free worker (back-pressure)
and catches up afterwards instead of piling up tasks, and an item whose previous run is still in flight is
skipped for that round rather than run twice at once.

Errors in the action are counted and logged at most once per ``ERROR_LOG_INTERVAL`` (an unreachable API
server must not produce 500 log lines a second); the next round simply tries again, as the kubelet's lease
controller does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import ApiError

log = logging.getLogger(__name__)

# Dispatches closer together than this share one wake-up (500/s would otherwise mean 500 sleeps/s).
TICK_SECONDS = 0.01
ERROR_LOG_INTERVAL = 10.0


class Spreader:
    """Run ``action(i)`` for ``i`` in ``range(count)`` once per ``period``, item ``i`` at offset
    ``initial_delay + i * period / count`` of each round."""

    def __init__(
        self,
        name: str,
        count: int,
        period: float,
        action: Callable[[int], Awaitable[None]],
        *,
        concurrency: int,
        initial_delay: float = 0.0,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        if period <= 0 or concurrency <= 0:
            raise ValueError("period and concurrency must be positive")
        self.name = name
        self.count = count
        self.period = period
        self.initial_delay = initial_delay
        self._action = action
        self._concurrency = concurrency
        self._clock = clock
        self._in_flight: set[int] = set()
        self._last_error_log = float("-inf")
        # Counters for the activity summary and tests.
        self.runs = 0
        self.errors = 0
        self.skipped = 0
        self.rounds = 0

    async def run(self) -> None:
        """Dispatch forever (until cancelled)."""
        if self.count == 0:
            await asyncio.Event().wait()  # nothing to do, but stay alive like the other loops
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=self._concurrency)
        async with asyncio.TaskGroup() as group:
            for number in range(self._concurrency):
                group.create_task(self._worker(queue), name=f"{self.name}-worker-{number}")
            await self._dispatch(queue)

    async def _dispatch(self, queue: asyncio.Queue[int]) -> None:
        start = self._clock.monotonic() + self.initial_delay
        step = self.period / self.count
        round_number = 0
        while True:
            base = start + round_number * self.period
            for index in range(self.count):
                delay = base + index * step - self._clock.monotonic()
                if delay > TICK_SECONDS:
                    await self._clock.sleep(delay)
                if index in self._in_flight:
                    self.skipped += 1
                    continue
                self._in_flight.add(index)
                await queue.put(index)
            round_number += 1
            self.rounds = round_number

    async def _worker(self, queue: asyncio.Queue[int]) -> None:
        while True:
            index = await queue.get()
            try:
                await self._action(index)
                self.runs += 1
            except asyncio.CancelledError:
                raise
            except Exception as err:
                self.errors += 1
                self._log_error(index, err)
            finally:
                self._in_flight.discard(index)

    def _log_error(self, index: int, err: Exception) -> None:
        now = self._clock.monotonic()
        if now - self._last_error_log < ERROR_LOG_INTERVAL:
            log.debug("%s: item %d failed: %s", self.name, index, err)
            return
        self._last_error_log = now
        log.warning(
            "%s: item %d failed (%d failures so far; more are logged at debug level): %s",
            self.name,
            index,
            self.errors,
            err,
            exc_info=not isinstance(err, ApiError),
        )
