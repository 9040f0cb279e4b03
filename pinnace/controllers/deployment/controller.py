"""The Deployment controller loop (upstream's ``pkg/controller/deployment/deployment_controller.go``).

Informer handlers map Deployment, ReplicaSet and pod changes to Deployment keys. ``sync(key)``:

1. reads the Deployment from the cache and deep-copies it; an empty selector selects every pod, which is
   refused with a ``SelectingAll`` warning;
2. claims its ReplicaSets (adopting matching orphans, releasing owned ones that stopped matching);
3. a Deployment being deleted only gets its status synced; a paused one is scaled but not rolled out
   (``Progressing`` becomes ``DeploymentPaused``); a change of ``spec.replicas`` is a scaling event,
   spread proportionally over the active ReplicaSets;
4. otherwise the strategy takes one step: :mod:`.rolling` or :mod:`.recreate`.

``kubectl rollout undo`` needs nothing here: it patches the template back to an old ReplicaSet's, which then
is the new ReplicaSet again and gets the next revision.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from pinnace.api.labels import LabelSelector, SelectorParseError, from_label_selector_object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import DEPLOYMENTS, PODS, REPLICASETS
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.consistency import WRITE_TTL_SECONDS, ConsistencyStore
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.deployment import util
from pinnace.controllers.deployment.recreate import rollout_recreate
from pinnace.controllers.deployment.rolling import rollout_rolling
from pinnace.controllers.deployment.sync import Deployer
from pinnace.controllers.ownerrefs import (
    CONTROLLER_UID_INDEX,
    controller_ref,
    index_by_controller_uid,
    new_controller_ref,
)
from pinnace.controllers.refmanager import ControllerRefManager

log = logging.getLogger(__name__)

Object = dict[str, Any]

COMPONENT = "deployment-controller"


class DeploymentGoneError(RuntimeError):
    """The Deployment was deleted or replaced since it was read: it must not adopt anything."""


class DeploymentController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="deployment")
        self.informer = ctx.informers.informer(DEPLOYMENTS)
        self.rs_informer = ctx.informers.informer(REPLICASETS)
        self.pod_informer = ctx.informers.informer(PODS)
        self.rs_informer.indexer.add_index(CONTROLLER_UID_INDEX, index_by_controller_uid)
        self.pod_informer.indexer.add_index(CONTROLLER_UID_INDEX, index_by_controller_uid)
        self.consistency = ConsistencyStore(ctx.clock)
        self.dc = Deployer(
            ctx.client,
            ctx.recorder(COMPONENT),
            ctx.clock,
            self.informer.indexer,
            self.rs_informer.indexer,
            self.queue,
            self.consistency,
        )
        self.informer.add_handler(self._add_deployment, self._update_deployment, self._delete_deployment)
        self.rs_informer.add_handler(
            self._add_replica_set, self._update_replica_set, self._delete_replica_set
        )
        self.pod_informer.add_handler(on_delete=self._delete_pod)

    async def run(self, workers: int) -> None:
        for informer in (self.informer, self.rs_informer, self.pod_informer):
            await informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    # Reconcile -------------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        cached = self.informer.indexer.get(key)
        if cached is None:
            log.debug("deployment %s has been deleted", key)
            return
        d = copy.deepcopy(cached)
        selector_spec = d["spec"].get("selector")
        if selector_spec == {}:
            self.dc.event(
                d,
                "Warning",
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            status = d.setdefault("status", {})
            generation = int(d["metadata"].get("generation") or 0)
            if int(status.get("observedGeneration") or 0) < generation:
                status["observedGeneration"] = generation
                await self.dc.update_status(d)
            return
        try:
            selector = from_label_selector_object(selector_spec)
        except SelectorParseError as err:
            log.error("deployment %s has an invalid label selector: %s", key, err)
            return
        rs_list = await self._claim_replica_sets(d, selector)
        if self._own_writes_pending(key, rs_list):
            # The cache does not show this controller's last writes yet: their events re-queue the key.
            self.queue.add_after(key, WRITE_TTL_SECONDS)
            return
        pod_map = self._pod_map(d, selector, rs_list)
        if d["metadata"].get("deletionTimestamp"):
            await self.dc.sync_status_only(d, rs_list)
            return
        await self.dc.check_paused_conditions(d)
        if d["spec"].get("paused"):
            await self.dc.sync(d, rs_list)
            return
        if await self.dc.is_scaling_event(d, rs_list):
            await self.dc.sync(d, rs_list)
            return
        kind = util.strategy_type(d)
        if kind == util.RECREATE:
            await rollout_recreate(self.dc, d, rs_list, pod_map)
        elif kind == util.ROLLING_UPDATE:
            await rollout_rolling(self.dc, d, rs_list)
        else:
            raise ValueError(f"unexpected deployment strategy type: {kind}")

    def _own_writes_pending(self, key: ObjectKey, rs_list: list[Object]) -> bool:
        if self.consistency.pending((DEPLOYMENTS.plural, key)):
            return True
        return any(self.consistency.pending((REPLICASETS.plural, key_of(rs))) for rs in rs_list)

    async def _claim_replica_sets(self, d: Object, selector: LabelSelector) -> list[Object]:
        """Every ReplicaSet in the namespace is a candidate: owned ones that stopped matching are released."""
        candidates = self.rs_informer.indexer.list_namespace(d["metadata"].get("namespace", ""))
        ref = new_controller_ref(d, DEPLOYMENTS.api_version, DEPLOYMENTS.kind)
        manager = ControllerRefManager(self.client, REPLICASETS, d, selector, ref, lambda: self._recheck(d))
        claimed = await manager.claim(candidates)
        # Adoption patched the API objects, not these cached copies: show the ownership the rest relies on.
        owned: list[Object] = []
        for rs in claimed:
            if controller_ref(rs) is None:
                rs = copy.deepcopy(rs)
                rs["metadata"]["ownerReferences"] = [*(rs["metadata"].get("ownerReferences") or []), ref]
            owned.append(rs)
        return owned

    async def _recheck(self, d: Object) -> None:
        """Upstream's ``RecheckDeletionTimestamp`` with a fresh read of the Deployment before adopting."""
        metadata = d["metadata"]
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        fresh = (await self.client.get(DEPLOYMENTS, name, namespace)).get("metadata") or {}
        if fresh.get("uid") != metadata["uid"]:
            raise DeploymentGoneError(
                f"original Deployment {namespace}/{name} is gone: got uid {fresh.get('uid')}, "
                f"wanted {metadata['uid']}"
            )
        if fresh.get("deletionTimestamp"):
            raise DeploymentGoneError(
                f"{namespace}/{name} has just been deleted at {fresh['deletionTimestamp']}"
            )

    def _pod_map(self, d: Object, selector: LabelSelector, rs_list: list[Object]) -> dict[str, list[Object]]:
        """The Deployment's pods by the uid of their ReplicaSet (``getPodMapForDeployment``)."""
        pod_map: dict[str, list[Object]] = {rs["metadata"]["uid"]: [] for rs in rs_list}
        for uid, pods in pod_map.items():
            for pod in self.pod_informer.indexer.by_index(CONTROLLER_UID_INDEX, uid):
                if selector.matches(pod["metadata"].get("labels") or {}):
                    pods.append(pod)
        return pod_map

    # Event handlers (they only enqueue) ------------------------------------------------------------------

    def _enqueue(self, d: Object) -> None:
        self.queue.add(key_of(d))

    def _observed(self, resource: str, obj: Object) -> None:
        self.consistency.observed((resource, key_of(obj)), str(obj["metadata"].get("resourceVersion") or ""))

    def _add_deployment(self, d: Object) -> None:
        self._observed(DEPLOYMENTS.plural, d)
        self._enqueue(d)

    def _update_deployment(self, old: Object, new: Object) -> None:
        self._observed(DEPLOYMENTS.plural, new)
        self._enqueue(new)

    def _delete_deployment(self, d: Object) -> None:
        self.consistency.forget((DEPLOYMENTS.plural, key_of(d)))
        self._enqueue(d)

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        if ref is None or ref.get("kind") != DEPLOYMENTS.kind:
            return None
        d = self.informer.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if d is None or d["metadata"].get("uid") != ref.get("uid"):
            return None
        return d

    def _deployments_for_orphan(self, rs: Object) -> list[Object]:
        """Deployments whose selector matches an orphaned ReplicaSet (they may adopt it)."""
        labels = rs["metadata"].get("labels") or {}
        if not labels:
            return []
        found: list[Object] = []
        for d in self.informer.indexer.list_namespace(rs["metadata"].get("namespace", "")):
            try:
                selector = from_label_selector_object((d.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if not selector.is_empty and selector.matches(labels):
                found.append(d)
        if len(found) > 1:
            log.info(
                "ReplicaSet %s matches more than one Deployment: %s", key_of(rs), [key_of(d) for d in found]
            )
        return found

    def _add_replica_set(self, rs: Object) -> None:
        self._observed(REPLICASETS.plural, rs)
        if rs["metadata"].get("deletionTimestamp"):
            self._delete_replica_set(rs)
            return
        ref = controller_ref(rs)
        if ref is not None:
            d = self._resolve(rs["metadata"].get("namespace", ""), ref)
            if d is not None:
                self._enqueue(d)
            return
        for d in self._deployments_for_orphan(rs):
            self._enqueue(d)

    def _update_replica_set(self, old: Object, new: Object) -> None:
        self._observed(REPLICASETS.plural, new)
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        namespace = new["metadata"].get("namespace", "")
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if new_ref != old_ref and old_ref is not None:
            previous = self._resolve(namespace, old_ref)
            if previous is not None:
                self._enqueue(previous)
        if new_ref is not None:
            d = self._resolve(namespace, new_ref)
            if d is not None:
                self._enqueue(d)
            return
        if new_ref != old_ref or old["metadata"].get("labels") != new["metadata"].get("labels"):
            for d in self._deployments_for_orphan(new):
                self._enqueue(d)

    def _delete_replica_set(self, rs: Object) -> None:
        self.consistency.forget((REPLICASETS.plural, key_of(rs)))
        d = self._resolve(rs["metadata"].get("namespace", ""), controller_ref(rs))
        if d is not None:
            self._enqueue(d)

    def _delete_pod(self, pod: Object) -> None:
        """A Recreate rollout waits for the old pods to go: look at the Deployment when one does.

        Upstream counts the Deployment's remaining pods in the handler and enqueues at zero; counting needs
        the claim step (API writes), so here the level-triggered sync decides instead."""
        namespace = pod["metadata"].get("namespace", "")
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != REPLICASETS.kind:
            return
        rs = self.rs_informer.indexer.get(ObjectKey(namespace, str(ref.get("name") or "")))
        if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
            return
        d = self._resolve(namespace, controller_ref(rs))
        if d is not None and util.strategy_type(d) == util.RECREATE:
            self._enqueue(d)
