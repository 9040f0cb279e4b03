"""The resource registry: every served resource, looked up the ways the API server and clients need.

Built-in resources load once from ``data/resources.json``, which ``hack/gen_api_data.py`` generates from the
Kubernetes 1.32 OpenAPI document plus hand-kept tables (served group-versions and their priorities, short
names, categories). A :class:`ResourceRegistry` is immutable; it answers lookups by GVR, GVK, (group,
resource) and kubectl-style names, and builds the discovery documents (legacy and aggregated) with upstream's
ordering: groups by priority, a group's versions preferred first, a group-version's resources by name.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources as package_files
from types import MappingProxyType
from typing import Any, Literal

from pinnace.api.discovery import (
    AggregatedVersion,
    APIGroup,
    APIGroupDiscovery,
    APIGroupDiscoveryList,
    APIGroupList,
    APIResource,
    APIResourceDiscovery,
    APIResourceList,
    APISubresourceDiscovery,
    APIVersionDiscovery,
    APIVersions,
    DiscoveryKind,
    GroupVersionForDiscovery,
)
from pinnace.api.gvk import GroupVersion, GroupVersionKind, GroupVersionResource


@dataclass(frozen=True, slots=True)
class SubresourceInfo:
    """A subresource such as ``status``, ``scale`` or ``eviction``; its kind may be of another group."""

    name: str
    kind: GroupVersionKind
    verbs: tuple[str, ...]


_NO_SUBRESOURCES: Mapping[str, SubresourceInfo] = MappingProxyType({})


def _no_subresources() -> Mapping[str, SubresourceInfo]:
    return _NO_SUBRESOURCES


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One resource of one group-version, with what discovery says about it."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # name -> subresource; read-only. Left out of the hash (a mapping has none); equality still compares it.
    subresources: Mapping[str, SubresourceInfo] = field(default_factory=_no_subresources, hash=False)

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def api_version(self) -> str:
        return self.group_version.api_version

    @property
    def gvr(self) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, self.plural)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def supports(self, verb: str, subresource: str = "") -> bool:
        """Whether discovery advertises ``verb`` on the resource or on one of its subresources."""
        if not subresource:
            return verb in self.verbs
        sub = self.subresources.get(subresource)
        return sub is not None and verb in sub.verbs


@dataclass(frozen=True, slots=True)
class APIGroupInfo:
    """A served group: its versions in order of preference (the first is preferred) and its /apis priority."""

    name: str
    versions: tuple[str, ...]
    priority: int = 0

    @property
    def preferred_version(self) -> str:
        return self.versions[0]

    @property
    def group_versions(self) -> tuple[GroupVersion, ...]:
        return tuple(GroupVersion(self.name, v) for v in self.versions)


class ResourceRegistry:
    """Served groups and their resources, immutable. Groups keep discovery order: core, then /apis."""

    __slots__ = ("_by_group_resource", "_by_gv", "_by_gvk", "_by_gvr", "_groups", "_ordered")

    def __init__(self, groups: Iterable[APIGroupInfo], resources: Iterable[ResourceInfo]) -> None:
        self._groups = {g.name: g for g in groups}
        by_gv: dict[GroupVersion, list[ResourceInfo]] = {
            gv: [] for g in self._groups.values() for gv in g.group_versions
        }
        self._by_gvr: dict[GroupVersionResource, ResourceInfo] = {}
        for info in resources:
            if info.group_version not in by_gv:
                raise ValueError(f"resource {info.gvr} is of a group-version that is not served")
            if info.gvr in self._by_gvr:
                raise ValueError(f"resource {info.gvr} is registered twice")
            self._by_gvr[info.gvr] = info
            by_gv[info.group_version].append(info)
        self._by_gv = {gv: tuple(sorted(infos, key=lambda r: r.plural)) for gv, infos in by_gv.items()}
        # Discovery order, which is also kubectl's order of preference when a name is ambiguous.
        self._ordered = tuple(info for infos in self._by_gv.values() for info in infos)
        self._by_gvk = {info.gvk: info for info in reversed(self._ordered)}
        self._by_group_resource = {(info.group, info.plural): info for info in reversed(self._ordered)}

    @classmethod
    def from_json(cls, data: str | bytes) -> ResourceRegistry:
        """Load the generator's document (see ``hack/gen_api_data.py``)."""
        doc = json.loads(data)
        groups = (
            APIGroupInfo(name=g["name"], versions=tuple(g["versions"]), priority=g["priority"])
            for g in doc["groups"]
        )
        return cls(groups, (_resource_from_json(r) for r in doc["resources"]))

    # Lookups ---------------------------------------------------------------------------------------------

    def groups(self) -> tuple[APIGroupInfo, ...]:
        """Every served group in discovery order, the core group (``""``) first."""
        return tuple(self._groups.values())

    def group(self, name: str) -> APIGroupInfo | None:
        return self._groups.get(name)

    def is_served(self, gv: GroupVersion) -> bool:
        return gv in self._by_gv

    def resources(self, gv: GroupVersion | None = None) -> tuple[ResourceInfo, ...]:
        """The resources of one group-version sorted by plural, or all of them in discovery order."""
        if gv is None:
            return self._ordered
        return self._by_gv.get(gv, ())

    def by_gvr(self, gvr: GroupVersionResource) -> ResourceInfo | None:
        return self._by_gvr.get(gvr)

    def by_gvk(self, gvk: GroupVersionKind) -> ResourceInfo | None:
        """The resource whose objects are of ``gvk`` (not the subresources that merely return it)."""
        return self._by_gvk.get(gvk)

    def by_group_resource(self, group: str, resource: str) -> ResourceInfo | None:
        """``deployments`` of ``apps`` at the group's most preferred version that serves it."""
        return self._by_group_resource.get((group, resource))

    def resolve(self, name: str) -> ResourceInfo | None:
        """A resource named as kubectl accepts it: ``po``, ``pod``, ``pods``, ``Pod``, ``deploy.apps``,
        ``deployments.v1.apps``, ``hpa.v1.autoscaling``.

        As kubectl does (cli-runtime's shortcut expander, then apimachinery's ``ParseResourceArg`` and the
        priority RESTMapper): short names are tried before plurals and singulars, a ``.version.group`` suffix
        is tried before a plain ``.group`` one, and among several matches the first in discovery order wins
        (``events`` is the core group's; ``hpa`` is autoscaling's preferred version, v2).
        """
        arg = name.lower()
        resource, _, qualifier = arg.partition(".")
        wanted: list[tuple[str | None, str | None]] = []  # (version, group) filters, most specific first
        if qualifier:
            version, _, group = qualifier.partition(".")
            if group:
                wanted.append((version, group))
            wanted.append((None, qualifier))
        else:
            wanted.append((None, None))
        for version_filter, group_filter in wanted:
            candidates = [
                info
                for info in self._ordered
                if (group_filter is None or info.group == group_filter)
                and (version_filter is None or info.version == version_filter)
            ]
            for info in candidates:
                if resource in info.short_names:
                    return info
            for info in candidates:
                if resource in (info.plural, info.singular):
                    return info
        return None

    # Discovery documents -------------------------------------------------------------------------------

    def discovery_api_versions(self, server_address: str | None = None) -> APIVersions:
        """``GET /api``; ``server_address`` (``host:port``) fills ``serverAddressByClientCIDRs``."""
        core = self._groups.get("")
        doc: APIVersions = {"kind": "APIVersions", "versions": list(core.versions) if core else []}
        if server_address is not None:
            doc["serverAddressByClientCIDRs"] = [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
        return doc

    def discovery_api_group_list(self) -> APIGroupList:
        """``GET /apis``: every named group, highest priority first."""
        groups = [_api_group(g) for g in self._groups.values() if g.name]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def discovery_api_group(self, group: str) -> APIGroup | None:
        """``GET /apis/<group>``, or None (404) for the core group and groups that are not served."""
        info = self._groups.get(group)
        if info is None or not group:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(info)}

    def discovery_api_resource_list(self, group: str, version: str) -> APIResourceList | None:
        """``GET /api/v1`` (group ``""``) or ``GET /apis/<group>/<version>``; None (404) when not served."""
        gv = GroupVersion(group, version)
        if gv not in self._by_gv:
            return None
        entries: list[APIResource] = []
        for info in self._by_gv[gv]:
            entries.append(_api_resource(info))
            entries.extend(_api_subresource(info, sub) for sub in info.subresources.values())
        # Upstream installs storage paths in sorted order, so "pods/attach" sorts before "podtemplates".
        entries.sort(key=lambda e: e["name"])
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv.api_version,
            "resources": entries,
        }

    def discovery_aggregated(
        self, path: Literal["/api", "/apis"], version: AggregatedVersion = "v2"
    ) -> APIGroupDiscoveryList:
        """Aggregated discovery for ``/api`` (the core group alone, without a name) or ``/apis`` (every named
        group). Serve it with the Content-Type ``pinnace.api.discovery.AGGREGATED_DISCOVERY_V2`` (or
        ``..._V2BETA1`` for ``version="v2beta1"``).
        """
        items = [self._group_discovery(g) for g in self._groups.values() if bool(g.name) == (path == "/apis")]
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {},
            "items": items,
        }

    def _group_discovery(self, group: APIGroupInfo) -> APIGroupDiscovery:
        versions: list[APIVersionDiscovery] = [
            {
                "version": gv.version,
                "resources": [_resource_discovery(info) for info in self._by_gv[gv]],
                "freshness": "Current",
            }
            for gv in group.group_versions
        ]
        return {"metadata": {"name": group.name} if group.name else {}, "versions": versions}


@functools.cache
def builtin_registry() -> ResourceRegistry:
    """The registry of Pinnace's built-in resources (Kubernetes 1.32), loaded once from package data."""
    data = package_files.files("pinnace.api").joinpath("data").joinpath("resources.json").read_bytes()
    return ResourceRegistry.from_json(data)


def _resource_from_json(obj: Mapping[str, Any]) -> ResourceInfo:
    subresources = {
        name: SubresourceInfo(
            name=name,
            kind=GroupVersionKind(sub["group"], sub["version"], sub["kind"]),
            verbs=tuple(sub["verbs"]),
        )
        for name, sub in obj.get("subresources", {}).items()
    }
    return ResourceInfo(
        group=obj["group"],
        version=obj["version"],
        kind=obj["kind"],
        plural=obj["plural"],
        singular=obj["singular"],
        namespaced=obj["namespaced"],
        verbs=tuple(obj["verbs"]),
        short_names=tuple(obj.get("shortNames", ())),
        categories=tuple(obj.get("categories", ())),
        subresources=MappingProxyType(subresources) if subresources else _NO_SUBRESOURCES,
    )


def _group_version_for_discovery(gv: GroupVersion) -> GroupVersionForDiscovery:
    return {"groupVersion": gv.api_version, "version": gv.version}


def _api_group(group: APIGroupInfo) -> APIGroup:
    versions = [_group_version_for_discovery(gv) for gv in group.group_versions]
    # The Python client compares preferredVersion with the versions[] entries by value (wire-notes §1.2).
    preferred = _group_version_for_discovery(group.group_versions[0])
    return {"name": group.name, "versions": versions, "preferredVersion": preferred}


def _api_resource(info: ResourceInfo) -> APIResource:
    entry: APIResource = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    return entry


def _api_subresource(info: ResourceInfo, sub: SubresourceInfo) -> APIResource:
    name, namespaced, kind, verbs = (
        f"{info.plural}/{sub.name}",
        info.namespaced,
        sub.kind.kind,
        list(sub.verbs),
    )
    if sub.kind.group_version == info.group_version:
        return {"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": verbs}
    # Keys in upstream's order: group and version come between namespaced and kind.
    return {
        "name": name,
        "singularName": "",
        "namespaced": namespaced,
        "group": sub.kind.group,
        "version": sub.kind.version,
        "kind": kind,
        "verbs": verbs,
    }


def _discovery_kind(info: ResourceInfo, kind: GroupVersionKind) -> DiscoveryKind:
    # Built-in resources leave group and version empty when the kind is of their own group-version
    # (apiserver endpoints/installer.go ConvertGroupVersionIntoToDiscovery copies APIResource.Group/Version).
    if kind.group_version == info.group_version:
        return {"group": "", "version": "", "kind": kind.kind}
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def _resource_discovery(info: ResourceInfo) -> APIResourceDiscovery:
    entry: APIResourceDiscovery = {
        "resource": info.plural,
        "responseKind": _discovery_kind(info, info.gvk),
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "singularResource": info.singular,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    if info.subresources:
        subresources: list[APISubresourceDiscovery] = [
            {
                "subresource": sub.name,
                "responseKind": _discovery_kind(info, sub.kind),
                "verbs": list(sub.verbs),
            }
            for sub in sorted(info.subresources.values(), key=lambda s: s.name)
        ]
        entry["subresources"] = subresources
    return entry
