"""Defaults of ``storage.k8s.io/v1``: StorageClass, CSIDriver, VolumeAttachment.

Reproduces ``kubernetes/pkg/apis/storage/v1/defaults.go`` as of 1.32 (``SetDefaults_StorageClass``,
``SetDefaults_CSIDriver`` with ``SELinuxMountReadWriteOncePod`` beta and on, so ``seLinuxMount: false``) and
the PersistentVolumeSpec defaults zz_generated runs on a VolumeAttachment's inline volume spec.
CSINode and CSIStorageCapacity have no defaults.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_unset, ensure_child, path
from pinnace.api.defaults.core import default_persistent_volume_source
from pinnace.api.gvk import GroupVersionKind


def default_storage_class(storage_class: Obj) -> None:
    # Dynamically provisioned volumes are deleted with their claim; manual PVs default to Retain instead.
    default_unset(storage_class, "reclaimPolicy", "Delete")
    default_unset(storage_class, "volumeBindingMode", "Immediate")


def default_csi_driver(driver: Obj) -> None:
    spec = ensure_child(driver, "spec")
    default_unset(spec, "attachRequired", True)
    default_unset(spec, "podInfoOnMount", False)
    default_unset(spec, "storageCapacity", False)
    default_unset(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType")
    if not spec.get("volumeLifecycleModes"):
        spec["volumeLifecycleModes"] = ["Persistent"]
    default_unset(spec, "requiresRepublish", False)
    default_unset(spec, "seLinuxMount", False)


def default_volume_attachment(attachment: Obj) -> None:
    inline = path(attachment, "spec", "source", "inlineVolumeSpec")
    if inline is not None:
        default_persistent_volume_source(inline)


DEFAULTERS = {
    GroupVersionKind("storage.k8s.io", "v1", "StorageClass"): default_storage_class,
    GroupVersionKind("storage.k8s.io", "v1", "CSIDriver"): default_csi_driver,
    GroupVersionKind("storage.k8s.io", "v1", "VolumeAttachment"): default_volume_attachment,
}
