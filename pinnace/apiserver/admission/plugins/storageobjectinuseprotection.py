"""StorageObjectInUseProtection: new PersistentVolumes and PersistentVolumeClaims get the protection
finalizers, so they outlive their users (``plugin/pkg/admission/storage/storageobjectinuseprotection``).

The controller manager's pvc-protection and pv-protection controllers remove the finalizers once nothing
uses the object.
"""

from __future__ import annotations

from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.interfaces import Handler, PluginContext

NAME = "StorageObjectInUseProtection"

PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
FINALIZERS = {
    "persistentvolumes": PV_PROTECTION_FINALIZER,
    "persistentvolumeclaims": PVC_PROTECTION_FINALIZER,
}


class StorageObjectInUseProtection(Handler):
    def __init__(self) -> None:
        super().__init__(Operation.CREATE)

    async def admit(self, attributes: Attributes) -> None:
        resource = attributes.resource
        finalizer = FINALIZERS.get(resource.resource) if resource.group == "" else None
        if finalizer is None or attributes.subresource or attributes.object is None:
            return
        metadata = attributes.object.setdefault("metadata", {})
        finalizers = metadata.get("finalizers")
        if not isinstance(finalizers, list):
            finalizers = []
        if finalizer not in finalizers:
            metadata["finalizers"] = [*finalizers, finalizer]


def new(context: PluginContext) -> StorageObjectInUseProtection:
    return StorageObjectInUseProtection()
