"""Writes the node lifecycle controller makes on nodes and pods (upstream's ``pkg/controller/util/node`` and
the taint helpers of ``pkg/controller/controller_utils.go``).

Taints are changed with a merge patch of ``spec.taints`` carrying the ``resourceVersion`` read, so a
concurrent change (a user's ``kubectl taint``, the other pass of this controller) is never overwritten:
a conflict re-reads the node from the API server and tries again, five times (``UpdateTaintBackoff``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from pinnace.client.errors import ApiError, Conflict, NotFound
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client
from pinnace.client.resources import NODES, PODS
from pinnace.controllers.podutil import format_time
from pinnace.controllers.taints import NO_EXECUTE, add_or_update_taints, remove_taints, taint_exists

log = logging.getLogger(__name__)

Object = dict[str, Any]

UPDATE_TAINT_ATTEMPTS: Final = 5


def node_ref(name: str, uid: str = "") -> Object:
    """The object an Event about a node refers to (an ``ObjectReference`` upstream)."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": uid}}


def record_node_event(recorder: EventRecorder, node: Object, reason: str, event: str) -> None:
    """``RecordNodeEvent``: a Normal event "Node <name> event: <event>"."""
    name = node["metadata"]["name"]
    recorder.event(
        node_ref(name, str(node["metadata"].get("uid") or "")),
        "Normal",
        reason,
        f"Node {name} event: {event}",
    )


def record_node_status_change(recorder: EventRecorder, node: Object, new_status: str) -> None:
    """``RecordNodeStatusChange``: "Node <name> status is now: NodeNotReady"."""
    name = node["metadata"]["name"]
    recorder.event(
        node_ref(name, str(node["metadata"].get("uid") or "")),
        "Normal",
        new_status,
        f"Node {name} status is now: {new_status}",
    )


async def _patch_taints(
    client: Client,
    name: str,
    cached: Object | None,
    change: Callable[[list[Object]], tuple[list[Object], bool]],
) -> None:
    """Read (the cached node first, the API server after a conflict), change, patch; retried."""
    node = cached
    for attempt in range(UPDATE_TAINT_ATTEMPTS):
        if node is None or attempt > 0:
            node = await client.get(NODES, name)
        taints, changed = change(list((node.get("spec") or {}).get("taints") or []))
        if not changed:
            return
        patch = {
            "metadata": {"resourceVersion": node["metadata"]["resourceVersion"]},
            "spec": {"taints": taints or None},
        }
        try:
            await client.patch(NODES, name, patch)
            return
        except Conflict:
            if attempt + 1 == UPDATE_TAINT_ATTEMPTS:
                raise


async def add_or_update_taints_on_node(
    client: Client, name: str, cached: Object | None, taints: list[Object]
) -> None:
    """``AddOrUpdateTaintOnNode``."""
    if taints:
        await _patch_taints(client, name, cached, lambda current: add_or_update_taints(current, taints))


async def remove_taints_off_node(
    client: Client, name: str, cached: Object | None, taints: list[Object]
) -> None:
    """``RemoveTaintOffNode``: nothing to do (no API call) when the node shows none of them."""
    if not taints:
        return
    if cached is not None:
        present = (cached.get("spec") or {}).get("taints") or []
        if not any(taint_exists(present, t) for t in taints):
            return
    await _patch_taints(client, name, cached, lambda current: remove_taints(current, taints))


async def swap_node_controller_taint(
    client: Client, node: Object, to_add: list[Object], to_remove: list[Object], now: datetime
) -> bool:
    """``SwapNodeControllerTaint``: add ``to_add`` (NoExecute ones stamped with ``timeAdded``), then
    remove ``to_remove``. False (logged) when either write failed."""
    name = node["metadata"]["name"]
    stamped = []
    for taint in to_add:
        taint = dict(taint)
        if taint.get("effect") == NO_EXECUTE:
            taint["timeAdded"] = format_time(now)
        stamped.append(taint)
    try:
        await add_or_update_taints_on_node(client, name, node, stamped)
    except ApiError as err:
        log.error("failed to add taints %s to node %s: %s", [t["key"] for t in stamped], name, err)
        return False
    try:
        await remove_taints_off_node(client, name, node, to_remove)
    except ApiError as err:
        log.error("failed to remove taints %s from node %s: %s", [t["key"] for t in to_remove], name, err)
        return False
    return True


async def mark_pods_not_ready(
    client: Client, recorder: EventRecorder, pods: list[Object], node_name: str, now: datetime
) -> list[ApiError]:
    """``MarkPodsNotReady``: the Ready condition of every pod on the node goes False (reason and message
    kept), each with a ``NodeNotReady`` Warning "Node is not ready". Returns the failures."""
    errors: list[ApiError] = []
    for cached in pods:
        if (cached.get("spec") or {}).get("nodeName") != node_name:
            continue
        pod = copy.deepcopy(cached)
        ready = next(
            (c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None
        )
        if ready is None or ready.get("status") == "False":
            continue
        ready["status"] = "False"
        ready["lastTransitionTime"] = format_time(now)
        try:
            await client.update(PODS, pod, subresource="status")
        except NotFound:
            continue  # already gone
        except ApiError as err:
            log.info(
                "failed to update status of pod %s/%s: %s",
                pod["metadata"].get("namespace"),
                pod["metadata"]["name"],
                err,
            )
            errors.append(err)
        recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")
    return errors
