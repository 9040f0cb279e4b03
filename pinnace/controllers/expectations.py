"""Expectations: what a controller has asked for and not yet seen in its informer cache.

A controller that just created 5 pods must not count pods from its (lagging) cache and create 5 more.
Upstream's ``ControllerExpectations`` (``pkg/controller/controller_utils.go``) records, per controller key,
how many creations and deletions are in flight; the informer's handlers lower the counts as the pods appear or
vanish, and a sync is allowed to act only once they reach zero — or after a TTL (5 minutes), in case a watch
event was lost.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from pinnace.client.clock import REAL_CLOCK, Clock

EXPECTATIONS_TTL_SECONDS = 5 * 60


@dataclass
class _Expectation:
    adds: int
    deletes: int
    set_at: float


class Expectations:
    """Per-key counts of outstanding creations and deletions (never negative)."""

    def __init__(self, clock: Clock = REAL_CLOCK) -> None:
        self._clock = clock
        self._by_key: dict[Hashable, _Expectation] = {}

    def expect(self, key: Hashable, *, adds: int = 0, deletes: int = 0) -> None:
        """Record that ``adds`` creations and ``deletes`` deletions are about to be requested."""
        self._by_key[key] = _Expectation(adds, deletes, self._clock.monotonic())

    def creation_observed(self, key: Hashable) -> None:
        self._lower(key, adds=1)

    def deletion_observed(self, key: Hashable) -> None:
        self._lower(key, deletes=1)

    def lower(self, key: Hashable, *, adds: int = 0, deletes: int = 0) -> None:
        """A request that failed will never be observed: stop waiting for it."""
        self._lower(key, adds=adds, deletes=deletes)

    def _lower(self, key: Hashable, *, adds: int = 0, deletes: int = 0) -> None:
        expectation = self._by_key.get(key)
        if expectation is not None:
            expectation.adds = max(0, expectation.adds - adds)
            expectation.deletes = max(0, expectation.deletes - deletes)

    def satisfied(self, key: Hashable) -> bool:
        """True when nothing is outstanding, nothing was ever recorded, or the record expired."""
        expectation = self._by_key.get(key)
        if expectation is None:
            return True
        if expectation.adds <= 0 and expectation.deletes <= 0:
            return True
        return self._clock.monotonic() - expectation.set_at > EXPECTATIONS_TTL_SECONDS

    def delete(self, key: Hashable) -> None:
        """The controller object is gone: forget its record."""
        self._by_key.pop(key, None)


class UIDTrackingExpectations(Expectations):
    """Expectations that remember *which* pods a deletion waits for (upstream's
    ``UIDTrackingControllerExpectations``).

    A pod being deleted is seen twice — once when it gets its ``deletionTimestamp`` and once when it goes —
    and counting both would let the controller act before the other deletions it asked for are visible.
    Only the first sighting of an expected pod lowers the count.
    """

    def __init__(self, clock: Clock = REAL_CLOCK) -> None:
        super().__init__(clock)
        self._deleting: dict[Hashable, set[Hashable]] = {}

    def expect_deletions(self, key: Hashable, dependents: list[Hashable]) -> None:
        self._deleting[key] = set(dependents)
        self.expect(key, deletes=len(dependents))

    def deletion_observed(self, key: Hashable, dependent: Hashable | None = None) -> None:
        """``dependent`` went (or started going); lowers the count only if it was expected."""
        if dependent is None:
            super().deletion_observed(key)
            return
        expected = self._deleting.get(key)
        if expected is not None and dependent in expected:
            expected.discard(dependent)
            super().deletion_observed(key)

    def delete(self, key: Hashable) -> None:
        super().delete(key)
        self._deleting.pop(key, None)
