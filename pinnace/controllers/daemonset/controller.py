"""The DaemonSet controller loop (upstream's ``pkg/controller/daemon/daemon_controller.go``).

Handlers only enqueue: a set when it, one of its pods or revisions, or a node whose labels or taints
change whether the set belongs on it, changes. ``sync(key)``:

1. reads the set and every node from the caches; a set selecting everything gets a ``SelectingAll``
   warning and nothing else, a set being deleted nothing at all;
2. constructs its history (:mod:`.revisions`): the current template's revision and its hash;
3. while creations or deletions asked for earlier have not shown in the pod cache (expectations), only
   updates status; otherwise **manages** pods — one per node that should run one (created with the node
   affinity term for that node; the scheduler binds it), none where it should not, failed pods deleted
   with back-off — then carries out the **rolling update** plan (:mod:`.update`) and trims history;
4. writes status: desired/current/updated numbers scheduled, ready, available, unavailable,
   misscheduled, and ``observedGeneration`` when it acted on that generation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.client import resources
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.daemonset import status as ds_status
from pinnace.controllers.daemonset.backoff import FailedPodsBackoff
from pinnace.controllers.daemonset.nodes import pods_should_be_on_node, unscheduled_pods_without_node
from pinnace.controllers.daemonset.placement import node_should_run_daemon_pod
from pinnace.controllers.daemonset.revisions import API_VERSION, KIND, DaemonSetHistory
from pinnace.controllers.daemonset.update import plan_rolling_update
from pinnace.controllers.daemonset.util import (
    UNIQUE_LABEL_KEY,
    create_pod_template,
    replace_node_name_node_affinity,
    target_node_name,
    template_generation,
)
from pinnace.controllers.expectations import Expectations
from pinnace.controllers.ownerrefs import controller_ref, new_controller_ref
from pinnace.controllers.podcontrol import PodControl, pod_from_template, slow_start_batch
from pinnace.controllers.podutil import is_pod_ready
from pinnace.controllers.refmanager import ControllerRefManager

log = logging.getLogger(__name__)

Object = dict[str, Any]

COMPONENT = "daemonset-controller"
#: Upstream's ``BurstReplicas``: the most pods one sync creates or deletes.
BURST_REPLICAS = 250
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"
SELECTING_ALL_REASON = "SelectingAll"


class ControllerGoneError(RuntimeError):
    """The set was deleted or replaced since it was read: it must not adopt anything."""


class DaemonSetsController:
    def __init__(self, ctx: ControllerContext, *, burst_replicas: int = BURST_REPLICAS) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.burst_replicas = burst_replicas
        self.recorder = ctx.recorder(COMPONENT)
        self.pod_control = PodControl(ctx.client, self.recorder)
        self.expectations = Expectations(ctx.clock)
        self.failed_pods_backoff = FailedPodsBackoff(ctx.clock)
        self.history = DaemonSetHistory(ctx.client)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="daemonset")
        self.informer = ctx.informers.informer(resources.DAEMONSETS)
        self.revision_informer = ctx.informers.informer(resources.CONTROLLERREVISIONS)
        self.pod_informer = ctx.informers.informer(resources.PODS)
        self.node_informer = ctx.informers.informer(resources.NODES)
        self.informer.add_handler(self._add_set, self._update_set, self._delete_set)
        self.revision_informer.add_handler(self._add_revision, self._update_revision, self._delete_revision)
        self.pod_informer.add_handler(self._add_pod, self._update_pod, self._delete_pod)
        self.node_informer.add_handler(self._add_node, self._update_node)

    async def run(self, workers: int) -> None:
        for informer in (self.pod_informer, self.node_informer, self.revision_informer, self.informer):
            await informer.wait_synced()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._gc_backoff())
            await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    async def _gc_backoff(self) -> None:
        while True:
            await self.clock.sleep(60)
            self.failed_pods_backoff.gc()

    # Reconcile -------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        ds = self.informer.indexer.get(key)
        if ds is None:
            self.expectations.delete(key)
            return
        nodes = self.node_informer.indexer.list()
        selector = (ds.get("spec") or {}).get("selector")
        if selector == {}:
            self.recorder.event(
                ds,
                "Warning",
                SELECTING_ALL_REASON,
                "This daemon set is selecting all pods. A non-empty selector is required.",
            )
            return
        try:
            from_label_selector_object(selector)
        except SelectorParseError as err:
            log.error("DaemonSet %s has an invalid selector: %s", key, err)
            return  # not transient: nothing to retry until the set changes
        if (ds.get("metadata") or {}).get("deletionTimestamp"):
            # Its pods and revisions may be going or orphaned already: no status can be trusted.
            return
        current, old = await self.history.construct_history(ds, self._claim_revisions, self._claim_pods)
        hash_ = str(((current.get("metadata") or {}).get("labels") or {}).get(UNIQUE_LABEL_KEY) or "")
        if not self.expectations.satisfied(key):
            # Status only; the generation was not acted on, so observedGeneration stays.
            await self._update_status(ds, nodes, hash_, update_observed_generation=False)
            return
        error: Exception | None = None
        try:
            await self._update_daemon_set(ds, nodes, hash_, key, old)
        except (ApiError, ControllerGoneError) as err:
            error = err
        try:
            await self._update_status(ds, nodes, hash_, update_observed_generation=True)
        except ApiError as err:
            if error is None:
                raise
            log.error("DaemonSet %s: failed to update status: %s", key, err)
        if error is not None:
            raise error

    async def _update_daemon_set(
        self, ds: Object, nodes: list[Object], hash_: str, key: ObjectKey, old: list[Object]
    ) -> None:
        """``updateDaemonSet``: manage, then roll (once manage's writes are seen), then trim history."""
        await self._manage(ds, nodes, hash_)
        if self.expectations.satisfied(key):
            strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type", "RollingUpdate")
            if strategy == "RollingUpdate":
                node_to_pods = await self._nodes_to_daemon_pods(ds, include_deleted_terminal=False)
                plan = plan_rolling_update(ds, nodes, node_to_pods, hash_, self.clock.now())
                await self._sync_nodes(ds, plan.pods_to_delete, plan.nodes_needing_pods, hash_)
        live = await self._nodes_to_daemon_pods(ds, include_deleted_terminal=True)
        await self.history.cleanup_history(ds, old, [pod for pods in live.values() for pod in pods])

    async def _manage(self, ds: Object, nodes: list[Object], hash_: str) -> None:
        """``manage``: a pod for every node that should run one, none on the others."""
        node_to_pods = await self._nodes_to_daemon_pods(ds, include_deleted_terminal=False)
        needing: list[str] = []
        to_delete: list[str] = []
        for node in nodes:
            result = pods_should_be_on_node(
                ds, node, node_to_pods, hash_, self.failed_pods_backoff, self.clock.now()
            )
            needing += result.nodes_needing_pods
            to_delete += result.pods_to_delete
            for reason, event_type, message in result.events:
                self.recorder.event(ds, event_type, reason, message)
            if result.retry_after is not None:
                self.queue.add_after(key_of(ds), result.retry_after)
        to_delete += unscheduled_pods_without_node(nodes, node_to_pods)
        await self._sync_nodes(ds, to_delete, needing, hash_)

    async def _sync_nodes(self, ds: Object, to_delete: list[str], needing: list[str], hash_: str) -> None:
        """``syncNodes``: create pods for ``needing`` nodes (slow start) and delete ``to_delete``, at most
        ``burst_replicas`` of each, with expectations set first."""
        key = key_of(ds)
        create_count = min(len(needing), self.burst_replicas)
        delete_count = min(len(to_delete), self.burst_replicas)
        self.expectations.expect(key, adds=create_count, deletes=delete_count)
        template = create_pod_template(
            (ds.get("spec") or {}).get("template") or {}, template_generation(ds), hash_
        )
        ref = new_controller_ref(ds, API_VERSION, KIND)
        nodes = iter(needing[:create_count])
        errors: list[BaseException] = []

        async def create_one() -> None:
            pod = pod_from_template(template, ds, ref)
            spec = pod["spec"]
            spec["affinity"] = replace_node_name_node_affinity(spec.get("affinity"), next(nodes))
            try:
                await self.pod_control.create_pod(pod, ds)
            except ApiError as err:
                if _has_cause(err, NAMESPACE_TERMINATING_CAUSE):
                    return  # every later create fails too; the namespace's deletion wins
                raise

        if create_count:
            successes, error = await slow_start_batch(create_count, create_one)
            if successes < create_count:
                self.expectations.lower(key, adds=create_count - successes)
            if error is not None:
                errors.append(error)
        namespace = ds["metadata"].get("namespace", "")
        results = await asyncio.gather(
            *(self.pod_control.delete_pod(namespace, name, ds) for name in to_delete[:delete_count]),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            if result is not True:
                self.expectations.deletion_observed(key)  # failed or already gone: no event will come
            if isinstance(result, Exception) and not isinstance(result, NotFound):
                errors.append(result)
        if errors:
            raise errors[0]

    async def _update_status(
        self, ds: Object, nodes: list[Object], hash_: str, *, update_observed_generation: bool
    ) -> None:
        node_to_pods = await self._nodes_to_daemon_pods(ds, include_deleted_terminal=False)
        counts = ds_status.count(ds, nodes, node_to_pods, hash_, self.clock.now())
        await ds_status.store(self.client, ds, counts, update_observed_generation)
        wait = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        if wait > 0 and counts.number_ready != counts.number_available:
            self.queue.add_after(key_of(ds), wait)  # availability comes with time alone

    # Claims ----------------------------------------------------------------------------------------------

    async def _recheck(self, ds: Object) -> None:
        """``RecheckDeletionTimestamp``: adoption only by the set that is really there, not being deleted."""
        metadata = ds["metadata"]
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        fresh = await self.client.get(resources.DAEMONSETS, name, namespace)
        fresh_meta = fresh.get("metadata") or {}
        if fresh_meta.get("uid") != metadata["uid"]:
            raise ControllerGoneError(
                f"original DaemonSet {namespace}/{name} is gone: got uid {fresh_meta.get('uid')}, "
                f"wanted {metadata['uid']}"
            )
        if fresh_meta.get("deletionTimestamp"):
            raise ControllerGoneError(
                f"{namespace}/{name} has just been deleted at {fresh_meta['deletionTimestamp']}"
            )

    async def _claim(
        self, ds: Object, resource: resources.Resource, candidates: list[Object]
    ) -> list[Object]:
        selector = from_label_selector_object((ds.get("spec") or {}).get("selector"))
        ref = new_controller_ref(ds, API_VERSION, KIND)
        manager = ControllerRefManager(self.client, resource, ds, selector, ref, lambda: self._recheck(ds))
        return await manager.claim(candidates)

    async def _claim_pods(self, ds: Object) -> list[Object]:
        """``getDaemonPods``: every pod of the namespace is a candidate (owned pods that stopped matching
        are released)."""
        namespace = ds["metadata"].get("namespace", "")
        return await self._claim(ds, resources.PODS, self.pod_informer.indexer.list_namespace(namespace))

    async def _claim_revisions(self, ds: Object) -> list[Object]:
        """``controlledHistories``."""
        namespace = ds["metadata"].get("namespace", "")
        candidates = self.revision_informer.indexer.list_namespace(namespace)
        return await self._claim(ds, resources.CONTROLLERREVISIONS, candidates)

    async def _nodes_to_daemon_pods(
        self, ds: Object, *, include_deleted_terminal: bool
    ) -> dict[str, list[Object]]:
        """``getNodesToDaemonPods``: claimed pods by the node they run on or are meant for."""
        by_node: dict[str, list[Object]] = {}
        for pod in await self._claim_pods(ds):
            phase = (pod.get("status") or {}).get("phase")
            deleting = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
            if not include_deleted_terminal and phase in ("Succeeded", "Failed") and deleting:
                continue  # the kubelet or pod GC removes it; nothing left to do with it
            node_name = target_node_name(pod)
            if node_name is None:
                continue
            by_node.setdefault(node_name, []).append(pod)
        return by_node

    # Event handlers (they only enqueue) ------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _add_set(self, ds: Object) -> None:
        self._enqueue(ds)

    def _update_set(self, old: Object, new: Object) -> None:
        if old["metadata"].get("uid") != new["metadata"].get("uid"):
            self._delete_set(old)  # deleted and re-created between two events
        self._enqueue(new)

    def _delete_set(self, ds: Object) -> None:
        self.expectations.delete(key_of(ds))
        self._enqueue(ds)

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        if ref is None or ref.get("kind") != KIND:
            return None
        ds = self.informer.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if ds is None or ds["metadata"].get("uid") != ref.get("uid"):
            return None
        return ds

    def _selecting(self, obj: Object) -> Iterable[Object]:
        """Sets in the object's namespace whose (non-empty) selector matches its labels."""
        labels = (obj.get("metadata") or {}).get("labels") or {}
        for ds in self.informer.indexer.list_namespace(obj["metadata"].get("namespace", "")):
            try:
                selector = from_label_selector_object((ds.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                yield ds

    def _add_revision(self, revision: Object) -> None:
        if revision["metadata"].get("deletionTimestamp"):
            self._delete_revision(revision)
            return
        if controller_ref(revision) is not None:
            return  # an owned revision changes nothing until its owner syncs
        for ds in self._selecting(revision):
            self._enqueue(ds)

    def _update_revision(self, old: Object, new: Object) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        namespace = new["metadata"].get("namespace", "")
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if new_ref != old_ref and old_ref is not None:
            if (previous := self._resolve(namespace, old_ref)) is not None:
                self._enqueue(previous)
        if new_ref is not None:
            if (ds := self._resolve(namespace, new_ref)) is not None:
                self._enqueue(ds)
            return
        if old["metadata"].get("labels") != new["metadata"].get("labels") or new_ref != old_ref:
            for ds in self._selecting(new):
                self._enqueue(ds)

    def _delete_revision(self, revision: Object) -> None:
        ds = self._resolve(revision["metadata"].get("namespace", ""), controller_ref(revision))
        if ds is not None:
            self._enqueue(ds)

    def _add_pod(self, pod: Object) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)
            return
        ref = controller_ref(pod)
        if ref is not None:
            ds = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if ds is not None:
                self.expectations.creation_observed(key_of(ds))
                self._enqueue(ds)
            return
        for ds in self._selecting(pod):
            self._enqueue(ds)

    def _update_pod(self, old: Object, new: Object) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        if new["metadata"].get("deletionTimestamp"):
            # Graceful deletion started: count it now, so a replacement starts without waiting.
            self._delete_pod(new)
            return
        namespace = new["metadata"].get("namespace", "")
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if new_ref != old_ref and old_ref is not None:
            if (previous := self._resolve(namespace, old_ref)) is not None:
                self._enqueue(previous)
        if new_ref is not None:
            ds = self._resolve(namespace, new_ref)
            if ds is None:
                return
            self._enqueue(ds)
            wait = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
            if wait > 0 and not is_pod_ready(old) and is_pod_ready(new):
                self.queue.add_after(key_of(ds), wait + 1)  # a second more against clock skew, as upstream
            return
        if old["metadata"].get("labels") != new["metadata"].get("labels") or new_ref != old_ref:
            for ds in self._selecting(new):
                self._enqueue(ds)

    def _delete_pod(self, pod: Object) -> None:
        ds = self._resolve(pod["metadata"].get("namespace", ""), controller_ref(pod))
        if ds is not None:
            self.expectations.deletion_observed(key_of(ds))
            self._enqueue(ds)

    def _add_node(self, node: Object) -> None:
        for ds in self.informer.indexer.list():
            if node_should_run_daemon_pod(node, ds).should_run:
                self._enqueue(ds)

    def _update_node(self, old: Object, new: Object) -> None:
        """Only labels and taints decide placement (``shouldIgnoreNodeUpdate``)."""
        if old["metadata"].get("labels") == new["metadata"].get("labels") and (
            (old.get("spec") or {}).get("taints") == (new.get("spec") or {}).get("taints")
        ):
            return
        for ds in self.informer.indexer.list():
            if node_should_run_daemon_pod(old, ds) != node_should_run_daemon_pod(new, ds):
                self._enqueue(ds)


def _has_cause(error: ApiError, cause_type: str) -> bool:
    causes = ((error.status or {}).get("details") or {}).get("causes") or []
    return any(cause.get("type") == cause_type for cause in causes if isinstance(cause, dict))
