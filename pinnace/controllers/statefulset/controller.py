"""The StatefulSet controller loop (upstream's ``pkg/controller/statefulset/stateful_set.go``).

Handlers only enqueue the set a pod, or an orphan pod's labels, point to. ``sync(key)``:

1. reads the set from the cache (a set being gone needs nothing: the garbage collector removes what it
   owned);
2. adopts orphan ControllerRevisions that match its selector (after re-reading the set from the API, so a
   set deleted and re-created under the same name adopts nothing of its predecessor);
3. claims its pods: owned ones, plus orphans whose labels match and whose name is ``<set>-<ordinal>``
   (upstream's ``isMemberOf`` filter); owned pods that no longer match are released;
4. runs :class:`~pinnace.controllers.statefulset.control.StatefulSetControl`, and re-queues after
   ``minReadySeconds`` while pods have yet to become available.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.api.labels import LabelSelector, SelectorParseError, from_label_selector_object
from pinnace.client import resources
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.history import History
from pinnace.controllers.ownerrefs import (
    CONTROLLER_UID_INDEX,
    controller_ref,
    index_by_controller_uid,
    new_controller_ref,
    orphan_index_value,
)
from pinnace.controllers.podutil import is_pod_ready
from pinnace.controllers.refmanager import ControllerRefManager
from pinnace.controllers.statefulset import identity as ident
from pinnace.controllers.statefulset.control import StatefulSetControl
from pinnace.controllers.statefulset.podcontrol import StatefulPodControl
from pinnace.controllers.statefulset.status import StatusWriter

log = logging.getLogger(__name__)

Object = dict[str, Any]

COMPONENT = "statefulset-controller"


class ControllerGoneError(RuntimeError):
    """The set was deleted or replaced since it was read: it must not adopt anything."""


class StatefulSetController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.recorder = ctx.recorder(COMPONENT)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="statefulset")
        self.informer = ctx.informers.informer(resources.STATEFULSETS)
        self.pod_informer = ctx.informers.informer(resources.PODS)
        self.claim_informer = ctx.informers.informer(resources.PERSISTENTVOLUMECLAIMS)
        self.revision_informer = ctx.informers.informer(resources.CONTROLLERREVISIONS)
        self.pod_informer.indexer.add_index(CONTROLLER_UID_INDEX, index_by_controller_uid)
        self.control = StatefulSetControl(
            StatefulPodControl(
                ctx.client, self.claim_informer.indexer, self.pod_informer.indexer, self.recorder
            ),
            History(ctx.client, self.revision_informer),
            StatusWriter(ctx.client),
            ctx.clock,
        )
        self.informer.add_handler(self._enqueue, lambda old, new: self._enqueue(new), self._enqueue)
        self.pod_informer.add_handler(self._add_pod, self._update_pod, self._delete_pod)

    async def run(self, workers: int) -> None:
        for informer in (self.informer, self.pod_informer, self.claim_informer, self.revision_informer):
            await informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    # Reconcile -------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        sts = self.informer.indexer.get(key)
        if sts is None:
            log.info("StatefulSet has been deleted: %s", key)
            return
        try:
            selector = from_label_selector_object((sts.get("spec") or {}).get("selector"))
        except SelectorParseError as err:
            log.error("error converting StatefulSet %s selector: %s", key, err)
            return  # not transient: nothing to retry until the set changes
        await self._adopt_orphan_revisions(sts)
        pods = await self._claim_pods(sts, selector)
        status = await self.control.update_stateful_set(sts, pods)
        wait = ident.min_ready_seconds(sts)
        if wait > 0 and status is not None and status.get("availableReplicas") != ident.replicas(sts):
            self.queue.add_after(key, wait)

    async def _adopt_orphan_revisions(self, sts: Object) -> None:
        orphans = [r for r in self.control.list_revisions(sts) if controller_ref(r) is None]
        if not orphans:
            return
        try:
            await self._recheck(sts)
        except ControllerGoneError as err:
            raise ControllerGoneError(f"can't adopt ControllerRevisions: {err}") from err
        await self.control.adopt_orphan_revisions(sts, orphans)

    async def _claim_pods(self, sts: Object, selector: LabelSelector) -> list[Object]:
        """``getPodsForStatefulSet``: owned pods plus adoptable orphans, adopted or released as needed."""
        metadata = sts["metadata"]
        indexer = self.pod_informer.indexer
        candidates = indexer.by_index(CONTROLLER_UID_INDEX, metadata["uid"])
        candidates += indexer.by_index(
            CONTROLLER_UID_INDEX, orphan_index_value(metadata.get("namespace", ""))
        )
        manager = ControllerRefManager(
            self.client,
            resources.PODS,
            sts,
            selector,
            new_controller_ref(sts, ident.API_VERSION, ident.KIND),
            lambda: self._recheck(sts),
            match_filter=lambda pod: ident.is_member_of(sts, pod),
        )
        return await manager.claim(candidates)

    async def _recheck(self, sts: Object) -> None:
        """``RecheckDeletionTimestamp``: adoption only by the set that is really there, not being deleted."""
        metadata = sts["metadata"]
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        fresh = await self.client.get(resources.STATEFULSETS, name, namespace)
        fresh_meta = fresh.get("metadata") or {}
        if fresh_meta.get("uid") != metadata["uid"]:
            raise ControllerGoneError(
                f"original StatefulSet {namespace}/{name} is gone: got uid {fresh_meta.get('uid')}, "
                f"wanted {metadata['uid']}"
            )
        if fresh_meta.get("deletionTimestamp"):
            raise ControllerGoneError(
                f"{namespace}/{name} has just been deleted at {fresh_meta['deletionTimestamp']}"
            )

    # Event handlers (they only enqueue) ------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        if ref is None or ref.get("kind") != ident.KIND:
            return None
        sts = self.informer.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if sts is None or sts["metadata"].get("uid") != ref.get("uid"):
            return None
        return sts

    def _sets_for_orphan(self, pod: Object) -> list[Object]:
        """``GetPodStatefulSets``: sets in the pod's namespace whose selector matches its labels."""
        labels = (pod.get("metadata") or {}).get("labels") or {}
        found: list[Object] = []
        for sts in self.informer.indexer.list_namespace(pod["metadata"].get("namespace", "")):
            try:
                selector = from_label_selector_object((sts.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                found.append(sts)
        if len(found) > 1:
            names = [s["metadata"]["name"] for s in found]
            log.error(
                "user error: more than one StatefulSet is selecting pods with labels: %s. Sets: %s",
                labels,
                names,
            )
        return found

    def _add_pod(self, pod: Object) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)
            return
        ref = controller_ref(pod)
        if ref is not None:
            sts = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if sts is not None:
                self._enqueue(sts)
            return
        for sts in self._sets_for_orphan(pod):
            self._enqueue(sts)

    def _update_pod(self, old: Object, new: Object) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return  # a resync
        namespace = new["metadata"].get("namespace", "")
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if new_ref != old_ref and old_ref is not None:
            previous = self._resolve(namespace, old_ref)
            if previous is not None:
                self._enqueue(previous)
        if new_ref is not None:
            sts = self._resolve(namespace, new_ref)
            if sts is None:
                return
            self._enqueue(sts)
            wait = ident.min_ready_seconds(sts)
            if wait > 0 and not is_pod_ready(old) and is_pod_ready(new):
                # One second more against clock skew, as upstream.
                self.queue.add_after(key_of(sts), wait + 1)
            return
        labels_changed = old["metadata"].get("labels") != new["metadata"].get("labels")
        if labels_changed or new_ref != old_ref:
            for sts in self._sets_for_orphan(new):
                self._enqueue(sts)

    def _delete_pod(self, pod: Object) -> None:
        sts = self._resolve(pod["metadata"].get("namespace", ""), controller_ref(pod))
        if sts is not None:
            self._enqueue(sts)
