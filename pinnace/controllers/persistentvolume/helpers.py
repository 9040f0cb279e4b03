"""Storage facts the volume controllers share: upstream's ``k8s.io/component-helpers/storage/volume``
(``helpers.go``, ``pv_helpers.go``), ``pkg/volume/util`` (default StorageClass, pod termination) and
``pkg/controller/volume/protectionutil``, on JSON dicts.

Nothing here writes: these are the predicates and object builders the PV binder, the protection controllers
and the local-path provisioner agree on (annotation names, what "bound to this claim" means, which class is
the default).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, Final

from pinnace.api.quantity import quantity_value
from pinnace.client.keys import ObjectKey

Object = dict[str, Any]

# Annotations (component-helpers/storage/volume/pv_helpers.go) -------------------------------------------

#: On a PVC: the binding passed its initial setup; how later observations are read depends on it.
ANN_BIND_COMPLETED: Final = "pv.kubernetes.io/bind-completed"
#: On a PV or PVC: the controller (not the user) installed the binding.
ANN_BOUND_BY_CONTROLLER: Final = "pv.kubernetes.io/bound-by-controller"
#: On a PVC: the node the scheduler chose for a WaitForFirstConsumer claim; starts provisioning.
ANN_SELECTED_NODE: Final = "volume.kubernetes.io/selected-node"
#: On a PV: who provisioned it (a provisioner name); marks it dynamically provisioned.
ANN_DYNAMICALLY_PROVISIONED: Final = "pv.kubernetes.io/provisioned-by"
#: On a PVC: the provisioner asked to provision it (external provisioners wait for it).
ANN_STORAGE_PROVISIONER: Final = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER: Final = "volume.beta.kubernetes.io/storage-provisioner"
#: The class annotation that predates ``storageClassName``; it wins over the field when present.
ANN_BETA_STORAGE_CLASS: Final = "volume.beta.kubernetes.io/storage-class"
#: On a PV being resized: the size to report in the claim's status (``util.AnnPreResizeCapacity``).
ANN_PRE_RESIZE_CAPACITY: Final = "volume.alpha.kubernetes.io/pre-resize-capacity"
#: A class that cannot provision (local volumes made by hand).
NOT_SUPPORTED_PROVISIONER: Final = "kubernetes.io/no-provisioner"

# StorageClass defaults (pkg/volume/util/storageclass.go) -------------------------------------------------

ANN_IS_DEFAULT_CLASS: Final = "storageclass.kubernetes.io/is-default-class"
ANN_BETA_IS_DEFAULT_CLASS: Final = "storageclass.beta.kubernetes.io/is-default-class"
WAIT_FOR_FIRST_CONSUMER: Final = "WaitForFirstConsumer"

# Finalizers (pkg/volume/util/finalizer.go) ---------------------------------------------------------------

PVC_PROTECTION_FINALIZER: Final = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER: Final = "kubernetes.io/pv-protection"

#: The pod index both the binder and the PVC protection controller use (``common.PodPVCIndex``): pods filed
#: under ``namespace/claimName`` for every claim they reference.
POD_PVC_INDEX: Final = "pod-pvc-index"

# Access modes in the order upstream spells their short names (``GetAccessModesAsString``).
_ACCESS_MODE_SHORT: Final = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


class BindingError(RuntimeError):
    """A binding that cannot be made or repaired now; the key is retried with back-off."""


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("status") or {}


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return meta(obj).get("annotations") or {}


def has_annotation(obj: Mapping[str, Any], key: str) -> bool:
    return key in annotations_of(obj)


def set_annotation(obj: Object, key: str, value: str) -> None:
    """``metav1.SetMetaDataAnnotation`` on a copy the caller owns."""
    obj.setdefault("metadata", {}).setdefault("annotations", {})[key] = value


def name_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("name") or "")


def uid_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("uid") or "")


def phase_of(obj: Mapping[str, Any]) -> str:
    return str(status(obj).get("phase") or "")


# Classes ---------------------------------------------------------------------------------------------------


def claim_class(claim: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClaimClass``: the beta annotation wins over ``spec.storageClassName``."""
    found = annotations_of(claim)
    if ANN_BETA_STORAGE_CLASS in found:
        return str(found[ANN_BETA_STORAGE_CLASS])
    return str(spec(claim).get("storageClassName") or "")


def claim_has_class(claim: Mapping[str, Any]) -> bool:
    """``PersistentVolumeClaimHasClass``: a class was asked for, even ``""`` (which means "no class")."""
    return has_annotation(claim, ANN_BETA_STORAGE_CLASS) or spec(claim).get("storageClassName") is not None


def volume_class(volume: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClass``."""
    found = annotations_of(volume)
    if ANN_BETA_STORAGE_CLASS in found:
        return str(found[ANN_BETA_STORAGE_CLASS])
    return str(spec(volume).get("storageClassName") or "")


def is_default_class(storage_class: Mapping[str, Any]) -> bool:
    """``IsDefaultAnnotation``: either annotation set to exactly ``"true"``."""
    found = annotations_of(storage_class)
    return found.get(ANN_IS_DEFAULT_CLASS) == "true" or found.get(ANN_BETA_IS_DEFAULT_CLASS) == "true"


def default_class(classes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """``util.GetDefaultClass``: of several default classes the newest wins, then the first by name."""
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    defaults.sort(key=name_of)
    defaults.sort(key=lambda c: str(meta(c).get("creationTimestamp") or ""), reverse=True)
    return defaults[0]


# Claims and volumes ----------------------------------------------------------------------------------------


def claim_key(claim: Mapping[str, Any]) -> ObjectKey:
    return ObjectKey(str(meta(claim).get("namespace") or ""), name_of(claim))


def claim_ref_key(ref: Mapping[str, Any]) -> ObjectKey:
    """``claimrefToClaimKey``."""
    return ObjectKey(str(ref.get("namespace") or ""), str(ref.get("name") or ""))


def claim_ref(volume: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ref = spec(volume).get("claimRef")
    return ref if isinstance(ref, Mapping) else None


def claim_reference(claim: Mapping[str, Any]) -> Object:
    """``reference.GetReference`` of a claim: what a PV's ``spec.claimRef`` holds."""
    metadata = meta(claim)
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": metadata.get("namespace"),
        "name": metadata.get("name"),
        "uid": metadata.get("uid"),
        "apiVersion": "v1",
        "resourceVersion": metadata.get("resourceVersion"),
    }


def is_volume_bound_to_claim(volume: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    """``IsVolumeBoundToClaim``: pre-bound or bound to this claim (name and namespace; the uid too when the
    reference has one)."""
    ref = claim_ref(volume)
    if ref is None:
        return False
    if claim_ref_key(ref) != claim_key(claim):
        return False
    return not ref.get("uid") or ref.get("uid") == uid_of(claim)


def bind_volume_to_claim(volume: Mapping[str, Any], claim: Mapping[str, Any]) -> tuple[Object, bool]:
    """``GetBindVolumeToClaim``: a copy of the volume bound to the claim, and whether anything changed.

    ``bound-by-controller`` marks a binding this controller made, i.e. one the volume did not already name.
    """
    set_bound_by_controller = not is_volume_bound_to_claim(volume, claim)
    clone = copy.deepcopy(dict(volume))
    dirty = False
    ref = claim_ref(volume)
    if ref is None or claim_ref_key(ref) != claim_key(claim) or ref.get("uid") != uid_of(claim):
        clone.setdefault("spec", {})["claimRef"] = claim_reference(claim)
        dirty = True
    if set_bound_by_controller and not has_annotation(clone, ANN_BOUND_BY_CONTROLLER):
        set_annotation(clone, ANN_BOUND_BY_CONTROLLER, "yes")
        dirty = True
    return clone, dirty


def volume_mode_mismatch(claim: Mapping[str, Any], volume: Mapping[str, Any]) -> bool:
    """``CheckVolumeModeMismatches``; an unset mode is ``Filesystem``."""
    wanted = spec(claim).get("volumeMode") or "Filesystem"
    return wanted != (spec(volume).get("volumeMode") or "Filesystem")


def check_access_modes(claim: Mapping[str, Any], volume: Mapping[str, Any]) -> bool:
    """``CheckAccessModes``: the volume offers every mode the claim asks for."""
    return set(spec(claim).get("accessModes") or ()) <= set(spec(volume).get("accessModes") or ())


def access_modes_string(modes: Iterable[str]) -> str:
    """``GetAccessModesAsString``: ``RWO,ROX,RWX,RWOP`` in that order, duplicates and unknowns dropped."""
    present = set(modes)
    return ",".join(short for mode, short in _ACCESS_MODE_SHORT if mode in present)


def access_modes_from_string(text: str) -> set[str]:
    shorts = set(text.split(","))
    return {mode for mode, short in _ACCESS_MODE_SHORT if short in shorts}


def _quantity(raw: Any) -> Fraction:
    return quantity_value(raw) or Fraction(0)


def storage_request(claim: Mapping[str, Any]) -> Fraction:
    """The claim's ``resources.requests.storage`` (zero when absent)."""
    return _quantity(((spec(claim).get("resources") or {}).get("requests") or {}).get("storage"))


def volume_capacity(volume: Mapping[str, Any]) -> Fraction:
    return _quantity((spec(volume).get("capacity") or {}).get("storage"))


def same_quantity(left: Any, right: Any) -> bool:
    return quantity_value(left) == quantity_value(right)


# Binding modes ---------------------------------------------------------------------------------------------


def is_delay_binding_provisioning(claim: Mapping[str, Any]) -> bool:
    """``IsDelayBindingProvisioning``: the scheduler picked a node, so provisioning may start."""
    return has_annotation(claim, ANN_SELECTED_NODE)


def is_delay_binding_mode(claim: Mapping[str, Any], storage_class: Mapping[str, Any] | None) -> bool:
    """``IsDelayBindingMode`` given the claim's class (None when it has none or it does not exist)."""
    if storage_class is None:
        return False
    mode = storage_class.get("volumeBindingMode")
    if mode is None:
        raise BindingError(f'VolumeBindingMode not set for StorageClass "{name_of(storage_class)}"')
    return bool(mode == WAIT_FOR_FIRST_CONSUMER)


# Pods ------------------------------------------------------------------------------------------------------


def pod_claim_names(pod: Mapping[str, Any]) -> list[str]:
    """The claims a pod references: its ``persistentVolumeClaim`` volumes and the claims of its generic
    ephemeral volumes (``<pod>-<volume>``, ``ephemeral.VolumeClaimName``)."""
    names: list[str] = []
    for volume in spec(pod).get("volumes") or ():
        if (source := volume.get("persistentVolumeClaim")) is not None:
            names.append(str(source.get("claimName") or ""))
        elif volume.get("ephemeral") is not None:
            names.append(f"{name_of(pod)}-{volume.get('name')}")
    return names


def index_pods_by_claim(pod: Object) -> list[str]:
    """``common.PodPVCIndexFunc``: a pod filed under ``namespace/claim`` for each claim it references."""
    namespace = str(meta(pod).get("namespace") or "")
    return [f"{namespace}/{name}" for name in pod_claim_names(pod)]


def is_pod_terminated(pod: Mapping[str, Any]) -> bool:
    """``util.IsPodTerminated``: finished, or being deleted with no container left running."""
    if phase_of(pod) in ("Failed", "Succeeded"):
        return True
    if not meta(pod).get("deletionTimestamp"):
        return False
    return not any(
        (container.get("state") or {}).get("running") is not None
        for field in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses")
        for container in status(pod).get(field) or ()
    )


# Finalizers (pkg/controller/volume/protectionutil) ---------------------------------------------------------


def has_finalizer(obj: Mapping[str, Any], finalizer: str) -> bool:
    return finalizer in (meta(obj).get("finalizers") or ())


def is_deletion_candidate(obj: Mapping[str, Any], finalizer: str) -> bool:
    """Being deleted and still held by ``finalizer``."""
    return bool(meta(obj).get("deletionTimestamp")) and has_finalizer(obj, finalizer)


def need_to_add_finalizer(obj: Mapping[str, Any], finalizer: str) -> bool:
    """Not being deleted and missing ``finalizer``."""
    return not meta(obj).get("deletionTimestamp") and not has_finalizer(obj, finalizer)
