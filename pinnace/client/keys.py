"""Object keys: how caches, work queues and controllers name one object.

client-go uses ``"namespace/name"`` strings (``cache.MetaNamespaceKeyFunc``); Pinnace uses a typed value so a
key is never split again later (style.md rule 14). ``str(key)`` is client-go's string form, for logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class ObjectKey:
    """``namespace`` is ``""`` for cluster-scoped objects."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def key_of(obj: Mapping[str, Any]) -> ObjectKey:
    """The key of an API object, from its ``metadata.namespace`` and ``metadata.name``."""
    metadata = obj.get("metadata") or {}
    return ObjectKey(str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
