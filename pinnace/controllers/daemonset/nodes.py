"""What a DaemonSet's pods on one node should be (upstream's ``podsShouldBeOnNode`` and
``getUnscheduledPodsWithoutNode`` in ``daemon_controller.go``).

* A node that should run the set and has no pod of it needs one.
* A node whose pods may stay: failed pods are deleted (with back-off, and a ``FailedDaemonPod`` warning),
  succeeded ones too (``SucceededDaemonPod``); of several running pods the oldest stays — or, while a
  surge update runs, the oldest new pod beside the oldest old one until the new one is available.
* A node the set no longer fits loses every pod of it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pinnace.client.events import EventType
from pinnace.controllers.daemonset.backoff import FailedPodsBackoff
from pinnace.controllers.daemonset.placement import node_should_run_daemon_pod
from pinnace.controllers.daemonset.util import UNIQUE_LABEL_KEY, allows_surge
from pinnace.controllers.podutil import is_pod_available, is_pod_ready

Object = dict[str, Any]

FAILED_DAEMON_POD_REASON = "FailedDaemonPod"
SUCCEEDED_DAEMON_POD_REASON = "SucceededDaemonPod"


@dataclass
class NodeActions:
    nodes_needing_pods: list[str] = field(default_factory=list)
    pods_to_delete: list[str] = field(default_factory=list)
    #: (reason, type, message) Events to record on the set.
    events: list[tuple[str, EventType, str]] = field(default_factory=list)
    #: Re-queue the set after this many seconds (a failed pod's back-off).
    retry_after: float | None = None


def _compare(left: Object, right: Object) -> int:
    """``podByCreationTimestampAndPhase``: scheduled pods first, then the oldest, then by name."""
    left_node = bool((left.get("spec") or {}).get("nodeName"))
    right_node = bool((right.get("spec") or {}).get("nodeName"))
    if left_node != right_node:
        return -1 if left_node else 1
    left_key = (str(left["metadata"].get("creationTimestamp") or ""), left["metadata"]["name"])
    right_key = (str(right["metadata"].get("creationTimestamp") or ""), right["metadata"]["name"])
    return (left_key > right_key) - (left_key < right_key)


def oldest_first(pods: list[Object]) -> list[Object]:
    return sorted(pods, key=functools.cmp_to_key(_compare))


def failed_pods_backoff_key(ds: Object, node_name: str) -> str:
    observed = int((ds.get("status") or {}).get("observedGeneration") or 0)
    return f"{ds['metadata']['uid']}/{observed}/{node_name}"


def pods_should_be_on_node(
    ds: Object,
    node: Object,
    node_to_pods: dict[str, list[Object]],
    hash_: str,
    backoff: FailedPodsBackoff,
    now: datetime,
) -> NodeActions:
    actions = NodeActions()
    node_name = node["metadata"]["name"]
    placement = node_should_run_daemon_pod(node, ds)
    exists = node_name in node_to_pods
    pods = node_to_pods.get(node_name, [])
    if placement.should_run and not exists:
        actions.nodes_needing_pods.append(node_name)
    elif placement.should_continue_running:
        running = _sort_out_finished(ds, node_name, pods, backoff, actions)
        if not allows_surge(ds):
            actions.pods_to_delete += [p["metadata"]["name"] for p in oldest_first(running)[1:]]
        elif not running:
            if placement.should_run:
                actions.nodes_needing_pods.append(node_name)  # surging needs one live pod per node
        elif len(running) > 1:
            _keep_oldest_new_and_old(ds, running, hash_, now, actions)
    elif exists:
        actions.pods_to_delete += [
            p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")
        ]
    return actions


def _sort_out_finished(
    ds: Object, node_name: str, pods: list[Object], backoff: FailedPodsBackoff, actions: NodeActions
) -> list[Object]:
    """Failed and succeeded pods go (failed ones with back-off: the kubelet may keep rejecting them); the
    others are returned."""
    running: list[Object] = []
    for pod in pods:
        metadata = pod["metadata"]
        if metadata.get("deletionTimestamp"):
            continue
        phase = (pod.get("status") or {}).get("phase")
        where = f"{metadata.get('namespace', '')}/{metadata['name']} on node {node_name}"
        if phase == "Failed":
            key = failed_pods_backoff_key(ds, node_name)
            if backoff.in_backoff_since_update(key):
                delay = backoff.delay(key)
                actions.retry_after = (
                    delay if actions.retry_after is None else min(actions.retry_after, delay)
                )
                continue
            backoff.next(key)
            message = f"Found failed daemon pod {where}, will try to kill it"
            actions.events.append((FAILED_DAEMON_POD_REASON, "Warning", message))
            actions.pods_to_delete.append(metadata["name"])
        elif phase == "Succeeded":
            message = f"Found succeeded daemon pod {where}, will try to delete it"
            actions.events.append((SUCCEEDED_DAEMON_POD_REASON, "Normal", message))
            actions.pods_to_delete.append(metadata["name"])
        else:
            running.append(pod)
    return running


def _keep_oldest_new_and_old(
    ds: Object, running: list[Object], hash_: str, now: datetime, actions: NodeActions
) -> None:
    """During a surge two pods may share a node: the oldest new one and the oldest old one, until the old
    one is not Ready or the new one is available. Any others go."""
    oldest_new: Object | None = None
    oldest_old: Object | None = None
    for pod in oldest_first(running):
        if (pod["metadata"].get("labels") or {}).get(UNIQUE_LABEL_KEY) == hash_:
            if oldest_new is None:
                oldest_new = pod
                continue
        elif oldest_old is None:
            oldest_old = pod
            continue
        actions.pods_to_delete.append(pod["metadata"]["name"])
    if oldest_new is not None and oldest_old is not None:
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        if not is_pod_ready(oldest_old) or is_pod_available(oldest_new, min_ready, now):
            actions.pods_to_delete.append(oldest_old["metadata"]["name"])


def unscheduled_pods_without_node(nodes: list[Object], node_to_pods: dict[str, list[Object]]) -> list[str]:
    """``getUnscheduledPodsWithoutNode``: unbound pods meant for a node that does not exist (the pod
    garbage collector only collects bound ones)."""
    existing = {node["metadata"]["name"] for node in nodes}
    return [
        pod["metadata"]["name"]
        for node_name, pods in node_to_pods.items()
        if node_name not in existing
        for pod in pods
        if not (pod.get("spec") or {}).get("nodeName")
    ]
