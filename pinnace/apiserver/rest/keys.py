"""Store keys, laid out as kube-apiserver lays them out in etcd, so etcd users find their way."""

from __future__ import annotations

from pinnace.api.registry import ResourceInfo

# Where upstream's storage prefix differs from the plural name (pkg/registry/*/storage/storage.go).
_PREFIX_OVERRIDES: dict[tuple[str, str], str] = {
    ("", "services"): "services/specs",
    ("", "nodes"): "minions",
    ("networking.k8s.io", "ingresses"): "ingress",
    ("apiextensions.k8s.io", "customresourcedefinitions"): "apiextensions.k8s.io/customresourcedefinitions",
}


def resource_prefix(info: ResourceInfo) -> str:
    """``/registry/<resource>/`` — shared by every version of the resource."""
    return f"/registry/{_PREFIX_OVERRIDES.get((info.group, info.plural), info.plural)}/"


def collection_prefix(info: ResourceInfo, namespace: str) -> str:
    """The prefix of one namespace's objects, or of all of them when ``namespace`` is empty."""
    prefix = resource_prefix(info)
    return f"{prefix}{namespace}/" if info.namespaced and namespace else prefix


def object_key(info: ResourceInfo, namespace: str, name: str) -> str:
    if info.namespaced:
        return f"{resource_prefix(info)}{namespace}/{name}"
    return f"{resource_prefix(info)}{name}"
