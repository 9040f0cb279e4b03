"""A StatefulSet's status: what the pods count as, when a rolling update is complete, and the write
(upstream's ``computeReplicaStatus``, ``completeRollingUpdate``, ``inconsistentStatus`` and
``stateful_set_status_updater.go``).

The status is written whole, as upstream's ``set.Status = *status`` does, in Go's JSON shape: fields
tagged ``omitempty`` are left out when zero (``readyReplicas``...), ``replicas``, ``availableReplicas`` and
the ``collisionCount`` pointer are always written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pinnace.client.errors import Conflict
from pinnace.client.interface import Client
from pinnace.client.resources import STATEFULSETS
from pinnace.controllers.statefulset import identity as ident

Object = dict[str, Any]

#: ``retry.DefaultRetry``: attempts of a status write that meets conflicts.
STATUS_ATTEMPTS = 5
_COUNTERS = ("replicas", "readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas")
_ALWAYS_WRITTEN = frozenset({"replicas", "availableReplicas", "collisionCount"})
#: What ``inconsistentStatus`` compares (not collisionCount, not conditions).
_COMPARED = ("replicas", "currentReplicas", "readyReplicas", "updatedReplicas", "currentRevision")
_COMPARED_TOO = ("availableReplicas", "updateRevision")


def compute_status(
    pods: list[Object], min_ready_seconds: int, current_revision: str, update_revision: str, now: datetime
) -> Object:
    """``computeReplicaStatus`` over every pod given (constructed, not yet created pods count nowhere)."""
    counts = dict.fromkeys(_COUNTERS, 0)
    for pod in pods:
        created = ident.is_created(pod)
        if created:
            counts["replicas"] += 1
        if ident.is_running_and_ready(pod):
            counts["readyReplicas"] += 1
            if ident.is_running_and_available(pod, min_ready_seconds, now):
                counts["availableReplicas"] += 1
        if created and not ident.is_terminating(pod):
            revision = ident.get_pod_revision(pod)
            if revision == current_revision:
                counts["currentReplicas"] += 1
            if revision == update_revision:
                counts["updatedReplicas"] += 1
    return counts


def complete_rolling_update(sts: Object, status: Object) -> None:
    """``completeRollingUpdate``: once every wanted replica exists, is updated and Ready, the update
    revision becomes the current one."""
    strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
    wanted = ident.replicas(sts)
    if (
        strategy.get("type") == "RollingUpdate"
        and status.get("updatedReplicas", 0) == wanted
        and status.get("readyReplicas", 0) == wanted
        and status.get("replicas", 0) == wanted
    ):
        status["currentReplicas"] = status.get("updatedReplicas", 0)
        status["currentRevision"] = status.get("updateRevision", "")


def _value(status: Object, field: str) -> Any:
    value = status.get(field)
    return value if value is not None else ("" if field.endswith("Revision") else 0)


def inconsistent_status(sts: Object, status: Object) -> bool:
    """``inconsistentStatus``: a newer generation was observed or a counter or revision differs."""
    old = sts.get("status") or {}
    if int(status.get("observedGeneration") or 0) > int(old.get("observedGeneration") or 0):
        return True
    return any(_value(status, field) != _value(old, field) for field in _COMPARED + _COMPARED_TOO)


def status_body(status: Object) -> Object:
    """``status`` as Go writes a StatefulSetStatus: zero ``omitempty`` fields left out."""
    body = {
        key: value for key, value in status.items() if key in _ALWAYS_WRITTEN or value not in (0, "", None)
    }
    for field in ("replicas", "availableReplicas"):
        body.setdefault(field, 0)
    return body


class StatusWriter:
    """``realStatefulSetStatusUpdater``: PUT the status subresource, re-reading the set on conflicts."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def write(self, sts: Object, status: Object) -> Object:
        """Write ``status`` unless the set already says the same; returns the set as stored."""
        if not inconsistent_status(sts, status):
            return sts
        body = {**sts, "status": status_body(status)}
        for attempt in range(STATUS_ATTEMPTS):
            try:
                return await self._client.update(STATEFULSETS, body, subresource="status")
            except Conflict:
                if attempt == STATUS_ATTEMPTS - 1:
                    raise
                metadata = sts["metadata"]
                fresh = await self._client.get(STATEFULSETS, metadata["name"], metadata.get("namespace", ""))
                body = {**fresh, "status": status_body(status)}
        raise AssertionError("unreachable")  # pragma: no cover
