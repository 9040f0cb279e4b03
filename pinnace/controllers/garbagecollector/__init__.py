"""The garbage collector: deletes objects whose owners are gone (``pkg/controller/garbagecollector``).

```
 informers (every listable, watchable, deletable resource but events)
        │ add / update / delete  (handlers only queue GraphEvents)
        ▼
 GraphBuilder.run ── uid → Node graph (owners ⇄ dependents, virtual nodes for unseen owners)
        │ uids
        ├─► attempt_to_delete queue ─► Collector.attempt_to_delete_item  (live GETs, guarded DELETE/PATCH)
        └─► attempt_to_orphan queue ─► Collector.attempt_to_orphan_worker (drop ownerRefs, then finalizer)
```

Propagation policies, as the API server records them on the owner:

* **Background** (kubectl's default): the owner goes at once; its dependents' references now dangle and the
  collector deletes them (and, the same way, theirs);
* **Foreground**: the owner stays with a deletionTimestamp and the ``foregroundDeletion`` finalizer; the
  collector deletes its dependents (those with dependents of their own in the foreground too) and removes
  the finalizer once no dependent with ``blockOwnerDeletion: true`` is left;
* **Orphan**: the owner stays with the ``orphan`` finalizer until the collector has removed its reference
  from every dependent, then the finalizer.

Objects are watched in full (upstream watches metadata only); the graph keeps only their ownerReferences.
"""

from __future__ import annotations

import asyncio
from typing import Final

from pinnace.client.resources import Resource
from pinnace.client.workqueue import WorkQueue
from pinnace.controllers.apiresources import preferred_resources
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.garbagecollector.collector import Collector, run_gc_workers
from pinnace.controllers.garbagecollector.graph import ObjectReference, ReferenceCache
from pinnace.controllers.garbagecollector.graph_builder import GraphBuilder
from pinnace.controllers.garbagecollector.operations import Operations

NAME: Final = "garbage-collector"
COMPONENT: Final = "garbage-collector-controller"

#: ``DefaultIgnoredResources``: Events are never owners worth tracking and churn the most.
IGNORED_RESOURCES: Final = frozenset({("", "events"), ("events.k8s.io", "events")})


def deletable_resources() -> list[Resource]:
    """``GetDeletableResources`` minus the ignored ones."""
    return [
        resource
        for resource in preferred_resources("delete", "list", "watch")
        if (resource.group, resource.plural) not in IGNORED_RESOURCES
    ]


class GarbageCollector:
    def __init__(self, ctx: ControllerContext) -> None:
        self.attempt_to_delete: WorkQueue[str] = WorkQueue(
            clock=ctx.clock, name="garbage_collector_attempt_to_delete"
        )
        self.attempt_to_orphan: WorkQueue[str] = WorkQueue(
            clock=ctx.clock, name="garbage_collector_attempt_to_orphan"
        )
        absent_owner_cache = ReferenceCache()
        self._recorder = ctx.recorder(COMPONENT)
        self.builder = GraphBuilder(
            self.attempt_to_delete,
            self.attempt_to_orphan,
            absent_owner_cache,
            report_invalid_owner=self._report_invalid_owner,
        )
        for resource in deletable_resources():
            self.builder.monitor(ctx.informers.informer(resource), resource)
        self.collector = Collector(self.builder, Operations(ctx.client), absent_owner_cache)

    def _report_invalid_owner(self, dependent: ObjectReference, message: str) -> None:
        metadata = {"name": dependent.name, "namespace": dependent.namespace, "uid": dependent.uid}
        involved = {"apiVersion": dependent.api_version, "kind": dependent.kind, "metadata": metadata}
        self._recorder.event(involved, "Warning", "OwnerRefInvalidNamespace", message)

    async def run(self, workers: int) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self.builder.run(), name="garbage-collector-graph-builder")
            # Workers start once every monitor has listed, so an owner's dependents are all in the graph.
            for informer in self.builder.monitors:
                await informer.wait_synced()
            group.create_task(
                run_gc_workers(
                    self.attempt_to_delete,
                    self.collector.attempt_to_delete_worker,
                    workers,
                    name="garbage-collector-attempt-to-delete",
                ),
                name="garbage-collector-attempt-to-delete",
            )
            group.create_task(
                run_gc_workers(
                    self.attempt_to_orphan,
                    self.collector.attempt_to_orphan_worker,
                    workers,
                    name="garbage-collector-attempt-to-orphan",
                ),
                name="garbage-collector-attempt-to-orphan",
            )


def new_controller(ctx: ControllerContext) -> GarbageCollector:
    return GarbageCollector(ctx)
