"""The store contract: etcd's data model, which every backend implements.

A store holds keys (``/registry/deployments/default/web``) with byte values. Every successful write
(create, update, delete) advances one global revision counter by exactly one, and the key's
``mod_revision`` becomes that revision. The revision *is* Kubernetes' ``resourceVersion``, so the
API server can hand it to clients and take it back in preconditions, lists and watches.

What callers rely on:

* Writes are acknowledged only once durable: after ``create``/``update``/``delete`` returns, a
  ``kill -9`` of any process loses nothing.
* Conditional writes compare the key's current ``mod_revision`` with the caller's expectation, as
  etcd transactions do; they never half-apply.
* ``list`` at a fixed revision is a consistent snapshot; continuing a list with ``start`` past the
  last key and the same ``revision`` yields exactly the keys that existed at that revision.
* ``watch`` delivers every write to the prefix with ``mod_revision >= start_revision``, in revision
  order, with no gaps and no duplicates, until the caller stops iterating. A watch that starts
  below the compaction point fails with :class:`CompactedError`.
* Storage raises only the errors in :mod:`pinnace.storage.errors`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# etcd refuses requests over 1.5 MiB (--max-request-bytes); Kubernetes objects live under the same
# ceiling, so both backends enforce it and behave alike.
MAX_VALUE_BYTES = 1536 * 1024


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One key at one revision."""

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    # Never set by a backend: the API server's value transformers (encryption at rest) set it when the
    # value was read with an old key or provider, so that writing it back unchanged still changes what is
    # stored (upstream's ``objState.stale`` in apiserver/pkg/storage/etcd3/store.go).
    stale: bool = False


class EventType(enum.Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    # Not a write: "every event up to mod_revision for this prefix has been delivered". Lets a
    # watch cache know how current it is when its prefix is quiet (etcd's progress notifications).
    PROGRESS = "PROGRESS"


@dataclass(frozen=True, slots=True)
class Event:
    """One write, as a watcher sees it.

    ``value`` is None for deletes; ``prev_value`` is None for creates, and may be None when the
    previous version has been compacted away. PROGRESS events have an empty key and no values.
    """

    type: EventType
    key: str
    value: bytes | None
    prev_value: bytes | None
    mod_revision: int
    create_revision: int


@dataclass(frozen=True, slots=True)
class ListResult:
    """A page of keys at ``revision``.

    ``count`` is the number of keys in the whole range from the page's start key to the end of the
    prefix (etcd's semantics), so ``count - len(items)`` keys remain after this page.
    """

    items: list[KeyValue]
    revision: int
    more: bool
    count: int


@runtime_checkable
class Store(Protocol):
    """An etcd-shaped key-value store. See the module docstring for the guarantees."""

    async def create(self, key: str, value: bytes) -> int:
        """Store ``value`` under ``key`` if the key does not exist; return the new revision.

        Raises KeyExistsError if it does, ValueTooLargeError over MAX_VALUE_BYTES.
        """
        ...

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        """The key at ``revision`` (0: the latest), or None if it did not exist then.

        Raises CompactedError for a revision below the compaction point,
        FutureRevisionError for one beyond the current revision.
        """
        ...

    async def list(self, prefix: str, *, start: str = "", limit: int = 0, revision: int = 0) -> ListResult:
        """Keys beginning with ``prefix``, in key order, at ``revision`` (0: the latest).

        ``start`` (a full key, inclusive) continues an earlier page; ``limit`` 0 means no limit.
        """
        ...

    async def count(self, prefix: str) -> int:
        """How many keys begin with ``prefix`` now."""
        ...

    async def update(self, key: str, value: bytes, *, expected_mod_revision: int) -> int:
        """Replace the value if the key's mod_revision is ``expected_mod_revision``; return the new revision.

        Raises KeyNotFoundError if the key is absent, ConflictError (carrying the current
        KeyValue) if it was modified since.
        """
        ...

    async def delete(self, key: str, *, expected_mod_revision: int = 0) -> KeyValue:
        """Delete the key; with ``expected_mod_revision`` set, only if it still has that revision.

        Returns the deleted value with ``mod_revision`` set to the revision of the delete.
        Raises KeyNotFoundError or ConflictError.
        """
        ...

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        """Every write under ``prefix`` with mod_revision >= ``start_revision``, in order, forever.

        Interleaved PROGRESS events may follow quiet periods; callers that only want writes skip them.

        ``start_revision`` 0 means "from the next write". Raises CompactedError (on the first
        iteration) when ``start_revision`` is below the compaction point. Stop by closing the
        iterator (``aclose``) or cancelling the task consuming it.
        """
        ...

    async def current_revision(self) -> int:
        """The revision of the latest write (an empty SQLite store is at 0, a fresh etcd at 1)."""
        ...

    async def compact(self, revision: int) -> None:
        """Forget history before ``revision``: older versions can no longer be read or watched.

        The latest version of every key is always kept. Compacting to a revision at or below the
        current compaction point is a no-op.
        """
        ...

    async def compacted_revision(self) -> int:
        """The current compaction point (0 if never compacted)."""
        ...

    async def snapshot(self, path: str) -> None:
        """Write a consistent backup of the whole store to ``path`` while it stays online."""
        ...

    async def close(self) -> None:
        """Release connections and threads; pending watches end."""
        ...


def prefix_end(prefix: str) -> str:
    """The smallest key greater than every key starting with ``prefix`` (etcd's range_end)."""
    if not prefix:
        return ""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
