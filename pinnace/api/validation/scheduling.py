"""PriorityClasses (``scheduling.k8s.io/v1``) and Leases (``coordination.k8s.io/v1``).

Reproduces ``pkg/apis/scheduling/validation/validation.go`` (the reserved ``system-`` prefix, user values of
at most one billion, immutable value and preemption policy) and ``pkg/apis/coordination/validation``
(positive lease durations, non-negative transitions; Lease metadata uses apimachinery's rules, without core's
finalizer check).
"""

from __future__ import annotations

from typing import Final

from pinnace.api.names import name_is_dns_subdomain
from pinnace.api.validation.field import FieldError, Path, forbidden, invalid, not_supported
from pinnace.api.validation.meta import (
    validate_immutable_field,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.values import Obj, boolean, integer, obj, string

HIGHEST_USER_DEFINABLE_PRIORITY: Final = 1_000_000_000
_SYSTEM_PRIORITY_CLASSES: Final = {
    "system-node-critical": 2_000_001_000,
    "system-cluster-critical": 2_000_000_000,
}


def _known_system_class_error(name: str, value: int, global_default: bool) -> str | None:
    if name not in _SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != _SYSTEM_PRIORITY_CLASSES[name]:
        return f"value of {name} PriorityClass must be {_SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return None


def validate_priority_class(pc: Obj) -> list[FieldError]:
    meta = obj(pc, "metadata")
    errs = validate_object_meta(meta, namespaced=False, name_fn=name_is_dns_subdomain)
    name, value = string(meta, "name"), integer(pc, "value") or 0
    if name.startswith("system-"):
        error = _known_system_class_error(name, value, boolean(pc, "globalDefault") is True)
        if error is not None:
            detail = (
                f"priority class names with 'system-' prefix are reserved for system use only. error: {error}"
            )
            errs.append(forbidden(Path.root("metadata", "name"), detail))
    elif value > HIGHEST_USER_DEFINABLE_PRIORITY:
        detail = f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
        errs.append(forbidden(Path.root("value"), detail))
    policy = pc.get("preemptionPolicy")
    if isinstance(policy, str) and policy not in ("PreemptLowerPriority", "Never"):
        errs.append(not_supported(Path.root("preemptionPolicy"), policy, ["PreemptLowerPriority", "Never"]))
    return errs


def validate_priority_class_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    if (integer(new, "value") or 0) != (integer(old, "value") or 0):
        errs.append(forbidden(Path.root("value"), "may not be changed in an update."))
    new_policy = new.get("preemptionPolicy") or "PreemptLowerPriority"
    old_policy = old.get("preemptionPolicy") or "PreemptLowerPriority"
    return errs + validate_immutable_field(new_policy, old_policy, Path.root("preemptionPolicy"))


def _lease_spec(spec: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    path = Path.root("spec")
    duration, transitions = integer(spec, "leaseDurationSeconds"), integer(spec, "leaseTransitions")
    if duration is not None and duration <= 0:
        errs.append(invalid(path.child("leaseDurationSeconds"), duration, "must be greater than 0"))
    if transitions is not None and transitions < 0:
        errs.append(
            invalid(path.child("leaseTransitions"), transitions, "must be greater than or equal to 0")
        )
    strategy = spec.get("strategy")
    if isinstance(strategy, str) and "/" not in strategy and strategy != "OldestEmulationVersion":
        errs.append(not_supported(path.child("strategy"), strategy, ["OldestEmulationVersion"]))
    if string(spec, "preferredHolder") and not string(spec, "strategy"):
        errs.append(
            forbidden(path.child("preferredHolder"), "may only be specified if `strategy` is defined")
        )
    return errs


def validate_lease(lease: Obj) -> list[FieldError]:
    meta = obj(lease, "metadata")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain, kube_finalizers=False)
    return errs + _lease_spec(obj(lease, "spec"))


def validate_lease_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"), kube_finalizers=False)
    return errs + _lease_spec(obj(new, "spec"))
