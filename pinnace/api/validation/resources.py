"""Compute resource names and quantities: container ``resources``, requests ≤ limits, hugepages.

Reproduces ``validateResourceRequirements``, ``validateContainerResourceName``, ``validateResourceName``,
``ValidateResourceQuantityValue`` and ``validateResourceClaimNames`` from
``pkg/apis/core/validation/validation.go``, with the helpers of ``pkg/apis/core/helper/helpers.go``
(standard, native, extended, integer and overcommittable resource names).

A quantity that does not parse never reaches validation upstream: JSON decoding fails first and the API
server answers 400 ``<Kind> in version "v1" cannot be handled as a <Kind>: quantities must match ...``.
Here it is reported as an ``Invalid`` error at its field, with upstream's parser message as the detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pinnace.api.names import is_dns1123_label, is_qualified_name
from pinnace.api.quantity import Quantity, QuantityError, parse_quantity
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    forbidden,
    invalid,
    invalid_each,
    not_found,
    required,
)
from pinnace.api.validation.meta import IS_NEGATIVE
from pinnace.api.validation.values import Obj, obj, objects, string

_STANDARD_RESOURCES: Final = frozenset(
    {
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})
_INTEGER_RESOURCES: Final = frozenset(
    {
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    }
)


def is_hugepage(name: str) -> bool:
    return name.startswith("hugepages-")


def is_standard_resource(name: str) -> bool:
    return name in _STANDARD_RESOURCES or name.startswith(("hugepages-", "requests.hugepages-"))


def is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def is_extended(name: str) -> bool:
    if is_native(name) or name.startswith("requests."):
        return False
    return not is_qualified_name("requests." + name)


def is_overcommit_allowed(name: str) -> bool:
    return is_native(name) and not is_hugepage(name)


def is_integer_resource(name: str) -> bool:
    return name in _INTEGER_RESOURCES or is_extended(name)


def quantity_at(raw: Any, path: Path) -> tuple[Quantity | None, list[FieldError]]:
    """Parse a quantity field; a malformed one is an error at its path (see the module docstring)."""
    try:
        return parse_quantity(raw), []
    except QuantityError as err:
        return None, [invalid(path, raw if isinstance(raw, str) else str(raw), str(err))]


def validate_resource_name(name: str, path: Path) -> list[FieldError]:
    errs = invalid_each(path, name, is_qualified_name(name))
    if errs:
        return errs
    if "/" not in name and not is_standard_resource(name):
        return [invalid(path, name, "must be a standard resource type or fully qualified")]
    return []


def validate_container_resource_name(name: str, path: Path) -> list[FieldError]:
    errs = validate_resource_name(name, path)
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not is_hugepage(name):
            return [*errs, invalid(path, name, "must be a standard resource for containers")]
    elif not is_native(name) and not is_extended(name):
        return [*errs, invalid(path, name, "doesn't follow extended resource name standard")]
    return errs


def validate_resource_quantity_value(name: str, q: Quantity, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    if q.sign() < 0:
        errs.append(invalid(path, str(q), IS_NEGATIVE))
    if is_integer_resource(name) and q.milli_value() % 1000 != 0:
        errs.append(invalid(path, q.go_repr(), "must be an integer"))
    return errs


def _hugepage_error(name: str, q: Quantity) -> str | None:
    try:
        page = Quantity.parse(name[len("hugepages-") :])
    except QuantityError:
        page = None
    divisible = (
        page is not None
        and page.sign() > 0
        and page.milli_value() % 1000 == 0
        and q.int_value() % page.int_value() == 0
    )
    return None if divisible else f"{q} is not positive integer multiple of {name}"


def _resource_list(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def validate_resource_requirements(
    requirements: Obj, path: Path, pod_claim_names: frozenset[str] = frozenset()
) -> list[FieldError]:
    """``ValidateContainerResourceRequirements`` (also used for ``overhead``)."""
    errs: list[FieldError] = []
    lim_path, req_path = path.child("limits"), path.child("requests")
    limits, requests = (
        _resource_list(requirements.get("limits")),
        _resource_list(requirements.get("requests")),
    )
    parsed_limits: dict[str, Quantity] = {}
    lim_cpu_mem = req_cpu_mem = lim_huge = req_huge = False
    for name, raw in limits.items():
        p = lim_path.key(name)
        errs += validate_container_resource_name(name, p)
        q, q_errs = quantity_at(raw, p)
        errs += q_errs
        if q is None:
            continue
        parsed_limits[name] = q
        errs += validate_resource_quantity_value(name, q, p)
        if is_hugepage(name):
            lim_huge = True
            if (msg := _hugepage_error(name, q)) is not None:
                errs.append(invalid(p, str(q), msg))
        lim_cpu_mem = lim_cpu_mem or name in ("cpu", "memory")
    for name, raw in requests.items():
        p = req_path.key(name)
        errs += validate_container_resource_name(name, p)
        q, q_errs = quantity_at(raw, p)
        errs += q_errs
        if q is None:
            continue
        errs += validate_resource_quantity_value(name, q, p)
        limit = parsed_limits.get(name)
        if limit is not None:
            if q.cmp(limit) != 0 and not is_overcommit_allowed(name):
                errs.append(invalid(req_path, str(q), f"must be equal to {name} limit of {limit}"))
            elif q.cmp(limit) > 0:
                errs.append(
                    invalid(req_path, str(q), f"must be less than or equal to {name} limit of {limit}")
                )
        elif name not in limits and not is_overcommit_allowed(name):
            errs.append(required(lim_path, "Limit must be set for non overcommitable resources"))
        if is_hugepage(name):
            req_huge = True
            if (msg := _hugepage_error(name, q)) is not None:
                errs.append(invalid(p, str(q), msg))
        req_cpu_mem = req_cpu_mem or name in ("cpu", "memory")
    if not lim_cpu_mem and not req_cpu_mem and (req_huge or lim_huge):
        errs.append(forbidden(path, "HugePages require cpu or memory"))
    errs += _validate_claim_names(objects(requirements, "claims"), pod_claim_names, path.child("claims"))
    return errs


def _validate_claim_names(claims: list[Obj], pod_claim_names: frozenset[str], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, claim in enumerate(claims):
        name, request = string(claim, "name"), string(claim, "request")
        if not name:
            errs.append(required(path.index(i)))
            continue
        key = f"{name}/{request}" if request else name
        if request:
            errs += invalid_each(path.index(i).child("request"), request, is_dns1123_label(request))
        if name in seen or key in seen:
            errs.append(duplicate(path.index(i), key))
        seen.add(key)
        if name not in pod_claim_names:
            detail = "must be one of the names in pod.spec.resourceClaims"
            detail += " which is empty" if not pod_claim_names else ": " + ", ".join(sorted(pod_claim_names))
            errs.append(not_found(path.index(i), name, detail))
    return errs


def storage_request(spec: Obj) -> Any:
    return _resource_list(obj(spec, "resources").get("requests")).get("storage")
