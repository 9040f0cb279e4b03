"""Store backends, chosen by the URL scheme of ``--datastore``."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from pinnace.storage.interface import Store

# scheme -> "module:factory"; a factory takes the URL and returns an opened store. Imported lazily so
# that the embedded default does not pay for gRPC.
BACKENDS: dict[str, str] = {
    "sqlite": "pinnace.storage.sqlite:open_sqlite_store",
    "etcd": "pinnace.storage.etcd:open_etcd_store",
}


async def open_store(url: str) -> Store:
    """Open the store that ``url`` names, e.g. ``sqlite:///var/lib/pinnace/state.db`` or ``etcd://127.0.0.1:2379``."""
    scheme = urlsplit(url).scheme
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown datastore URL scheme {scheme!r} in {url!r}; known schemes: {known}")
    module_name, factory_name = target.split(":")
    factory: Callable[[str], Awaitable[Store]] = getattr(importlib.import_module(module_name), factory_name)
    return await factory(url)
