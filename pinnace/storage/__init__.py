"""The store: etcd's data model behind one async protocol (see :mod:`pinnace.storage.interface`).

Backends register by URL scheme in :mod:`pinnace.storage.registry`:
``sqlite:///path/to/state.db`` (embedded, the default) and ``etcd://host:port[,host:port...]``.
Only the API server (and the ``pinnace datastore`` command) may import this package.
"""

from pinnace.storage.errors import (
    CompactedError,
    ConflictError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    StorageError,
    StoreClosedError,
    StoreUnavailableError,
    ValueTooLargeError,
)
from pinnace.storage.interface import (
    MAX_VALUE_BYTES,
    Event,
    EventType,
    KeyValue,
    ListResult,
    Store,
    prefix_end,
)
from pinnace.storage.registry import open_store

__all__ = [
    "MAX_VALUE_BYTES",
    "CompactedError",
    "ConflictError",
    "Event",
    "EventType",
    "FutureRevisionError",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyValue",
    "ListResult",
    "StorageError",
    "Store",
    "StoreClosedError",
    "StoreUnavailableError",
    "ValueTooLargeError",
    "open_store",
    "prefix_end",
]
