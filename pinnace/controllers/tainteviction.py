"""The taint eviction controller: pods go from nodes with NoExecute taints they do not tolerate (upstream's
``pkg/controller/tainteviction/taint_eviction.go``, the "NoExecute taint manager").

For every pod on a node with NoExecute taints:

* a taint the pod does not tolerate: the pod is deleted at once;
* all tolerated, some toleration with ``tolerationSeconds``: deletion is scheduled after the smallest of
  them (counted from when the pod was first found tainted; a later, longer toleration does not postpone
  it); 0 or less means at once;
* all tolerated forever: nothing (a scheduled deletion is cancelled).

Taints going away, a pod's tolerations changing or the pod leaving cancel a scheduled deletion with a
``TaintManagerEviction`` event "Cancelling deletion of Pod ns/name". A deletion that fires records
``TaintManagerEviction`` "Marking for deletion Pod ns/name", sets the pod's ``DisruptionTarget`` condition
(reason ``DeletionByTaintManager``) and deletes it with its grace period — without a kubelet the pod then
stays Terminating, as it does upstream on a node that is gone.

Scheduled deletions are keys in a work queue with ``add_after`` (upstream's ``TimedWorkerQueue``), so
time is the injected clock's.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from pinnace.client.cache import NODE_NAME_INDEX, index_by_node_name
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import NODES, PODS
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.podutil import format_time
from pinnace.controllers.taints import NO_EXECUTE, get_matching_tolerations

log = logging.getLogger(__name__)

Object = dict[str, Any]

NAME: Final = "taint-eviction-controller"
#: Upstream's eviction attempts (``retries``), 10 ms apart.
DELETE_RETRIES: Final = 5
DELETE_RETRY_DELAY: Final = 0.01


@dataclass(frozen=True, slots=True)
class PodUpdate:
    """``podUpdateItem``: the pod and the node it was on when the event came."""

    pod: ObjectKey
    node_name: str


@dataclass(frozen=True, slots=True)
class ScheduledEviction:
    created_at: datetime
    fire_at: datetime


def no_execute_taints(node: Object | None) -> list[Object]:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == NO_EXECUTE]


def min_toleration_seconds(tolerations: list[Any]) -> float | None:
    """``getMinTolerationTime``: the shortest ``tolerationSeconds`` (0 for none or any <= 0), or None for
    tolerated forever."""
    if not tolerations:
        return 0.0
    bounded = [int(t["tolerationSeconds"]) for t in tolerations if t.get("tolerationSeconds") is not None]
    if not bounded:
        return None
    return float(max(0, min(bounded)))


def _tolerations(pod: Object) -> list[Object]:
    return list((pod.get("spec") or {}).get("tolerations") or [])


class TaintEvictionController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.recorder = ctx.recorder(NAME)
        self.nodes = ctx.informers.informer(NODES)
        self.pods = ctx.informers.informer(PODS)
        self.pods.indexer.add_index(NODE_NAME_INDEX, index_by_node_name)
        self.node_queue: WorkQueue[str] = WorkQueue(clock=ctx.clock, name="noexec_taint_node")
        self.pod_queue: WorkQueue[PodUpdate] = WorkQueue(clock=ctx.clock, name="noexec_taint_pod")
        self.eviction_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="taint_eviction")
        #: node name -> its NoExecute taints, for nodes that have some.
        self.tainted_nodes: dict[str, list[Object]] = {}
        #: Upstream's TimedWorkerQueue: None marks a deletion already done (kept so it is not redone).
        self.scheduled: dict[ObjectKey, ScheduledEviction | None] = {}
        self.nodes.add_handler(
            lambda node: self._node_updated(None, node),
            self._node_updated,
            lambda node: self._node_updated(node, None),
        )
        self.pods.add_handler(
            lambda pod: self._pod_updated(None, pod),
            self._pod_updated,
            lambda pod: self._pod_updated(pod, None),
        )

    async def run(self, workers: int) -> None:
        await self.nodes.wait_synced()
        await self.pods.wait_synced()
        async with asyncio.TaskGroup() as group:
            group.create_task(
                run_workers(self.node_queue, self.handle_node_update, workers, name=f"{NAME}-nodes")
            )
            group.create_task(
                run_workers(self.pod_queue, self.handle_pod_update, workers, name=f"{NAME}-pods")
            )
            group.create_task(run_workers(self.eviction_queue, self.fire, workers, name=f"{NAME}-evictions"))

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _node_updated(self, old: Object | None, new: Object | None) -> None:
        if old is not None and new is not None and no_execute_taints(old) == no_execute_taints(new):
            return
        node = new if new is not None else old
        assert node is not None
        self.node_queue.add(node["metadata"]["name"])

    def _pod_updated(self, old: Object | None, new: Object | None) -> None:
        if old is not None and new is not None:
            same_node = (old.get("spec") or {}).get("nodeName") == (new.get("spec") or {}).get("nodeName")
            if same_node and _tolerations(old) == _tolerations(new):
                return
        pod = new if new is not None else old
        assert pod is not None
        self.pod_queue.add(PodUpdate(key_of(pod), str((pod.get("spec") or {}).get("nodeName") or "")))

    # Decisions -----------------------------------------------------------------------------------------

    async def handle_node_update(self, name: str) -> None:
        node = self.nodes.indexer.get(ObjectKey("", name))
        if node is None:
            self.tainted_nodes.pop(name, None)
            return
        taints = no_execute_taints(node)
        if taints:
            self.tainted_nodes[name] = taints
        else:
            self.tainted_nodes.pop(name, None)
        pods = self.pods.indexer.by_index(NODE_NAME_INDEX, name)
        now = self.clock.now()
        for pod in pods:
            if not taints:
                self._cancel(key_of(pod))
            else:
                self._process_pod_on_node(key_of(pod), _tolerations(pod), taints, now)

    async def handle_pod_update(self, update: PodUpdate) -> None:
        pod = self.pods.indexer.get(update.pod)
        if pod is None:
            self._cancel(update.pod)
            return
        node_name = str((pod.get("spec") or {}).get("nodeName") or "")
        if node_name != update.node_name or not node_name:
            return  # a newer event for this pod is (or was) queued
        taints = self.tainted_nodes.get(node_name)
        if taints is None:
            return
        self._process_pod_on_node(update.pod, _tolerations(pod), taints, self.clock.now())

    def _process_pod_on_node(
        self, key: ObjectKey, tolerations: list[Object], taints: list[Object], now: datetime
    ) -> None:
        """``processPodOnNode``."""
        all_tolerated, used = get_matching_tolerations(taints, tolerations)
        if not all_tolerated:
            log.info("not all taints are tolerated by pod %s: deleting it", key)
            self._cancel(key)
            self._schedule(key, now, now)
            return
        seconds = min_toleration_seconds(used)
        if seconds is None:
            self._cancel(key)  # tolerated forever
            return
        trigger = now + timedelta(seconds=seconds)
        existing = self.scheduled.get(key)
        if existing is not None:
            if existing.created_at + timedelta(seconds=seconds) < trigger:
                return  # the deletion already scheduled comes first
            self._cancel(key)
            self._schedule(key, existing.created_at, trigger)
            return
        self._schedule(key, now, trigger)

    def _schedule(self, key: ObjectKey, created_at: datetime, fire_at: datetime) -> None:
        """``AddWork``: a key that has (or had) a deletion keeps it."""
        if key in self.scheduled:
            return
        self.scheduled[key] = ScheduledEviction(created_at, fire_at)
        self.eviction_queue.add_after(key, (fire_at - self.clock.now()).total_seconds())

    def _cancel(self, key: ObjectKey) -> None:
        """``cancelWorkWithEvent``: an event only when a deletion was actually pending."""
        if key not in self.scheduled:
            return
        pending = self.scheduled.pop(key)
        if pending is not None:
            self.recorder.event(
                _pod_ref(key), "Normal", "TaintManagerEviction", f"Cancelling deletion of Pod {key}"
            )

    # Deleting ------------------------------------------------------------------------------------------

    async def fire(self, key: ObjectKey) -> None:
        scheduled = self.scheduled.get(key)
        if scheduled is None:
            return  # cancelled, or done
        remaining = (scheduled.fire_at - self.clock.now()).total_seconds()
        if remaining > 0:
            self.eviction_queue.add_after(key, remaining)  # rescheduled after the queue's first wake-up
            return
        log.info("deleting pod %s", key)
        self.recorder.event(
            _pod_ref(key), "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}"
        )
        error: ApiError | None = None
        for attempt in range(DELETE_RETRIES):
            if attempt:
                await self.clock.sleep(DELETE_RETRY_DELAY)
            try:
                await self._add_condition_and_delete(key)
            except NotFound:
                error = None
                break
            except ApiError as err:
                error = err
                continue
            error = None
            break
        if self.scheduled.get(key) is scheduled:
            if error is None:
                self.scheduled[key] = None  # done: do not schedule it again
            else:
                del self.scheduled[key]
        if error is not None:
            raise error

    async def _add_condition_and_delete(self, key: ObjectKey) -> None:
        """``addConditionAndDeletePod``: DisruptionTarget=True (DeletionByTaintManager), then delete."""
        pod = await self.client.get(PODS, key.name, key.namespace)
        updated = copy.deepcopy(pod)
        conditions: list[Object] = updated.setdefault("status", {}).setdefault("conditions", [])
        wanted = {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint",
        }
        existing = next((c for c in conditions if c.get("type") == "DisruptionTarget"), None)
        if existing is None or any(existing.get(k) != v for k, v in wanted.items()):
            if existing is not None and existing.get("status") == "True":
                wanted["lastTransitionTime"] = existing.get("lastTransitionTime") or format_time(
                    self.clock.now()
                )
            else:
                wanted["lastTransitionTime"] = format_time(self.clock.now())
            if existing is None:
                conditions.append(wanted)
            else:
                existing.clear()
                existing.update(wanted)
            await self.client.update(PODS, updated, subresource="status")
        await self.client.delete(PODS, key.name, key.namespace)


def _pod_ref(key: ObjectKey) -> Object:
    """Upstream's events name the pod by reference only (no uid)."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": key.name, "namespace": key.namespace}}


def new_controller(ctx: ControllerContext) -> TaintEvictionController:
    return TaintEvictionController(ctx)
