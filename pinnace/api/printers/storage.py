"""Printers for ``storage.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

A default StorageClass is named ``<name> (default)``; a missing reclaim policy, binding mode or expansion
flag prints as upstream's fallback (``Delete``, ``Immediate``, ``false``). A CSIDriver's missing
``attachRequired`` prints ``true``, its other flags ``false``.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_bool,
    get_dict,
    get_dicts,
    get_list,
    get_str,
    has,
    name_of,
)
from pinnace.api.printers.formatting import quantity_string

IS_DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class"


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


def is_default_class(obj: Obj) -> bool:
    """``storageutil.IsDefaultAnnotation``: either default-class annotation is ``"true"``."""
    annotations = get_dict(obj, "metadata", "annotations")
    return any(
        annotations.get(key) == "true"
        for key in (IS_DEFAULT_STORAGE_CLASS_ANNOTATION, BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION)
    )


def storage_class_cells(obj: Obj, now: datetime) -> list[Cell]:
    name = name_of(obj) + (" (default)" if is_default_class(obj) else "")
    return [
        name,
        get_str(obj, "provisioner"),
        get_str(obj, "reclaimPolicy") or "Delete",
        get_str(obj, "volumeBindingMode") or "Immediate",
        get_bool(obj, "allowVolumeExpansion"),
        _age(obj, now),
    ]


STORAGE_CLASS = TablePrinter(
    (
        NAME,
        column("Provisioner", doc("storage/v1.StorageClass.provisioner")),
        column("ReclaimPolicy", doc("storage/v1.StorageClass.reclaimPolicy")),
        column("VolumeBindingMode", doc("storage/v1.StorageClass.volumeBindingMode")),
        column("AllowVolumeExpansion", doc("storage/v1.StorageClass.allowVolumeExpansion")),
        AGE,
    ),
    storage_class_cells,
)


def csi_driver_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    modes = ",".join(str(mode) for mode in get_list(spec, "volumeLifecycleModes"))
    token_requests = "<unset>"
    if has(spec, "tokenRequests"):
        token_requests = ",".join(get_str(t, "audience") for t in get_dicts(spec, "tokenRequests"))
    return [
        name_of(obj),
        get_bool(spec, "attachRequired", default=True),
        get_bool(spec, "podInfoOnMount"),
        get_bool(spec, "storageCapacity"),
        token_requests,
        get_bool(spec, "requiresRepublish"),
        modes or "<none>",
        _age(obj, now),
    ]


CSI_DRIVER = TablePrinter(
    (
        NAME,
        column("AttachRequired", doc("storage/v1.CSIDriverSpec.attachRequired"), type="boolean"),
        column("PodInfoOnMount", doc("storage/v1.CSIDriverSpec.podInfoOnMount"), type="boolean"),
        column("StorageCapacity", doc("storage/v1.CSIDriverSpec.storageCapacity"), type="boolean"),
        column("TokenRequests", doc("storage/v1.CSIDriverSpec.tokenRequests")),
        column("RequiresRepublish", doc("storage/v1.CSIDriverSpec.requiresRepublish"), type="boolean"),
        column("Modes", doc("storage/v1.CSIDriverSpec.volumeLifecycleModes")),
        AGE,
    ),
    csi_driver_cells,
)

CSI_NODE = TablePrinter(
    (
        NAME,
        column(
            "Drivers", "Drivers indicates the number of CSI drivers registered on the node", type="integer"
        ),
        AGE,
    ),
    lambda obj, now: [name_of(obj), len(get_list(obj, "spec", "drivers")), _age(obj, now)],
)

CSI_STORAGE_CAPACITY = TablePrinter(
    (
        NAME,
        column("StorageClassName", doc("storage/v1.CSIStorageCapacity.storageClassName")),
        column("Capacity", doc("storage/v1.CSIStorageCapacity.capacity")),
    ),
    lambda obj, now: [
        name_of(obj),
        get_str(obj, "storageClassName"),
        quantity_string(obj["capacity"]) if has(obj, "capacity") else "<unset>",
    ],
)


def volume_attachment_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    return [
        name_of(obj),
        get_str(spec, "attacher"),
        get_str(spec, "source", "persistentVolumeName"),
        get_str(spec, "nodeName"),
        get_bool(obj, "status", "attached"),
        _age(obj, now),
    ]


VOLUME_ATTACHMENT = TablePrinter(
    (
        NAME,
        column("Attacher", doc("storage/v1.VolumeAttachmentSpec.attacher"), format="name"),
        column("PV", doc("storage/v1.VolumeAttachmentSource.persistentVolumeName")),
        column("Node", doc("storage/v1.VolumeAttachmentSpec.nodeName")),
        column("Attached", doc("storage/v1.VolumeAttachmentStatus.attached"), type="boolean"),
        AGE,
    ),
    volume_attachment_cells,
)

PRINTERS: dict[str, TablePrinter] = {
    "CSIDriver": CSI_DRIVER,
    "CSINode": CSI_NODE,
    "CSIStorageCapacity": CSI_STORAGE_CAPACITY,
    "StorageClass": STORAGE_CLASS,
    "VolumeAttachment": VOLUME_ATTACHMENT,
}
"""``storage.k8s.io`` printers by kind."""
