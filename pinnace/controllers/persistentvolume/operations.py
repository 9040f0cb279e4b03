"""The PV controller's writes (``pv_controller.go``: ``updateClaimStatus``, ``updateVolumePhase``, ``bind``,
``unbindVolume``, ``assignDefaultStorageClass``, ``provisionClaim``, ``reclaimVolume``), each saving what
it wrote into the controller's own caches so later decisions see it before the informers do.

Writes are full updates (PUT with the cached resourceVersion), as upstream's, so a concurrent change by
someone else fails with a conflict instead of being overwritten. Pinnace has no in-tree volume plugins:
every provisioner and deleter is external (the local-path provisioner is one), which upstream runs as
asynchronous operations that here simply complete inline.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Final

from pinnace.client import resources
from pinnace.client.cache import Indexer
from pinnace.client.errors import ApiError, NotFound
from pinnace.client.events import EventRecorder, EventType
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey
from pinnace.controllers.persistentvolume.cache import VersionedStore
from pinnace.controllers.persistentvolume.helpers import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_PRE_RESIZE_CAPACITY,
    ANN_STORAGE_PROVISIONER,
    BindingError,
    annotations_of,
    bind_volume_to_claim,
    claim_class,
    claim_has_class,
    claim_key,
    claim_ref,
    claim_ref_key,
    default_class,
    has_annotation,
    name_of,
    phase_of,
    same_quantity,
    set_annotation,
    spec,
    status,
    uid_of,
)

Object = dict[str, Any]
log = logging.getLogger(__name__)

# Event reasons (pkg/controller/volume/events/event.go).
FAILED_BINDING: Final = "FailedBinding"
VOLUME_MISMATCH: Final = "VolumeMismatch"
PROVISIONING_FAILED: Final = "ProvisioningFailed"
EXTERNAL_PROVISIONING: Final = "ExternalProvisioning"
WAIT_FOR_FIRST_CONSUMER_EVENT: Final = "WaitForFirstConsumer"
WAIT_FOR_POD_SCHEDULED: Final = "WaitForPodScheduled"
VOLUME_FAILED_DELETE: Final = "VolumeFailedDelete"
VOLUME_FAILED_RECYCLE: Final = "VolumeFailedRecycle"
VOLUME_UNKNOWN_RECLAIM_POLICY: Final = "VolumeUnknownReclaimPolicy"

_IN_TREE_PREFIX: Final = "kubernetes.io/"


class Operations:
    """Writes through ``client``, remembers results in ``volumes``/``claims``, reads ``classes``."""

    def __init__(
        self,
        client: Client,
        recorder: EventRecorder,
        volumes: VersionedStore,
        claims: VersionedStore,
        classes: Indexer,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.volumes = volumes
        self.claims = claims
        self.classes = classes

    def event(self, obj: Object, type: EventType, reason: str, message: str) -> None:
        self.recorder.event(obj, type, reason, message)

    def storage_class(self, name: str) -> Object | None:
        return self.classes.get(ObjectKey("", name)) if name else None

    # Status ----------------------------------------------------------------------------------------------

    async def update_claim_status(self, claim: Object, phase: str, volume: Object | None) -> Object:
        """``updateClaimStatus``: the phase; with a volume its access modes and (when the claim is becoming
        Bound) its capacity; without one, neither."""
        clone = copy.deepcopy(claim)
        new_status: Object = clone.setdefault("status", {})
        dirty = False
        if phase_of(claim) != phase:
            new_status["phase"] = phase
            dirty = True
        if volume is None:
            for field in ("accessModes", "capacity"):
                if new_status.pop(field, None) is not None:
                    dirty = True
        else:
            modes = spec(volume).get("accessModes")
            if status(claim).get("accessModes") != modes:
                new_status["accessModes"] = copy.deepcopy(modes)
                dirty = True
            # Only when becoming Bound: a different size later may be a resize in progress, not an error.
            if phase_of(claim) != phase:
                capacity = (spec(volume).get("capacity") or {}).get("storage")
                if capacity is None:
                    raise BindingError(f'PersistentVolume "{name_of(volume)}" is without a storage capacity')
                claimed = (status(claim).get("capacity") or {}).get("storage")
                if has_annotation(volume, ANN_PRE_RESIZE_CAPACITY):
                    new_status.setdefault("capacity", {})["storage"] = annotations_of(volume)[
                        ANN_PRE_RESIZE_CAPACITY
                    ]
                    dirty = True
                elif claimed is None or not same_quantity(capacity, claimed):
                    new_status["capacity"] = copy.deepcopy(spec(volume).get("capacity"))
                    dirty = True
        if not dirty:
            return claim
        saved = await self.client.update(resources.PERSISTENTVOLUMECLAIMS, clone, subresource="status")
        self.claims.store(saved)
        log.info("claim %s entered phase %s", claim_key(claim), phase)
        return saved

    async def update_claim_status_with_event(
        self, claim: Object, phase: str, volume: Object | None, type: EventType, reason: str, message: str
    ) -> Object:
        """The event only when the phase actually changes, not on every sync."""
        if phase_of(claim) == phase:
            return claim
        saved = await self.update_claim_status(claim, phase, volume)
        self.event(saved, type, reason, message)
        return saved

    async def update_volume_phase(self, volume: Object, phase: str, message: str = "") -> Object:
        """``updateVolumePhase``."""
        if phase_of(volume) == phase:
            return volume
        clone = copy.deepcopy(volume)
        new_status: Object = clone.setdefault("status", {})
        new_status["phase"] = phase
        if message:
            new_status["message"] = message
        else:
            new_status.pop("message", None)
        saved = await self.client.update(resources.PERSISTENTVOLUMES, clone, subresource="status")
        self.volumes.store(saved)
        log.info("volume %s entered phase %s", name_of(volume), phase)
        return saved

    async def update_volume_phase_with_event(
        self, volume: Object, phase: str, type: EventType, reason: str, message: str
    ) -> Object:
        if phase_of(volume) == phase:
            return volume
        saved = await self.update_volume_phase(volume, phase, message)
        self.event(saved, type, reason, message)
        return saved

    # Binding ---------------------------------------------------------------------------------------------

    async def bind(self, volume: Object, claim: Object) -> None:
        """``bind``: volume first (claimRef, then phase Bound), then the claim (volumeName and annotations,
        then phase Bound). Any failure returns; the next sync of either object finishes the job."""
        volume = await self._bind_volume_to_claim(volume, claim)
        volume = await self.update_volume_phase(volume, "Bound")
        claim = await self._bind_claim_to_volume(claim, volume)
        await self.update_claim_status(claim, "Bound", volume)

    async def _bind_volume_to_claim(self, volume: Object, claim: Object) -> Object:
        clone, dirty = bind_volume_to_claim(volume, claim)
        if not dirty:
            return volume
        saved = await self.client.update(resources.PERSISTENTVOLUMES, clone)
        self.volumes.store(saved)
        log.info("volume %s bound to claim %s", name_of(volume), claim_key(claim))
        return saved

    async def _bind_claim_to_volume(self, claim: Object, volume: Object) -> Object:
        clone = copy.deepcopy(claim)
        dirty = False
        if spec(claim).get("volumeName") != name_of(volume):
            clone.setdefault("spec", {})["volumeName"] = name_of(volume)
            if not has_annotation(clone, ANN_BOUND_BY_CONTROLLER):
                set_annotation(clone, ANN_BOUND_BY_CONTROLLER, "yes")
            dirty = True
        if not has_annotation(clone, ANN_BIND_COMPLETED):
            set_annotation(clone, ANN_BIND_COMPLETED, "yes")
            dirty = True
        if not dirty:
            return claim
        saved = await self.client.update(resources.PERSISTENTVOLUMECLAIMS, clone)
        self.claims.store(saved)
        log.info("claim %s bound to volume %s", claim_key(claim), name_of(volume))
        return saved

    async def unbind_volume(self, volume: Object) -> None:
        """``unbindVolume``: undo a binding the controller made (or, for a user's pre-binding, forget only
        the claim's uid, so the volume stays reserved for that claim name), then Available."""
        clone = copy.deepcopy(volume)
        if has_annotation(volume, ANN_BOUND_BY_CONTROLLER):
            clone["spec"].pop("claimRef", None)
            kept = {k: v for k, v in annotations_of(clone).items() if k != ANN_BOUND_BY_CONTROLLER}
            if kept:
                clone["metadata"]["annotations"] = kept
            else:
                clone["metadata"].pop("annotations", None)
        else:
            clone["spec"]["claimRef"].pop("uid", None)
        saved = await self.client.update(resources.PERSISTENTVOLUMES, clone)
        self.volumes.store(saved)
        log.info("volume %s unbound", name_of(volume))
        await self.update_volume_phase(saved, "Available")

    async def assign_default_storage_class(self, claim: Object) -> bool:
        """``assignDefaultStorageClass`` (retroactive default StorageClass, GA in 1.28): a claim that never
        asked for a class gets the default one; True when the claim was updated (its next sync goes on)."""
        if claim_has_class(claim):
            return False
        found = default_class(self.classes.list())
        if found is None:
            log.debug("no default StorageClass for claim %s", claim_key(claim))
            return False
        clone = copy.deepcopy(claim)
        clone.setdefault("spec", {})["storageClassName"] = name_of(found)
        await self.client.update(resources.PERSISTENTVOLUMECLAIMS, clone)
        log.info("claim %s gets the default StorageClass %s", claim_key(claim), name_of(found))
        return True

    # Provisioning ----------------------------------------------------------------------------------------

    async def provision_claim(self, claim: Object) -> None:
        """``provisionClaim`` for a claim with a class: ask the class's (external) provisioner by annotating
        the claim; the provisioner creates the volume, pre-bound to the claim, and the next sync binds it."""
        class_name = claim_class(claim)
        storage_class = self.storage_class(class_name)
        if storage_class is None:
            self.event(
                claim, "Warning", PROVISIONING_FAILED, f'storageclass.storage.k8s.io "{class_name}" not found'
            )
            return
        provisioner = str(storage_class.get("provisioner") or "")
        if provisioner.startswith(_IN_TREE_PREFIX):
            # Upstream would run an in-tree plugin (or the CSI driver it migrated to); Pinnace has none.
            self.event(claim, "Warning", PROVISIONING_FAILED, f"no volume plugin matched name: {provisioner}")
            return
        try:
            claim = await self._set_claim_provisioner(claim, provisioner)
        except ApiError as err:
            self.event(claim, "Warning", PROVISIONING_FAILED, f"Error saving claim: {err}")
            raise
        message = (
            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or "
            "manually by the system administrator. If volume creation is delayed, please verify that the "
            "provisioner is running and correctly registered."
        )
        self.event(claim, "Normal", EXTERNAL_PROVISIONING, message)

    async def _set_claim_provisioner(self, claim: Object, provisioner: str) -> Object:
        """``setClaimProvisioner``: both the GA and the (deprecated) beta annotation."""
        if annotations_of(claim).get(ANN_STORAGE_PROVISIONER) == provisioner:
            return claim
        clone = copy.deepcopy(claim)
        set_annotation(clone, ANN_BETA_STORAGE_PROVISIONER, provisioner)
        set_annotation(clone, ANN_STORAGE_PROVISIONER, provisioner)
        saved = await self.client.update(resources.PERSISTENTVOLUMECLAIMS, clone)
        self.claims.store(saved)
        return saved

    # Reclaiming ------------------------------------------------------------------------------------------

    async def reclaim_volume(self, volume: Object) -> None:
        """``reclaimVolume``: what the volume's ``persistentVolumeReclaimPolicy`` asks for once released."""
        policy = spec(volume).get("persistentVolumeReclaimPolicy")
        if policy == "Retain":
            log.debug("volume %s: reclaim policy Retain, nothing to do", name_of(volume))
        elif policy == "Recycle":
            # Deprecated upstream; its recycler pods (NFS and hostPath only) are not in Pinnace.
            await self.update_volume_phase_with_event(
                volume, "Failed", "Warning", VOLUME_FAILED_RECYCLE, "No recycler plugin found for the volume!"
            )
        elif policy == "Delete":
            await self._delete_volume_operation(volume)
        else:
            await self.update_volume_phase_with_event(
                volume,
                "Failed",
                "Warning",
                VOLUME_UNKNOWN_RECLAIM_POLICY,
                "Volume has unrecognized PersistentVolumeReclaimPolicy",
            )

    async def _delete_volume_operation(self, volume: Object) -> None:
        """``deleteVolumeOperation``: external deleters (a volume provisioned by a non-``kubernetes.io/``
        provisioner, or a CSI volume) do their own work; anything else has no deleter here and fails."""
        try:
            fresh = await self.client.get(resources.PERSISTENTVOLUMES, name_of(volume))
        except NotFound:
            return
        if not self.is_volume_released(fresh):
            log.debug("volume %s no longer needs deletion", name_of(volume))
            return
        provisioned_by = str(annotations_of(volume).get(ANN_DYNAMICALLY_PROVISIONED) or "")
        if (provisioned_by and not provisioned_by.startswith(_IN_TREE_PREFIX)) or spec(volume).get("csi"):
            log.debug("volume %s waits for its external deleter", name_of(volume))
            return
        if provisioned_by:
            message = f"no volume plugin matched name: {provisioned_by}"
        else:
            message = (
                f'error getting deleter volume plugin for volume "{name_of(volume)}": '
                "no volume plugin matched"
            )
        await self.update_volume_phase_with_event(volume, "Failed", "Warning", VOLUME_FAILED_DELETE, message)

    def is_volume_released(self, volume: Object) -> bool:
        """``isVolumeReleased``: bound (with a uid) to a claim that is gone, or that now uses another
        volume."""
        ref = claim_ref(volume)
        if ref is None or not ref.get("uid"):
            return False
        claim = self.claims.get(claim_ref_key(ref))
        if claim is not None and uid_of(claim) == ref.get("uid"):
            volume_name = spec(claim).get("volumeName")
            return bool(volume_name) and volume_name != name_of(volume)
        return True
