"""The Kubernetes API as data: which resources exist and how they are named, scoped and discovered.

:mod:`pinnace.api.gvk` names API types (GroupVersion, GroupVersionKind, GroupVersionResource);
:mod:`pinnace.api.registry` holds the served resources (``builtin_registry()``, generated from the Kubernetes
1.32 OpenAPI document by ``hack/gen_api_data.py``) and builds the discovery documents whose wire shapes
:mod:`pinnace.api.discovery` declares. This package imports nothing else of Pinnace's, so every component
may use it.
"""

from pinnace.api.gvk import GroupVersion, GroupVersionKind, GroupVersionResource
from pinnace.api.registry import (
    APIGroupInfo,
    ResourceInfo,
    ResourceRegistry,
    SubresourceInfo,
    builtin_registry,
)

__all__ = [
    "APIGroupInfo",
    "GroupVersion",
    "GroupVersionKind",
    "GroupVersionResource",
    "ResourceInfo",
    "ResourceRegistry",
    "SubresourceInfo",
    "builtin_registry",
]
