"""The PV controller's own copies of volumes and claims (upstream's ``ctrl.volumes`` and ``ctrl.claims``).

Binding one claim writes four times (volume spec, volume status, claim spec, claim status), and the
informers hear of each write later. The controller therefore keeps the newest version it knows of each
object, fed both by the informers and by its own writes, and ignores an informer version older than what it
already has (``storeObjectUpdate``): without that it would "repair" bindings it has just made from stale
copies and fail on conflicts. The same version is let through, so periodic resyncs still sync.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.client.keys import ObjectKey, key_of

Object = dict[str, Any]
log = logging.getLogger(__name__)


def _resource_version(obj: Object) -> int | None:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or "")
    except ValueError:
        return None


class VersionedStore:
    """Objects by key, never replaced by an older resourceVersion. Stored objects are shared: never mutate."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[ObjectKey, Object] = {}

    def get(self, key: ObjectKey) -> Object | None:
        return self._items.get(key)

    def values(self) -> list[Object]:
        return list(self._items.values())

    def store(self, obj: Object) -> bool:
        """Keep ``obj`` unless an older version than the one stored; True when it was kept."""
        key = key_of(obj)
        old = self._items.get(key)
        if old is not None:
            new_version, old_version = _resource_version(obj), _resource_version(old)
            if new_version is None or old_version is None:
                log.error("%s %s has an unparsable resourceVersion; kept as it came", self.kind, key)
            elif old_version > new_version:
                log.debug(
                    "ignoring %s %s at resourceVersion %d: %d is known",
                    self.kind,
                    key,
                    new_version,
                    old_version,
                )
                return False
        self._items[key] = obj
        return True

    def delete(self, key: ObjectKey) -> Object | None:
        return self._items.pop(key, None)
