"""Is a node still heard from? (upstream's ``tryUpdateNodeHealth``).

The controller remembers, per node, when it last saw a sign of life — a new ``lastHeartbeatTime`` on the
Ready condition or a newer ``renewTime`` on the node's Lease in ``kube-node-lease`` — on *its own* clock,
so clock skew between nodes and the control plane does not matter. A node silent for longer than the
grace period (``--node-monitor-grace-period``, 40 s; ``--node-startup-grace-period``, 60 s, for a node that
never posted a Ready condition) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to
``Unknown`` with reason ``NodeStatusUnknown`` and message "Kubelet stopped posting node status."
(``NodeStatusNeverUpdated`` / "Kubelet never posted node status." for a condition it never had).
NetworkUnavailable is left alone: the network plugin owns it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from pinnace.controllers.podutil import format_time, parse_time

Object = dict[str, Any]

UNKNOWN_CONDITION_TYPES: Final = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """``nodeHealthData``: the last status seen and when, by the controller's clock."""

    probe_timestamp: datetime
    ready_transition_timestamp: datetime
    status: Object
    lease: Object | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """What :func:`assess` concluded. ``updated_node`` is the node to write (its status subresource)
    when its Ready condition must change; ``health`` is what to remember either way."""

    grace_period: float
    observed_ready: Object
    current_ready: Object | None
    updated_node: Object | None
    health: NodeHealth


def node_condition(status: Object | None, condition_type: str) -> Object | None:
    for condition in (status or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return dict(condition)
    return None


def _renew_time(lease: Object | None) -> datetime | None:
    return parse_time(((lease or {}).get("spec") or {}).get("renewTime"))


def _renewed_since(saved: Object, observed: Object) -> bool:
    before, after = _renew_time(saved), _renew_time(observed)
    if before is None or after is None:
        return before is None and after is not None
    return before < after


def assess(
    node: Object,
    saved: NodeHealth | None,
    lease: Object | None,
    now: datetime,
    *,
    grace_period: float,
    startup_grace_period: float,
) -> Assessment:
    """``tryUpdateNodeHealth`` without the write: ``node`` is not changed."""
    node = copy.deepcopy(node)
    status = node.setdefault("status", {})
    created = parse_time(node["metadata"].get("creationTimestamp")) or now
    current_ready = node_condition(status, "Ready")
    health = saved
    if current_ready is None:
        # Never posted: pretend a Ready=Unknown condition from the node's creation, judged by the
        # (longer) start-up grace period.
        stamp = node["metadata"].get("creationTimestamp") or format_time(now)
        observed = {
            "type": "Ready",
            "status": "Unknown",
            "lastHeartbeatTime": stamp,
            "lastTransitionTime": stamp,
        }
        grace = startup_grace_period
        if health is not None:
            health = replace(health, status=copy.deepcopy(status))
        else:
            health = NodeHealth(created, created, copy.deepcopy(status))
    else:
        observed = dict(current_ready)
        grace = grace_period
    saved_ready = node_condition(health.status, "Ready") if health is not None else None
    saved_lease = health.lease if health is not None else None
    if health is None or (saved_ready is None) != (current_ready is None):
        # First sight of the node, or of its Ready condition (or the condition vanished): start counting.
        health = NodeHealth(now, now, copy.deepcopy(status))
    elif (
        saved_ready is not None
        and current_ready is not None
        and saved_ready.get("lastHeartbeatTime") != current_ready.get("lastHeartbeatTime")
    ):
        transitioned = saved_ready.get("lastTransitionTime") != current_ready.get("lastTransitionTime")
        health = NodeHealth(
            now, now if transitioned else health.ready_transition_timestamp, copy.deepcopy(status)
        )
    # A renewed Lease is a sign of life too, even from a kubelet that never posts status.
    if lease is not None and (saved_lease is None or _renewed_since(saved_lease, lease)):
        health = replace(health, lease=lease, probe_timestamp=now)

    if now <= health.probe_timestamp + timedelta(seconds=grace):
        return Assessment(grace, observed, current_ready, None, health)
    stamp = format_time(now)
    conditions: list[Object] = status.setdefault("conditions", [])
    for condition_type in UNKNOWN_CONDITION_TYPES:
        existing = next((c for c in conditions if c.get("type") == condition_type), None)
        if existing is None:
            conditions.append(
                {
                    "type": condition_type,
                    "status": "Unknown",
                    "lastHeartbeatTime": node["metadata"].get("creationTimestamp") or stamp,
                    "lastTransitionTime": stamp,
                    "reason": "NodeStatusNeverUpdated",
                    "message": "Kubelet never posted node status.",
                }
            )
        elif existing.get("status") != "Unknown":
            existing.update(
                status="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
                lastTransitionTime=stamp,
            )
    current_ready = node_condition(status, "Ready")
    if current_ready == observed:
        return Assessment(grace, observed, current_ready, None, health)
    return Assessment(grace, observed, current_ready, node, health)


def after_write(assessment: Assessment, written: Object, lease: Object | None, now: datetime) -> NodeHealth:
    """What to remember once the Unknown conditions are written: the transition happened now."""
    return NodeHealth(
        assessment.health.probe_timestamp, now, copy.deepcopy(written.get("status") or {}), lease
    )
