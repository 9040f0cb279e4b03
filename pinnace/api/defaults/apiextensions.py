"""Defaults of ``apiextensions.k8s.io/v1``: CustomResourceDefinition.

Reproduces ``k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go``: ``names.singular`` is
the lowercased kind, ``names.listKind`` is ``<kind>List``, ``conversion`` defaults to ``{strategy: None}``,
a conversion webhook's service port to 443, and ``status.storedVersions`` to the storage version. (The v1beta1
defaults ``preserveUnknownFields: true`` and ``conversionReviewVersions: [v1beta1]`` do not exist in v1.)
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_unset, default_zero, ensure_child, items, path
from pinnace.api.gvk import GroupVersionKind


def default_custom_resource_definition(crd: Obj) -> None:
    spec = ensure_child(crd, "spec")
    names = ensure_child(spec, "names")
    kind = names.get("kind")
    if isinstance(kind, str):
        default_zero(names, "singular", kind.lower())
        if kind:
            default_zero(names, "listKind", kind + "List")
    default_unset(spec, "conversion", {"strategy": "None"})
    service = path(spec, "conversion", "webhook", "clientConfig", "service")
    if service is not None:
        default_unset(service, "port", 443)
    status = ensure_child(crd, "status")
    if not status.get("storedVersions"):
        storage = next((v.get("name") for v in items(spec, "versions") if v.get("storage") is True), None)
        if isinstance(storage, str):
            status["storedVersions"] = [storage]


DEFAULTERS = {
    GroupVersionKind(
        "apiextensions.k8s.io", "v1", "CustomResourceDefinition"
    ): default_custom_resource_definition,
}
