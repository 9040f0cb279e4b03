"""The local-path provisioner loop: an external provisioner in the manner of ``sig-storage-lib-external-
provisioner`` (``ProvisionController``), run inside the controller manager.

* **Claims** (PVC informer): a claim the PV controller annotated with ``volume.kubernetes.io/storage-
  provisioner: pinnace.dev/local-path`` whose class is this provisioner's (and, for WaitForFirstConsumer,
  that carries the scheduler's ``volume.kubernetes.io/selected-node``) gets a PV ``pvc-<claim uid>`` on the
  selected node, pre-bound to it. Events on the claim: ``Provisioning``, then ``ProvisioningSucceeded`` or
  ``ProvisioningFailed``. A selected node that no longer exists is handed back to the scheduler by
  removing the annotation, as the library does.
* **Volumes** (PV informer): a volume it provisioned that the PV controller marked Released, with reclaim
  policy Delete, is deleted.
* **The default StorageClass**: on start, ``local-path`` is created if absent (see :func:`ensure_class`).

Nothing is created or removed on any disk: hollow nodes run nothing, and the directory of a ``hostPath``
volume with ``type: DirectoryOrCreate`` is the kubelet's to create when a pod mounts it.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
from typing import Any, Final

from pinnace.client import resources
from pinnace.client.errors import AlreadyExists, ApiError, NotFound
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.localpath.volume import (
    CLASS_NAME,
    PROVISIONER_NAME,
    ProvisioningError,
    default_storage_class,
    new_volume,
    should_delete,
    should_provision,
    volume_name_for,
)
from pinnace.controllers.persistentvolume.helpers import (
    ANN_SELECTED_NODE,
    annotations_of,
    claim_class,
    claim_key,
    default_class,
    meta,
    name_of,
    uid_of,
)

Object = dict[str, Any]
log = logging.getLogger(__name__)

PROVISIONING: Final = "Provisioning"
PROVISIONING_SUCCEEDED: Final = "ProvisioningSucceeded"
PROVISIONING_FAILED: Final = "ProvisioningFailed"
VOLUME_FAILED_DELETE: Final = "VolumeFailedDelete"


async def ensure_class(client: Client, classes: list[Object]) -> None:
    """Create the ``local-path`` StorageClass unless a class of that name exists.

    Decision (documented in docs/controllers.md): created at every start of the provisioner when absent,
    like a k3s addon manifest, but never overwritten, so a user's changes stay; a user who deleted it and
    wants it gone for good disables the controller (``--controllers=*,-local-path-provisioner``). It is
    marked default only when no other class is, so it never takes that role from a class the user chose.
    """
    if any(name_of(c) == CLASS_NAME for c in classes):
        return
    is_default = default_class(classes) is None
    try:
        await client.create(resources.STORAGECLASSES, default_storage_class(is_default=is_default))
    except AlreadyExists:
        return
    except ApiError as err:
        # Provisioning for classes that do exist must not depend on it (e.g. a role without the right).
        log.warning("could not create StorageClass %s: %s", CLASS_NAME, err)
        return
    log.info("created StorageClass %s (default: %s)", CLASS_NAME, is_default)


class LocalPathProvisioner:
    def __init__(self, ctx: ControllerContext, *, identity: str = "") -> None:
        self._client = ctx.client
        informers = ctx.informers
        self.claims = informers.informer(resources.PERSISTENTVOLUMECLAIMS)
        self.volumes = informers.informer(resources.PERSISTENTVOLUMES)
        self.classes = informers.informer(resources.STORAGECLASSES)
        self.nodes = informers.informer(resources.NODES)
        # The library's event source: "<provisioner>_<identity>".
        self.recorder: EventRecorder = ctx.recorder(f"{PROVISIONER_NAME}_{identity or socket.gethostname()}")
        self.claim_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="local-path-claims")
        self.volume_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="local-path-volumes")
        self.claims.add_handler(
            lambda claim: self.claim_queue.add(key_of(claim)),
            lambda _old, new: self.claim_queue.add(key_of(new)),
        )
        self.volumes.add_handler(
            lambda volume: self.volume_queue.add(key_of(volume)),
            lambda _old, new: self.volume_queue.add(key_of(new)),
        )

    async def run(self, workers: int) -> None:
        for informer in (self.claims, self.volumes, self.classes, self.nodes):
            await informer.wait_synced()
        await ensure_class(self._client, self.classes.indexer.list())
        log.info("starting local-path provisioner %s", PROVISIONER_NAME)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(
                    run_workers(self.claim_queue, self.sync_claim, workers, name="local-path-claims")
                )
                group.create_task(
                    run_workers(self.volume_queue, self.sync_volume, workers, name="local-path-volumes")
                )
        finally:
            self.claim_queue.shut_down()
            self.volume_queue.shut_down()

    # Provisioning ----------------------------------------------------------------------------------------

    async def sync_claim(self, key: ObjectKey) -> None:
        claim = self.claims.indexer.get(key)
        if claim is None:
            return
        class_name = claim_class(claim)
        storage_class = self.classes.indexer.get(ObjectKey("", class_name)) if class_name else None
        if not should_provision(claim, storage_class):
            return
        assert storage_class is not None
        name = volume_name_for(claim)
        if self.volumes.indexer.get(ObjectKey("", name)) is not None:
            return  # provisioned already; the PV controller binds it
        self.recorder.event(
            claim, "Normal", PROVISIONING, f'External provisioner is provisioning volume for claim "{key}"'
        )
        node_name = str(annotations_of(claim).get(ANN_SELECTED_NODE) or "")
        node = self.nodes.indexer.get(ObjectKey("", node_name))
        if node is None:
            self.recorder.event(
                claim,
                "Warning",
                PROVISIONING_FAILED,
                f'failed to get target node: nodes "{node_name}" not found',
            )
            await self._reschedule(claim)
            return
        try:
            volume = new_volume(claim, storage_class, node)
        except ProvisioningError as err:
            message = f'failed to provision volume with StorageClass "{class_name}": {err}'
            self.recorder.event(claim, "Warning", PROVISIONING_FAILED, message)
            return
        try:
            await self._client.create(resources.PERSISTENTVOLUMES, volume)
        except AlreadyExists:
            log.info("volume %s for claim %s exists already", name, key)
            return
        log.info("provisioned volume %s for claim %s on node %s", name, key, node_name)
        self.recorder.event(
            claim, "Normal", PROVISIONING_SUCCEEDED, f"Successfully provisioned volume {name}"
        )

    async def _reschedule(self, claim: Object) -> None:
        """``rescheduleProvisioning``: drop the selected node so the scheduler chooses again."""
        clone = copy.deepcopy(claim)
        clone["metadata"]["annotations"].pop(ANN_SELECTED_NODE, None)
        try:
            await self._client.update(resources.PERSISTENTVOLUMECLAIMS, clone)
        except NotFound:
            return
        log.info("claim %s: selected node gone, handed back to the scheduler", claim_key(claim))

    # Deleting --------------------------------------------------------------------------------------------

    async def sync_volume(self, key: ObjectKey) -> None:
        volume = self.volumes.indexer.get(key)
        if volume is None or not should_delete(volume) or meta(volume).get("deletionTimestamp"):
            return
        # Nothing to remove on the node (see the module docstring); the PV object goes, guarded by its uid
        # so a new volume of the same name is never hit.
        try:
            await self._client.delete(
                resources.PERSISTENTVOLUMES, key.name, preconditions={"uid": uid_of(volume)}
            )
        except NotFound:
            return
        except ApiError as err:
            self.recorder.event(volume, "Warning", VOLUME_FAILED_DELETE, str(err))
            raise
        log.info("deleted released volume %s", key)
