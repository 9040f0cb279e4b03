"""Downward API selectors: ``fieldRef`` and ``resourceFieldRef`` in env vars and downwardAPI volumes.

Reproduces ``validateObjectFieldSelector`` (with ``podshelper.ConvertDownwardAPIFieldLabel`` and
``fieldpath.SplitMaybeSubscriptedPath``), ``validateContainerResourceFieldSelector`` and
``validateContainerResourceDivisor`` from ``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

from typing import Final

from pinnace.api.names import is_qualified_name
from pinnace.api.validation.field import FieldError, Path, invalid, invalid_each, not_supported, required
from pinnace.api.validation.resources import quantity_at
from pinnace.api.validation.values import Obj, present, string

VOLUME_FIELD_PATHS: Final = sorted(
    ["metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid"]
)
ENV_FIELD_PATHS: Final = sorted(
    [
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.serviceAccountName",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    ]
)
_CONVERTIBLE_FIELD_LABELS: Final = frozenset(
    {
        "metadata.annotations",
        "metadata.labels",
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.serviceAccountName",
        "spec.schedulerName",
        "status.phase",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)
RESOURCE_FIELD_PATHS: Final = sorted(
    [
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
    ]
)


def _split_subscript(field_path: str) -> tuple[str, str] | None:
    """``fieldpath.SplitMaybeSubscriptedPath``: ``metadata.labels['app']`` -> ``metadata.labels``, ``app``."""
    if not field_path.endswith("']"):
        return None
    head, sep, sub = field_path[:-2].partition("['")
    return (head, sub) if sep and head else None


def validate_object_field_selector(fs: Obj, expressions: list[str], path: Path) -> list[FieldError]:
    """``validateObjectFieldSelector`` for ``fieldRef`` (``apiVersion`` defaults to ``v1``)."""
    api_version = string(fs, "apiVersion") or "v1"
    field_path = string(fs, "fieldPath")
    if not field_path:
        return [required(path.child("fieldPath"))]
    if api_version != "v1":
        detail = f"error converting fieldPath: unsupported pod version: {api_version}"
        return [invalid(path.child("fieldPath"), field_path, detail)]
    split = _split_subscript(field_path)
    if split is not None:
        head, sub = split
        if head == "metadata.annotations":
            return invalid_each(path, sub.lower(), is_qualified_name(sub.lower()))
        if head == "metadata.labels":
            return invalid_each(path, sub, is_qualified_name(sub))
        detail = f"error converting fieldPath: field label does not support subscript: {field_path}"
        return [invalid(path.child("fieldPath"), field_path, detail)]
    internal = "spec.nodeName" if field_path == "spec.host" else field_path
    if internal not in _CONVERTIBLE_FIELD_LABELS:
        detail = f"error converting fieldPath: field label not supported: {field_path}"
        return [invalid(path.child("fieldPath"), field_path, detail)]
    if internal not in expressions:
        return [not_supported(path.child("fieldPath"), internal, expressions)]
    return []


_DIVISORS: Final = {
    "cpu": ({"1m", "1"}, "only divisor's values 1m and 1 are supported with the cpu resource"),
    "memory": (
        {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"},
        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with "
        "the "
        "memory resource",
    ),
    "ephemeral-storage": (
        {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"},
        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with "
        "the "
        "local ephemeral storage resource",
    ),
}


def validate_resource_field_selector(fs: Obj, path: Path, *, volume: bool) -> list[FieldError]:
    """``validateContainerResourceFieldSelector`` for ``resourceFieldRef``."""
    errs: list[FieldError] = []
    resource = string(fs, "resource")
    if volume and not string(fs, "containerName"):
        errs.append(required(path.child("containerName")))
    elif not resource:
        errs.append(required(path.child("resource")))
    elif resource not in RESOURCE_FIELD_PATHS and not resource.startswith(
        ("requests.hugepages-", "limits.hugepages-")
    ):
        errs.append(not_supported(path.child("resource"), resource, RESOURCE_FIELD_PATHS))
    if present(fs, "divisor"):
        divisor, d_errs = quantity_at(fs["divisor"], path.child("divisor"))
        errs += d_errs
        if divisor is not None and divisor.sign() != 0:
            kind = resource.split(".", 1)[-1]
            if resource.startswith(("requests.hugepages-", "limits.hugepages-")):
                kind = "hugepages"
            valid, msg = _DIVISORS.get(kind, (set(), ""))
            if kind == "hugepages":
                valid, msg = _DIVISORS["memory"][0], _DIVISORS["memory"][1].replace("memory", "hugepages")
            if msg and str(divisor) not in valid:
                errs.append(invalid(path.child("divisor"), resource, msg))
    return errs
