"""Informers: a local, always-fresh cache of one resource, and notifications as it changes.

An :class:`Informer` is client-go's reflector + indexer + shared processor in one asyncio task:

1. **list** the resource in pages of 500 (the first list with ``resourceVersion=0``, which the API server
   answers from its watch cache), replace the :class:`~pinnace.client.cache.Indexer`'s content and notify
   handlers of what changed: ADD for new objects, UPDATE for those whose resourceVersion moved, DELETE for
   those that vanished (so a relist after a gap synthesises the events that were missed);
2. **watch** from the list's resourceVersion with bookmarks and a server-side timeout of 5 to 10 minutes
   (reflector.go's ``minWatchTimeout`` times (1 + rand)); when the server ends the stream, or the connection
   drops, watch again from the last resourceVersion seen (bookmarks included), backing off on errors;
3. on ``Gone`` (410: the resourceVersion was compacted) **relist** with ``resourceVersion=""`` (a consistent
   read, as the reflector does once its last version is unavailable), then watch again.

Handlers are plain synchronous callables run on the informer's task: ``on_add(obj)``, ``on_update(old, new)``,
``on_delete(obj)`` (for a DELETE the object's last known state). **A handler must only enqueue** (a key into
a :class:`~pinnace.client.workqueue.WorkQueue`); anything slow stalls every other handler and the cache.
Objects handed to handlers and kept in :attr:`Informer.indexer` are shared: **never mutate them**.

:class:`SharedInformerFactory` gives every controller of a process the same informer per resource, as
client-go's ``SharedInformerFactory``, so one list+watch feeds them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from pinnace.client.backoff import Backoff
from pinnace.client.cache import Indexer
from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import ApiError, ConnectionFailed, Gone, ServerError, TooManyRequests
from pinnace.client.interface import Client, Object
from pinnace.client.keys import key_of
from pinnace.client.resources import Resource

log = logging.getLogger(__name__)

PAGE_SIZE = 500
# reflector.go: watches time out after minWatchTimeout (5 min) times (1 + rand), so clients do not re-watch
# in step.
MIN_WATCH_TIMEOUT_SECONDS = 300.0
# A watch that ends this soon without delivering anything is treated as a failure (reflector.go's "very
# short watch"), so a server that closes watches at once is not hammered.
SHORT_WATCH_SECONDS = 1.0
# The reflector's back-off: 800 ms doubling to 30 s (with jitter), reset after 2 minutes without errors.
MAX_BACKOFF_SECONDS = 30.0

OnAdd = Callable[[Object], None]
OnUpdate = Callable[[Object, Object], None]
OnDelete = Callable[[Object], None]


@dataclass(frozen=True, slots=True)
class _Handler:
    on_add: OnAdd | None
    on_update: OnUpdate | None
    on_delete: OnDelete | None


class Informer:
    """List+watch of one resource (optionally one namespace, selectors) into :attr:`indexer`.

    ``resync_seconds > 0`` re-delivers every cached object as an update ``(obj, obj)`` at that period, as
    client-go's resync does, so level-triggered controllers revisit everything now and then.
    """

    def __init__(
        self,
        client: Client,
        resource: Resource,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        resync_seconds: float = 0,
        clock: Clock = REAL_CLOCK,
        min_watch_timeout: float = MIN_WATCH_TIMEOUT_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_seconds = resync_seconds
        self.indexer = Indexer()
        self.min_watch_timeout = min_watch_timeout
        self.max_backoff = max_backoff
        self._clock = clock
        self._rng = rng or random.Random()
        self._handlers: list[_Handler] = []
        self._synced = asyncio.Event()
        self._last_resource_version = ""
        # Observability (and what tests assert): how often this informer listed and watched.
        self.list_count = 0
        self.watch_count = 0

    @property
    def has_synced(self) -> bool:
        """True once the first list has been delivered to the indexer and the handlers."""
        return self._synced.is_set()

    @property
    def last_resource_version(self) -> str:
        return self._last_resource_version

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def add_handler(
        self,
        on_add: OnAdd | None = None,
        on_update: OnUpdate | None = None,
        on_delete: OnDelete | None = None,
    ) -> None:
        """Register callbacks (they must only enqueue; see the module docstring). A handler added after the
        informer synced first gets ``on_add`` for every cached object, as client-go's late handlers do."""
        handler = _Handler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        if self.has_synced and on_add is not None:
            for obj in self.indexer.list():
                self._call(on_add, obj)

    async def run(self) -> None:
        """List and watch until cancelled."""
        async with asyncio.TaskGroup() as group:
            if self.resync_seconds > 0:
                group.create_task(self._resync_loop(), name=f"resync-{self.resource}")
            await self._reflect()

    # The reflector ---------------------------------------------------------------------------------------

    async def _reflect(self) -> None:
        backoff = Backoff(
            initial=min(0.8, self.max_backoff), cap=self.max_backoff, clock=self._clock, rng=self._rng
        )
        list_from = "0"
        while True:
            try:
                await self._list(list_from)
            except Gone:
                list_from = ""
                continue
            except ApiError as err:
                log.warning("%s: list failed: %s", self.resource, err)
                await backoff.wait()
                continue
            list_from = await self._watch_until_relist(backoff)

    async def _watch_until_relist(self, backoff: Backoff) -> str:
        """Watch, re-watching from the last resourceVersion, until a relist is needed; returns the
        resourceVersion to relist from."""
        while True:
            started = self._clock.monotonic()
            try:
                events = await self._watch()
            except Gone as err:
                log.info("%s: watch expired (%s); relisting", self.resource, err)
                return ""
            except (ConnectionFailed, TooManyRequests, ServerError) as err:
                log.info(
                    "%s: watch failed, resuming from %s: %s", self.resource, self._last_resource_version, err
                )
                await backoff.wait()
                continue
            except ApiError as err:
                log.warning("%s: watch failed: %s; relisting", self.resource, err)
                await backoff.wait()
                return self._last_resource_version
            if events == 0 and self._clock.monotonic() - started < SHORT_WATCH_SECONDS:
                await backoff.wait()

    async def _list(self, resource_version: str) -> None:
        self.list_count += 1
        items: list[Object] = []
        token = ""
        while True:
            page = await self.client.list(
                self.resource,
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=PAGE_SIZE,
                continue_token=token,
                resource_version="" if token else resource_version,
            )
            items.extend(self._typed(obj) for obj in page.get("items") or [])
            metadata = page.get("metadata") or {}
            token = str(metadata.get("continue") or "")
            if not token:
                break
        self._replace(items, str(metadata.get("resourceVersion") or ""))

    def _replace(self, items: list[Object], resource_version: str) -> None:
        previous = {key_of(obj): obj for obj in self.indexer.list()}
        self.indexer.replace(items)
        for obj in items:
            old = previous.pop(key_of(obj), None)
            if old is None:
                self._notify_add(obj)
            elif _resource_version(old) != _resource_version(obj):
                self._notify_update(old, obj)
        for gone in previous.values():
            self._notify_delete(gone)
        self._last_resource_version = resource_version
        self._synced.set()

    async def _watch(self) -> int:
        """One watch; returns how many events it delivered when the server ended it."""
        self.watch_count += 1
        timeout = int(self.min_watch_timeout * (1.0 + self._rng.random()))
        stream = self.client.watch(
            self.resource,
            self.namespace,
            resource_version=self._last_resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            allow_bookmarks=True,
            timeout_seconds=timeout,
        )
        delivered = 0
        async with contextlib.aclosing(stream):
            async for event in stream:
                version = event.resource_version
                if event.type in ("ADDED", "MODIFIED"):
                    obj = self._typed(event.object)
                    old = self.indexer.upsert(obj)
                    if old is None:
                        self._notify_add(obj)
                    else:
                        self._notify_update(old, obj)
                elif event.type == "DELETED":
                    obj = self._typed(event.object)
                    self.indexer.delete(key_of(obj))
                    self._notify_delete(obj)
                elif event.type != "BOOKMARK":
                    log.warning("%s: ignoring watch event of type %r", self.resource, event.type)
                    continue
                if version:
                    self._last_resource_version = version
                delivered += 1
        return delivered

    async def _resync_loop(self) -> None:
        await self._synced.wait()
        while True:
            await self._clock.sleep(self.resync_seconds)
            for obj in self.indexer.list():
                self._notify_update(obj, obj)

    # Dispatch --------------------------------------------------------------------------------------------

    def _typed(self, obj: Object) -> Object:
        # List items of built-in kinds may come without kind/apiVersion (upstream's typed lists strip them);
        # handlers and event recorders need them.
        if "kind" not in obj or "apiVersion" not in obj:
            obj = {"kind": self.resource.kind, "apiVersion": self.resource.api_version, **obj}
        return obj

    def _notify_add(self, obj: Object) -> None:
        for handler in self._handlers:
            if handler.on_add is not None:
                self._call(handler.on_add, obj)

    def _notify_update(self, old: Object, new: Object) -> None:
        for handler in self._handlers:
            if handler.on_update is not None:
                self._call(handler.on_update, old, new)

    def _notify_delete(self, obj: Object) -> None:
        for handler in self._handlers:
            if handler.on_delete is not None:
                self._call(handler.on_delete, obj)

    def _call(self, fn: Callable[..., None], *args: Object) -> None:
        try:
            fn(*args)
        except Exception:  # one broken handler must not stop the cache or the other handlers
            log.exception("%s: event handler %r failed for %s", self.resource, fn, key_of(args[-1]))


def _resource_version(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class SharedInformerFactory:
    """One informer per (resource, namespace, selectors) for a whole process.

    Ask for informers while building controllers, then :meth:`start` them in the component's task group and
    :meth:`wait_for_cache_sync` before processing. Informers asked for after :meth:`start` run from the next
    :meth:`start` call, as in client-go.
    """

    def __init__(self, client: Client, *, resync_seconds: float = 0, clock: Clock = REAL_CLOCK) -> None:
        self.client = client
        self.resync_seconds = resync_seconds
        self._clock = clock
        self._informers: dict[tuple[Resource, str, str, str], Informer] = {}
        self._started: set[tuple[Resource, str, str, str]] = set()

    def informer(
        self, resource: Resource, namespace: str = "", *, label_selector: str = "", field_selector: str = ""
    ) -> Informer:
        key = (resource, namespace, label_selector, field_selector)
        found = self._informers.get(key)
        if found is None:
            found = Informer(
                self.client,
                resource,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resync_seconds=self.resync_seconds,
                clock=self._clock,
            )
            self._informers[key] = found
        return found

    def start(self, task_group: asyncio.TaskGroup) -> None:
        for key, informer in self._informers.items():
            if key not in self._started:
                self._started.add(key)
                task_group.create_task(informer.run(), name=f"informer-{informer.resource}")

    async def wait_for_cache_sync(self) -> None:
        """Wait until every started informer has synced."""
        for key in list(self._started):
            await self._informers[key].wait_synced()

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())
