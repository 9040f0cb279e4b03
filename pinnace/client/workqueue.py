"""The controller work queue, with client-go's ``workqueue`` semantics (``queue.go``, ``delaying_queue.go``,
``default_rate_limiters.go``), on asyncio.

* **Never two workers on one key**: a key handed out by :meth:`WorkQueue.get` is *processing* until
  :meth:`WorkQueue.done`; adding it meanwhile marks it *dirty*, and ``done`` puts it back in the queue, so the
  change is processed after the current pass, never concurrently.
* **Bursts coalesce**: adding a key that is already queued does nothing.
* **Delays**: :meth:`WorkQueue.add_after` holds a key back (the earliest of several requested times wins);
  :meth:`WorkQueue.add_rate_limited` backs a failing key off exponentially, 5 ms doubling to 1000 s per key
  (``DefaultItemBasedRateLimiter``; the overall token bucket of ``DefaultControllerRateLimiter`` is left out),
  until :meth:`WorkQueue.forget`.
* **Shutdown**: :meth:`WorkQueue.shut_down` ignores new keys; ``get`` hands out what is still queued, then
  raises :class:`QueueShutDown`.

:func:`run_workers` is the standard loop around it: get → sync → forget on success, ``add_rate_limited`` on
error → done. Time is the injected :class:`~pinnace.client.clock.Clock`, so tests never sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import ApiError

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)

DEFAULT_BASE_DELAY = 0.005
DEFAULT_MAX_DELAY = 1000.0


class QueueShutDown(Exception):
    """Raised by :meth:`WorkQueue.get` once the queue is shut down and drained."""


class WorkQueue(Generic[K]):
    """A set-like FIFO of keys with processing/dirty tracking, delays and per-key back-off."""

    def __init__(
        self,
        *,
        clock: Clock = REAL_CLOCK,
        base_delay: float = DEFAULT_BASE_DELAY,
        max_delay: float = DEFAULT_MAX_DELAY,
        name: str = "",
    ) -> None:
        self.name = name
        self._clock = clock
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiting: dict[K, float] = {}  # key -> when it becomes ready
        self._heap: list[tuple[float, int, K]] = []
        self._sequence = itertools.count()
        self._failures: dict[K, int] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False

    # Adding ----------------------------------------------------------------------------------------------

    def add(self, key: K) -> None:
        """Queue ``key`` unless it is queued already; a key being processed is re-queued after ``done``."""
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake_one()

    def add_after(self, key: K, seconds: float) -> None:
        """Queue ``key`` once ``seconds`` have passed (at once if ``seconds <= 0``)."""
        if self._shutting_down:
            return
        if seconds <= 0:
            self.add(key)
            return
        ready = self._clock.monotonic() + seconds
        if key in self._waiting and self._waiting[key] <= ready:
            return  # an earlier request stands
        self._waiting[key] = ready
        heapq.heappush(self._heap, (ready, next(self._sequence), key))
        self._wake_one()  # a waiting getter must take the new deadline into account

    def add_rate_limited(self, key: K) -> None:
        """Queue ``key`` after its back-off: 5 ms, 10 ms, 20 ms... up to 1000 s, growing with each call."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        delay = self._base_delay * (2.0**failures) if failures < 64 else self._max_delay
        self.add_after(key, min(delay, self._max_delay))

    def forget(self, key: K) -> None:
        """Reset ``key``'s back-off (after a successful sync)."""
        self._failures.pop(key, None)

    def num_requeues(self, key: K) -> int:
        return self._failures.get(key, 0)

    # Processing ------------------------------------------------------------------------------------------

    async def get(self) -> K:
        """The next key, which is now *processing* until :meth:`done`. Raises :class:`QueueShutDown`."""
        while True:
            self._promote_ready()
            if self._queue:
                key = self._queue.popleft()
                self._processing.add(key)
                self._dirty.discard(key)
                if self._queue or self._heap:
                    self._wake_one()  # someone else should look at what is left
                return key
            if self._shutting_down:
                raise QueueShutDown(self.name)
            await self._wait()

    def done(self, key: K) -> None:
        """Finish processing ``key``; if it was added meanwhile, it is queued again."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake_one()

    def shut_down(self) -> None:
        self._shutting_down = True
        self._waiting.clear()
        self._heap.clear()
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def len(self) -> int:
        """Keys queued and not yet handed out (``Len``); delayed keys are not counted."""
        return len(self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    # Internals -------------------------------------------------------------------------------------------

    def _promote_ready(self) -> None:
        now = self._clock.monotonic()
        while self._heap and self._heap[0][0] <= now:
            ready, _, key = heapq.heappop(self._heap)
            if self._waiting.get(key) == ready:
                del self._waiting[key]
                self.add(key)

    def _wake_one(self) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
                return

    async def _wait(self) -> None:
        """Park until woken, or until the earliest delayed key is due."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._getters.append(waiter)
        sleeper: asyncio.Task[None] | None = None
        try:
            if self._heap:
                delay = max(0.0, self._heap[0][0] - self._clock.monotonic())
                sleeper = asyncio.ensure_future(self._clock.sleep(delay))
                await asyncio.wait((waiter, sleeper), return_when=asyncio.FIRST_COMPLETED)
            else:
                await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._wake_one()  # we were woken for a key we will not take: pass it on
            raise
        finally:
            if sleeper is not None:
                sleeper.cancel()
            if not waiter.done():
                waiter.cancel()


async def run_workers(
    queue: WorkQueue[K], sync: Callable[[K], Awaitable[None]], workers: int, *, name: str
) -> None:
    """Run ``workers`` loops of get → ``sync(key)`` → forget (success) / ``add_rate_limited`` (error) → done,
    until the queue is shut down (then return) or the caller is cancelled."""

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except QueueShutDown:
                return
            try:
                await sync(key)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                # API errors are expected (conflicts, outages): their message says it all. Anything else is a
                # bug in the controller, whose traceback is wanted.
                log.error(
                    "%s: error syncing %s (requeue #%d): %s",
                    name,
                    key,
                    queue.num_requeues(key) + 1,
                    err,
                    exc_info=not isinstance(err, ApiError),
                )
                queue.add_rate_limited(key)
            else:
                queue.forget(key)
            finally:
                queue.done(key)

    async with asyncio.TaskGroup() as group:
        for index in range(workers):
            group.create_task(worker(), name=f"{name}-worker-{index}")
