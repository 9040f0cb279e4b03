"""The PV controller's frame (``pv_controller_base.go``): informers, two work queues, the local caches,
deletion handling and the periodic resync.

One worker per queue, as upstream: ``syncClaim`` is not reentrant (two claim syncs at once could bind two
claims to one volume), so the ``workers`` the manager offers are not used. Claims whose informer entry is
gone are handled as deletions from the local cache (the claim's volume is synced at once so it is released
without waiting for the resync), and likewise for volumes. Every ``resync_period`` seconds (upstream's
``--pvclaimbinder-sync-period``, 15 s) all claims and volumes are queued again: that is how claims waiting
for a StorageClass, a default class, a pod or a volume that is not there yet are retried, as upstream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Final

from pinnace.client import resources
from pinnace.client.errors import Conflict
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.persistentvolume.cache import VersionedStore
from pinnace.controllers.persistentvolume.helpers import (
    POD_PVC_INDEX,
    claim_ref,
    claim_ref_key,
    index_pods_by_claim,
    spec,
)
from pinnace.controllers.persistentvolume.operations import Operations
from pinnace.controllers.persistentvolume.sync import Binder

Object = dict[str, Any]
log = logging.getLogger(__name__)

COMPONENT: Final = "persistentvolume-controller"
#: Upstream's default ``--pvclaimbinder-sync-period``.
DEFAULT_RESYNC_PERIOD: Final = 15.0


class PersistentVolumeController:
    def __init__(self, ctx: ControllerContext, *, resync_period: float = DEFAULT_RESYNC_PERIOD) -> None:
        self._clock = ctx.clock
        self.resync_period = resync_period
        informers = ctx.informers
        self.volume_informer = informers.informer(resources.PERSISTENTVOLUMES)
        self.claim_informer = informers.informer(resources.PERSISTENTVOLUMECLAIMS)
        self.class_informer = informers.informer(resources.STORAGECLASSES)
        self.pod_informer = informers.informer(resources.PODS)
        self.pod_informer.indexer.add_index(POD_PVC_INDEX, index_pods_by_claim)
        self.volumes = VersionedStore("volume")
        self.claims = VersionedStore("claim")
        self.claim_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="claims")
        self.volume_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="volumes")
        self.ops = Operations(
            ctx.client, ctx.recorder(COMPONENT), self.volumes, self.claims, self.class_informer.indexer
        )
        self.binder = Binder(
            self.ops,
            claim_lister=self.claim_informer.indexer,
            pods=self.pod_informer.indexer,
            enqueue_claim=self.claim_queue.add,
        )
        self.volume_informer.add_handler(self._enqueue_volume, self._volume_updated, self._enqueue_volume)
        self.claim_informer.add_handler(self._enqueue_claim, self._claim_updated, self._enqueue_claim)

    # Handlers: only enqueue (every event, including deletions, which the workers tell apart).

    def _enqueue_volume(self, volume: Object) -> None:
        self.volume_queue.add(key_of(volume))

    def _volume_updated(self, _old: Object, new: Object) -> None:
        self.volume_queue.add(key_of(new))

    def _enqueue_claim(self, claim: Object) -> None:
        self.claim_queue.add(key_of(claim))

    def _claim_updated(self, _old: Object, new: Object) -> None:
        self.claim_queue.add(key_of(new))

    async def run(self, workers: int) -> None:
        for informer in (self.volume_informer, self.claim_informer, self.class_informer, self.pod_informer):
            await informer.wait_synced()
        # initializeCaches: start from everything the informers hold.
        for volume in self.volume_informer.indexer.list():
            self.volumes.store(volume)
        for claim in self.claim_informer.indexer.list():
            self.claims.store(claim)
        log.info("starting persistent volume controller")
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._resync_loop(), name="persistentvolume-resync")
                group.create_task(run_workers(self.volume_queue, self.volume_worker, 1, name="volumes"))
                group.create_task(run_workers(self.claim_queue, self.claim_worker, 1, name="claims"))
        finally:
            self.claim_queue.shut_down()
            self.volume_queue.shut_down()

    async def _resync_loop(self) -> None:
        while True:
            await self._clock.sleep(self.resync_period)
            self.resync()

    def resync(self) -> None:
        for claim in self.claim_informer.indexer.list():
            self.claim_queue.add(key_of(claim))
        for volume in self.volume_informer.indexer.list():
            self.volume_queue.add(key_of(volume))

    # Workers ---------------------------------------------------------------------------------------------

    async def claim_worker(self, key: ObjectKey) -> None:
        claim = self.claim_informer.indexer.get(key)
        if claim is not None:
            if self.claims.store(claim):
                await self._guarded(self.binder.sync_claim(claim), "claim", key)
            return
        # Not in the informer: the claim was deleted (unless this deletion was handled already).
        gone = self.claims.delete(key)
        if gone is None:
            return
        log.debug("claim %s deleted", key)
        volume_name = spec(gone).get("volumeName")
        if volume_name:
            # Release its volume now rather than at the next resync.
            self.volume_queue.add(ObjectKey("", str(volume_name)))

    async def volume_worker(self, key: ObjectKey) -> None:
        volume = self.volume_informer.indexer.get(key)
        if volume is not None:
            if self.volumes.store(volume):
                await self._guarded(self.binder.sync_volume(volume), "volume", key)
            return
        gone = self.volumes.delete(key)
        if gone is None:
            return
        log.debug("volume %s deleted", key)
        ref = claim_ref(gone)
        if ref is not None:
            # Its claim becomes Lost now rather than at the next resync.
            self.claim_queue.add(claim_ref_key(ref))

    @staticmethod
    async def _guarded(sync: Awaitable[None], kind: str, key: ObjectKey) -> None:
        """Conflicts are routine here (several writers, four writes per binding); the newer version's event
        queues the key again, so they are not errors (upstream logs them at V(3))."""
        try:
            await sync
        except Conflict as err:
            log.debug("could not sync %s %s: %s", kind, key, err)
