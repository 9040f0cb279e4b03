"""The resources components talk about, and the URL paths they live at.

A :class:`Resource` is what client-go calls a GroupVersionResource plus the two facts a client needs to build
paths and lists: its kind and whether it is namespaced. Built-ins are taken from
:mod:`pinnace.api.registry` (generated from the Kubernetes 1.32 OpenAPI), so a constant here cannot disagree
with what the API server serves; custom resources are built directly:
``Resource("example.com", "v1", "widgets", "Widget", True)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from pinnace.api.gvk import GroupVersion, GroupVersionKind, GroupVersionResource
from pinnace.api.registry import ResourceInfo, builtin_registry


@dataclass(frozen=True, slots=True)
class Resource:
    """A served resource: ``Resource("apps", "v1", "deployments", "Deployment", True)``.

    ``verbs`` is what discovery advertises (filled for built-ins); it takes no part in equality.
    """

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``apps/v1`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """``deployments.apps`` (``pods`` for the core group): how upstream's messages name a resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str = "", name: str = "", subresource: str = "") -> str:
        """The URL path: ``/api/v1/namespaces/ns/pods/name/status``; without ``namespace`` a namespaced
        resource's path is its cluster-wide collection (``/apis/apps/v1/deployments``)."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        parts = [prefix]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{_segment(namespace)}")
        parts.append(self.plural)
        if name:
            parts.append(_segment(name))
            if subresource:
                parts.append(subresource)
        return "/".join(parts)

    def __str__(self) -> str:
        return self.qualified


def _segment(value: str) -> str:
    # Names are validated by the server; quoting keeps an odd one from changing the path's shape.
    return quote(value, safe=":@")


def _from_info(info: ResourceInfo) -> Resource:
    return Resource(info.group, info.version, info.plural, info.kind, info.namespaced, info.verbs)


def _builtin(group: str, version: str, plural: str) -> Resource:
    info = builtin_registry().by_gvr(GroupVersionResource(group, version, plural))
    if info is None:  # a typo here must fail at import, not at the first request
        raise LookupError(f"{plural}.{group}/{version} is not a built-in resource")
    return _from_info(info)


PODS = _builtin("", "v1", "pods")
NODES = _builtin("", "v1", "nodes")
NAMESPACES = _builtin("", "v1", "namespaces")
SERVICES = _builtin("", "v1", "services")
ENDPOINTS = _builtin("", "v1", "endpoints")
EVENTS = _builtin("", "v1", "events")
CONFIGMAPS = _builtin("", "v1", "configmaps")
SECRETS = _builtin("", "v1", "secrets")
SERVICEACCOUNTS = _builtin("", "v1", "serviceaccounts")
PERSISTENTVOLUMECLAIMS = _builtin("", "v1", "persistentvolumeclaims")
PERSISTENTVOLUMES = _builtin("", "v1", "persistentvolumes")
REPLICATIONCONTROLLERS = _builtin("", "v1", "replicationcontrollers")
RESOURCEQUOTAS = _builtin("", "v1", "resourcequotas")
LIMITRANGES = _builtin("", "v1", "limitranges")
DEPLOYMENTS = _builtin("apps", "v1", "deployments")
REPLICASETS = _builtin("apps", "v1", "replicasets")
STATEFULSETS = _builtin("apps", "v1", "statefulsets")
DAEMONSETS = _builtin("apps", "v1", "daemonsets")
CONTROLLERREVISIONS = _builtin("apps", "v1", "controllerrevisions")
JOBS = _builtin("batch", "v1", "jobs")
CRONJOBS = _builtin("batch", "v1", "cronjobs")
ENDPOINTSLICES = _builtin("discovery.k8s.io", "v1", "endpointslices")
LEASES = _builtin("coordination.k8s.io", "v1", "leases")
PODDISRUPTIONBUDGETS = _builtin("policy", "v1", "poddisruptionbudgets")
PRIORITYCLASSES = _builtin("scheduling.k8s.io", "v1", "priorityclasses")
HORIZONTALPODAUTOSCALERS = _builtin("autoscaling", "v2", "horizontalpodautoscalers")
STORAGECLASSES = _builtin("storage.k8s.io", "v1", "storageclasses")
CSINODES = _builtin("storage.k8s.io", "v1", "csinodes")
CERTIFICATESIGNINGREQUESTS = _builtin("certificates.k8s.io", "v1", "certificatesigningrequests")
EVENTS_V1 = _builtin("events.k8s.io", "v1", "events")


def for_kind(api_version: str, kind: str) -> Resource | None:
    """The built-in resource whose objects have this ``apiVersion`` and ``kind`` (an ownerReference's), or
    None for a kind Pinnace does not serve (a custom resource: look it up in discovery)."""
    try:
        gvk = GroupVersionKind.from_api_version(api_version, kind)
    except ValueError:
        return None
    info = builtin_registry().by_gvk(gvk)
    return _from_info(info) if info is not None else None


def served(group_version: GroupVersion | None = None) -> list[Resource]:
    """Every built-in resource (of one group-version), in discovery order, with its verbs.

    The garbage collector walks these; filter on ``"list" in r.verbs`` and ``"delete" in r.verbs``.
    """
    return [_from_info(info) for info in builtin_registry().resources(group_version)]
