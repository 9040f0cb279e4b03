"""The informer's local store: objects by :class:`~pinnace.client.keys.ObjectKey`, with named indexes.

client-go's ``cache.Indexer`` (``thread_safe_store.go``) without the locks: everything runs on one event loop.
An index function maps an object to the values it is filed under (``index_by_node_name`` files a pod under
its ``spec.nodeName``); :meth:`Indexer.by_index` answers "which pods are on node n1" without scanning.

Stored objects are shared with every consumer of the informer that fills the indexer: **never mutate an
object you got from it** — deep-copy it first (``copy.deepcopy``), as client-go's ``DeepCopy()`` rule says.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Final

from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey, key_of

IndexFunc = Callable[[Object], list[str]]

NAMESPACE_INDEX: Final = "namespace"
OWNER_UID_INDEX: Final = "ownerUID"
NODE_NAME_INDEX: Final = "nodeName"


def index_by_namespace(obj: Object) -> list[str]:
    """``cache.MetaNamespaceIndexFunc``."""
    return [str((obj.get("metadata") or {}).get("namespace") or "")]


def index_by_owner_uid(obj: Object) -> list[str]:
    """The uid of every ownerReference (what the garbage collector and controllers' adoption look up)."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [str(ref["uid"]) for ref in refs if isinstance(ref, dict) and ref.get("uid")]


def index_by_node_name(obj: Object) -> list[str]:
    """A pod's ``spec.nodeName``; unscheduled pods are filed under ``""``."""
    return [str((obj.get("spec") or {}).get("nodeName") or "")]


class Indexer:
    """Objects by key plus named indexes; the ``namespace`` index is always present."""

    def __init__(self) -> None:
        self._items: dict[ObjectKey, Object] = {}
        self._funcs: dict[str, IndexFunc] = {}
        # index name -> value -> keys (a dict used as an insertion-ordered set)
        self._indices: dict[str, dict[str, dict[ObjectKey, None]]] = {}
        self.add_index(NAMESPACE_INDEX, index_by_namespace)

    # Reads -----------------------------------------------------------------------------------------------

    def get(self, key: ObjectKey) -> Object | None:
        return self._items.get(key)

    def list(self) -> list[Object]:
        """Every object, in no particular order."""
        return list(self._items.values())

    def keys(self) -> builtins.list[ObjectKey]:
        return list(self._items)

    def list_namespace(self, namespace: str) -> builtins.list[Object]:
        return self.by_index(NAMESPACE_INDEX, namespace)

    def by_index(self, index_name: str, value: str) -> builtins.list[Object]:
        """Objects filed under ``value`` in the named index (``KeyError`` for an unknown index)."""
        index = self._indices[index_name]
        return [self._items[key] for key in index.get(value, ())]

    def index_values(self, index_name: str) -> builtins.list[str]:
        """The values the named index has objects for."""
        return [value for value, keys in self._indices[index_name].items() if keys]

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # Writes (the informer's) -----------------------------------------------------------------------------

    def add_index(self, name: str, fn: IndexFunc) -> None:
        """Add a named index; existing objects are filed at once. Re-adding the same function is a no-op."""
        existing = self._funcs.get(name)
        if existing is not None:
            if existing is not fn:
                raise ValueError(f"index {name!r} already exists with another function")
            return
        self._funcs[name] = fn
        self._indices[name] = {}
        for key, obj in self._items.items():
            self._file(name, key, obj)

    def upsert(self, obj: Object) -> Object | None:
        """Store ``obj``; returns the object it replaced, if any."""
        key = key_of(obj)
        old = self._items.get(key)
        if old is not None:
            self._unfile(key, old)
        self._items[key] = obj
        for name in self._funcs:
            self._file(name, key, obj)
        return old

    def delete(self, key: ObjectKey) -> Object | None:
        """Remove the object under ``key``; returns it, if there was one."""
        old = self._items.pop(key, None)
        if old is not None:
            self._unfile(key, old)
        return old

    def replace(self, objects: Iterable[Object]) -> None:
        """Make ``objects`` the whole content (a relist)."""
        self._items = {}
        self._indices = {name: {} for name in self._funcs}
        for obj in objects:
            self.upsert(obj)

    def _file(self, name: str, key: ObjectKey, obj: Object) -> None:
        index = self._indices[name]
        for value in self._funcs[name](obj):
            index.setdefault(value, {})[key] = None

    def _unfile(self, key: ObjectKey, obj: Object) -> None:
        for name, fn in self._funcs.items():
            index = self._indices[name]
            for value in fn(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.pop(key, None)
                    if not keys:
                        del index[value]
