"""Keeps an :class:`RBACIndex` current from the API server's own watch caches.

Upstream's RBAC authorizer reads shared informers inside kube-apiserver; here one task per RBAC kind
follows that resource's watch cache (``initial_events`` first, then every change), so authorization never
touches the store. When the cache ends the watch (it re-listed, or this follower fell behind), the
follower watches again from a fresh snapshot and replaces that kind in the index.

:meth:`RBACSync.wait_for` lets a writer (the bootstrap reconciler) wait until its own writes are visible
to the authorizer before the server starts answering requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pinnace.apiserver.rbac.index import CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, RBACIndex
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.apiserver.watchcache import CacheEvent, Flush

log = logging.getLogger(__name__)

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_VERSION = "v1"
RESOURCES = {
    ROLE: "roles",
    CLUSTER_ROLE: "clusterroles",
    ROLE_BINDING: "rolebindings",
    CLUSTER_ROLE_BINDING: "clusterrolebindings",
}
RETRY_SECONDS = 0.5


def rbac_store(stores: ResourceStores, kind: str) -> ResourceStore:
    rest = stores.get(RBAC_GROUP, RBAC_VERSION, RESOURCES[kind])
    if rest is None:
        raise LookupError(f"the API server does not serve {RESOURCES[kind]}.{RBAC_GROUP}/{RBAC_VERSION}")
    return rest


class RBACSync:
    def __init__(self, index: RBACIndex, stores: ResourceStores) -> None:
        self.index = index
        self._stores = {kind: rbac_store(stores, kind) for kind in RESOURCES}
        self._seen = dict.fromkeys(RESOURCES, 0)
        self._synced = {kind: asyncio.Event() for kind in RESOURCES}
        self._advanced = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._follow(kind, rest), name=f"rbac sync {kind}")
            for kind, rest in self._stores.items()
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def wait_synced(self) -> None:
        """Until every kind has been listed into the index once."""
        for event in self._synced.values():
            await event.wait()

    async def wait_for(self, kind: str, revision: int) -> None:
        """Until the index has seen ``kind`` at ``revision`` (e.g. a write's resourceVersion)."""
        async with self._advanced:
            await self._advanced.wait_for(lambda: self._seen[kind] >= revision)

    async def _advance(self, kind: str, revision: int) -> None:
        if revision > self._seen[kind]:
            self._seen[kind] = revision
            async with self._advanced:
                self._advanced.notify_all()

    async def _follow(self, kind: str, rest: ResourceStore) -> None:
        while True:
            try:
                await self._follow_once(kind, rest)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("RBAC index lost its watch of %s; watching again", RESOURCES[kind])
                await asyncio.sleep(RETRY_SECONDS)

    async def _follow_once(self, kind: str, rest: ResourceStore) -> None:
        stream = await rest.cache.watch(rest.cache.prefix, 0, initial_events=True)
        listing: list[CacheEvent] | None = []
        async for item in stream:
            if isinstance(item, Flush):
                continue
            if isinstance(item, int):
                # The first progress mark ends the initial snapshot.
                if listing is not None:
                    self.index.reset(kind, [event.object for event in listing])
                    listing = None
                    self._synced[kind].set()
                await self._advance(kind, item)
                continue
            if listing is not None:
                listing.append(item)
                continue
            self.index.apply(kind, item.type == "DELETED", item.object)
            await self._advance(kind, item.revision)
