"""The PV protection controller (upstream's ``pkg/controller/volume/pvprotection``, ``--controllers`` name
``pv-protection``): a volume bound to a claim is not removed while it is bound.

Every volume carries the ``kubernetes.io/pv-protection`` finalizer (the API server's
``StorageObjectInUseProtection`` admission plugin adds it on create; this controller adds it to volumes
that lack it, upstream's fallback for volumes created while the plugin was off). A volume being deleted
loses the finalizer once its phase is no longer ``Bound``: the PV controller moves it to ``Released`` when
its claim goes.
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
from pinnace.controllers.persistentvolume.helpers import (
    PV_PROTECTION_FINALIZER,
    is_deletion_candidate,
    meta,
    need_to_add_finalizer,
    phase_of,
)

Object = dict[str, Any]
log = logging.getLogger(__name__)

NAME: Final = "pv-protection"


class PVProtectionController:
    def __init__(self, ctx: ControllerContext) -> None:
        self._client = ctx.client
        self.volumes = ctx.informers.informer(resources.PERSISTENTVOLUMES)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="pvprotection")
        self.volumes.add_handler(self._volume_changed, lambda _old, new: self._volume_changed(new))

    def _volume_changed(self, volume: Object) -> None:
        if need_to_add_finalizer(volume, PV_PROTECTION_FINALIZER) or is_deletion_candidate(
            volume, PV_PROTECTION_FINALIZER
        ):
            self.queue.add(key_of(volume))

    async def run(self, workers: int) -> None:
        await self.volumes.wait_synced()
        log.info("starting PV protection controller")
        try:
            await run_workers(self.queue, self.sync, workers, name="pvprotection")
        finally:
            self.queue.shut_down()

    async def sync(self, key: ObjectKey) -> None:
        volume = self.volumes.indexer.get(key)
        if volume is None:
            return
        if is_deletion_candidate(volume, PV_PROTECTION_FINALIZER):
            # isBeingUsed: the PV controller's phase says whether a claim holds it.
            if phase_of(volume) != "Bound":
                await self._update_finalizers(volume, add=False)
                return
            log.debug("keeping PV %s because it is bound", key)
        if need_to_add_finalizer(volume, PV_PROTECTION_FINALIZER):
            await self._update_finalizers(volume, add=True)

    async def _update_finalizers(self, volume: Object, *, add: bool) -> None:
        clone = copy.deepcopy(volume)
        finalizers = [f for f in meta(volume).get("finalizers") or () if f != PV_PROTECTION_FINALIZER]
        if add:
            finalizers.append(PV_PROTECTION_FINALIZER)
        clone["metadata"]["finalizers"] = finalizers
        try:
            await self._client.update(resources.PERSISTENTVOLUMES, clone)
        except NotFound:
            return
        log.info(
            "%s protection finalizer %s PV %s",
            "added" if add else "removed",
            "to" if add else "from",
            key_of(volume),
        )


def new_controller(ctx: ControllerContext) -> Controller:
    return PVProtectionController(ctx)
