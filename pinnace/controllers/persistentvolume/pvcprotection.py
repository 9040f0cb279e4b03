"""The PVC protection controller (upstream's ``pkg/controller/volume/pvcprotection``, ``--controllers``
name ``pvc-protection``): a claim a pod still uses is not removed until the pod is gone.

Every claim carries the ``kubernetes.io/pvc-protection`` finalizer: the API server's
``StorageObjectInUseProtection`` admission plugin adds it on create, and this controller adds it to claims
that lack it (upstream's fallback for claims created while the plugin was off).

A claim being deleted loses the finalizer once no pod uses it: first the pod informer's cache is asked
(pods filed by the claims they reference), and when it knows of none, a live list of the namespace's pods
makes sure (the cache may lag). A pod uses a claim when it is scheduled (``spec.nodeName``: the kubelet
refuses to start a pod whose claim is being deleted) and references it; for a generic ephemeral volume's
claim the pod must also not be shut down (deleted with a zero grace period). Pod events that may free a
claim (deletion, termination, an unscheduled pod) queue the claims the pod references.

Upstream batches claims per namespace so one live list serves several; here each claim lists on its own.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Final

from pinnace.client import resources
from pinnace.client.errors import NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.ownerrefs import is_controlled_by
from pinnace.controllers.persistentvolume.helpers import (
    POD_PVC_INDEX,
    PVC_PROTECTION_FINALIZER,
    index_pods_by_claim,
    is_deletion_candidate,
    is_pod_terminated,
    meta,
    name_of,
    need_to_add_finalizer,
    spec,
    uid_of,
)

Object = dict[str, Any]
log = logging.getLogger(__name__)

NAME: Final = "pvc-protection"


def pod_is_shut_down(pod: Object) -> bool:
    """``podIsShutDown``: the kubelet is done with it (deleted with a zero grace period) or it was
    force-deleted; its ephemeral claims may go even before the pod object does."""
    metadata = meta(pod)
    return bool(metadata.get("deletionTimestamp")) and metadata.get("deletionGracePeriodSeconds") == 0


def pod_uses_claim(pod: Object, claim: Object) -> bool:
    """``podUsesPVC``."""
    if not spec(pod).get("nodeName"):
        return False
    for volume in spec(pod).get("volumes") or ():
        source = volume.get("persistentVolumeClaim")
        if source is not None and source.get("claimName") == name_of(claim):
            return True
        if (
            volume.get("ephemeral") is not None
            and not pod_is_shut_down(pod)
            and f"{name_of(pod)}-{volume.get('name')}" == name_of(claim)
            and is_controlled_by(claim, pod)
        ):
            return True
    return False


class PVCProtectionController:
    def __init__(self, ctx: ControllerContext) -> None:
        self._client = ctx.client
        self.claims = ctx.informers.informer(resources.PERSISTENTVOLUMECLAIMS)
        self.pods = ctx.informers.informer(resources.PODS)
        self.pods.indexer.add_index(POD_PVC_INDEX, index_pods_by_claim)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="pvcprotection")
        self.claims.add_handler(self._claim_changed, lambda _old, new: self._claim_changed(new))
        self.pods.add_handler(
            lambda pod: self._pod_changed(None, pod, deleted=False),
            lambda old, new: self._pod_changed(old, new, deleted=False),
            lambda pod: self._pod_changed(None, pod, deleted=True),
        )

    def _claim_changed(self, claim: Object) -> None:
        if need_to_add_finalizer(claim, PVC_PROTECTION_FINALIZER) or is_deletion_candidate(
            claim, PVC_PROTECTION_FINALIZER
        ):
            self.queue.add(key_of(claim))

    def _pod_changed(self, old: Object | None, pod: Object, *, deleted: bool) -> None:
        self._enqueue_claims(pod, deleted=deleted)
        # An update may hide the deletion of a pod and the creation of another of the same name.
        if old is not None and uid_of(old) != uid_of(pod):
            self._enqueue_claims(old, deleted=True)

    def _enqueue_claims(self, pod: Object, *, deleted: bool) -> None:
        """``enqueuePVCs``: only pods that can no longer hold a claim can help remove a finalizer."""
        if not deleted and not is_pod_terminated(pod) and spec(pod).get("nodeName"):
            return
        namespace = str(meta(pod).get("namespace") or "")
        for value in index_pods_by_claim(pod):
            self.queue.add(ObjectKey(namespace, value.split("/", 1)[1]))

    async def run(self, workers: int) -> None:
        await self.claims.wait_synced()
        await self.pods.wait_synced()
        log.info("starting PVC protection controller")
        try:
            await run_workers(self.queue, self.sync, workers, name="pvcprotection")
        finally:
            self.queue.shut_down()

    async def sync(self, key: ObjectKey) -> None:
        claim = self.claims.indexer.get(key)
        if claim is None:
            return
        if is_deletion_candidate(claim, PVC_PROTECTION_FINALIZER):
            if not await self._is_being_used(claim):
                await self._update_finalizers(claim, add=False)
                return
            log.info("keeping PVC %s because it is being used", key)
        if need_to_add_finalizer(claim, PVC_PROTECTION_FINALIZER):
            await self._update_finalizers(claim, add=True)

    async def _is_being_used(self, claim: Object) -> bool:
        key = key_of(claim)
        for pod in self.pods.indexer.by_index(POD_PVC_INDEX, f"{key.namespace}/{key.name}"):
            if pod_uses_claim(pod, claim):
                return True
        # The cache may not have the pod yet: only a live list is sure.
        listing = await self._client.list(resources.PODS, key.namespace)
        return any(pod_uses_claim(pod, claim) for pod in listing.get("items") or ())

    async def _update_finalizers(self, claim: Object, *, add: bool) -> None:
        clone = copy.deepcopy(claim)
        finalizers = [f for f in meta(claim).get("finalizers") or () if f != PVC_PROTECTION_FINALIZER]
        if add:
            finalizers.append(PVC_PROTECTION_FINALIZER)
        clone["metadata"]["finalizers"] = finalizers
        try:
            await self._client.update(resources.PERSISTENTVOLUMECLAIMS, clone)
        except NotFound:
            return
        log.info(
            "%s protection finalizer %s PVC %s",
            "added" if add else "removed",
            "to" if add else "from",
            key_of(claim),
        )


def new_controller(ctx: ControllerContext) -> Controller:
    return PVCProtectionController(ctx)
