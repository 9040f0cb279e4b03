"""Wire shapes of the discovery documents, as Kubernetes 1.32 serves them.

Legacy discovery (meta/v1): ``/api`` is an APIVersions, ``/apis`` an APIGroupList, ``/apis/<g>`` an
APIGroup, ``/api/v1`` and ``/apis/<g>/<v>`` an APIResourceList. Aggregated discovery
(``apidiscovery.k8s.io/v2``, and ``v2beta1`` that kubectl up to 1.32 also accepts) answers ``/api`` and
``/apis`` with one APIGroupDiscoveryList each when the request's Accept asks for it; the response must then
carry the matching Content-Type with its parameters, or kubectl parses the body as legacy discovery and fails
(wire-notes §1.2).

Keys are spelled and ordered as upstream's Go structs serialize them; ``NotRequired`` keys are the
``omitempty`` ones. The documents are built by :class:`pinnace.api.registry.ResourceRegistry`.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# Content-Types of aggregated discovery responses, parameters included (wire-notes §0.3, §1.2).
AGGREGATED_DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_DISCOVERY_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

AggregatedVersion = Literal["v2", "v2beta1"]


class ServerAddressByClientCIDR(TypedDict):
    clientCIDR: str
    serverAddress: str


class APIVersions(TypedDict):
    """``GET /api``."""

    kind: Literal["APIVersions"]
    versions: list[str]
    serverAddressByClientCIDRs: NotRequired[list[ServerAddressByClientCIDR]]


class GroupVersionForDiscovery(TypedDict):
    groupVersion: str
    version: str


class APIGroup(TypedDict):
    """One entry of ``/apis``, or ``GET /apis/<group>`` (which alone carries kind and apiVersion)."""

    kind: NotRequired[Literal["APIGroup"]]
    apiVersion: NotRequired[Literal["v1"]]
    name: str
    versions: list[GroupVersionForDiscovery]
    # The Python client compares this dict with each versions[] entry: it must be equal to one of them.
    preferredVersion: GroupVersionForDiscovery


class APIGroupList(TypedDict):
    """``GET /apis``."""

    kind: Literal["APIGroupList"]
    apiVersion: Literal["v1"]
    groups: list[APIGroup]


class APIResource(TypedDict):
    """A resource or subresource (``deployments/scale``) in an APIResourceList.

    ``group``/``version`` appear only when the kind is of another group-version than the list
    (``pods/eviction`` is policy/v1 Eviction, ``deployments/scale`` autoscaling/v1 Scale). Subresources have
    an empty ``singularName``.
    """

    name: str
    singularName: str
    namespaced: bool
    group: NotRequired[str]
    version: NotRequired[str]
    kind: str
    verbs: list[str]
    shortNames: NotRequired[list[str]]
    categories: NotRequired[list[str]]
    storageVersionHash: NotRequired[str]


class APIResourceList(TypedDict):
    """``GET /api/v1``, ``GET /apis/<group>/<version>``."""

    kind: Literal["APIResourceList"]
    apiVersion: Literal["v1"]
    groupVersion: str
    resources: list[APIResource]


class DiscoveryKind(TypedDict):
    """metav1.GroupVersionKind; group and version are empty for a kind of the resource's own group-version."""

    group: str
    version: str
    kind: str


class APISubresourceDiscovery(TypedDict):
    subresource: str
    responseKind: DiscoveryKind
    acceptedTypes: NotRequired[list[DiscoveryKind]]
    verbs: list[str]


class APIResourceDiscovery(TypedDict):
    resource: str
    responseKind: DiscoveryKind
    scope: Literal["Namespaced", "Cluster"]
    singularResource: str
    verbs: list[str]
    shortNames: NotRequired[list[str]]
    categories: NotRequired[list[str]]
    subresources: NotRequired[list[APISubresourceDiscovery]]


class APIVersionDiscovery(TypedDict):
    version: str
    resources: list[APIResourceDiscovery]
    freshness: Literal["Current", "Stale"]


class DiscoveryGroupMeta(TypedDict):
    """An APIGroupDiscovery's metadata: only the group's name, absent for the core group."""

    name: NotRequired[str]


class APIGroupDiscovery(TypedDict):
    metadata: DiscoveryGroupMeta
    # Preferred version first.
    versions: list[APIVersionDiscovery]


class DiscoveryListMeta(TypedDict):
    pass


class APIGroupDiscoveryList(TypedDict):
    """Aggregated ``GET /api`` (one item: the core group) or ``GET /apis`` (every group, by priority)."""

    kind: Literal["APIGroupDiscoveryList"]
    apiVersion: str
    metadata: DiscoveryListMeta
    items: list[APIGroupDiscovery]
