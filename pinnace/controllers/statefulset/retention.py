"""``persistentVolumeClaimRetentionPolicy``: who owns a StatefulSet's claims (upstream's
``stateful_set_utils.go``, ``isClaimOwnerUpToDate`` and ``updateClaimOwnerRefForSetAndPod``, 1.31+).

The policy is carried out by the garbage collector, through controller ownerReferences on the claims:

============  ===========  =====================================================
whenScaled    whenDeleted  owner of claim ``data-web-3``
============  ===========  =====================================================
Retain        Retain       nobody
Retain        Delete       the StatefulSet
Delete        Retain       pod ``web-3``, once it is beyond the replica range
Delete        Delete       the StatefulSet; pod ``web-3`` instead once scaled down
============  ===========  =====================================================

A claim that another controller owns is left alone (an event says so), as is one whose reference names
the set or pod under another uid (an earlier incarnation's: the garbage collector decides about it).
"""

from __future__ import annotations

from typing import Any

from pinnace.controllers.ownerrefs import new_controller_ref
from pinnace.controllers.statefulset.identity import API_VERSION, KIND, pod_in_ordinal_range

Object = dict[str, Any]

RETAIN = "Retain"
DELETE = "Delete"
POD_API_VERSION = "v1"
POD_KIND = "Pod"


def _refs(obj: Object) -> list[Object]:
    return list((obj.get("metadata") or {}).get("ownerReferences") or [])


def _uid(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def retention_policy(sts: Object) -> tuple[str, str]:
    """``(whenScaled, whenDeleted)``; both ``Retain`` when unset."""
    policy = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
    return str(policy.get("whenScaled") or RETAIN), str(policy.get("whenDeleted") or RETAIN)


def matches_ref(ref: Object, obj: Object, api_version: str, kind: str) -> bool:
    """``matchesRef``: the same kind and name (the uid may differ)."""
    name = (obj.get("metadata") or {}).get("name")
    return ref.get("apiVersion") == api_version and ref.get("kind") == kind and ref.get("name") == name


def has_owner_ref(target: Object, owner: Object) -> bool:
    uid = _uid(owner)
    return any(ref.get("uid") == uid for ref in _refs(target))


def has_stale_owner_ref(target: Object, obj: Object, api_version: str, kind: str) -> bool:
    """The first reference naming ``obj`` carries another uid."""
    for ref in _refs(target):
        if matches_ref(ref, obj, api_version, kind):
            return ref.get("uid") != _uid(obj)
    return False


def has_unexpected_controller(claim: Object, sts: Object, pod: Object) -> bool:
    """``hasUnexpectedController``: under a policy that deletes, a controller other than the set or pod
    (or the set or pod under another uid) manages the claim."""
    if retention_policy(sts) == (RETAIN, RETAIN):
        return False  # nothing to delete: other controllers are welcome
    for ref in _refs(claim):
        if matches_ref(ref, sts, API_VERSION, KIND):
            if ref.get("uid") != _uid(sts):
                return True
            continue
        if matches_ref(ref, pod, POD_API_VERSION, POD_KIND):
            if ref.get("uid") != _uid(pod):
                return True
            continue
        if ref.get("controller"):
            return True
    return False


def has_non_controller_owner(claim: Object, sts: Object, pod: Object) -> bool:
    """The set or pod owns the claim without ``controller: true`` (what 1.27 to 1.30 wrote)."""
    uids = {_uid(sts), _uid(pod)}
    return any(ref.get("uid") in uids and not ref.get("controller") for ref in _refs(claim))


def is_claim_owner_up_to_date(claim: Object, sts: Object, pod: Object) -> bool:
    """``isClaimOwnerUpToDate``: the claim's references already say what the table in the module
    docstring asks (or the claim is in a state this controller must not touch)."""
    if has_stale_owner_ref(claim, sts, API_VERSION, KIND) or has_stale_owner_ref(
        claim, pod, POD_API_VERSION, POD_KIND
    ):
        return True
    if has_unexpected_controller(claim, sts, pod):
        # Our own references must go; otherwise leave the other controller to it.
        return not (has_owner_ref(claim, sts) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, sts, pod):
        return False
    when_scaled, when_deleted = retention_policy(sts)
    set_ref, pod_ref = has_owner_ref(claim, sts), has_owner_ref(claim, pod)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    if when_scaled == RETAIN and when_deleted == DELETE:
        return set_ref and not pod_ref
    if when_scaled == DELETE and when_deleted == RETAIN:
        return not set_ref and scaled_down == pod_ref
    if when_scaled == DELETE and when_deleted == DELETE:
        return scaled_down != set_ref and scaled_down == pod_ref
    # Retain/Retain, and any unknown policy (upstream treats it as Retain).
    return not set_ref and not pod_ref


def updated_claim_owner_refs(claim: Object, sts: Object, pod: Object) -> list[Object]:
    """``updateClaimOwnerRefForSetAndPod``: the claim's ownerReferences after the policy is applied —
    ours scrubbed, then the one controller reference the table asks for (none beside another
    controller)."""
    unexpected = has_unexpected_controller(claim, sts, pod)
    refs = [
        ref
        for ref in _refs(claim)
        if not matches_ref(ref, sts, API_VERSION, KIND)
        and not matches_ref(ref, pod, POD_API_VERSION, POD_KIND)
    ]
    if unexpected:
        return refs
    when_scaled, when_deleted = retention_policy(sts)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    if when_scaled == DELETE and scaled_down and when_deleted in (RETAIN, DELETE):
        refs.append(new_controller_ref(pod, POD_API_VERSION, POD_KIND))
    elif when_deleted == DELETE and (when_scaled == RETAIN or (when_scaled == DELETE and not scaled_down)):
        refs.append(new_controller_ref(sts, API_VERSION, KIND))
    return refs
