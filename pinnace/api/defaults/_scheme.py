"""The defaulter registry: (group, version, kind) -> the function that defaults such an object.

Upstream registers one generated ``SetObjectDefaults_<Kind>`` per type with ``scheme.AddTypeDefaultingFunc``
(``pkg/apis/<group>/<version>/zz_generated.defaults.go``) and the decoder calls it on every object it decodes,
from a request body and from storage alike. Here each group module exports ``DEFAULTERS`` and
:func:`apply_defaults` dispatches on the object's ``apiVersion`` and ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from pinnace.api.defaults import (
    admissionregistration,
    apiextensions,
    apps,
    authentication,
    autoscaling,
    batch,
    core,
    discovery,
    networking,
    policy,
    rbac,
    scheduling,
    storage,
)
from pinnace.api.gvk import GroupVersion, GroupVersionKind

Defaulter = Callable[[dict[str, Any]], None]

DEFAULTERS: Mapping[GroupVersionKind, Defaulter] = MappingProxyType(
    {
        gvk: defaulter
        for module in (
            core,
            apps,
            batch,
            autoscaling,
            networking,
            policy,
            rbac,
            storage,
            scheduling,
            discovery,
            admissionregistration,
            apiextensions,
            authentication,
        )
        for gvk, defaulter in module.DEFAULTERS.items()
    }
)


def object_gvk(obj: dict[str, Any]) -> GroupVersionKind | None:
    """The object's group-version-kind, or None when ``apiVersion``/``kind`` are missing or malformed."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not kind:
        return None
    try:
        return GroupVersion.parse(api_version).with_kind(kind)
    except ValueError:
        return None


def apply_defaults(obj: dict[str, Any]) -> None:
    """Default ``obj`` in place as Kubernetes 1.32 does for its ``apiVersion`` and ``kind``.

    Idempotent, and a field the user set is never replaced, except where upstream replaces it too (noted
    at the function that does). Kinds without defaults, custom resources and malformed objects are left
    alone; malformed fields are skipped for validation to report.
    """
    gvk = object_gvk(obj)
    defaulter = DEFAULTERS.get(gvk) if gvk is not None else None
    if defaulter is not None:
        defaulter(obj)
