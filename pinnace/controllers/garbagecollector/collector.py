"""The garbage collector's workers (upstream's ``garbagecollector.go``).

``attempt_to_delete`` decides, for one node, from a live GET of the object and of each owner:

* the object is gone (or has another uid) → a virtual delete event removes its node from the graph;
* it is waiting for its dependents (``foregroundDeletion``) → delete the dependents that block it, and
  remove the finalizer once none is left;
* at least one owner exists and is not itself being deleted in the foreground → keep it, but drop the
  references to owners that are gone or waiting for it;
* every owner is gone (dangling references) → delete it, in the background unless it carries its own
  ``orphan``/``foregroundDeletion`` finalizer; an owner waiting for it in the foreground and dependents of
  its own → delete it in the foreground.

``attempt_to_orphan`` removes an orphaning owner's reference from each dependent, then the ``orphan``
finalizer. Workers return "forget" or "requeue" rather than raising, as upstream's do: a virtual node that
the informers have not delivered yet is polled, not an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from pinnace.client.errors import ApiError, NotFound
from pinnace.client.workqueue import QueueShutDown, WorkQueue
from pinnace.controllers.garbagecollector.graph import (
    FINALIZER_DELETE_DEPENDENTS,
    FINALIZER_ORPHAN,
    Node,
    Object,
    ObjectReference,
    OwnerReference,
    ReferenceCache,
    being_deleted,
    has_finalizer,
    reference_to,
)
from pinnace.controllers.garbagecollector.graph_builder import GraphBuilder
from pinnace.controllers.garbagecollector.operations import (
    NamespacedOwnerOfClusterScopedObject,
    Operations,
    RetryLater,
    resource_for,
)

log = logging.getLogger(__name__)


class Action(Enum):
    FORGET = "forget"
    REQUEUE = "requeue"


class _VirtualDeleteEnqueued(Exception):
    """``enqueuedVirtualDeleteEventErr``: the graph builder will drop the node; nothing to retry."""


class Collector:
    def __init__(
        self,
        builder: GraphBuilder,
        operations: Operations,
        absent_owner_cache: ReferenceCache,
    ) -> None:
        self.builder = builder
        self.operations = operations
        self.absent_owner_cache = absent_owner_cache

    @property
    def attempt_to_delete(self) -> WorkQueue[str]:
        return self.builder.attempt_to_delete

    @property
    def attempt_to_orphan(self) -> WorkQueue[str]:
        return self.builder.attempt_to_orphan

    # attemptToDelete -------------------------------------------------------------------------------------

    async def attempt_to_delete_worker(self, uid: str) -> Action:
        node = self.builder.uid_to_node.get(uid)
        if node is None:
            # Deleted from the graph while queued (a virtual owner verified absent, a dependent deleted).
            return Action.FORGET
        try:
            await self.attempt_to_delete_item(node)
        except (_VirtualDeleteEnqueued, NamespacedOwnerOfClusterScopedObject):
            return Action.FORGET
        except (ApiError, RetryLater) as err:
            log.info("garbage collector: error syncing item %s: %s", node.identity, err)
            return Action.REQUEUE
        if node.virtual:
            # Exists according to the API server but no informer has delivered it yet: poll until one
            # does, or a virtual node for an object added and removed during a re-watch sticks forever
            # (issue #56121).
            return Action.REQUEUE
        return Action.FORGET

    async def attempt_to_delete_item(self, item: Node) -> None:
        """``attemptToDeleteItem``: raises to be retried."""
        if item.being_deleted and not item.deleting_dependents:
            # Being deleted is a one-way trip; its dependents are handled when it is gone.
            return
        try:
            latest = await self.operations.get_object(item.identity)
        except NotFound:
            # A virtual node for an owner that does not exist (or an object deleted since).
            self.builder.enqueue_virtual_delete(item.identity)
            raise _VirtualDeleteEnqueued() from None
        if (latest.get("metadata") or {}).get("uid") != item.uid:
            self.builder.enqueue_virtual_delete(item.identity)
            raise _VirtualDeleteEnqueued()
        if item.deleting_dependents:
            await self.process_deleting_dependents_item(item)
            return
        owner_references = list((latest.get("metadata") or {}).get("ownerReferences") or [])
        if not owner_references:
            return
        solid, dangling, waiting = await self.classify_references(item, owner_references)
        if solid:
            if not dangling and not waiting:
                return
            # References to owners waiting for this object must go too, or those owners would wait forever.
            uids = [str(ref.get("uid")) for ref in dangling + waiting]
            log.info("garbage collector: removing references to %s from %s", uids, item.identity)
            await self.operations.delete_owner_references(item, uids)
            return
        if waiting and item.dependents:
            for dep in list(item.dependents):
                if dep.deleting_dependents:
                    # Owner and dependent both wait for their dependents: break a possible cycle by
                    # making this object's references non-blocking before deleting it in the foreground.
                    log.info(
                        "garbage collector: unblocking the owner references of %s to prevent a cycle",
                        item.identity,
                    )
                    await self.operations.unblock_owner_references(item)
                    break
            log.info("garbage collector: deleting %s in the foreground", item.identity)
            await self.operations.delete_object(item.identity, "Foreground")
            return
        if has_finalizer(latest, FINALIZER_ORPHAN):
            policy = "Orphan"  # honour a finalizer the object already carries
        elif has_finalizer(latest, FINALIZER_DELETE_DEPENDENTS):
            policy = "Foreground"
        else:
            policy = "Background"
        log.info("garbage collector: deleting %s (propagationPolicy %s)", item.identity, policy)
        await self.operations.delete_object(item.identity, policy)

    async def process_deleting_dependents_item(self, item: Node) -> None:
        """Foreground deletion: delete what blocks ``item``; when nothing does, let it go."""
        blocking = item.blocking_dependents()
        if not blocking:
            log.info(
                "garbage collector: removing the %s finalizer from %s",
                FINALIZER_DELETE_DEPENDENTS,
                item.identity,
            )
            await self.operations.remove_finalizer(item, FINALIZER_DELETE_DEPENDENTS)
            return
        for dep in blocking:
            if not dep.deleting_dependents:
                self.attempt_to_delete.add(dep.uid)

    async def classify_references(
        self, item: Node, references: list[OwnerReference]
    ) -> tuple[list[OwnerReference], list[OwnerReference], list[OwnerReference]]:
        """(solid, dangling, waiting for dependents' deletion), each owner verified with the API server."""
        solid: list[OwnerReference] = []
        dangling: list[OwnerReference] = []
        waiting: list[OwnerReference] = []
        for ref in references:
            is_dangling, owner = await self.is_dangling(ref, item)
            if is_dangling or owner is None:
                dangling.append(ref)
            elif being_deleted(owner) and has_finalizer(owner, FINALIZER_DELETE_DEPENDENTS):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    async def is_dangling(self, ref: OwnerReference, item: Node) -> tuple[bool, Object | None]:
        """Whether ``ref`` names an object that does not exist (by uid); else its live state."""
        cluster_key = reference_to(ref, "")
        if self.absent_owner_cache.has(cluster_key):
            return True, None
        namespaced_key = reference_to(ref, item.identity.namespace)
        if self.absent_owner_cache.has(namespaced_key):
            return True, None
        resource = resource_for(cluster_key.api_version, cluster_key.kind)
        absent_key: ObjectReference = namespaced_key if resource.namespaced else cluster_key
        if not item.identity.namespace and resource.namespaced:
            log.info(
                "garbage collector: %s is cluster-scoped, but refers to a namespaced owner of kind %s",
                item.identity,
                cluster_key.kind,
            )
            raise NamespacedOwnerOfClusterScopedObject()
        try:
            owner = await self.operations.client.get(
                resource, cluster_key.name, item.identity.namespace if resource.namespaced else ""
            )
        except NotFound:
            self.absent_owner_cache.add(absent_key)
            return True, None
        if (owner.get("metadata") or {}).get("uid") != cluster_key.uid:
            self.absent_owner_cache.add(absent_key)
            return True, None
        return False, owner

    # attemptToOrphan -------------------------------------------------------------------------------------

    async def attempt_to_orphan_worker(self, uid: str) -> Action:
        owner = self.builder.uid_to_node.get(uid)
        if owner is None:
            return Action.FORGET
        try:
            await self.orphan_dependents(owner.identity, list(owner.dependents))
            await self.operations.remove_finalizer(owner, FINALIZER_ORPHAN)
        except (ApiError, RetryLater, NamespacedOwnerOfClusterScopedObject) as err:
            log.info("garbage collector: orphaning the dependents of %s failed: %s", owner.identity, err)
            return Action.REQUEUE
        return Action.FORGET

    async def orphan_dependents(self, owner: ObjectReference, dependents: list[Node]) -> None:
        """Remove ``owner``'s reference from every dependent, concurrently (``orphanDependents``)."""

        async def orphan(dep: Node) -> str | None:
            try:
                await self.operations.delete_owner_references(dep, [owner.uid])
            except NotFound:
                return None
            except (ApiError, RetryLater) as err:
                return f"orphaning {dep.identity} failed, {err}"
            return None

        results = await asyncio.gather(*(orphan(dep) for dep in dependents))
        failures = [message for message in results if message]
        if failures:
            raise RetryLater(
                f"failed to orphan dependents of owner {owner}, got errors: {', '.join(failures)}"
            )


async def run_gc_workers(
    queue: WorkQueue[str], process: Callable[[str], Awaitable[Action]], workers: int, *, name: str
) -> None:
    """Workers that forget or requeue as ``process`` says (upstream's ``workQueueItemAction``); an
    unexpected exception is logged with its traceback and requeued."""

    async def worker() -> None:
        while True:
            try:
                uid = await queue.get()
            except QueueShutDown:
                return
            try:
                action = await process(uid)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: error processing %s", name, uid)
                action = Action.REQUEUE
            try:
                if action is Action.REQUEUE:
                    queue.add_rate_limited(uid)
                else:
                    queue.forget(uid)
            finally:
                queue.done(uid)

    async with asyncio.TaskGroup() as group:
        for index in range(workers):
            group.create_task(worker(), name=f"{name}-{index}")
