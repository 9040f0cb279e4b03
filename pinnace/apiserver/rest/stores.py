"""Every resource's ResourceStore, built from the registry, sharing one watch cache per storage prefix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pinnace.api.registry import ResourceInfo, ResourceRegistry
from pinnace.apiserver import status
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
    ) -> None:
        self.registry = registry
        self.store = store
        self._caches: dict[str, WatchCache] = {}
        self.service_ips = ServiceAllocator(store)
        self.service_hooks = ServiceWriteHooks(self.service_ips)
        self._stores: dict[tuple[str, str, str], ResourceStore] = {}
        for info in registry.resources():
            prefix = resource_prefix(info)
            cache = self._caches.get(prefix)
            if cache is None:
                cache = self._caches[prefix] = WatchCache(store, prefix, codec.decode)
            hooks = Hooks(
                default=default,
                validate=validate(info),
                check_namespace=self.check_namespace,
                clock=clock,
                writes=self.service_hooks if (info.group, info.kind) == ("", "Service") else None,
                prepare_for_create=prepare_for_create,
                tracks_generation=tracks_generation(info),
            )
            self._stores[(info.group, info.version, info.plural)] = ResourceStore(info, store, cache, hooks)

    def get(self, group: str, version: str, resource: str) -> ResourceStore | None:
        return self._stores.get((group, version, resource))

    @property
    def namespaces(self) -> ResourceStore:
        rest = self._stores[("", "v1", "namespaces")]
        return rest

    async def check_namespace(self, namespace: str) -> None:
        """NamespaceLifecycle: the namespace must exist and not be terminating (upstream's messages)."""
        # A consistent read: a namespace deleted a moment ago must already refuse new content.
        try:
            cached = await self.namespaces.get("", namespace)
        except status.NotFound:
            raise status.not_found("namespaces", namespace) from None
        if cached.get("status", {}).get("phase") == "Terminating" or "deletionTimestamp" in cached.get(
            "metadata", {}
        ):
            raise status.forbidden(
                f"unable to create new content in namespace {namespace} because it is being terminated",
                resource="",
                name="",
            )

    def start(self) -> None:
        for cache in self._caches.values():
            cache.start()

    async def wait_ready(self) -> None:
        await asyncio.gather(*(cache.wait_ready() for cache in self._caches.values()))

    async def stop(self) -> None:
        await asyncio.gather(*(cache.stop() for cache in self._caches.values()))
