"""Own writes the informer cache has not shown yet (after upstream's ``ConsistencyStore``, which newer
kube-controller-managers consult before a ReplicaSet sync).

A controller that writes an object and is re-queued at once (its own write, or another event that arrived
meanwhile, marked the key dirty) would otherwise read the cache from *before* its write, decide again on
stale data and fail with a ``Conflict`` on the next write. Recording the resourceVersion each write returned,
clearing it when the informer delivers that version, and holding the sync back while one is outstanding
removes that churn. Writes that never show up (a relist can skip a version) expire after ``ttl`` seconds.
"""

from __future__ import annotations

from collections.abc import Hashable

from pinnace.client.clock import REAL_CLOCK, Clock

WRITE_TTL_SECONDS = 5.0


class ConsistencyStore:
    def __init__(self, clock: Clock = REAL_CLOCK, ttl: float = WRITE_TTL_SECONDS) -> None:
        self._clock = clock
        self._ttl = ttl
        self._written: dict[Hashable, tuple[str, float]] = {}

    def wrote(self, key: Hashable, resource_version: str, cached_version: str | None) -> None:
        """A write of ``key`` returned ``resource_version``; ``cached_version`` is what the cache holds now,
        after the write (the watch event may have overtaken the response; and a no-op write returns the
        cached version unchanged, with no event to follow)."""
        if resource_version and resource_version != cached_version:
            self._written[key] = (resource_version, self._clock.monotonic())

    def observed(self, key: Hashable, resource_version: str) -> None:
        """The informer delivered ``key`` at ``resource_version`` (call from the handler)."""
        written = self._written.get(key)
        if written is not None and written[0] == resource_version:
            del self._written[key]

    def forget(self, key: Hashable) -> None:
        self._written.pop(key, None)

    def pending(self, key: Hashable) -> bool:
        """True while a write of ``key`` is neither seen by the informer nor expired."""
        written = self._written.get(key)
        if written is None:
            return False
        if self._clock.monotonic() - written[1] > self._ttl:
            del self._written[key]
            return False
        return True
