"""One pod's way through the scheduler (``pkg/scheduler/schedule_one.go``: ScheduleOne, schedulingCycle,
bindingCycle, handleSchedulingFailure).

```
 pop ─► schedulePod (snapshot, PreFilter, Filter, Score) ──fit──► assume in cache ─► Reserve ─► Permit
            │                                                                              │
            └─ FitError ─► PostFilter (preemption)                   binding cycle, its own task:
                    │                                                 WaitOnPermit ─► PreBind ─► Bind
                    ▼                                                      │ ok: "Scheduled" event, PostBind
      FailedScheduling event, PodScheduled=False, re-queue  ◄──failure─────┘ (un-reserve, forget)
```

The scheduling cycle is synchronous up to Permit (PostFilter's API calls aside), so it sees one consistent
snapshot; binding runs concurrently with the next cycles, as upstream's binding goroutines do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import ApiError
from pinnace.client.resources import PODS
from pinnace.scheduler.cache import Cache, CacheError
from pinnace.scheduler.framework.algorithm import Algorithm
from pinnace.scheduler.framework.fiterror import Diagnosis, FitError, NodeToStatus, NoNodesAvailableError
from pinnace.scheduler.framework.handle import APIClient, EventSink
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    Code,
    CycleState,
    EventResource,
    PostFilterResult,
    SchedulingError,
    Status,
    is_rejected,
    is_success,
)
from pinnace.scheduler.framework.runtime import Framework
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import PodInfo
from pinnace.scheduler.queue import QueuedPodInfo, SchedulingQueue

log = logging.getLogger(__name__)

#: events.k8s.io NoteLengthLimit: longer messages are cut and end with " ...".
NOTE_LENGTH_LIMIT: Final = 1024
ASSIGNED_POD_DELETE = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.Delete, "AssignedPodDelete")

PodLister = Callable[[str, str], dict[str, Any] | None]


def truncate_message(message: str) -> str:
    """``truncateMessage``."""
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    suffix = " ..."
    return message[: NOTE_LENGTH_LIMIT - len(suffix)] + suffix


def assumed_pod(pod: PodInfo, host: str) -> PodInfo:
    """The pod as the cache assumes it: a copy with ``spec.nodeName`` set (the original dict is shared)."""
    spec = dict(pod.spec)
    spec["nodeName"] = host
    copy = dict(pod.pod)
    copy["spec"] = spec
    return pod.with_pod(copy, host)


class Scheduler:
    """The scheduling loop's state: profiles, queue, cache, snapshot, and the API seams it writes through."""

    def __init__(
        self,
        *,
        profiles: Mapping[str, Framework],
        queue: SchedulingQueue,
        cache: Cache,
        snapshot: Snapshot,
        client: APIClient | None,
        events: EventSink | None,
        pod_lister: PodLister,
        clock: Clock = REAL_CLOCK,
        algorithm: Algorithm | None = None,
    ) -> None:
        self.profiles = profiles
        self.queue = queue
        self.cache = cache
        self.snapshot = snapshot
        self.client = client
        self.events = events
        self.pod_lister = pod_lister
        self.clock = clock
        self.algorithm = algorithm or Algorithm()
        self._tasks: set[asyncio.Task[None]] = set()
        self.scheduled = 0
        self.failed = 0

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the binding cycles and status writes in flight (tests, benchmarks, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run(self) -> None:
        """``ScheduleOne`` forever (until cancelled or the queue closes)."""
        try:
            while True:
                qpi = await self.queue.pop()
                try:
                    await self.schedule_one(qpi)
                except Exception as err:  # a bug must not stop scheduling for everyone: retry the pod later
                    log.exception("scheduling %s failed unexpectedly", qpi.pod_info.key)
                    fwk = self.profiles.get(qpi.pod_info.scheduler_name)
                    if fwk is not None:
                        self.handle_failure(
                            fwk, qpi, Status.as_status(err), None, self.queue.scheduling_cycle
                        )
                    else:
                        self.queue.done(qpi.uid)
        finally:
            for task in list(self._tasks):
                task.cancel()

    # The scheduling cycle ----------------------------------------------------------------------------------

    async def schedule_one(self, qpi: QueuedPodInfo) -> None:
        pod = qpi.pod_info
        fwk = self.profiles.get(pod.scheduler_name)
        if fwk is None:
            log.error("no profile for scheduler name %r (pod %s)", pod.scheduler_name, pod.key)
            self.queue.done(pod.uid)
            return
        if pod.terminating or self.cache.is_assumed(pod.uid):
            self.queue.done(pod.uid)
            return
        cycle = self.queue.scheduling_cycle
        state = CycleState()
        self.snapshot.update(self.cache)
        try:
            result = self.algorithm.schedule_pod(fwk, state, pod)
        except FitError as fit:
            nominating = await self._post_filter(fwk, state, pod, fit)
            self.handle_failure(
                fwk, qpi, Status(Code.Unschedulable, (str(fit),), error=fit), nominating, cycle
            )
            return
        except NoNodesAvailableError as err:
            unresolvable = Status(Code.UnschedulableAndUnresolvable, (str(err),), error=err)
            self.handle_failure(fwk, qpi, unresolvable, PostFilterResult(""), cycle)
            return
        except SchedulingError as err:
            self.handle_failure(fwk, qpi, Status.as_status(err), PostFilterResult(""), cycle)
            return
        host = result.suggested_host
        assumed = assumed_pod(pod, host)
        try:
            self.cache.assume_pod(assumed, host)
        except CacheError as err:
            self.handle_failure(fwk, qpi, Status.as_status(err), PostFilterResult(""), cycle)
            return
        status: Status | None = fwk.run_reserve(state, assumed, host)
        if is_success(status):
            status = fwk.run_permit(state, assumed, host)
            if status is not None and status.code is Code.Wait:
                status = None  # the binding cycle waits in WaitOnPermit
        if not is_success(status):
            assert status is not None
            fwk.run_unreserve(state, assumed, host)
            self.cache.forget_pod(assumed)
            self.handle_failure(
                fwk, qpi, self._single_node_failure(pod, host, status), PostFilterResult(""), cycle
            )
            return
        self._spawn(self._binding_cycle(fwk, state, qpi, assumed, host, cycle))

    async def _post_filter(
        self, fwk: Framework, state: CycleState, pod: PodInfo, fit: FitError
    ) -> PostFilterResult | None:
        if not fwk.has_post_filter_plugins():
            return None
        result, status = await fwk.run_post_filter(state, pod, fit.diagnosis.node_to_status)
        fit.diagnosis.post_filter_msg = status.message()
        if status.code is Code.Error:
            log.error("running PostFilter plugins for pod %s: %s", pod.key, status.message())
        return result

    @staticmethod
    def _single_node_failure(pod: PodInfo, host: str, status: Status) -> Status:
        """A Reserve/Permit rejection reads as a FitError over the one chosen node."""
        if not is_rejected(status):
            return status
        diagnosis = Diagnosis(node_to_status=NodeToStatus())
        diagnosis.node_to_status.set(host, status)
        diagnosis.add_plugin_status(status)
        fit = FitError(pod.key, 1, diagnosis)
        return Status(status.code, (str(fit),), status.plugin, fit)

    # The binding cycle -------------------------------------------------------------------------------------

    async def _binding_cycle(
        self, fwk: Framework, state: CycleState, qpi: QueuedPodInfo, assumed: PodInfo, host: str, cycle: int
    ) -> None:
        status = await fwk.wait_on_permit(assumed)
        if not is_success(status):
            assert status is not None
            await self._binding_failure(
                fwk, state, qpi, assumed, host, self._single_node_failure(assumed, host, status), cycle
            )
            return
        self.queue.done(assumed.uid)
        status = await fwk.run_pre_bind(state, assumed, host)
        if is_success(status):
            status = await fwk.run_bind(state, assumed, host)
            self.cache.finish_binding(assumed)
        if not is_success(status):
            assert status is not None
            await self._binding_failure(fwk, state, qpi, assumed, host, status, cycle)
            return
        self.scheduled += 1
        self._event(assumed.pod, "Normal", "Scheduled", f"Successfully assigned {assumed.key} to {host}")
        fwk.run_post_bind(state, assumed, host)

    async def _binding_failure(
        self,
        fwk: Framework,
        state: CycleState,
        qpi: QueuedPodInfo,
        assumed: PodInfo,
        host: str,
        status: Status,
        cycle: int,
    ) -> None:
        """``handleBindingCycleError``."""
        fwk.run_unreserve(state, assumed, host)
        self.cache.forget_pod(assumed)
        # The assumed pod held resources: forgetting it is like an assigned pod deleted.
        self.queue.move_all_to_active_or_backoff(
            ASSIGNED_POD_DELETE,
            assumed.pod,
            None,
            (lambda p: p.uid != assumed.uid) if is_rejected(status) else None,
        )
        self.handle_failure(fwk, qpi, status, PostFilterResult(""), cycle)

    # Failures ----------------------------------------------------------------------------------------------

    def handle_failure(
        self,
        fwk: Framework,
        qpi: QueuedPodInfo,
        status: Status,
        nominating: PostFilterResult | None,
        cycle: int,
    ) -> None:
        """``handleSchedulingFailure``: re-queue, remember the nomination, report why."""
        self.failed += 1
        pod = qpi.pod_info
        reason = "Unschedulable" if is_rejected(status) else "SchedulerError"
        message = status.message()
        if isinstance(status.error, FitError):
            qpi.unschedulable_plugins = set(status.error.diagnosis.unschedulable_plugins)
            qpi.pending_plugins = set(status.error.diagnosis.pending_plugins)
        elif not isinstance(status.error, NoNodesAvailableError):
            log.error("error scheduling pod %s; retrying: %s", pod.key, message)
        cached = self.pod_lister(pod.namespace, pod.name)
        if cached is None or ((cached.get("spec") or {}).get("nodeName")):
            self.queue.done(pod.uid)
        else:
            self.queue.add_unschedulable_if_not_present(qpi, cycle)
        if nominating is not None and nominating.mode.value == 1:
            if nominating.nominated_node_name:
                self.queue.add_nominated_pod(pod, nominating.nominated_node_name)
            else:
                self.queue.delete_nominated_pod(pod.uid)
        self._event(pod.pod, "Warning", "FailedScheduling", truncate_message(message))
        self._spawn(self._update_pod_status(pod, reason, message, nominating))

    def _event(self, obj: dict[str, Any], type: str, reason: str, message: str) -> None:
        if self.events is not None:
            self.events.event(obj, type, reason, message)

    async def _update_pod_status(
        self, pod: PodInfo, reason: str, message: str, nominating: PostFilterResult | None
    ) -> None:
        """``updatePod``: PodScheduled=False with reason and message; nominatedNodeName when it changes."""
        if self.client is None:
            return
        status = pod.pod.get("status") or {}
        current_nominated = str(status.get("nominatedNodeName") or "")
        wanted_nominated = nominating.nominated_node_name if nominating is not None else current_nominated
        nominated_changed = (
            nominating is not None and nominating.mode.value == 1 and wanted_nominated != current_nominated
        )
        old = next((c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None)
        now = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        condition: dict[str, Any] = {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }
        if old is not None and old.get("status") == "False":
            condition["lastTransitionTime"] = old.get("lastTransitionTime")
        unchanged = old is not None and all(
            old.get(k) == condition[k] for k in ("status", "reason", "message")
        )
        if unchanged and not nominated_changed:
            return
        patch: dict[str, Any] = {"status": {"conditions": [condition]}}
        if nominated_changed:
            patch["status"]["nominatedNodeName"] = wanted_nominated or None
        try:
            await self.client.patch(
                PODS, pod.name, patch, pod.namespace, patch_type="strategic", subresource="status"
            )
        except ApiError as err:
            log.warning("error updating pod %s: %s", pod.key, err)
