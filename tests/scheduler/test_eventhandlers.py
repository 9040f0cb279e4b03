"""Informer events into the cache and the queue (eventhandlers.go): routing, confirmation, terminal pods,
the cluster events that wake waiting pods."""

from __future__ import annotations

from pinnace.client.clock import FakeClock
from pinnace.scheduler.cache import Cache
from pinnace.scheduler.eventhandlers import EventHandlers, PriorityResolver, pod_updated
from pinnace.scheduler.framework.handle import StaticListers
from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
)
from pinnace.scheduler.framework.types import new_pod_info
from pinnace.scheduler.queue import SchedulingQueue
from tests.scheduler.builders import node, pod


def setup() -> tuple[Cache, SchedulingQueue, EventHandlers]:
    clock = FakeClock()
    cache = Cache(clock=clock)
    events = {
        "NodeAffinity": [ClusterEventWithHint(ClusterEvent(EventResource.NODE, ActionType.UpdateNodeLabel))]
    }
    queue = SchedulingQueue(clock=clock, events=events)
    return cache, queue, EventHandlers(cache, queue, {"default-scheduler"})


def test_pending_pods_of_our_profiles_go_to_the_queue_and_assigned_ones_to_the_cache() -> None:
    cache, queue, handlers = setup()
    handlers.on_node_add(node("n1"))
    handlers.on_pod_add(pod("pending"))
    handlers.on_pod_add(pod("other", schedulerName="someone-else"))
    handlers.on_pod_add(pod("bound", cpu="1", node_name="n1"))
    assert queue.pending_pods()["activeQ"] == ["default/pending"]
    assert cache.nodes["n1"].requested["cpu"] == 1000


def test_binding_confirms_the_assumed_pod_and_leaves_the_queue() -> None:
    cache, queue, handlers = setup()
    handlers.on_node_add(node("n1"))
    pending = pod("p", cpu="1")
    handlers.on_pod_add(pending)
    qpi = queue.pop_nowait()
    assert qpi is not None
    cache.assume_pod(qpi.pod_info.with_pod(qpi.pod_info.pod, "n1"), "n1")
    queue.done(qpi.uid)  # as the binding cycle does before binding
    bound = {**pending, "spec": {**pending["spec"], "nodeName": "n1"}}
    handlers.on_pod_update(pending, bound)
    assert not cache.is_assumed(qpi.uid)
    assert cache.nodes["n1"].requested["cpu"] == 1000
    assert queue.where(qpi.uid) == ""


def test_terminal_pods_free_their_node() -> None:
    cache, _, handlers = setup()
    handlers.on_node_add(node("n1"))
    running = pod("p", cpu="1", node_name="n1")
    handlers.on_pod_add(running)
    handlers.on_pod_update(running, {**running, "status": {"phase": "Succeeded"}})
    assert cache.nodes["n1"].requested.get("cpu", 0) == 0


def test_a_node_label_change_wakes_pods_rejected_for_labels() -> None:
    _, queue, handlers = setup()
    handlers.on_node_add(node("n1"))
    handlers.on_pod_add(pod("p"))
    qpi = queue.pop_nowait()
    assert qpi is not None
    qpi.unschedulable_plugins = {"NodeAffinity"}
    queue.add_unschedulable_if_not_present(qpi, queue.scheduling_cycle)
    handlers.on_node_update(
        node("n1"), node("n1", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}])
    )
    assert queue.where(qpi.uid) == "unschedulablePods"  # a taint change is not what NodeAffinity waits for
    handlers.on_node_update(node("n1"), node("n1", labels={"pool": "a"}))
    assert queue.where(qpi.uid) == "backoffQ"


def test_only_spec_and_metadata_changes_count_as_updates() -> None:
    before = pod("p")
    assert not pod_updated(before, {**before, "status": {"phase": "Pending", "conditions": []}})
    assert pod_updated(before, {**before, "metadata": {**before["metadata"], "labels": {"a": "b"}}})


def test_priority_resolution_without_priority_admission() -> None:
    listers = StaticListers().add(
        "PriorityClass",
        {"metadata": {"name": "high"}, "value": 1000},
        {"metadata": {"name": "default-class"}, "value": 5, "globalDefault": True},
    )
    resolve = PriorityResolver(listers)
    assert resolve(pod("a", priority=7)) == 7
    assert resolve(pod("b", priorityClassName="high")) == 1000
    assert resolve(pod("c")) == 5
    assert new_pod_info(pod("d", priorityClassName="high"), resolve).priority == 1000
