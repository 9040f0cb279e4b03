"""The ReplicaSet controller loop (upstream's ``pkg/controller/replicaset/replica_set.go``).

``sync(key)`` makes the number of active pods a ReplicaSet owns equal to ``spec.replicas``:

1. read the ReplicaSet from the informer cache (gone: forget its expectations);
2. gather the active pods it owns plus the orphans in its namespace, and claim them through the
   :class:`~pinnace.controllers.refmanager.ControllerRefManager` (adopt matching orphans, release owned pods
   whose labels no longer match);
3. only if its expectations are satisfied (every create/delete asked for earlier has been seen by the pod
   informer), create the missing pods in slow-start batches (at most ``burst_replicas`` per sync) or
   delete the surplus, cheapest first (:mod:`~pinnace.controllers.replicaset.ranking`);
4. write status through the status subresource, and re-queue after ``minReadySeconds`` while Ready pods
   have yet to become available.

The same code serves ReplicationControllers (:mod:`~pinnace.controllers.replicaset.kinds`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

from pinnace.api.labels import LabelSelector, SelectorParseError
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import PODS
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.consistency import WRITE_TTL_SECONDS, ConsistencyStore
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.expectations import UIDTrackingExpectations
from pinnace.controllers.ownerrefs import (
    CONTROLLER_UID_INDEX,
    controller_ref,
    index_by_controller_uid,
    new_controller_ref,
    orphan_index_value,
)
from pinnace.controllers.podcontrol import PodControl, pod_from_template, slow_start_batch
from pinnace.controllers.podutil import is_pod_active, is_pod_ready
from pinnace.controllers.refmanager import ControllerRefManager
from pinnace.controllers.replicaset.kinds import ReplicaKind, min_ready_seconds, replicas
from pinnace.controllers.replicaset.ranking import get_pods_to_delete, ready_since
from pinnace.controllers.replicaset.status import (
    calculate_status,
    status_unchanged,
    with_observed_generation,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

#: Upstream's ``BurstReplicas``: the most pods one sync creates or deletes.
BURST_REPLICAS = 500
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


class ControllerGoneError(RuntimeError):
    """The owner was deleted or replaced since it was read: it must not adopt anything."""


class ReplicaSetController:
    def __init__(
        self, ctx: ControllerContext, kind: ReplicaKind, *, burst_replicas: int = BURST_REPLICAS
    ) -> None:
        self.kind = kind
        self.client = ctx.client
        self.clock = ctx.clock
        self.burst_replicas = burst_replicas
        self.recorder = ctx.recorder(kind.component)
        self.pod_control = PodControl(ctx.client, self.recorder)
        self.expectations = UIDTrackingExpectations(ctx.clock)
        self.consistency = ConsistencyStore(ctx.clock)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name=kind.resource.plural)
        self.informer = ctx.informers.informer(kind.resource)
        self.pod_informer = ctx.informers.informer(PODS)
        self.informer.indexer.add_index(CONTROLLER_UID_INDEX, index_by_controller_uid)
        self.pod_informer.indexer.add_index(CONTROLLER_UID_INDEX, index_by_controller_uid)
        self.informer.add_handler(self._add_controller, self._update_controller, self._delete_controller)
        self.pod_informer.add_handler(self._add_pod, self._update_pod, self._delete_pod)

    async def run(self, workers: int) -> None:
        await self.informer.wait_synced()
        await self.pod_informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=self.kind.component)

    # Reconcile -------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        cached = self.informer.indexer.get(key)
        if cached is None:
            self.expectations.delete(key)
            return
        if self.consistency.pending(key):
            # The cache does not show our last status write yet; its watch event re-queues the key.
            self.queue.add_after(key, WRITE_TTL_SECONDS)
            return
        needs_sync = self.expectations.satisfied(key)
        try:
            selector = self.kind.selector(cached)
        except SelectorParseError as err:
            log.error("%s %s has an invalid selector: %s", self.kind.resource.kind, key, err)
            return  # nothing to do until the object changes
        pods = await self._claim_pods(cached, selector)
        manage_error: Exception | None = None
        if needs_sync and not cached["metadata"].get("deletionTimestamp"):
            try:
                await self._manage_replicas(key, cached, pods)
            except ApiError as err:
                manage_error = err
        owner = copy.deepcopy(cached)
        new_status = calculate_status(owner, pods, manage_error, self.clock.now())
        updated = await self._update_status(owner, new_status)
        wait = min_ready_seconds(updated)
        status = updated.get("status") or {}
        if (
            manage_error is None
            and wait > 0
            and int(status.get("readyReplicas") or 0) == replicas(updated)
            and int(status.get("availableReplicas") or 0) != replicas(updated)
        ):
            self.queue.add_after(key, self._until_next_available(pods, wait))
        if manage_error is not None:
            raise manage_error

    def _until_next_available(self, pods: list[Object], wait: int) -> float:
        """Seconds until the first Ready pod passes ``minReadySeconds``. Upstream re-queues after the whole
        ``minReadySeconds``; counting from the Ready transition is never later, and stays right when the
        re-queue was scheduled by an earlier sync."""
        now = self.clock.now()
        remaining = [
            wait - (now - since).total_seconds()
            for pod in pods
            if is_pod_ready(pod) and (since := ready_since(pod)) is not None
        ]
        pending = [seconds for seconds in remaining if seconds > 0]
        return min(pending) if pending else float(wait)

    async def _claim_pods(self, owner: Object, selector: LabelSelector) -> list[Object]:
        metadata = owner["metadata"]
        candidates = self.pod_informer.indexer.by_index(CONTROLLER_UID_INDEX, metadata["uid"])
        candidates += self.pod_informer.indexer.by_index(
            CONTROLLER_UID_INDEX, orphan_index_value(metadata.get("namespace", ""))
        )
        active = [pod for pod in candidates if is_pod_active(pod)]
        ref = new_controller_ref(owner, self.kind.resource.api_version, self.kind.resource.kind)
        manager = ControllerRefManager(
            self.client, PODS, owner, selector, ref, lambda: self._recheck_owner(owner)
        )
        return await manager.claim(active)

    async def _recheck_owner(self, owner: Object) -> None:
        """Upstream's ``RecheckDeletionTimestamp``: before adopting, read the owner from the API server."""
        metadata = owner["metadata"]
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        fresh = await self.client.get(self.kind.resource, name, namespace)
        fresh_meta = fresh.get("metadata") or {}
        if fresh_meta.get("uid") != metadata["uid"]:
            raise ControllerGoneError(
                f"original {self.kind.resource.kind} {namespace}/{name} is gone: got uid "
                f"{fresh_meta.get('uid')}, wanted {metadata['uid']}"
            )
        if fresh_meta.get("deletionTimestamp"):
            raise ControllerGoneError(
                f"{namespace}/{name} has just been deleted at {fresh_meta['deletionTimestamp']}"
            )

    async def _manage_replicas(self, key: ObjectKey, owner: Object, pods: list[Object]) -> None:
        diff = len(pods) - replicas(owner)
        if diff < 0:
            await self._create_pods(key, owner, min(-diff, self.burst_replicas))
        elif diff > 0:
            await self._delete_pods(key, owner, pods, min(diff, self.burst_replicas))

    async def _create_pods(self, key: ObjectKey, owner: Object, count: int) -> None:
        self.expectations.expect(key, adds=count)
        log.info("%s %s: too few replicas, creating %d", self.kind.resource.kind, key, count)
        ref = new_controller_ref(owner, self.kind.resource.api_version, self.kind.resource.kind)
        template = self.kind.template(owner)

        async def create_one() -> None:
            pod = pod_from_template(template, owner, ref)
            try:
                await self.pod_control.create_pod(pod, owner)
            except ApiError as err:
                if _has_cause(err, NAMESPACE_TERMINATING_CAUSE):
                    return  # every later create fails as well; the namespace's deletion wins
                raise

        successes, error = await slow_start_batch(count, create_one)
        skipped = count - successes
        if skipped > 0:
            # Creations that failed or never started will never be observed.
            self.expectations.lower(key, adds=skipped)
        if error is not None:
            raise error

    async def _delete_pods(self, key: ObjectKey, owner: Object, pods: list[Object], count: int) -> None:
        related = self._indirectly_related_pods(owner)
        doomed = get_pods_to_delete(pods, related, count, self.clock.now())
        pod_keys = [key_of(pod) for pod in doomed]
        self.expectations.expect_deletions(key, list(pod_keys))
        log.info("%s %s: too many replicas, deleting %d", self.kind.resource.kind, key, count)
        namespace = owner["metadata"].get("namespace", "")
        results = await asyncio.gather(
            *(self.pod_control.delete_pod(namespace, pod_key.name, owner) for pod_key in pod_keys),
            return_exceptions=True,
        )
        first_error: BaseException | None = None
        for pod_key, result in zip(pod_keys, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            if result is not True:
                # Failed, or already gone: no deletion event is coming for it.
                self.expectations.deletion_observed(key, pod_key)
            if isinstance(result, Exception) and first_error is None:
                first_error = result
        if first_error is not None:
            raise first_error

    def _indirectly_related_pods(self, owner: Object) -> list[Object]:
        """Active or not, every pod of every ReplicaSet sharing ``owner``'s controller (a Deployment's old and
        new ReplicaSets), for the co-location rank; none if ``owner`` has no controller."""
        ref = controller_ref(owner)
        if ref is None or not ref.get("uid"):
            return []
        seen: set[str] = set()
        related: list[Object] = []
        for sibling in self.informer.indexer.by_index(CONTROLLER_UID_INDEX, str(ref["uid"])):
            try:
                selector = self.kind.selector(sibling)
            except SelectorParseError:
                continue
            namespace = sibling["metadata"].get("namespace", "")
            for pod in self.pod_informer.indexer.list_namespace(namespace):
                uid = str(pod["metadata"].get("uid") or "")
                if uid not in seen and selector.matches(pod["metadata"].get("labels") or {}):
                    seen.add(uid)
                    related.append(pod)
        return related

    async def _update_status(self, owner: Object, new_status: Object) -> Object:
        """Write ``new_status`` unless nothing changed; on failure re-read once and retry (upstream's
        ``updateReplicaSetStatus`` with ``statusUpdateRetries`` = 1)."""
        if status_unchanged(owner, new_status):
            return owner
        status = with_observed_generation(owner, new_status)
        body = {**owner, "status": status}
        try:
            stored = await self.client.update(self.kind.resource, body, subresource="status")
        except NotFound:
            raise
        except ApiError:
            metadata = owner["metadata"]
            namespace = metadata.get("namespace", "")
            fresh = await self.client.get(self.kind.resource, metadata["name"], namespace)
            stored = await self.client.update(
                self.kind.resource, {**fresh, "status": status}, subresource="status"
            )
        version = str(stored["metadata"].get("resourceVersion") or "")
        cached = self.informer.indexer.get(key_of(stored))
        cached_version = None if cached is None else cached["metadata"].get("resourceVersion")
        self.consistency.wrote(key_of(stored), version, cached_version)
        return stored

    # Event handlers (they only enqueue) ------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _add_controller(self, obj: Object) -> None:
        self._observed(obj)
        self._enqueue(obj)

    def _update_controller(self, old: Object, new: Object) -> None:
        if old["metadata"].get("uid") != new["metadata"].get("uid"):
            self._delete_controller(old)  # deleted and recreated under the same name between two events
        self._observed(new)
        self._enqueue(new)

    def _delete_controller(self, obj: Object) -> None:
        self.expectations.delete(key_of(obj))
        self.consistency.forget(key_of(obj))
        self._enqueue(obj)

    def _observed(self, obj: Object) -> None:
        self.consistency.observed(key_of(obj), str(obj["metadata"].get("resourceVersion") or ""))

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        """The cached controller a pod's controller reference names, if it is ours."""
        if ref is None or ref.get("kind") != self.kind.resource.kind:
            return None
        owner = self.informer.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return owner

    def _matching_controllers(self, pod: Object) -> list[Object]:
        """Controllers in the pod's namespace whose selector matches an orphan pod (may adopt it)."""
        labels = pod["metadata"].get("labels") or {}
        if not labels:
            return []
        matching: list[Object] = []
        for owner in self.informer.indexer.list_namespace(pod["metadata"].get("namespace", "")):
            try:
                selector = self.kind.selector(owner)
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                matching.append(owner)
        return matching

    def _add_pod(self, pod: Object) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)  # seen for the first time while already being deleted
            return
        ref = controller_ref(pod)
        if ref is not None:
            owner = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if owner is not None:
                self.expectations.creation_observed(key_of(owner))
                self._enqueue(owner)
            return
        for owner in self._matching_controllers(pod):
            self._enqueue(owner)

    def _update_pod(self, old: Object, new: Object) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return  # a resync: nothing changed
        labels_changed = old["metadata"].get("labels") != new["metadata"].get("labels")
        if new["metadata"].get("deletionTimestamp"):
            # A graceful deletion started: count it as the deletion, so a replacement starts now.
            self._delete_pod(new)
            if labels_changed:
                self._delete_pod(old)
            return
        namespace = new["metadata"].get("namespace", "")
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if new_ref != old_ref and old_ref is not None:
            previous = self._resolve(namespace, old_ref)
            if previous is not None:
                self._enqueue(previous)
        if new_ref is not None:
            owner = self._resolve(namespace, new_ref)
            if owner is None:
                return
            self._enqueue(owner)
            wait = min_ready_seconds(owner)
            if wait > 0 and not is_pod_ready(old) and is_pod_ready(new):
                self.queue.add_after(key_of(owner), wait)  # check availability once minReadySeconds pass
            return
        if labels_changed or new_ref != old_ref:
            for owner in self._matching_controllers(new):
                self._enqueue(owner)

    def _delete_pod(self, pod: Object) -> None:
        owner = self._resolve(pod["metadata"].get("namespace", ""), controller_ref(pod))
        if owner is None:
            return
        owner_key = key_of(owner)
        self.expectations.deletion_observed(owner_key, key_of(pod))
        self._enqueue(owner)


def _has_cause(error: ApiError, cause_type: str) -> bool:
    causes = ((error.status or {}).get("details") or {}).get("causes") or []
    return any(cause.get("type") == cause_type for cause in causes if isinstance(cause, dict))
