"""Informer events into the cache and the queue (``pkg/scheduler/eventhandlers.go``).

* Pods without ``spec.nodeName`` whose ``schedulerName`` is one of ours go to the queue; assigned pods go to
  the cache (a pod becoming assigned leaves the queue and confirms the assumed copy). Terminal pods
  (Succeeded/Failed) are treated as deleted: they free their node's resources, as upstream's informer
  excludes them with a field selector.
* Nodes go to the cache. Every change that may make a waiting pod schedulable (a node added or changed, an
  assigned pod deleted or relabelled, a claim or volume added...) is a :class:`ClusterEvent` that wakes the
  unschedulable pods whose rejecting plugins registered it.

Handlers only update in-memory state and never block (the client's informer contract).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pinnace.scheduler.cache import Cache, CacheError
from pinnace.scheduler.framework.handle import Listers
from pinnace.scheduler.framework.interface import ActionType, ClusterEvent, EventResource
from pinnace.scheduler.framework.types import PodInfo, new_pod_info
from pinnace.scheduler.queue import SchedulingQueue

Object = dict[str, Any]


def assigned(pod: Mapping[str, Any]) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName"))


def terminal(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _strip(pod: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(pod.get("metadata") or {})
    for key in ("resourceVersion", "generation", "managedFields"):
        meta.pop(key, None)
    return {k: v for k, v in pod.items() if k not in ("status", "metadata")} | {"metadata": meta}


def pod_updated(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """``isPodUpdated``: anything but status, resourceVersion, generation and managedFields changed."""
    return _strip(old) != _strip(new)


def _pod_update_actions(old: PodInfo, new: PodInfo) -> ActionType:
    action = ActionType(0)
    if old.labels != new.labels:
        action |= ActionType.UpdatePodLabel
    if any(new.requests.get(k, 0) < v for k, v in old.requests.items()):
        action |= ActionType.UpdatePodScaleDown
    if old.tolerations != new.tolerations:
        action |= ActionType.UpdatePodTolerations
    if old.spec.get("schedulingGates") and not new.spec.get("schedulingGates"):
        action |= ActionType.UpdatePodSchedulingGatesEliminated
    return action


def _node_update_actions(old: Mapping[str, Any], new: Mapping[str, Any]) -> ActionType:
    """``nodeSchedulingPropertiesChange``."""
    action = ActionType(0)
    o_spec, n_spec = old.get("spec") or {}, new.get("spec") or {}
    o_status, n_status = old.get("status") or {}, new.get("status") or {}
    o_meta, n_meta = old.get("metadata") or {}, new.get("metadata") or {}
    if bool(o_spec.get("unschedulable")) != bool(n_spec.get("unschedulable")):
        action |= ActionType.UpdateNodeTaint
    if o_status.get("allocatable") != n_status.get("allocatable"):
        action |= ActionType.UpdateNodeAllocatable
    if o_meta.get("labels") != n_meta.get("labels"):
        action |= ActionType.UpdateNodeLabel
    if o_spec.get("taints") != n_spec.get("taints"):
        action |= ActionType.UpdateNodeTaint

    def conditions(status: Mapping[str, Any]) -> dict[str, Any]:
        return {c.get("type"): c.get("status") for c in status.get("conditions") or ()}

    if conditions(o_status) != conditions(n_status):
        action |= ActionType.UpdateNodeCondition
    if o_meta.get("annotations") != n_meta.get("annotations"):
        action |= ActionType.UpdateNodeAnnotation
    return action


class PriorityResolver:
    """A pod's priority: ``spec.priority``; without it (no Priority admission), the value of its
    ``priorityClassName``, else of the ``globalDefault`` PriorityClass, else 0."""

    def __init__(self, listers: Listers) -> None:
        self.listers = listers

    def __call__(self, pod: Mapping[str, Any]) -> int:
        spec = pod.get("spec") or {}
        priority = spec.get("priority")
        if isinstance(priority, int):
            return priority
        name = spec.get("priorityClassName")
        if name:
            pc = self.listers.priority_class(str(name))
            return int(pc.get("value") or 0) if pc is not None else 0
        for pc in self.listers.priority_classes():
            if pc.get("globalDefault"):
                return int(pc.get("value") or 0)
        return 0


class EventHandlers:
    def __init__(
        self,
        cache: Cache,
        queue: SchedulingQueue,
        scheduler_names: set[str],
        priority_of: Callable[[Mapping[str, Any]], int] | None = None,
    ) -> None:
        self.cache = cache
        self.queue = queue
        self.scheduler_names = scheduler_names
        self.priority_of = priority_of

    def _info(self, pod: Object, previous: PodInfo | None = None) -> PodInfo:
        """Parse ``pod``, or reuse ``previous``'s parse when only status and metadata bookkeeping differ
        (the informer's copy of a pod the scheduler just assumed)."""
        if previous is not None:
            meta, old_meta = pod.get("metadata") or {}, previous.pod.get("metadata") or {}
            if (
                previous.pod.get("spec") == pod.get("spec")
                and old_meta.get("labels") == meta.get("labels")
                and old_meta.get("deletionTimestamp") == meta.get("deletionTimestamp")
                and previous.pod.get("status", {}).get("startTime")
                == (pod.get("status") or {}).get("startTime")
            ):
                return previous.with_pod(pod)
        return new_pod_info(pod, self.priority_of)

    def responsible(self, pod: Mapping[str, Any]) -> bool:
        return (
            str((pod.get("spec") or {}).get("schedulerName") or "default-scheduler") in self.scheduler_names
        )

    def _move(
        self, resource: EventResource, action: ActionType, label: str, old: Any = None, new: Any = None
    ) -> None:
        if action:
            self.queue.move_all_to_active_or_backoff(ClusterEvent(resource, action, label), old, new)

    # Pods --------------------------------------------------------------------------------------------------

    def on_pod_add(self, pod: Object) -> None:
        if terminal(pod):
            return
        if assigned(pod):
            info = self._info(pod)
            try:
                self.cache.add_pod(info)
            except CacheError:
                self.cache.update_pod(info)
            self.queue.delete_nominated_pod(info.uid)
            self._move(EventResource.ASSIGNED_POD, ActionType.Add, "AssignedPodAdd", None, pod)
        elif self.responsible(pod):
            self.queue.add(self._info(pod))

    def on_pod_update(self, old: Object, new: Object) -> None:
        if terminal(new):
            self.on_pod_delete(old)
            return
        if assigned(new):
            uid = str((new.get("metadata") or {}).get("uid") or "")
            info = self._info(new, self.cache.get_pod(uid))
            if not assigned(old) or self.cache.get_pod(uid) is None or self.cache.is_assumed(uid):
                self.queue.delete(uid)
                try:
                    self.cache.add_pod(info)
                except CacheError:
                    self.cache.update_pod(info)
                self._move(EventResource.ASSIGNED_POD, ActionType.Add, "AssignedPodAdd", None, new)
                return
            previous = self.cache.get_pod(uid)
            self.cache.update_pod(info)
            if previous is not None:
                self._move(
                    EventResource.ASSIGNED_POD,
                    _pod_update_actions(previous, info),
                    "AssignedPodUpdate",
                    old,
                    new,
                )
        elif self.responsible(new):
            self.queue.update(self._info(new), spec_changed=pod_updated(old, new))

    def on_pod_delete(self, pod: Object) -> None:
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        if assigned(pod):
            self.cache.remove_pod(uid)
            self._move(EventResource.ASSIGNED_POD, ActionType.Delete, "AssignedPodDelete", pod, None)
        else:
            self.queue.delete(uid)

    # Nodes -------------------------------------------------------------------------------------------------

    def on_node_add(self, node: Object) -> None:
        self.cache.add_node(node)
        self._move(EventResource.NODE, ActionType.Add, "NodeAdd", None, node)

    def on_node_update(self, old: Object, new: Object) -> None:
        self.cache.update_node(new)
        self._move(EventResource.NODE, _node_update_actions(old, new), "NodeUpdate", old, new)

    def on_node_delete(self, node: Object) -> None:
        self.cache.remove_node(str((node.get("metadata") or {}).get("name")))
        self._move(EventResource.NODE, ActionType.Delete, "NodeDelete", node, None)

    # Other objects plugins look at -------------------------------------------------------------------------

    def on_other(self, resource: EventResource, action: ActionType, old: Any = None, new: Any = None) -> None:
        """PVC/PV/StorageClass/CSINode/Namespace changes: their listers are informer caches already."""
        self._move(
            resource, action, f"{resource.value}{'Add' if action == ActionType.Add else 'Change'}", old, new
        )
