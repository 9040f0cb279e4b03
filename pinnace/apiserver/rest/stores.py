"""Every resource's ResourceStore, built from the registry, sharing one watch cache per storage prefix.

Resources in ``not_stored`` (the create-only review APIs) are in the registry, so discovery lists them, but
get no store: their handlers answer without one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pinnace.api.registry import ResourceInfo, ResourceRegistry
from pinnace.apiserver.rest import codec
from pinnace.apiserver.rest.keys import resource_prefix
from pinnace.apiserver.rest.resource import Hooks, ResourceStore, Validator
from pinnace.apiserver.rest.serviceips import ServiceAllocator, ServiceWriteHooks
from pinnace.apiserver.watchcache import WatchCache
from pinnace.storage import Store

Object = dict[str, Any]


class ResourceStores:
    def __init__(
        self,
        registry: ResourceRegistry,
        store: Store,
        *,
        default: Callable[[Object], None],
        validate: Callable[[ResourceInfo], Validator],
        prepare_for_create: Callable[[Object, str], None] = lambda obj, now: None,
        tracks_generation: Callable[[ResourceInfo], bool] = lambda info: False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        not_stored: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.registry = registry
        self.store = store
        self._caches: dict[str, WatchCache] = {}
        self.service_ips = ServiceAllocator(store)
        self.service_hooks = ServiceWriteHooks(self.service_ips)
        self._stores: dict[tuple[str, str, str], ResourceStore] = {}
        for info in registry.resources():
            if (info.group, info.plural) in not_stored:
                continue
            prefix = resource_prefix(info)
            cache = self._caches.get(prefix)
            if cache is None:
                cache = self._caches[prefix] = WatchCache(store, prefix, codec.decode)
            hooks = Hooks(
                default=default,
                validate=validate(info),
                clock=clock,
                writes=self.service_hooks if (info.group, info.kind) == ("", "Service") else None,
                prepare_for_create=prepare_for_create,
                tracks_generation=tracks_generation(info),
            )
            self._stores[(info.group, info.version, info.plural)] = ResourceStore(info, store, cache, hooks)

    def get(self, group: str, version: str, resource: str) -> ResourceStore | None:
        return self._stores.get((group, version, resource))

    def replace(
        self, group: str, version: str, resource: str, wrap: Callable[[ResourceStore], ResourceStore]
    ) -> None:
        """Serve a resource through ``wrap(its store)`` instead (RBAC's policy-based stores, as upstream
        wraps the generic registry of roles and bindings)."""
        key = (group, version, resource)
        self._stores[key] = wrap(self._stores[key])

    @property
    def namespaces(self) -> ResourceStore:
        rest = self._stores[("", "v1", "namespaces")]
        return rest

    def start(self) -> None:
        for cache in self._caches.values():
            cache.start()

    async def wait_ready(self) -> None:
        await asyncio.gather(*(cache.wait_ready() for cache in self._caches.values()))

    async def stop(self) -> None:
        await asyncio.gather(*(cache.stop() for cache in self._caches.values()))
