"""The only exceptions a store raises. The API server turns each into a Kubernetes Status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pinnace.storage.interface import KeyValue


class StorageError(Exception):
    """Base of every store error."""


class KeyExistsError(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key already exists: {key}")
        self.key = key


class KeyNotFoundError(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class ConflictError(StorageError):
    """A guarded write found the key at another mod_revision than expected."""

    def __init__(self, key: str, expected_mod_revision: int, current: KeyValue) -> None:
        super().__init__(
            f"key {key} was modified: expected mod_revision {expected_mod_revision}, "
            f"found {current.mod_revision}"
        )
        self.key = key
        self.expected_mod_revision = expected_mod_revision
        self.current = current


class CompactedError(StorageError):
    """The requested revision is older than the compaction point (Kubernetes answers 410 Gone)."""

    def __init__(self, requested_revision: int, compacted_revision: int) -> None:
        super().__init__(
            f"revision {requested_revision} has been compacted (compaction point {compacted_revision})"
        )
        self.requested_revision = requested_revision
        self.compacted_revision = compacted_revision


class FutureRevisionError(StorageError):
    """The requested revision has not happened yet."""

    def __init__(self, requested_revision: int, current_revision: int) -> None:
        super().__init__(
            f"revision {requested_revision} is newer than the current revision {current_revision}"
        )
        self.requested_revision = requested_revision
        self.current_revision = current_revision


class ValueTooLargeError(StorageError):
    def __init__(self, key: str, size: int, limit: int) -> None:
        super().__init__(f"value for {key} is {size} bytes; the store accepts at most {limit} bytes")
        self.key = key
        self.size = size
        self.limit = limit


class StoreUnavailableError(StorageError):
    """The backend could not be reached or failed; the operation may be retried."""


class StoreClosedError(StorageError):
    """The store was closed while the operation was pending."""
