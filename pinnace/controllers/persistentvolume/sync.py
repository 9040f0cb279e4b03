"""The PV controller's decisions (``pv_controller.go``: ``syncClaim``, ``syncUnboundClaim``,
``syncBoundClaim``, ``syncVolume``): given one claim or one volume as last seen, what to write.

The binding is a pair of pointers, ``pvc.spec.volumeName`` and ``pv.spec.claimRef``, written volume first
without a transaction; users may pre-bind either side, other controllers (the scheduler, provisioners) write
too, and anything may be deleted half way. Every observation below is therefore read as "what state can
the pair be in" and converges it, branch by branch as upstream's "space shuttle style" code does:

    claim without bind-completed  ─ no volumeName ─ best match ──► bind
                                  │               └ none ─ default class? ─ WaitForFirstConsumer event
                                  │                                       ├ provision (annotate claim)
                                  │                                       └ FailedBinding event
                                  └ volumeName ──── volume free / pre-bound to it ──► bind
    claim with bind-completed  ─── volume gone or claimRef elsewhere ──► Lost
    volume ─ no claimRef ──► Available;  claimRef without uid ──► Available (pre-bound)
           └ claim gone ──► Released, reclaim policy;  claim elsewhere ──► unbind or reclaim
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pinnace.client import resources
from pinnace.client.cache import Indexer
from pinnace.client.errors import NotFound
from pinnace.client.keys import ObjectKey
from pinnace.controllers.persistentvolume.helpers import (
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED,
    POD_PVC_INDEX,
    BindingError,
    check_access_modes,
    claim_class,
    claim_key,
    claim_ref,
    claim_ref_key,
    has_annotation,
    is_delay_binding_mode,
    is_delay_binding_provisioning,
    is_pod_terminated,
    is_volume_bound_to_claim,
    meta,
    name_of,
    phase_of,
    spec,
    storage_request,
    uid_of,
    volume_capacity,
    volume_class,
    volume_mode_mismatch,
)
from pinnace.controllers.persistentvolume.matching import find_best_match_for_claim
from pinnace.controllers.persistentvolume.operations import (
    FAILED_BINDING,
    VOLUME_MISMATCH,
    WAIT_FOR_FIRST_CONSUMER_EVENT,
    WAIT_FOR_POD_SCHEDULED,
    Operations,
)

Object = dict[str, Any]
log = logging.getLogger(__name__)


def check_volume_satisfy_claim(volume: Object, claim: Object) -> str:
    """``checkVolumeSatisfyClaim``: why the volume a claim names cannot serve it ("" when it can)."""
    if meta(volume).get("deletionTimestamp"):
        return f'the volume is marked for deletion "{name_of(volume)}"'
    if volume_capacity(volume) < storage_request(claim):
        return "requested PV is too small"
    if volume_class(volume) != claim_class(claim):
        return "storageClassName does not match"
    if volume_mode_mismatch(claim, volume):
        return "incompatible volumeMode"
    if not check_access_modes(claim, volume):
        return "incompatible accessMode"
    return ""


class Binder:
    """Decides for one claim or one volume; writes through :class:`Operations`."""

    def __init__(
        self,
        ops: Operations,
        *,
        claim_lister: Indexer,
        pods: Indexer,
        enqueue_claim: Callable[[ObjectKey], None],
    ) -> None:
        self.ops = ops
        self.claim_lister = claim_lister
        self.pods = pods
        self.enqueue_claim = enqueue_claim

    # Claims ----------------------------------------------------------------------------------------------

    async def sync_claim(self, claim: Object) -> None:
        if has_annotation(claim, ANN_BIND_COMPLETED):
            await self._sync_bound_claim(claim)
        else:
            await self._sync_unbound_claim(claim)

    async def _sync_unbound_claim(self, claim: Object) -> None:
        ops = self.ops
        volume_name = spec(claim).get("volumeName")
        if not volume_name:
            # The user did not care which volume they get.
            delay = is_delay_binding_mode(claim, ops.storage_class(claim_class(claim)))
            volume = find_best_match_for_claim(claim, ops.volumes.values(), delay_binding=delay)
            if volume is not None:
                await ops.bind(dict(volume), claim)
                return
            if await ops.assign_default_storage_class(claim):
                return  # the update brings the claim back with its class
            if delay and not is_delay_binding_provisioning(claim):
                # No pod using the claim has been scheduled yet.
                self._emit_event_for_unbound_delay_binding_claim(claim)
            elif claim_class(claim):
                # Provisioning goes on outside; the claim is bound once the volume appears.
                await ops.provision_claim(claim)
                return
            else:
                message = "no persistent volumes available for this claim and no storage class is set"
                ops.event(claim, "Normal", FAILED_BINDING, message)
            await ops.update_claim_status(claim, "Pending", None)
            return
        # The user asked for a specific volume.
        volume = ops.volumes.get(ObjectKey("", str(volume_name)))
        if volume is None:
            await ops.update_claim_status(claim, "Pending", None)  # not there (yet): retried later
            return
        if claim_ref(volume) is None:
            problem = check_volume_satisfy_claim(volume, claim)
            if problem:
                message = f'Cannot bind to requested volume "{volume_name}": {problem}'
                ops.event(claim, "Warning", VOLUME_MISMATCH, message)
                await ops.update_claim_status(claim, "Pending", None)
            else:
                await ops.bind(volume, claim)
            return
        if is_volume_bound_to_claim(volume, claim):
            await ops.bind(volume, claim)  # finish the binding (the claim's uid, the phases)
            return
        ops.event(
            claim, "Warning", FAILED_BINDING, f'volume "{volume_name}" already bound to a different claim.'
        )
        if not has_annotation(claim, ANN_BOUND_BY_CONTROLLER):
            await ops.update_claim_status(claim, "Pending", None)  # the user's choice: wait for it
            return
        # Someone removed bind-completed from a claim the controller bound: never expected.
        ref = claim_ref(volume) or {}
        raise BindingError(
            f'invalid binding of claim "{claim_key(claim)}" to volume "{volume_name}": '
            f'volume already claimed by "{claim_ref_key(ref)}"'
        )

    def _emit_event_for_unbound_delay_binding_claim(self, claim: Object) -> None:
        """``emitEventForUnboundDelayBindingClaim``: name the pods waiting to be scheduled, if any."""
        key = claim_key(claim)
        waiting = [
            name_of(pod)
            for pod in self.pods.by_index(POD_PVC_INDEX, f"{key.namespace}/{key.name}")
            if not is_pod_terminated(pod) and not spec(pod).get("nodeName")
        ]
        if not waiting:
            reason, message = (
                WAIT_FOR_FIRST_CONSUMER_EVENT,
                "waiting for first consumer to be created before binding",
            )
        elif len(waiting) == 1:
            reason, message = WAIT_FOR_POD_SCHEDULED, f"waiting for pod {waiting[0]} to be scheduled"
        else:
            reason, message = WAIT_FOR_POD_SCHEDULED, f"waiting for pods {','.join(waiting)} to be scheduled"
        self.ops.event(claim, "Normal", reason, message)

    async def _sync_bound_claim(self, claim: Object) -> None:
        ops = self.ops
        volume_name = spec(claim).get("volumeName")
        if not volume_name:
            await ops.update_claim_status_with_event(
                claim,
                "Lost",
                None,
                "Warning",
                "ClaimLost",
                "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            )
            return
        volume = ops.volumes.get(ObjectKey("", str(volume_name)))
        if volume is None:
            await ops.update_claim_status_with_event(
                claim,
                "Lost",
                None,
                "Warning",
                "ClaimLost",
                "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
            )
            return
        ref = claim_ref(volume)
        if ref is None or ref.get("uid") == uid_of(claim):
            # Unbound volume (or an update not seen yet): bind again; otherwise all is well and bind()
            # only fills in what may be missing.
            await ops.bind(volume, claim)
            return
        await ops.update_claim_status_with_event(
            claim,
            "Lost",
            None,
            "Warning",
            "ClaimMisbound",
            "Two claims are bound to the same volume, this one is bound incorrectly",
        )

    # Volumes ---------------------------------------------------------------------------------------------

    async def sync_volume(self, volume: Object) -> None:
        ops = self.ops
        ref = claim_ref(volume)
        if ref is None or not ref.get("uid"):
            # Unused, or reserved for a claim whose sync will bind it.
            await ops.update_volume_phase(volume, "Available")
            return
        claim = await self._claim_of(volume, ref)
        if claim is None:
            # The claim is gone: release the volume (keeping an earlier Failed for the user to see) and
            # apply its reclaim policy.
            if phase_of(volume) not in ("Released", "Failed"):
                log.info(
                    "volume %s is released; reclaim policy %s",
                    name_of(volume),
                    spec(volume).get("persistentVolumeReclaimPolicy"),
                )
                volume = await ops.update_volume_phase(volume, "Released")
            await ops.reclaim_volume(volume)
            return
        claim_volume = spec(claim).get("volumeName")
        if not claim_volume:
            if volume_mode_mismatch(claim, volume):
                ops.event(
                    volume,
                    "Warning",
                    VOLUME_MISMATCH,
                    f'Cannot bind PersistentVolume to requested PersistentVolumeClaim "{name_of(claim)}" due '
                    "to incompatible volumeMode.",
                )
                ops.event(
                    claim,
                    "Warning",
                    VOLUME_MISMATCH,
                    f'Cannot bind PersistentVolume "{name_of(volume)}" to requested '
                    "PersistentVolumeClaim due to incompatible volumeMode.",
                )
                return
            # Half bound (by this controller, a provisioner or the scheduler): the claim's sync finishes it.
            self.enqueue_claim(claim_key(claim))
            return
        if claim_volume == name_of(volume):
            await ops.update_volume_phase(volume, "Bound")
            return
        # The claim is bound to another volume.
        if (
            has_annotation(volume, ANN_DYNAMICALLY_PROVISIONED)
            and spec(volume).get("persistentVolumeReclaimPolicy") == "Delete"
        ):
            # Provisioned for this claim, which got another volume: not needed any more.
            if phase_of(volume) not in ("Released", "Failed"):
                volume = await ops.update_volume_phase(volume, "Released")
            await ops.reclaim_volume(volume)
            return
        # Bound by this controller: undo it. Pre-bound by the user: forget the uid, stay reserved.
        await ops.unbind_volume(volume)

    async def _claim_of(self, volume: Object, ref: Any) -> Object | None:
        """The claim the volume points at, or None when it is gone (another claim of the same name counts as
        gone). A provisioner or the scheduler may have written the volume before this controller saw the
        claim, so a miss is checked against the informer and then the API server before a volume is
        released."""
        key = claim_ref_key(ref)
        claim = self.ops.claims.get(key)
        if claim is None and phase_of(volume) not in ("Released", "Failed"):
            claim = self.claim_lister.get(key)
            if claim is None:
                claim = await self._live_claim(key)
        if claim is not None and uid_of(claim) != ref.get("uid"):
            # Maybe a stale copy: the API server has the last word.
            claim = await self._live_claim(key)
            if claim is not None and uid_of(claim) != ref.get("uid"):
                claim = None
        return claim

    async def _live_claim(self, key: ObjectKey) -> Object | None:
        try:
            return await self.ops.client.get(resources.PERSISTENTVOLUMECLAIMS, key.name, key.namespace)
        except NotFound:
            return None
