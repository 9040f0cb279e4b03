"""The API server's own :class:`~pinnace.apiserver.serviceaccount.validator.ObjectGetter`: its stores.

Upstream's ``tokengetter.go`` asks the informer cache first and, on a miss, the API (a live read), so a
just-created object is found and a deleted one is not served from a stale cache for long. Here the same on
the server's watch cache and store: a cached read (``resourceVersion=0``), then a consistent one.
"""

from __future__ import annotations

from typing import Any

from pinnace.apiserver import status
from pinnace.apiserver.rest.stores import ResourceStores

Object = dict[str, Any]

READABLE = frozenset({"serviceaccounts", "pods", "secrets", "nodes"})


class StoreObjectGetter:
    def __init__(self, stores: ResourceStores) -> None:
        self._stores = stores

    async def get(self, resource: str, namespace: str, name: str) -> Object | None:
        if resource not in READABLE:
            raise ValueError(f"service account tokens do not refer to {resource}")
        rest = self._stores.get("", "v1", resource)
        if rest is None:
            return None
        try:
            return await rest.get(namespace, name, resource_version="0")
        except status.NotFound:
            pass
        try:
            return await rest.get(namespace, name)
        except status.NotFound:
            return None
