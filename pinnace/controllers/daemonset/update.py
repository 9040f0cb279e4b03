"""The DaemonSet rolling update (upstream's ``rollingUpdate`` in ``pkg/controller/daemon/update.go``),
as a plan: which old pods to delete and on which nodes to create new ones. The controller carries it out.

* ``maxSurge: 0``: delete old pods, at most ``maxUnavailable`` unavailable at a time (an old pod that is
  unavailable anyway is replaced at once); the manage loop then creates the new pod on the emptied node.
* ``maxSurge > 0``: create the new pod beside the old one (at most ``maxSurge`` extra at a time, at once
  where the old pod is unavailable) and delete the old pod once the new one is available, so the node is
  never without an available pod.

Deleted pods do not count as unavailable, so an update still progresses when nodes are down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pinnace.controllers.daemonset.placement import node_should_run_daemon_pod
from pinnace.controllers.daemonset.util import (
    is_pod_updated,
    surge_count,
    template_generation,
    unavailable_count,
)
from pinnace.controllers.podutil import is_pod_available

log = logging.getLogger(__name__)

Object = dict[str, Any]
Availability = Callable[[Object], bool]


@dataclass
class UpdatePlan:
    pods_to_delete: list[str] = field(default_factory=list)
    nodes_needing_pods: list[str] = field(default_factory=list)


def find_updated_pods_on_node(
    ds: Object, pods: list[Object], hash_: str
) -> tuple[Object | None, Object | None, bool]:
    """``findUpdatedPodsOnNode``: the new and the old pod among those not being deleted; ``ok`` is False
    when there are several of either (the manage loop prunes those first)."""
    new_pod: Object | None = None
    old_pod: Object | None = None
    generation = template_generation(ds)
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_, generation):
            if new_pod is not None:
                return None, None, False
            new_pod = pod
        else:
            if old_pod is not None:
                return None, None, False
            old_pod = pod
    return new_pod, old_pod, True


def desired_node_counts(
    ds: Object, nodes: list[Object], node_to_pods: dict[str, list[Object]]
) -> tuple[int, int, int]:
    """``updatedDesiredNodeCounts``: (maxSurge, maxUnavailable, desiredNumberScheduled); every node that
    should run a pod gets an entry in ``node_to_pods``. With neither surge nor unavailability allowed (which
    validation prevents) one unavailable pod is allowed."""
    desired = 0
    for node in nodes:
        if not node_should_run_daemon_pod(node, ds).should_run:
            continue
        desired += 1
        node_to_pods.setdefault(node["metadata"]["name"], [])
    max_unavailable = unavailable_count(ds, desired)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def _name(pod: Object) -> str:
    return str(pod["metadata"]["name"])


def plan_rolling_update(
    ds: Object, nodes: list[Object], node_to_pods: dict[str, list[Object]], hash_: str, now: datetime
) -> UpdatePlan:
    """What one pass of the rolling update does (``node_to_pods`` gains empty entries)."""
    max_surge, max_unavailable, desired = desired_node_counts(ds, nodes, node_to_pods)
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)

    def available(pod: Object) -> bool:
        return is_pod_available(pod, min_ready, now)

    if max_surge == 0:
        return _plan_without_surge(ds, node_to_pods, hash_, max_unavailable, available)
    by_name = {node["metadata"]["name"]: node for node in nodes}
    return _plan_with_surge(ds, node_to_pods, hash_, max_surge, desired, available, by_name)


def _plan_without_surge(
    ds: Object,
    node_to_pods: dict[str, list[Object]],
    hash_: str,
    max_unavailable: int,
    available: Availability,
) -> UpdatePlan:
    unavailable = 0
    replacements: list[str] = []
    candidates: list[str] = []
    for pods in node_to_pods.values():
        new_pod, old_pod, ok = find_updated_pods_on_node(ds, pods, hash_)
        if not ok or (old_pod is None) == (new_pod is None):
            # Excess pods, no pod, or both: the manage loop acts here; count the node as unavailable.
            unavailable += 1
        elif new_pod is not None:
            if not available(new_pod):
                unavailable += 1
        elif old_pod is not None and not available(old_pod):
            replacements.append(_name(old_pod))  # unavailable anyway: replace it now
            unavailable += 1
        elif old_pod is not None and unavailable < max_unavailable:
            candidates.append(_name(old_pod))
    remaining = min(max(max_unavailable - unavailable, 0), len(candidates))
    return UpdatePlan(pods_to_delete=replacements + candidates[:remaining])


def _plan_with_surge(
    ds: Object,
    node_to_pods: dict[str, list[Object]],
    hash_: str,
    max_surge: int,
    desired: int,
    available: Availability,
    nodes: Mapping[str, Object],
) -> UpdatePlan:
    plan = UpdatePlan()
    should_not_run: list[str] = []
    candidates: list[str] = []
    allowed: list[str] = []
    surging = 0
    available_count = 0

    def should_run(node_name: str) -> bool:
        # A pod bound to a node that no longer exists cannot stay (upstream fails the sync here instead).
        node = nodes.get(node_name)
        return node is not None and node_should_run_daemon_pod(node, ds).should_run

    for node_name, pods in node_to_pods.items():
        new_pod, old_pod, ok = find_updated_pods_on_node(ds, pods, hash_)
        if not ok:
            surging += 1
            continue
        counted = old_pod if old_pod is not None else new_pod
        if counted is not None and available(counted):
            available_count += 1
        if old_pod is None:
            continue  # nothing to update; the manage loop creates a missing pod
        if new_pod is None:
            if not available(old_pod):
                if not should_run(node_name):
                    plan.pods_to_delete.append(_name(old_pod))
                    continue
                allowed.append(node_name)  # the old pod is unavailable: surge here at once
                continue
            if not should_run(node_name):
                should_not_run.append(_name(old_pod))
                continue
            if surging < max_surge:
                candidates.append(node_name)
            continue
        if not available(new_pod):
            surging += 1  # waiting for the new pod
            continue
        plan.pods_to_delete.append(_name(old_pod))  # the new pod is available: the old one goes
    # Pods on nodes the set no longer selects go only while the rest keep it fully available.
    deletable = min(available_count - desired, len(should_not_run))
    if deletable > 0:
        plan.pods_to_delete += should_not_run[:deletable]
    remaining = min(max(max_surge - surging, 0), len(candidates))
    plan.nodes_needing_pods = allowed + candidates[:remaining]
    return plan
