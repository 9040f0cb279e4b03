"""PodDisruptionBudgets (``policy/v1``).

Reproduces ``pkg/apis/policy/validation/validation.go``: ``minAvailable`` xor ``maxUnavailable``, each a
non-negative integer or a percentage of at most 100%, a valid selector and ``unhealthyPodEvictionPolicy``.
Upstream's PDB validation does not check metadata itself; the generic registry then applies the path-segment
name rules (see :mod:`.dispatch`), so a PDB's name only has to be usable in a URL.
"""

from __future__ import annotations

from typing import Final

from pinnace.api.gofmt import GO_POINTER, GoValue
from pinnace.api.validation.apps import is_not_more_than_100_percent, validate_positive_int_or_percent
from pinnace.api.validation.field import FieldError, Path, invalid, not_supported
from pinnace.api.validation.meta import validate_label_selector
from pinnace.api.validation.values import Obj, obj, opt_obj

_SPEC: Final = Path.root("spec")


def _go_pdb_spec(spec: Obj) -> GoValue:
    def ptr(key: str) -> str:
        return f"(*intstr.IntOrString)({GO_POINTER if spec.get(key) is not None else 'nil'})"

    selector = "(*v1.LabelSelector)(" + (GO_POINTER if spec.get("selector") is not None else "nil") + ")"
    policy = (
        "(*policy.UnhealthyPodEvictionPolicyType)("
        + (GO_POINTER if spec.get("unhealthyPodEvictionPolicy") else "nil")
        + ")"
    )
    return GoValue(
        f"policy.PodDisruptionBudgetSpec{{MinAvailable:{ptr('minAvailable')}, Selector:{selector}, "
        f"MaxUnavailable:{ptr('maxUnavailable')}, UnhealthyPodEvictionPolicy:{policy}}}"
    )


def _pdb_spec(spec: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        errs.append(invalid(_SPEC, _go_pdb_spec(spec), "minAvailable and maxUnavailable cannot be both set"))
    for key, value in (("minAvailable", min_available), ("maxUnavailable", max_unavailable)):
        if value is not None:
            errs += validate_positive_int_or_percent(value, _SPEC.child(key))
            errs += is_not_more_than_100_percent(value, _SPEC.child(key))
    errs += validate_label_selector(opt_obj(spec, "selector"), _SPEC.child("selector"))
    policy = spec.get("unhealthyPodEvictionPolicy")
    if isinstance(policy, str) and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        errs.append(
            not_supported(
                _SPEC.child("unhealthyPodEvictionPolicy"), policy, ["AlwaysAllow", "IfHealthyBudget"]
            )
        )
    return errs


def validate_pdb(pdb: Obj) -> list[FieldError]:
    return _pdb_spec(obj(pdb, "spec"))


def validate_pdb_update(new: Obj, old: Obj) -> list[FieldError]:
    # The strategy validates the new spec; metadata update rules come from the generic registry.
    return _pdb_spec(obj(new, "spec"))
