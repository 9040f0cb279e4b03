"""The scheduler wired to the API server: informers feed the cache and the queue, events and writes go
through the client (``pkg/scheduler/scheduler.go``: New, Run; ``eventhandlers.go``: addAllEventHandlers).

* one pod informer (Succeeded/Failed pods excluded by a field selector, as upstream's): assigned pods to the
  cache, pending pods of our profiles to the queue;
* a node informer into the cache; informers for the objects plugins read (claims, volumes, storage classes,
  namespaces, services, controllers, PDBs, priority classes), whose changes also wake waiting pods;
* one event recorder per profile (``source.component`` = the profile's ``schedulerName``);
* the loops: the queue's flushes, expiry of assumed pods (every second, as upstream's cache), scheduling.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import Forbidden
from pinnace.client.events import EventRecorder, EventType
from pinnace.client.informer import Informer, SharedInformerFactory
from pinnace.client.interface import Client, Object
from pinnace.client.keys import ObjectKey
from pinnace.client.resources import NODES, PODS, PRIORITYCLASSES, Resource
from pinnace.scheduler.cache import Cache
from pinnace.scheduler.config import SchedulerConfiguration
from pinnace.scheduler.eventhandlers import EventHandlers, PriorityResolver
from pinnace.scheduler.framework.algorithm import Algorithm
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import ActionType, ClusterEventWithHint, EventResource, Status
from pinnace.scheduler.framework.runtime import Framework
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import PodInfo
from pinnace.scheduler.listers import InformerListers
from pinnace.scheduler.plugins import IN_TREE_REGISTRY
from pinnace.scheduler.queue import SchedulingQueue
from pinnace.scheduler.schedule_one import Scheduler

log = logging.getLogger(__name__)

#: Upstream's pod informer field selector: terminal pods hold no resources.
POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"
ASSUMED_POD_CLEANUP_PERIOD = 1.0


class ProfileEvents:
    """Events about a pod are recorded by the recorder of the profile that schedules it."""

    def __init__(self, recorders: Mapping[str, EventRecorder]) -> None:
        self._recorders = recorders
        self._default = next(iter(recorders.values()))

    def event(self, obj: Object, type: str, reason: str, message: str) -> None:
        name = str((obj.get("spec") or {}).get("schedulerName") or "")
        recorder = self._recorders.get(name, self._default)
        recorder.event(obj, cast(EventType, type), reason, message)


@dataclass
class SchedulerComponents:
    """Everything :func:`build` wires together."""

    informers: SharedInformerFactory
    listers: InformerListers
    cache: Cache
    queue: SchedulingQueue
    handlers: EventHandlers
    scheduler: Scheduler
    recorders: dict[str, EventRecorder]
    profiles: dict[str, Framework]


def _other_events(handlers: EventHandlers, informer: Informer, resource: EventResource) -> None:
    informer.add_handler(
        lambda obj: handlers.on_other(resource, ActionType.Add, None, obj),
        lambda old, new: handlers.on_other(resource, ActionType.Update, old, new),
        lambda obj: handlers.on_other(resource, ActionType.Delete, obj, None),
    )


def build(
    client: Client,
    configuration: SchedulerConfiguration,
    *,
    clock: Clock = REAL_CLOCK,
    rng: random.Random | None = None,
    priority_classes: bool = True,
) -> SchedulerComponents:
    """Profiles, queue, cache and informers for ``configuration`` (``scheduler.New``)."""
    rng = rng or random.Random()
    informers = SharedInformerFactory(client, clock=clock)
    listers = InformerListers(informers, priority_classes=priority_classes)
    cache = Cache(clock=clock)
    snapshot = Snapshot()
    recorders: dict[str, EventRecorder] = {}
    profiles: dict[str, Framework] = {}
    handles: list[Handle] = []
    events = None
    for spec in configuration.profiles:
        recorders[spec.scheduler_name] = EventRecorder(client, spec.scheduler_name, clock=clock)
    events = ProfileEvents(recorders)
    for spec in configuration.profiles:
        handle = Handle(snapshot, listers, client=client, clock=clock, rng=rng, events=events)
        handles.append(handle)
        profiles[spec.scheduler_name] = Framework(spec, IN_TREE_REGISTRY, handle)
    registered: dict[str, list[ClusterEventWithHint]] = {}
    for fwk in profiles.values():
        for name, plugin_events in fwk.events_to_register().items():
            registered.setdefault(name, []).extend(plugin_events)
    first = next(iter(profiles.values()))
    sort = first.queue_sort

    def pre_enqueue(pod: PodInfo) -> Status | None:
        fwk = profiles.get(pod.scheduler_name)
        return fwk.run_pre_enqueue(pod) if fwk is not None else None

    sort_key: Callable[[Any], tuple[Any, ...]] = (
        (lambda qpi: sort.sort_key(qpi)) if sort is not None else (lambda qpi: (qpi.timestamp,))
    )
    queue = SchedulingQueue(
        clock=clock,
        sort_key=sort_key,
        pre_enqueue=pre_enqueue,
        events=registered,
        pod_initial_backoff=configuration.pod_initial_backoff_seconds,
        pod_max_backoff=configuration.pod_max_backoff_seconds,
    )
    for handle in handles:
        handle.nominator = queue
    handlers = EventHandlers(cache, queue, set(profiles), PriorityResolver(listers))
    pods = informers.informer(PODS, field_selector=POD_FIELD_SELECTOR)
    pods.add_handler(handlers.on_pod_add, handlers.on_pod_update, handlers.on_pod_delete)
    nodes = informers.informer(NODES)
    nodes.add_handler(handlers.on_node_add, handlers.on_node_update, handlers.on_node_delete)
    _other_events(handlers, listers.pvcs_informer, EventResource.PERSISTENT_VOLUME_CLAIM)
    _other_events(handlers, listers.pvs_informer, EventResource.PERSISTENT_VOLUME)
    _other_events(handlers, listers.storage_classes_informer, EventResource.STORAGE_CLASS)
    _other_events(handlers, listers.namespaces_informer, EventResource.NAMESPACE)

    def pod_lister(namespace: str, name: str) -> Object | None:
        return pods.indexer.get(ObjectKey(namespace, name))

    scheduler = Scheduler(
        profiles=profiles,
        queue=queue,
        cache=cache,
        snapshot=snapshot,
        client=client,
        events=events,
        pod_lister=pod_lister,
        clock=clock,
        algorithm=Algorithm(rng),
    )
    return SchedulerComponents(informers, listers, cache, queue, handlers, scheduler, recorders, profiles)


async def _may_list(client: Client, resource: Resource) -> bool:
    """Whether this identity may list ``resource`` (an informer it may not list would never sync)."""
    try:
        await client.list(resource, limit=1)
    except Forbidden:
        log.info(
            "may not list %s: pods without spec.priority get priority 0 (as without Priority admission)",
            resource.plural,
        )
        return False
    return True


async def _cleanup_assumed_pods(cache: Cache, clock: Clock) -> None:
    while True:
        await clock.sleep(ASSUMED_POD_CLEANUP_PERIOD)
        for pod in cache.cleanup_assumed_pods():
            log.warning("assumed pod %s expired: its binding was never confirmed", pod.key)


async def run_scheduler(
    client: Client, configuration: SchedulerConfiguration, *, clock: Clock = REAL_CLOCK
) -> None:
    """``Scheduler.Run``: start informers, wait for their caches, then schedule until cancelled."""
    components = build(
        client, configuration, clock=clock, priority_classes=await _may_list(client, PRIORITYCLASSES)
    )
    async with asyncio.TaskGroup() as group:
        components.informers.start(group)
        for recorder in components.recorders.values():
            group.create_task(recorder.run(), name=f"events-{recorder.component}")
        await components.informers.wait_for_cache_sync()
        log.info("scheduler caches synced; scheduling with profiles %s", ", ".join(components.profiles))
        group.create_task(components.queue.run(), name="scheduling-queue")
        group.create_task(_cleanup_assumed_pods(components.cache, clock), name="assumed-pod-cleanup")
        group.create_task(components.scheduler.run(), name="scheduling-loop")
