"""DefaultStorageClass: a claim that names no class gets the cluster's default StorageClass
(``plugin/pkg/admission/storage/storageclass/setdefault``, ``pkg/volume/util.GetDefaultClass``).

A claim "names a class" if it has ``spec.storageClassName`` (even "", which asks for no class) or the beta
``volume.beta.kubernetes.io/storage-class`` annotation. Of several default classes the newest wins, then
the first by name.
"""

from __future__ import annotations

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext

NAME = "DefaultStorageClass"

STORAGE_CLASSES = GroupVersionResource("storage.k8s.io", "v1", "storageclasses")
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def is_default_class(storage_class: Object) -> bool:
    annotations = (storage_class.get("metadata") or {}).get("annotations") or {}
    return any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)


def default_class(classes: list[Object]) -> Object | None:
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    # Newest first (creationTimestamp strings share one RFC 3339 form), then by name.
    defaults.sort(key=lambda c: str(c["metadata"].get("name", "")))
    defaults.sort(key=lambda c: str(c["metadata"].get("creationTimestamp", "")), reverse=True)
    return defaults[0]


def has_class(claim: Object) -> bool:
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    return (
        BETA_STORAGE_CLASS_ANNOTATION in annotations
        or (claim.get("spec") or {}).get("storageClassName") is not None
    )


class DefaultStorageClass(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE)
        self.objects: ObjectSource = context.objects

    async def admit(self, attributes: Attributes) -> None:
        resource = attributes.resource
        if (resource.group, resource.resource) != ("", "persistentvolumeclaims") or attributes.subresource:
            return
        claim = attributes.object
        if claim is None or has_class(claim):
            return
        chosen = default_class(await self.objects.list(STORAGE_CLASSES))
        if chosen is not None:
            claim.setdefault("spec", {})["storageClassName"] = chosen["metadata"]["name"]


def new(context: PluginContext) -> DefaultStorageClass:
    return DefaultStorageClass(context)
