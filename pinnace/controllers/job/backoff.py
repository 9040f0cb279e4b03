"""The delay before a Job replaces a failed pod (upstream's ``pkg/controller/job/backoff_utils.go``).

After ``n`` consecutive failures (failures since the last success) the Job waits ``base * 2**(n-1)``, capped
at ``maximum``, counted from the moment the last failed pod finished. Upstream's ``base`` is 10 s
(``DefaultJobPodFailureBackOff``) and its cap 10 minutes (``MaxJobPodFailureBackOff``; the documentation's
"six minutes" predates 1.27). The controller keeps one record per Job in memory, as upstream does: after a
controller restart the count starts again from the pods still tracked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pinnace.client.keys import ObjectKey
from pinnace.controllers.podutil import get_condition, parse_time

Object = dict[str, Any]

DEFAULT_POD_FAILURE_BACKOFF: Final = 10.0
MAX_POD_FAILURE_BACKOFF: Final = 600.0
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BackoffRecord:
    key: ObjectKey
    failures_after_last_success: int = 0
    last_failure_time: datetime | None = None


def finished_time(pod: Object) -> datetime:
    """When a pod finished (``getFinishedTime``): the latest container ``finishedAt`` if every container
    terminated, else the ``Ready=False`` transition, else the deletion time minus the grace period, else its
    creation."""
    status = pod.get("status") or {}
    latest: datetime | None = None
    statuses = status.get("containerStatuses") or []
    for container in statuses:
        terminated = (container.get("state") or {}).get("terminated")
        finished = parse_time((terminated or {}).get("finishedAt"))
        if terminated is None or finished is None:
            latest = None
            break
        if latest is None or finished > latest:
            latest = finished
    if latest is not None:
        return latest
    ready = get_condition(pod, "Ready")
    if ready is not None and ready.get("status") == "False":
        transition = parse_time(ready.get("lastTransitionTime"))
        if transition is not None:
            return transition
    metadata = pod.get("metadata") or {}
    deleted = parse_time(metadata.get("deletionTimestamp"))
    if deleted is not None:
        return deleted - timedelta(seconds=int(metadata.get("deletionGracePeriodSeconds") or 0))
    return parse_time(metadata.get("creationTimestamp")) or _EPOCH


class BackoffStore:
    """Per-Job failure records."""

    def __init__(self) -> None:
        self._records: dict[ObjectKey, BackoffRecord] = {}

    def get(self, key: ObjectKey) -> BackoffRecord:
        return self._records.get(key) or BackoffRecord(key)

    def update(self, record: BackoffRecord) -> None:
        self._records[record.key] = record

    def remove(self, key: ObjectKey) -> None:
        self._records.pop(key, None)

    def new_record(
        self, key: ObjectKey, new_succeeded: list[Object], new_failed: list[Object]
    ) -> BackoffRecord:
        """The record after this sync's newly finished pods (``newBackoffRecord``): failures add up; a
        success resets the count to the failures that came after it."""
        record = self.get(key)
        if not new_succeeded:
            if not new_failed:
                return record
            last = max(finished_time(pod) for pod in new_failed)
            return BackoffRecord(key, record.failures_after_last_success + len(new_failed), last)
        last_success = max(finished_time(pod) for pod in new_succeeded)
        after = sorted(t for t in (finished_time(pod) for pod in new_failed) if t > last_success)
        return BackoffRecord(key, len(after), after[-1] if after else None)


def remaining_time(
    now: datetime, base: float, maximum: float, failures: int, last_failure: datetime | None
) -> float:
    """Seconds left before the next pod may be created (``getRemainingTimeForFailuresCount``)."""
    if failures == 0 or last_failure is None:
        return 0.0
    delay = base
    for _ in range(1, failures):
        delay *= 2
        if delay >= maximum:
            delay = maximum
            break
    elapsed = (now - last_failure).total_seconds()
    return 0.0 if delay < elapsed else delay - elapsed
