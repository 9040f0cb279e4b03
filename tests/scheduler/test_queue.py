"""The scheduling queue (scheduling_queue_test.go): ordering, back-off, event-driven re-queueing, flushes,
gates and the nominator. Time is a FakeClock: nothing sleeps."""

from __future__ import annotations

import asyncio

import pytest

from pinnace.client.clock import FakeClock
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    Code,
    EventResource,
    Status,
)
from pinnace.scheduler.framework.types import PodInfo, new_pod_info
from pinnace.scheduler.queue import SchedulingQueue
from tests.scheduler.builders import pod

NODE_ADD = ClusterEvent(EventResource.NODE, ActionType.Add, "NodeAdd")
ASSIGNED_POD_DELETE = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.Delete, "AssignedPodDelete")
EVENTS = {
    "NodeResourcesFit": [
        ClusterEventWithHint(ClusterEvent(EventResource.ASSIGNED_POD, ActionType.Delete)),
        ClusterEventWithHint(
            ClusterEvent(EventResource.NODE, ActionType.Add | ActionType.UpdateNodeAllocatable)
        ),
    ],
    "NodeAffinity": [
        ClusterEventWithHint(ClusterEvent(EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel))
    ],
    "SchedulingGates": [
        ClusterEventWithHint(ClusterEvent(EventResource.POD, ActionType.UpdatePodSchedulingGatesEliminated))
    ],
}


def info(name: str, priority: int = 0, **spec: object) -> PodInfo:
    return new_pod_info(pod(name, priority=priority, **spec))


def gates(p: PodInfo) -> Status | None:
    if p.spec.get("schedulingGates"):
        return Status(Code.UnschedulableAndUnresolvable, ("waiting for scheduling gates",), "SchedulingGates")
    return None


def new_queue(clock: FakeClock) -> SchedulingQueue:
    return SchedulingQueue(clock=clock, events=EVENTS, pre_enqueue=gates)


async def test_active_queue_pops_by_priority_then_arrival() -> None:
    clock = FakeClock()
    q = new_queue(clock)
    q.add(info("low-first"))
    clock.advance(1)
    q.add(info("high", priority=100))
    clock.advance(1)
    q.add(info("low-second"))
    assert [(await q.pop()).pod_info.name for _ in range(3)] == ["high", "low-first", "low-second"]


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)])
def test_backoff_doubles_from_one_second_up_to_ten(attempts: int, seconds: float) -> None:
    q = new_queue(FakeClock())
    q.add(info("p"))
    qpi = q.pop_nowait()
    assert qpi is not None
    qpi.attempts = attempts
    assert q.backoff_duration(qpi) == seconds


async def test_a_pod_rejected_by_a_plugin_waits_for_a_registered_event() -> None:
    clock = FakeClock()
    q = new_queue(clock)
    q.add(info("p"))
    qpi = await q.pop()
    qpi.unschedulable_plugins = {"NodeAffinity"}
    q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle)
    assert q.where(qpi.uid) == "unschedulablePods"
    # NodeAffinity did not register assigned-pod deletions: the pod stays.
    assert q.move_all_to_active_or_backoff(ASSIGNED_POD_DELETE) == 0
    assert q.where(qpi.uid) == "unschedulablePods"
    # A node added may help: the pod is still backing off (1 s), so it goes to backoffQ...
    assert q.move_all_to_active_or_backoff(NODE_ADD) == 1
    assert q.where(qpi.uid) == "backoffQ"
    # ...and to activeQ once its back-off expires.
    clock.advance(1.5)
    assert q.flush_backoff_completed() == 1
    assert q.where(qpi.uid) == "activeQ"


async def test_an_event_during_the_cycle_sends_the_pod_to_backoff_not_to_unschedulable() -> None:
    q = new_queue(FakeClock())
    q.add(info("p"))
    qpi = await q.pop()
    cycle = q.scheduling_cycle
    q.move_all_to_active_or_backoff(NODE_ADD)  # arrives while the pod is being scheduled
    qpi.unschedulable_plugins = {"NodeAffinity"}
    q.add_unschedulable_if_not_present(qpi, cycle)
    assert q.where(qpi.uid) == "backoffQ"


async def test_a_pod_failing_without_rejecting_plugins_is_retried_after_backoff() -> None:
    q = new_queue(FakeClock())
    q.add(info("p"))
    qpi = await q.pop()
    q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle)
    assert q.where(qpi.uid) == "backoffQ"


async def test_unschedulable_pods_are_retried_after_five_minutes() -> None:
    clock = FakeClock()
    q = new_queue(clock)
    q.add(info("p"))
    qpi = await q.pop()
    qpi.unschedulable_plugins = {"NodeAffinity"}
    q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle)
    clock.advance(299)
    assert q.flush_unschedulable_left_over() == 0
    clock.advance(2)
    assert q.flush_unschedulable_left_over() == 1
    assert q.where(qpi.uid) == "activeQ"


async def test_gated_pods_wait_until_an_update_removes_the_gates() -> None:
    q = new_queue(FakeClock())
    gated = info("p", schedulingGates=[{"name": "example.com/gate"}])
    q.add(gated)
    assert q.where(gated.uid) == "unschedulablePods"
    q.move_all_to_active_or_backoff(NODE_ADD)  # PreEnqueue still refuses it
    assert q.where(gated.uid) == "unschedulablePods"
    q.update(info("p"))
    assert q.where(gated.uid) == "activeQ"


async def test_periodic_flushes_run_on_the_injected_clock() -> None:
    clock = FakeClock()
    q = new_queue(clock)
    q.add(info("p"))
    qpi = await q.pop()
    q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle)
    task = asyncio.create_task(q.run())
    try:
        await clock.wait_for_sleepers()
        await clock.step(1)
        await clock.wait_for_sleepers()
        assert q.where(qpi.uid) == "activeQ"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_nominator_tracks_pods_per_node() -> None:
    q = new_queue(FakeClock())
    p = info("p", priority=10)
    q.add_nominated_pod(p, "n1")
    assert q.nominated_pods_for_node("n1") == [p]
    assert q.nodes_with_nominated_pods() == ["n1"]
    q.add_nominated_pod(p, "n2")
    assert q.nominated_pods_for_node("n1") == []
    q.delete(p.uid)
    assert q.nodes_with_nominated_pods() == []
