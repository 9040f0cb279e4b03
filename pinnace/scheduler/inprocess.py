"""The whole scheduler in one process without an API server: for unit tests and the algorithm benchmark.

:class:`InProcessCluster` plays the API server and the informers. It stores nodes and pods as dicts, applies
the scheduler's writes at once (a binding sets ``spec.nodeName``; a status patch merges conditions by type;
a delete removes the pod) and hands every change to the scheduler's event handlers exactly as informers
would. Everything else -- profiles from a KubeSchedulerConfiguration, the queue, the cache, the snapshot, the
scheduling and binding cycles -- is the real thing.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import NotFound
from pinnace.scheduler.cache import Cache
from pinnace.scheduler.config import SchedulerConfiguration, from_dict
from pinnace.scheduler.eventhandlers import EventHandlers, PriorityResolver
from pinnace.scheduler.framework.algorithm import Algorithm
from pinnace.scheduler.framework.handle import Handle, StaticListers
from pinnace.scheduler.framework.runtime import Framework
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import PodInfo
from pinnace.scheduler.plugins import IN_TREE_REGISTRY
from pinnace.scheduler.queue import QueuedPodInfo, SchedulingQueue
from pinnace.scheduler.schedule_one import Scheduler

Object = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    object_key: str
    type: str
    reason: str
    message: str


def _key(obj: Object) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _merge_status(status: Object, patch: Object) -> Object:
    """A strategic merge of a pod status patch: conditions merge by ``type``, None deletes a field."""
    out = dict(status)
    for key, value in patch.items():
        if key == "conditions":
            conditions = {c.get("type"): c for c in out.get("conditions") or ()}
            for condition in value:
                conditions[condition.get("type")] = {**conditions.get(condition.get("type"), {}), **condition}
            out["conditions"] = list(conditions.values())
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _merge(obj: Object, patch: Object) -> Object:
    """A JSON merge patch (RFC 7386) into a copy."""
    out = dict(obj)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class InProcessCluster:
    """An API stand-in wired to a complete scheduler (see the module docstring)."""

    def __init__(
        self,
        config: SchedulerConfiguration | None = None,
        *,
        clock: Clock = REAL_CLOCK,
        seed: int | None = 0,
        listers: StaticListers | None = None,
    ) -> None:
        self.config = config or from_dict({}, IN_TREE_REGISTRY)
        self.clock = clock
        self.rng = random.Random(seed)
        self.listers = listers or StaticListers()
        self.pods: dict[tuple[str, str], Object] = {}
        self.nodes: dict[str, Object] = {}
        self.events: list[RecordedEvent] = []
        self.actions: list[tuple[str, str, str, str]] = []
        self._rv = itertools.count(1)
        self._uid = itertools.count(1)
        self.cache = Cache(clock=clock)
        self.snapshot = Snapshot()
        self.profiles: dict[str, Framework] = {}
        handles: list[Handle] = []
        for spec in self.config.profiles:
            handle = Handle(self.snapshot, self.listers, client=self, clock=clock, rng=self.rng, events=self)
            handles.append(handle)
            self.profiles[spec.scheduler_name] = Framework(spec, IN_TREE_REGISTRY, handle)
        first = next(iter(self.profiles.values()))
        events: dict[str, list[Any]] = {}
        for fwk in self.profiles.values():
            for name, registered in fwk.events_to_register().items():
                events.setdefault(name, []).extend(registered)
        sort = first.queue_sort
        self.queue = SchedulingQueue(
            clock=clock,
            sort_key=(lambda qpi: sort.sort_key(qpi)) if sort is not None else (lambda qpi: (qpi.timestamp,)),
            pre_enqueue=self._pre_enqueue,
            events=events,
            pod_initial_backoff=self.config.pod_initial_backoff_seconds,
            pod_max_backoff=self.config.pod_max_backoff_seconds,
        )
        for handle in handles:
            handle.nominator = self.queue
        self.handlers = EventHandlers(
            self.cache, self.queue, set(self.profiles), PriorityResolver(self.listers)
        )
        self.scheduler = Scheduler(
            profiles=self.profiles,
            queue=self.queue,
            cache=self.cache,
            snapshot=self.snapshot,
            client=self,
            events=self,
            pod_lister=self.get_pod,
            clock=clock,
            algorithm=Algorithm(self.rng),
        )

    def _pre_enqueue(self, pod: PodInfo) -> Any:
        fwk = self.profiles.get(pod.scheduler_name)
        return fwk.run_pre_enqueue(pod) if fwk is not None else None

    # Objects in --------------------------------------------------------------------------------------------

    def _stamp(self, obj: Object) -> Object:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", f"uid-{next(self._uid)}")
        meta["resourceVersion"] = str(next(self._rv))
        return obj

    def add_node(self, node: Object) -> Object:
        node = self._stamp(node)
        name = node["metadata"]["name"]
        old = self.nodes.get(name)
        self.nodes[name] = node
        if old is None:
            self.handlers.on_node_add(node)
        else:
            self.handlers.on_node_update(old, node)
        return node

    def add_nodes(self, nodes: Iterable[Object]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_pod(self, pod: Object) -> Object:
        pod = self._stamp(pod)
        pod["metadata"].setdefault("namespace", "default")
        pod.setdefault("spec", {}).setdefault("schedulerName", "default-scheduler")
        key = _key(pod)
        old = self.pods.get(key)
        self.pods[key] = pod
        if old is None:
            self.handlers.on_pod_add(pod)
        else:
            self.handlers.on_pod_update(old, pod)
        return pod

    def remove_pod(self, namespace: str, name: str) -> None:
        pod = self.pods.pop((namespace, name), None)
        if pod is not None:
            self.handlers.on_pod_delete(pod)

    def get_pod(self, namespace: str, name: str) -> Object | None:
        return self.pods.get((namespace, name))

    def node_of(self, namespace: str, name: str) -> str:
        pod = self.pods.get((namespace, name)) or {}
        return str((pod.get("spec") or {}).get("nodeName") or "")

    # The scheduler's writes (APIClient) --------------------------------------------------------------------

    async def create(
        self,
        resource: Any,
        body: Object,
        namespace: str = "",
        *,
        subresource: str = "",
        name: str = "",
        dry_run: bool = False,
        field_manager: str = "",
    ) -> Object:
        self.actions.append(
            ("create", resource.plural, namespace, f"{name}/{subresource}" if subresource else name)
        )
        if resource.plural == "pods" and subresource == "binding":
            old = self.pods.get((namespace, name))
            if old is None:
                raise NotFound({"message": f'pods "{name}" not found', "reason": "NotFound", "code": 404})
            new = {
                **old,
                "metadata": {**old["metadata"], "resourceVersion": str(next(self._rv))},
                "spec": {**old["spec"], "nodeName": body["target"]["name"]},
            }
            self.pods[(namespace, name)] = new
            self.handlers.on_pod_update(old, new)
            return {"kind": "Status", "status": "Success"}
        raise NotImplementedError(f"in-process create of {resource.plural}/{subresource}")

    async def patch(
        self,
        resource: Any,
        name: str,
        patch: Any,
        namespace: str = "",
        *,
        patch_type: Any = "merge",
        subresource: str = "",
        field_manager: str = "",
        force: bool = False,
    ) -> Object:
        self.actions.append(
            ("patch", resource.plural, namespace, f"{name}/{subresource}" if subresource else name)
        )
        if resource.plural == "pods":
            old = self.pods.get((namespace, name))
            if old is None:
                raise NotFound({"message": f'pods "{name}" not found', "reason": "NotFound", "code": 404})
            new = {
                **old,
                "metadata": {**old["metadata"], "resourceVersion": str(next(self._rv))},
                "status": _merge_status(old.get("status") or {}, patch.get("status") or {}),
            }
            self.pods[(namespace, name)] = new
            self.handlers.on_pod_update(old, new)
            return new
        kinds = {"persistentvolumeclaims": "PersistentVolumeClaim", "persistentvolumes": "PersistentVolume"}
        kind = kinds.get(resource.plural)
        if kind is not None:
            current = self.listers.objects.get(kind, {}).get((namespace, name))
            if current is None:
                message = f'{resource.plural} "{name}" not found'
                raise NotFound({"message": message, "reason": "NotFound", "code": 404})
            self.listers.add(kind, _merge(current, patch))
            return self.listers.objects[kind][(namespace, name)]
        return {}

    async def delete(
        self,
        resource: Any,
        name: str,
        namespace: str = "",
        *,
        propagation_policy: str = "",
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Object:
        self.actions.append(("delete", resource.plural, namespace, name))
        if resource.plural == "pods":
            pod = self.pods.get((namespace, name))
            if pod is None:
                raise NotFound({"message": f'pods "{name}" not found', "reason": "NotFound", "code": 404})
            self.remove_pod(namespace, name)
            return pod
        return {}

    # EventSink ---------------------------------------------------------------------------------------------

    def event(self, obj: Object, type: str, reason: str, message: str) -> None:
        namespace, name = _key(obj)
        self.events.append(RecordedEvent(f"{namespace}/{name}" if namespace else name, type, reason, message))

    def events_for(self, namespace: str, name: str) -> list[RecordedEvent]:
        return [e for e in self.events if e.object_key == f"{namespace}/{name}"]

    # Driving -----------------------------------------------------------------------------------------------

    async def schedule_pending(self, limit: int | None = None) -> int:
        """Run scheduling cycles until activeQ is empty (or ``limit`` cycles); return how many ran."""
        cycles = 0
        while limit is None or cycles < limit:
            qpi: QueuedPodInfo | None = self.queue.pop_nowait()
            if qpi is None:
                break
            await self.scheduler.schedule_one(qpi)
            cycles += 1
        await self.scheduler.drain()
        return cycles
