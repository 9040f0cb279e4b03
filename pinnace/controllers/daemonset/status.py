"""A DaemonSet's status (upstream's ``updateDaemonSetStatus`` and ``storeDaemonSetStatus``).

For each node that should run the set: ``desiredNumberScheduled``; with a pod there (bound, or meant for
it by its affinity) ``currentNumberScheduled``, and by the oldest such pod ``numberReady``,
``numberAvailable`` and ``updatedNumberScheduled``. Pods on nodes that should not run the set are
``numberMisscheduled``. Written in Go's shape: the ``omitempty`` counters are left out when zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pinnace.client.errors import ApiError
from pinnace.client.interface import Client
from pinnace.client.resources import DAEMONSETS
from pinnace.controllers.daemonset.nodes import oldest_first
from pinnace.controllers.daemonset.placement import node_should_run_daemon_pod
from pinnace.controllers.daemonset.util import is_pod_updated, template_generation
from pinnace.controllers.podutil import is_pod_available, is_pod_ready

Object = dict[str, Any]

#: ``StatusUpdateRetries``: one more attempt, after re-reading the set.
STATUS_UPDATE_RETRIES = 1
_OMIT_WHEN_ZERO = ("updatedNumberScheduled", "numberAvailable", "numberUnavailable", "observedGeneration")


@dataclass(frozen=True, slots=True)
class Counts:
    desired_number_scheduled: int = 0
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    number_ready: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0

    @property
    def number_unavailable(self) -> int:
        return self.desired_number_scheduled - self.number_available

    def fields(self) -> dict[str, int]:
        return {
            "desiredNumberScheduled": self.desired_number_scheduled,
            "currentNumberScheduled": self.current_number_scheduled,
            "numberMisscheduled": self.number_misscheduled,
            "numberReady": self.number_ready,
            "updatedNumberScheduled": self.updated_number_scheduled,
            "numberAvailable": self.number_available,
            "numberUnavailable": self.number_unavailable,
        }


def count(
    ds: Object, nodes: list[Object], node_to_pods: dict[str, list[Object]], hash_: str, now: datetime
) -> Counts:
    desired = current = misscheduled = ready = updated = available = 0
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
    generation = template_generation(ds)
    for node in nodes:
        pods = node_to_pods.get(node["metadata"]["name"]) or []
        if not node_should_run_daemon_pod(node, ds).should_run:
            misscheduled += 1 if pods else 0
            continue
        desired += 1
        if not pods:
            continue
        current += 1
        pod = oldest_first(pods)[0]
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
        if is_pod_updated(pod, hash_, generation):
            updated += 1
    return Counts(desired, current, misscheduled, ready, updated, available)


def _with(status: Object, fields: dict[str, int]) -> Object:
    result = {**status, **fields}
    for name in _OMIT_WHEN_ZERO:
        if not result.get(name):
            result.pop(name, None)
    return result


async def store(client: Client, ds: Object, counts: Counts, update_observed_generation: bool) -> None:
    """Write the counts unless they, and an observedGeneration at least the set's generation, are there
    already. On failure re-read the set and try once more."""
    status = ds.get("status") or {}
    generation = int((ds.get("metadata") or {}).get("generation") or 0)
    fields = counts.fields()
    if all(int(status.get(name) or 0) == value for name, value in fields.items()) and (
        int(status.get("observedGeneration") or 0) >= generation
    ):
        return
    if update_observed_generation:
        fields["observedGeneration"] = generation
    body = {**ds, "status": _with(status, fields)}
    for attempt in range(STATUS_UPDATE_RETRIES + 1):
        try:
            await client.update(DAEMONSETS, body, subresource="status")
            return
        except ApiError:
            if attempt >= STATUS_UPDATE_RETRIES:
                raise
        metadata = ds["metadata"]
        fresh = await client.get(DAEMONSETS, metadata["name"], metadata.get("namespace", ""))
        body = {**fresh, "status": _with(fresh.get("status") or {}, fields)}
