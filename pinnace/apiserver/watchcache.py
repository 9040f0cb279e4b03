"""The watch cache: one store watch per resource, fanned out to every API watcher (kube-apiserver's cacher).

```
 store.list(prefix) ─┐                         ┌─► watcher (kubectl get -w)
                     ├─► objects + event ring ─┼─► watcher (controller informer)
 store.watch(prefix) ┘   (current revision)    └─► list ?resourceVersion=0
```

The cache lists the prefix once, then follows one store watch. It keeps the current objects (for
``resourceVersion=0`` lists and for the initial events of a watch) and a ring of recent events, so
that a watch from a recent resourceVersion replays what it missed without touching the store.
Watchers older than the ring get ``ResourceVersionTooOld`` (HTTP 410), as upstream does, and
re-list. Objects handed out are shared: callers must never mutate them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from pinnace.storage import CompactedError, EventType, StorageError, Store

log = logging.getLogger(__name__)

Object = dict[str, Any]
Decoder = Callable[[bytes, int], Object]

DEFAULT_CAPACITY = 10_000
# How long a watch from a resourceVersion the cache has not reached yet may wait for it (upstream: 3s).
FUTURE_RV_WAIT_SECONDS = 3.0
# A watcher whose queue grows past this is too slow to keep; it is ended and will re-watch.
MAX_PENDING_PER_WATCHER = 10_000


class Flush:
    """Marks the end of what a watcher has been handed at once: a good moment to write to the socket."""

    __slots__ = ()


FLUSH = Flush()


class ResourceVersionTooOld(Exception):
    """The requested resourceVersion is older than anything the cache can replay (410 Gone)."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class ResourceVersionTooNew(Exception):
    """The cache did not reach the requested resourceVersion in time (504 Timeout upstream)."""

    def __init__(self, requested: int) -> None:
        super().__init__(f"Too large resource version: {requested}, current: unknown")
        self.requested = requested


@dataclass(frozen=True, slots=True)
class CacheEvent:
    """One change to one object; ``object`` of a DELETED event is its last state."""

    type: str  # ADDED | MODIFIED | DELETED
    key: str
    object: Object
    prev_object: Object | None
    revision: int


@dataclass(eq=False)
class Watcher:
    """One consumer of the cache; iterate it with :meth:`WatchCache.events`."""

    prefix: str
    queue: asyncio.Queue[CacheEvent | int | None] = field(default_factory=asyncio.Queue)
    closed_reason: str = ""


class WatchCache:
    def __init__(
        self, store: Store, prefix: str, decode: Decoder, *, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self.store = store
        self.prefix = prefix
        self._decode = decode
        self._objects: dict[str, Object] = {}
        self._events: deque[CacheEvent] = deque(maxlen=capacity)
        # Events after this revision are all in the ring; a watch from an older one cannot be served.
        self._oldest_replayable = 0
        self.revision = 0
        self._watchers: set[Watcher] = set()
        self._ready = asyncio.Event()
        self._advanced = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"watchcache {self.prefix}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._end_watchers("the API server is shutting down")

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._list_and_watch()
            except asyncio.CancelledError:
                raise
            except CompactedError as err:
                log.warning("watch cache %s fell behind compaction (%s); re-listing", self.prefix, err)
            except StorageError as err:
                log.warning(
                    "watch cache %s lost its store watch (%s); retrying in %.1fs", self.prefix, err, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _list_and_watch(self) -> None:
        if not self._ready.is_set() or self.revision == 0:
            await self._relist()
        async for event in self.store.watch(self.prefix, start_revision=self.revision + 1):
            if event.type is EventType.PROGRESS:
                await self._advance(event.mod_revision)
                continue
            if event.type is EventType.DELETE:
                prev = self._objects.pop(event.key, None)
                last = (
                    prev if prev is not None else self._decode(event.prev_value or b"{}", event.mod_revision)
                )
                deleted = _with_revision(last, event.mod_revision)
                self._append(CacheEvent("DELETED", event.key, deleted, prev, event.mod_revision))
            else:
                obj = self._decode(event.value or b"{}", event.mod_revision)
                prev = self._objects.get(event.key)
                self._objects[event.key] = obj
                kind = "ADDED" if prev is None else "MODIFIED"
                self._append(CacheEvent(kind, event.key, obj, prev, event.mod_revision))
            await self._advance(event.mod_revision)

    async def _relist(self) -> None:
        """Load the whole prefix at one revision; watchers are ended, as their history has a hole."""
        objects: dict[str, Object] = {}
        start, revision, more = "", 0, True
        while more:
            page = await self.store.list(self.prefix, start=start, limit=5000, revision=revision)
            revision, more = page.revision, page.more
            for kv in page.items:
                objects[kv.key] = self._decode(kv.value, kv.mod_revision)
            if page.items:
                start = page.items[-1].key + "\x00"
        self._objects = objects
        self._events.clear()
        self._oldest_replayable = revision
        self._end_watchers("the watch cache was re-initialized")
        await self._advance(revision, force=True)
        self._ready.set()

    def _append(self, event: CacheEvent) -> None:
        if len(self._events) == self._events.maxlen:
            self._oldest_replayable = self._events[0].revision
        self._events.append(event)
        for watcher in list(self._watchers):
            if watcher.queue.qsize() >= MAX_PENDING_PER_WATCHER:
                self._close_watcher(watcher, "the watcher fell too far behind")
                continue
            watcher.queue.put_nowait(event)

    async def _advance(self, revision: int, *, force: bool = False) -> None:
        if revision <= self.revision and not force:
            return
        self.revision = revision
        for watcher in self._watchers:
            watcher.queue.put_nowait(revision)
        async with self._advanced:
            self._advanced.notify_all()

    def _close_watcher(self, watcher: Watcher, reason: str) -> None:
        watcher.closed_reason = reason
        self._watchers.discard(watcher)
        watcher.queue.put_nowait(None)

    def _end_watchers(self, reason: str) -> None:
        for watcher in list(self._watchers):
            self._close_watcher(watcher, reason)

    # --- reads -----------------------------------------------------------------------------

    def snapshot(self, prefix: str = "") -> tuple[list[Object], int]:
        """The current objects under ``prefix`` (default: all), in key order, and the cache's revision."""
        wanted = prefix or self.prefix
        keys = sorted(key for key in self._objects if key.startswith(wanted))
        return [self._objects[key] for key in keys], self.revision

    def get(self, key: str) -> Object | None:
        return self._objects.get(key)

    async def wait_for_revision(self, revision: int, within: float = FUTURE_RV_WAIT_SECONDS) -> None:
        """Wait until the cache has seen ``revision``; ResourceVersionTooNew if it does not in time."""
        await self.wait_ready()
        if self.revision >= revision:
            return
        try:
            async with asyncio.timeout(within):
                async with self._advanced:
                    await self._advanced.wait_for(lambda: self.revision >= revision)
        except TimeoutError:
            raise ResourceVersionTooNew(revision) from None

    # --- watch -----------------------------------------------------------------------------

    async def watch(
        self, prefix: str, resource_version: int, *, initial_events: bool
    ) -> AsyncIterator[CacheEvent | int | Flush]:
        """Events under ``prefix`` after ``resource_version``; ints in the stream are progress marks,
        and FLUSH follows each burst of items that were ready at once (write them in one go).

        ``initial_events`` first yields an ADDED event per current object (a watch from
        resourceVersion 0, or ``sendInitialEvents=true``), then everything after the snapshot.
        Raises ResourceVersionTooOld / ResourceVersionTooNew before yielding anything.
        """
        await self.wait_ready()
        if resource_version > self.revision:
            await self.wait_for_revision(resource_version)
        if not initial_events and resource_version < self._oldest_replayable:
            raise ResourceVersionTooOld(resource_version, self._oldest_replayable)
        watcher = Watcher(prefix)
        self._watchers.add(watcher)
        return self._stream(watcher, prefix, resource_version, initial_events)

    async def _stream(
        self, watcher: Watcher, prefix: str, resource_version: int, initial_events: bool
    ) -> AsyncIterator[CacheEvent | int | Flush]:
        try:
            if initial_events:
                objects, since = self.snapshot(prefix)
                for obj_key, obj in zip(self._keys(prefix), objects, strict=True):
                    yield CacheEvent("ADDED", obj_key, obj, None, _revision_of(obj))
                yield since
            else:
                since = resource_version
                for event in list(self._events):
                    if event.revision > since:
                        # Events also queued for this watcher since it registered are skipped below.
                        since = event.revision
                        if event.key.startswith(prefix):
                            yield event
            yield FLUSH
            while True:
                item = await watcher.queue.get()
                while True:
                    if item is None:
                        return
                    if isinstance(item, int):
                        yield item
                    elif item.revision > since and item.key.startswith(prefix):
                        yield item
                    if watcher.queue.empty():
                        break
                    item = watcher.queue.get_nowait()
                yield FLUSH
        finally:
            self._watchers.discard(watcher)

    def _keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self._objects if key.startswith(prefix or self.prefix))


def _revision_of(obj: Object) -> int:
    try:
        return int(obj.get("metadata", {}).get("resourceVersion", "0"))
    except ValueError:
        return 0


def _with_revision(obj: Object, revision: int) -> Object:
    """A copy of ``obj`` whose resourceVersion is ``revision`` (a deleted object carries the delete's RV)."""
    metadata = dict(obj.get("metadata", {}))
    metadata["resourceVersion"] = str(revision)
    return {**obj, "metadata": metadata}
