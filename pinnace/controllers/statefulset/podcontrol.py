"""Writes of a StatefulSet's pods and claims, each reported as an Event on the set (upstream's
``stateful_pod_control.go``).

Claims are created before their pod, so the pod never waits on a claim that does not exist. Events use
upstream's wording: ``SuccessfulCreate`` "create Pod web-0 in StatefulSet web successful", "create Claim
data-web-0 Pod web-0 in StatefulSet web success"; on failure ``FailedCreate`` (``FailedUpdate``,
``FailedDelete``) "... failed error: <the API's message>".
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from pinnace.client import resources
from pinnace.client.cache import Indexer
from pinnace.client.errors import AlreadyExists, ApiError, Conflict
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey
from pinnace.controllers.statefulset import identity
from pinnace.controllers.statefulset.retention import (
    POD_API_VERSION,
    POD_KIND,
    RETAIN,
    has_stale_owner_ref,
    has_unexpected_controller,
    is_claim_owner_up_to_date,
    retention_policy,
    updated_claim_owner_refs,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

#: ``retry.DefaultBackoff``: how often an identity/storage update is tried against conflicts.
UPDATE_ATTEMPTS = 4


class ClaimError(Exception):
    """Claims could not be made ready (joined messages, as upstream's aggregate error prints them)."""


def _name(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _namespace(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


class StatefulPodControl:
    """Pod and claim writes for the StatefulSet controller; claims are read from the claim informer."""

    def __init__(self, client: Client, claims: Indexer, pods: Indexer, recorder: EventRecorder) -> None:
        self._client = client
        self._claims = claims
        self._pods = pods
        self._recorder = recorder

    # Events ----------------------------------------------------------------------------------------------

    def record_pod_event(self, verb: str, sts: Object, pod: Object, err: BaseException | None) -> None:
        """``recordPodEvent``."""
        if err is None:
            message = f"{verb} Pod {_name(pod)} in StatefulSet {_name(sts)} successful"
            self._recorder.event(sts, "Normal", f"Successful{verb.title()}", message)
        else:
            message = f"{verb} Pod {_name(pod)} in StatefulSet {_name(sts)} failed error: {err}"
            self._recorder.event(sts, "Warning", f"Failed{verb.title()}", message)

    def record_claim_event(
        self, verb: str, sts: Object, pod: Object, claim: Object, err: BaseException | None
    ) -> None:
        """``recordClaimEvent`` (note upstream's "success", not "successful", and "for Pod" on failure)."""
        if err is None:
            message = f"{verb} Claim {_name(claim)} Pod {_name(pod)} in StatefulSet {_name(sts)} success"
            self._recorder.event(sts, "Normal", f"Successful{verb.title()}", message)
        else:
            message = (
                f"{verb} Claim {_name(claim)} for Pod {_name(pod)} in StatefulSet {_name(sts)} "
                f"failed error: {err}"
            )
            self._recorder.event(sts, "Warning", f"Failed{verb.title()}", message)

    # Pods ------------------------------------------------------------------------------------------------

    async def create_stateful_pod(self, sts: Object, pod: Object) -> Object:
        """``CreateStatefulPod``: claims first, then the pod, then the claims' owners for the retention
        policy. A pod that already exists raises ``AlreadyExists`` without an event (a stale cache)."""
        try:
            await self.create_persistent_volume_claims(sts, pod)
        except ClaimError as err:
            self.record_pod_event("create", sts, pod, err)
            raise
        try:
            created = await self._client.create(resources.PODS, pod, _namespace(sts))
        except AlreadyExists:
            raise
        except ApiError as err:
            self.record_pod_event("create", sts, pod, err)
            raise
        try:
            await self.update_pod_claim_for_retention_policy(sts, created)
        except (ApiError, ClaimError) as err:
            self.record_pod_event("update", sts, pod, err)
            raise
        self.record_pod_event("create", sts, pod, None)
        return created

    async def update_stateful_pod(self, sts: Object, pod: Object) -> None:
        """``UpdateStatefulPod``: restore identity and storage (and claim owners), retrying on conflicts
        with the cached pod. ``pod`` is the caller's copy."""
        attempted = False
        error: BaseException | None = None
        for attempt in range(UPDATE_ATTEMPTS):
            consistent = True
            if not identity.identity_matches(sts, pod):
                identity.update_identity(sts, pod)
                consistent = False
            if not identity.storage_matches(sts, pod):
                identity.update_storage(sts, pod)
                consistent = False
                try:
                    await self.create_persistent_volume_claims(sts, pod)
                except ClaimError as err:
                    self.record_pod_event("update", sts, pod, err)
                    raise
            try:
                if not self.claims_match_retention_policy(sts, pod):
                    await self.update_pod_claim_for_retention_policy(sts, pod)
                    consistent = False
            except (ApiError, ClaimError) as err:
                self.record_pod_event("update", sts, pod, err)
                raise
            if consistent:
                break
            attempted = True
            try:
                await self._client.update(resources.PODS, pod)
                error = None
                break
            except Conflict as err:
                error = err
                cached = self._pods.get(ObjectKey(_namespace(sts), _name(pod)))
                if cached is not None:
                    pod = copy.deepcopy(cached)
                if attempt == UPDATE_ATTEMPTS - 1:
                    break
            except ApiError as err:
                error = err
                break
        if attempted:
            self.record_pod_event("update", sts, pod, error)
        if error is not None:
            raise error

    async def delete_stateful_pod(self, sts: Object, pod: Object) -> None:
        """``DeleteStatefulPod``; an event either way (NotFound included, as upstream)."""
        try:
            await self._client.delete(resources.PODS, _name(pod), _namespace(pod))
        except ApiError as err:
            self.record_pod_event("delete", sts, pod, err)
            raise
        self.record_pod_event("delete", sts, pod, None)

    # Claims ----------------------------------------------------------------------------------------------

    def _cached_claim(self, namespace: str, name: str) -> Object | None:
        return self._claims.get(ObjectKey(namespace, name))

    def claims_match_retention_policy(self, sts: Object, pod: Object) -> bool:
        """``ClaimsMatchRetentionPolicy``: every existing claim of ``pod`` is owned as the policy says
        (a missing claim is picked up later)."""
        for claim in identity.persistent_volume_claims(sts, pod).values():
            cached = self._cached_claim(_namespace(sts), _name(claim))
            if cached is not None and not is_claim_owner_up_to_date(cached, sts, pod):
                return False
        return True

    async def update_pod_claim_for_retention_policy(self, sts: Object, pod: Object) -> None:
        """``UpdatePodClaimForRetentionPolicy``: rewrite the ownerReferences of claims that are not as the
        policy says."""
        for claim in identity.persistent_volume_claims(sts, pod).values():
            cached = self._cached_claim(_namespace(sts), _name(claim))
            if cached is None:
                continue  # created later; fixed on a later sync
            if has_unexpected_controller(cached, sts, pod):
                self._recorder.event(
                    sts,
                    "Warning",
                    "ConflictingController",
                    f"PersistentVolumeClaim {_name(claim)} has a conflicting OwnerReference that acts as a "
                    "manging controller, the retention policy is ignored for this claim",
                )
            if is_claim_owner_up_to_date(cached, sts, pod):
                continue
            updated = copy.deepcopy(cached)
            updated["metadata"]["ownerReferences"] = updated_claim_owner_refs(cached, sts, pod)
            try:
                await self._client.update(resources.PERSISTENTVOLUMECLAIMS, updated)
            except ApiError as err:
                raise ClaimError(
                    f"could not update claim {_name(claim)} for delete policy ownerRefs: {err}"
                ) from err

    def pod_claim_is_stale(self, sts: Object, pod: Object) -> bool:
        """``PodClaimIsStale``: under ``whenScaled: Delete``, a claim still owned by an earlier pod of the
        same name is about to be deleted by the garbage collector; the new pod must not get it."""
        when_scaled, _ = retention_policy(sts)
        if when_scaled == RETAIN:
            return False
        for claim in identity.persistent_volume_claims(sts, pod).values():
            cached = self._cached_claim(_namespace(sts), _name(claim))
            if cached is not None and has_stale_owner_ref(cached, pod, POD_API_VERSION, POD_KIND):
                return True
        return False

    async def create_missing_persistent_volume_claims(self, sts: Object, pod: Object) -> None:
        """``createMissingPersistentVolumeClaims`` (for a pod that is Pending)."""
        await self.create_persistent_volume_claims(sts, pod)
        try:
            await self.update_pod_claim_for_retention_policy(sts, pod)
        except ClaimError as err:
            self.record_pod_event("update", sts, pod, err)
            raise

    async def create_persistent_volume_claims(self, sts: Object, pod: Object) -> None:
        """``createPersistentVolumeClaims``: create each missing claim; a claim being deleted is an error
        (the pod must wait for a new one)."""
        errors: list[str] = []
        for claim in identity.persistent_volume_claims(sts, pod).values():
            name = _name(claim)
            cached = self._cached_claim(_namespace(claim), name)
            if cached is None:
                try:
                    await self._client.create(resources.PERSISTENTVOLUMECLAIMS, claim, _namespace(claim))
                except AlreadyExists as err:
                    errors.append(f"failed to create PVC {name}: {err}")
                    continue  # the cache lags; no event, as upstream
                except ApiError as err:
                    errors.append(f"failed to create PVC {name}: {err}")
                    self.record_claim_event("create", sts, pod, claim, err)
                    continue
                self.record_claim_event("create", sts, pod, claim, None)
            elif (cached.get("metadata") or {}).get("deletionTimestamp"):
                errors.append(f"pvc {name} is being deleted")
        if errors:
            raise ClaimError("; ".join(errors) if len(errors) > 1 else errors[0])
