"""Watch fan-out for the SQLite store.

One dispatcher task per store delivers every committed event, in revision order, to the
subscribers whose prefix matches. Events reach it two ways: the writer thread hands over each
committed batch (the fast path), and a poll notices writes made by *other processes* on the same
file. Either way the dispatcher keeps ``delivered`` — the revision up to which every event has been
handed out — and fills any gap by reading the log, so subscribers never see a hole or a repeat.

A new watcher subscribes first, then replays history from the log up to the revision its
subscription started at; live events after that arrive on its queue. That ordering is what makes
the switch from history to live gap-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from pinnace.storage.errors import StoreClosedError
from pinnace.storage.interface import Event, EventType

log = logging.getLogger(__name__)

HistoryReader = Callable[[str, int, int], Awaitable[list[Event]]]
RevisionReader = Callable[[], Awaitable[int]]


@dataclass(eq=False)
class Subscriber:
    prefix: str
    # (events, revision): the events of one delivery and the revision it brings the watcher up to.
    queue: asyncio.Queue[tuple[list[Event], int] | None] = field(default_factory=asyncio.Queue)


class WatchHub:
    """Delivers committed events to subscribers; see the module docstring."""

    def __init__(
        self,
        *,
        read_history: HistoryReader,
        read_revision: RevisionReader,
        delivered: int,
        poll_interval: float = 1.0,
    ) -> None:
        self._read_history = read_history
        self._read_revision = read_revision
        self.delivered = delivered
        self._poll_interval = poll_interval
        self._inbox: asyncio.Queue[list[Event]] = asyncio.Queue()
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._dispatch(), name="sqlite-watch-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for subscriber in self._subscribers:
            subscriber.queue.put_nowait(None)
        self._subscribers.clear()

    def publish(self, events: list[Event]) -> None:
        """Called on the loop by the writer after each commit."""
        self._inbox.put_nowait(events)

    def subscribe(self, prefix: str) -> tuple[Subscriber, int]:
        """Register a subscriber; it receives every event after the returned revision."""
        subscriber = Subscriber(prefix)
        self._subscribers.add(subscriber)
        return subscriber, self.delivered

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def _dispatch(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can lose a cancellation that
            # arrives as the queue wakes up, which left close() waiting forever.
            batch: list[Event] | None = None
            try:
                async with asyncio.timeout(self._poll_interval):
                    batch = await self._inbox.get()
            except TimeoutError:
                pass
            try:
                if batch is None:
                    await self._catch_up(await self._read_revision())
                    continue
                first = batch[0].mod_revision
                if first > self.delivered + 1:
                    # Another process wrote in between: read what we have not seen from the log.
                    await self._catch_up(first - 1)
                self._deliver([event for event in batch if event.mod_revision > self.delivered])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watch dispatch failed; retrying on the next poll")

    async def _catch_up(self, upto: int) -> None:
        if upto > self.delivered:
            self._deliver(await self._read_history("", self.delivered, upto))
            self.delivered = max(self.delivered, upto)

    def _deliver(self, events: list[Event]) -> None:
        if not events:
            return
        revision = events[-1].mod_revision
        for subscriber in self._subscribers:
            matching = [event for event in events if event.key.startswith(subscriber.prefix)]
            # Subscribers with nothing matching still learn the revision (a PROGRESS event).
            subscriber.queue.put_nowait((matching, revision))
        self.delivered = revision


async def stream(
    hub: WatchHub,
    prefix: str,
    start_revision: int,
    read_history: Callable[[str, int, int, int], Awaitable[list[Event]]],
) -> AsyncIterator[Event]:
    """The async iterator behind ``SQLiteStore.watch``."""
    subscriber, boundary = hub.subscribe(prefix)
    try:
        start = start_revision or boundary + 1
        # Replays (start-1, boundary] and checks compaction in the same snapshot, even when the
        # replay is empty, so a compacted start revision always fails.
        for event in await read_history(prefix, start - 1, boundary, start):
            yield event
        while True:
            delivery = await subscriber.queue.get()
            if delivery is None:
                raise StoreClosedError("the store was closed while watching")
            batch, revision = delivery
            for event in batch:
                if event.mod_revision >= start:
                    yield event
            if not batch and revision >= start:
                yield Event(EventType.PROGRESS, "", None, None, revision, 0)
    finally:
        hub.unsubscribe(subscriber)
