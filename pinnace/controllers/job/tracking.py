"""Which pods' tracking finalizers the Job controller has asked to remove and not yet seen removed
(upstream's ``uidTrackingExpectations``, ``pkg/controller/job/tracking_utils.go``).

Every Job pod carries the ``batch.kubernetes.io/job-tracking`` finalizer until the controller has counted
it in the Job's status; a pod whose removal is in flight must not be counted a second time by a sync that
runs before the informer shows the pod without its finalizer.
"""

from __future__ import annotations

from collections.abc import Iterable

from pinnace.client.keys import ObjectKey


class FinalizerExpectations:
    """Per-Job sets of pod UIDs whose finalizer removal is expected."""

    def __init__(self) -> None:
        self._by_key: dict[ObjectKey, set[str]] = {}

    def expected_uids(self, key: ObjectKey) -> set[str]:
        return set(self._by_key.get(key, ()))

    def expect_finalizers_removed(self, key: ObjectKey, uids: Iterable[str]) -> None:
        self._by_key.setdefault(key, set()).update(uids)

    def finalizer_removal_observed(self, key: ObjectKey, uid: str) -> None:
        uids = self._by_key.get(key)
        if uids is not None:
            uids.discard(uid)

    def delete(self, key: ObjectKey) -> None:
        self._by_key.pop(key, None)
