"""The scheduling queue (``pkg/scheduler/backend/queue/scheduling_queue.go``: PriorityQueue).

Three places a pending pod can be:

* **activeQ** -- ready to be scheduled, ordered by the profile's QueueSort plugin (PrioritySort: priority,
  then the time the pod entered the queue);
* **backoffQ** -- failed recently; comes back to activeQ after ``1 s x 2^(attempts-1)``, at most 10 s
  (``podInitialBackoffSeconds``/``podMaxBackoffSeconds``), checked every second;
* **unschedulablePods** -- rejected by some plugins; it waits for a cluster event one of those plugins
  registered (``EventsToRegister``: a node added, a pod deleted, a label changed...) and is then moved to
  backoffQ or activeQ; after 5 minutes it is moved regardless (``UnschedulableTimeout``, checked every 30 s).
  A pod whose scheduling cycle overlapped with such an event goes straight to backoffQ instead, so no wake-up
  is lost (upstream's moveRequestCycle). Pods held by PreEnqueue plugins (scheduling gates) wait here too,
  until an update lets them pass.

The queue also remembers pods nominated to nodes by preemption (upstream's nominator), for Filter to account
for them. Time comes from an injected :class:`~pinnace.client.clock.Clock`; tests advance a fake one.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.scheduler.framework.interface import (
    UNSCHEDULABLE_TIMEOUT,
    ClusterEvent,
    ClusterEventWithHint,
    QueueingHint,
    Status,
)
from pinnace.scheduler.framework.types import PodInfo

DEFAULT_POD_INITIAL_BACKOFF: Final = 1.0
DEFAULT_POD_MAX_BACKOFF: Final = 10.0
DEFAULT_POD_MAX_IN_UNSCHEDULABLE: Final = 5 * 60.0
BACKOFF_FLUSH_PERIOD: Final = 1.0
UNSCHEDULABLE_FLUSH_PERIOD: Final = 30.0


class QueueClosed(Exception):
    """The queue was closed while waiting for a pod."""


@dataclass(eq=False, slots=True)
class QueuedPodInfo:
    """``framework.QueuedPodInfo``: a pod plus its queueing history."""

    pod_info: PodInfo
    timestamp: float
    initial_attempt_timestamp: float | None = None
    attempts: int = 0
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    gated: bool = False
    gating_status: Status | None = None
    _version: int = 0

    @property
    def uid(self) -> str:
        return self.pod_info.uid


PreEnqueueFn = Callable[[PodInfo], Status | None]
SortKeyFn = Callable[[QueuedPodInfo], tuple[Any, ...]]


def _default_sort_key(pod: QueuedPodInfo) -> tuple[Any, ...]:
    return (-pod.pod_info.priority, pod.timestamp)


class SchedulingQueue:
    """activeQ, backoffQ, unschedulablePods and the nominator."""

    def __init__(
        self,
        *,
        clock: Clock = REAL_CLOCK,
        sort_key: SortKeyFn = _default_sort_key,
        pre_enqueue: PreEnqueueFn | None = None,
        events: Mapping[str, Sequence[ClusterEventWithHint]] | None = None,
        pod_initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
        pod_max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
        pod_max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE,
    ) -> None:
        self._clock = clock
        self._sort_key = sort_key
        self._pre_enqueue = pre_enqueue
        self._events: Mapping[str, Sequence[ClusterEventWithHint]] = events or {}
        self.initial_backoff = pod_initial_backoff
        self.max_backoff = pod_max_backoff
        self.max_in_unschedulable = pod_max_in_unschedulable
        self._active: dict[str, QueuedPodInfo] = {}
        self._active_heap: list[tuple[tuple[Any, ...], int, str, int]] = []
        self._backoff: dict[str, QueuedPodInfo] = {}
        self._backoff_heap: list[tuple[float, int, str, int]] = []
        self._unschedulable: dict[str, QueuedPodInfo] = {}
        self._in_flight: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        self._ready = asyncio.Event()
        self._closed = False
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._nominated_by_node: dict[str, dict[str, PodInfo]] = {}
        self._nominated_node_of: dict[str, str] = {}

    # Sizes and inspection ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._active) + len(self._backoff) + len(self._unschedulable)

    def pending_pods(self) -> dict[str, list[str]]:
        """Keys of the pods in each sub-queue (``PendingPods``), for tests and debugging."""
        return {
            "activeQ": sorted(q.pod_info.key for q in self._active.values()),
            "backoffQ": sorted(q.pod_info.key for q in self._backoff.values()),
            "unschedulablePods": sorted(q.pod_info.key for q in self._unschedulable.values()),
        }

    def where(self, uid: str) -> str:
        if uid in self._active:
            return "activeQ"
        if uid in self._backoff:
            return "backoffQ"
        if uid in self._unschedulable:
            return "unschedulablePods"
        if uid in self._in_flight:
            return "inFlight"
        return ""

    def get(self, uid: str) -> QueuedPodInfo | None:
        return (
            self._active.get(uid)
            or self._backoff.get(uid)
            or self._unschedulable.get(uid)
            or self._in_flight.get(uid)
        )

    # Internal moves ----------------------------------------------------------------------------------------

    def _push_active(self, qpi: QueuedPodInfo) -> None:
        qpi._version += 1
        self._active[qpi.uid] = qpi
        heapq.heappush(self._active_heap, (self._sort_key(qpi), next(self._seq), qpi.uid, qpi._version))
        self._ready.set()

    def _push_backoff(self, qpi: QueuedPodInfo) -> None:
        qpi._version += 1
        self._backoff[qpi.uid] = qpi
        heapq.heappush(self._backoff_heap, (self.backoff_expiry(qpi), next(self._seq), qpi.uid, qpi._version))

    def _move_to_active(self, qpi: QueuedPodInfo) -> bool:
        """``moveToActiveQ``: run PreEnqueue; a gated pod goes to unschedulablePods instead."""
        status = self._pre_enqueue(qpi.pod_info) if self._pre_enqueue else None
        if status is not None and status.code.value != 0:
            qpi.gated = True
            qpi.gating_status = status
            qpi.unschedulable_plugins = {status.plugin} if status.plugin else set()
            self._unschedulable[qpi.uid] = qpi
            return False
        qpi.gated = False
        qpi.gating_status = None
        self._push_active(qpi)
        return True

    def backoff_duration(self, qpi: QueuedPodInfo) -> float:
        """``calculateBackoffDuration``: 0 before any attempt, then doubling up to the maximum."""
        if qpi.attempts == 0:
            return 0.0
        duration = self.initial_backoff
        for _ in range(1, qpi.attempts):
            if duration > self.max_backoff - duration:
                return self.max_backoff
            duration += duration
        return duration

    def backoff_expiry(self, qpi: QueuedPodInfo) -> float:
        return qpi.timestamp + self.backoff_duration(qpi)

    def is_backing_off(self, qpi: QueuedPodInfo) -> bool:
        return self.backoff_expiry(qpi) > self._clock.monotonic()

    # Informer-driven changes -------------------------------------------------------------------------------

    def add(self, pod: PodInfo) -> None:
        """``Add``: a new pending pod."""
        now = self._clock.monotonic()
        qpi = QueuedPodInfo(pod, now, initial_attempt_timestamp=None)
        self._remove_everywhere(pod.uid)
        self._move_to_active(qpi)
        self._update_nomination(pod)

    def update(self, pod: PodInfo, *, spec_changed: bool = True) -> None:
        """``Update``: a pending pod changed. In activeQ/backoffQ it is replaced; in unschedulablePods it is
        retried when its spec or labels changed (a gated pod when its gates may be gone)."""
        uid = pod.uid
        self._update_nomination(pod)
        if (qpi := self._in_flight.get(uid)) is not None:
            qpi.pod_info = pod
            return
        if (qpi := self._active.get(uid)) is not None:
            qpi.pod_info = pod
            self._push_active(qpi)  # re-sort: priority may have changed
            return
        if (qpi := self._backoff.get(uid)) is not None:
            qpi.pod_info = pod
            return
        if (qpi := self._unschedulable.pop(uid, None)) is not None:
            qpi.pod_info = pod
            if not spec_changed:
                self._unschedulable[uid] = qpi
                return
            if qpi.gated:
                self._move_to_active(qpi)
            elif self.is_backing_off(qpi):
                self._push_backoff(qpi)
            else:
                self._move_to_active(qpi)
            return
        self.add(pod)

    def delete(self, uid: str) -> None:
        """``Delete``: the pod is gone or was scheduled."""
        self._remove_everywhere(uid)
        self.delete_nominated_pod(uid)

    def _remove_everywhere(self, uid: str) -> None:
        self._active.pop(uid, None)
        self._backoff.pop(uid, None)
        self._unschedulable.pop(uid, None)

    # Scheduling loop side ----------------------------------------------------------------------------------

    async def pop(self) -> QueuedPodInfo:
        """``Pop``: wait for the head of activeQ; the pod is in flight until :meth:`done`."""
        while True:
            if self._closed:
                raise QueueClosed()
            qpi = self._pop_active()
            if qpi is not None:
                return qpi
            self._ready.clear()
            await self._ready.wait()

    def pop_nowait(self) -> QueuedPodInfo | None:
        return self._pop_active()

    def _pop_active(self) -> QueuedPodInfo | None:
        while self._active_heap:
            _, _, uid, version = heapq.heappop(self._active_heap)
            qpi = self._active.get(uid)
            if qpi is None or qpi._version != version:
                continue
            del self._active[uid]
            qpi.attempts += 1
            if qpi.initial_attempt_timestamp is None:
                qpi.initial_attempt_timestamp = self._clock.monotonic()
            self.scheduling_cycle += 1
            self._in_flight[uid] = qpi
            return qpi
        return None

    def done(self, uid: str) -> None:
        """``Done``: the pod's scheduling attempt is over (it was bound, or re-queued)."""
        self._in_flight.pop(uid, None)

    def add_unschedulable_if_not_present(self, qpi: QueuedPodInfo, pod_scheduling_cycle: int) -> None:
        """``AddUnschedulableIfNotPresent``: a failed pod returns to backoffQ (if an event may have changed
        things during its cycle, or nothing specific rejected it) or to unschedulablePods."""
        uid = qpi.uid
        self._in_flight.pop(uid, None)
        if uid in self._active or uid in self._backoff or uid in self._unschedulable:
            return
        qpi.timestamp = self._clock.monotonic()
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if self.move_request_cycle >= pod_scheduling_cycle or not rejectors:
            self._push_backoff(qpi)
        else:
            self._unschedulable[uid] = qpi

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    # Events ------------------------------------------------------------------------------------------------

    def move_all_to_active_or_backoff(
        self,
        event: ClusterEvent,
        old: Any = None,
        new: Any = None,
        precheck: Callable[[PodInfo], bool] | None = None,
    ) -> int:
        """``MoveAllToActiveOrBackoffQueue``: wake the unschedulable pods this event may help."""
        moved = 0
        for uid, qpi in list(self._unschedulable.items()):
            if precheck is not None and not precheck(qpi.pod_info):
                continue
            if not self._pod_matches_event(qpi, event, old, new):
                continue
            del self._unschedulable[uid]
            if not qpi.gated and self.is_backing_off(qpi):
                self._push_backoff(qpi)
            else:
                self._move_to_active(qpi)
            moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def _pod_matches_event(self, qpi: QueuedPodInfo, event: ClusterEvent, old: Any, new: Any) -> bool:
        if event.is_wildcard() or event.label == UNSCHEDULABLE_TIMEOUT.label:
            return True
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors:
            return True
        for plugin in rejectors:
            for registered in self._events.get(plugin, ()):
                if not registered.event.matches(event):
                    continue
                if registered.hint is None or registered.hint(qpi.pod_info, old, new) is QueueingHint.QUEUE:
                    return True
        return False

    def flush_backoff_completed(self) -> int:
        """``flushBackoffQCompleted``: backoffQ pods whose back-off expired go to activeQ."""
        now = self._clock.monotonic()
        moved = 0
        while self._backoff_heap:
            expiry, _, uid, version = self._backoff_heap[0]
            qpi = self._backoff.get(uid)
            if qpi is None or qpi._version != version:
                heapq.heappop(self._backoff_heap)
                continue
            if expiry > now:
                break
            heapq.heappop(self._backoff_heap)
            del self._backoff[uid]
            self._move_to_active(qpi)
            moved += 1
        return moved

    def flush_unschedulable_left_over(self) -> int:
        """``flushUnschedulablePodsLeftover``: pods waiting longer than 5 minutes are retried anyway."""
        now = self._clock.monotonic()
        stale = [
            qpi for qpi in self._unschedulable.values() if now - qpi.timestamp > self.max_in_unschedulable
        ]
        for qpi in stale:
            del self._unschedulable[qpi.uid]
            if not qpi.gated and self.is_backing_off(qpi):
                self._push_backoff(qpi)
            else:
                self._move_to_active(qpi)
        return len(stale)

    async def run(self) -> None:
        """The two periodic flushes, until cancelled."""
        next_unschedulable = self._clock.monotonic() + UNSCHEDULABLE_FLUSH_PERIOD
        while True:
            await self._clock.sleep(BACKOFF_FLUSH_PERIOD)
            self.flush_backoff_completed()
            if self._clock.monotonic() >= next_unschedulable:
                self.flush_unschedulable_left_over()
                next_unschedulable = self._clock.monotonic() + UNSCHEDULABLE_FLUSH_PERIOD

    def activate(self, uids: Iterable[str]) -> None:
        """``Activate``: move the given pods from backoffQ/unschedulablePods to activeQ at once."""
        for uid in uids:
            qpi = self._backoff.pop(uid, None) or self._unschedulable.pop(uid, None)
            if qpi is not None:
                self._move_to_active(qpi)

    # Nominator ---------------------------------------------------------------------------------------------

    def _update_nomination(self, pod: PodInfo) -> None:
        node = str((pod.pod.get("status") or {}).get("nominatedNodeName") or "")
        if node:
            self.add_nominated_pod(pod, node)
        elif pod.uid in self._nominated_node_of:
            # Keep a nomination the queue made itself until the API reflects it (upstream does the same).
            current = self._nominated_node_of[pod.uid]
            self._nominated_by_node[current][pod.uid] = pod

    def add_nominated_pod(self, pod: PodInfo, node_name: str) -> None:
        self.delete_nominated_pod(pod.uid)
        if not node_name:
            return
        self._nominated_node_of[pod.uid] = node_name
        self._nominated_by_node.setdefault(node_name, {})[pod.uid] = pod

    def delete_nominated_pod(self, uid: str) -> None:
        node = self._nominated_node_of.pop(uid, None)
        if node is not None:
            pods = self._nominated_by_node.get(node)
            if pods is not None:
                pods.pop(uid, None)
                if not pods:
                    del self._nominated_by_node[node]

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return list(self._nominated_by_node.get(node_name, {}).values())

    def nodes_with_nominated_pods(self) -> list[str]:
        return list(self._nominated_by_node)
