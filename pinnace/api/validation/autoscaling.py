"""HorizontalPodAutoscalers (``autoscaling/v2``, and ``autoscaling/v1`` converted to the same shape).

Reproduces ``pkg/apis/autoscaling/validation/validation.go``: ``minReplicas`` ≥ 1 (HPAScaleToZero is alpha and
off in 1.32) and ≤ ``maxReplicas``, a ``scaleTargetRef`` with kind and name, metric sources (exactly the one
named by ``type``) and targets (``Utilization``, ``Value`` or ``AverageValue`` with positive values), and the
scaling behaviour rules. Behaviour policies that the API server defaults are assumed when absent.
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.names import is_dns1123_label, is_valid_path_segment_name, name_is_dns_subdomain
from pinnace.api.validation.field import (
    FieldError,
    Path,
    forbidden,
    invalid,
    invalid_each,
    not_supported,
    required,
)
from pinnace.api.validation.meta import validate_object_meta, validate_object_meta_update
from pinnace.api.validation.resources import quantity_at, validate_container_resource_name
from pinnace.api.validation.values import Obj, integer, obj, objects, opt_obj, string

_SPEC: Final = Path.root("spec")
_SOURCE_TYPES: Final = ["ContainerResource", "External", "Object", "Pods", "Resource"]
_SOURCE_FIELDS: Final = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}


def _cross_version_reference(ref: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("kind", "name"):
        value = string(ref, key)
        if not value:
            errs.append(required(path.child(key)))
        else:
            errs += invalid_each(path.child(key), value, is_valid_path_segment_name(value))
    return errs


def _metric_identifier(identifier: Obj, path: Path) -> list[FieldError]:
    name = string(identifier, "name")
    if not name:
        return [required(path.child("name"), "must specify a metric name")]
    return invalid_each(path.child("name"), name, is_valid_path_segment_name(name))


def _metric_target(target: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    kind = string(target, "type")
    if not kind:
        errs.append(required(path.child("type"), "must specify a metric target type"))
    if kind not in ("Utilization", "Value", "AverageValue"):
        errs.append(invalid(path.child("type"), kind, "must be either Utilization, Value, or AverageValue"))
    for key in ("value", "averageValue"):
        raw = target.get(key)
        if raw is None:
            continue
        q, q_errs = quantity_at(raw, path.child(key))
        errs += q_errs
        if q is not None and q.sign() != 1:
            errs.append(invalid(path.child(key), q.go_repr(), "must be positive"))
    utilization = integer(target, "averageUtilization")
    if utilization is not None and utilization < 1:
        errs.append(invalid(path.child("averageUtilization"), utilization, "must be greater than 0"))
    return errs


def _source(kind: str, src: Obj, path: Path) -> list[FieldError]:
    target = obj(src, "target")
    tpath = path.child("target")
    has = {k: target.get(k) is not None for k in ("value", "averageValue", "averageUtilization")}
    errs: list[FieldError] = []
    if kind == "object":
        errs += _cross_version_reference(obj(src, "describedObject"), path.child("describedObject"))
        errs += _metric_identifier(obj(src, "metric"), path.child("metric")) + _metric_target(target, tpath)
        if not has["value"] and not has["averageValue"]:
            errs.append(
                required(tpath.child("averageValue"), "must set either a target value or averageValue")
            )
    elif kind == "external":
        errs += _metric_identifier(obj(src, "metric"), path.child("metric")) + _metric_target(target, tpath)
        if not has["value"] and not has["averageValue"]:
            detail = "must set either a target value for metric or a per-pod target"
            errs.append(required(tpath.child("averageValue"), detail))
        if has["value"] and has["averageValue"]:
            detail = "may not set both a target value for metric and a per-pod target"
            errs.append(forbidden(tpath.child("value"), detail))
    elif kind == "pods":
        errs += _metric_identifier(obj(src, "metric"), path.child("metric")) + _metric_target(target, tpath)
        if not has["averageValue"]:
            errs.append(required(tpath.child("averageValue"), "must specify a positive target averageValue"))
    else:
        name = string(src, "name")
        if not name:
            errs.append(required(path.child("name"), "must specify a resource name"))
        elif kind == "containerResource":
            errs += validate_container_resource_name(name, path.child("name"))
        if kind == "containerResource":
            container = string(src, "container")
            if not container:
                errs.append(required(path.child("container"), "must specify a container"))
            else:
                errs += invalid_each(path.child("container"), container, is_dns1123_label(container))
        errs += _metric_target(target, tpath)
        if not has["averageUtilization"] and not has["averageValue"]:
            detail = "must set either a target raw value or a target utilization"
            errs.append(required(tpath.child("averageUtilization"), detail))
        if has["averageUtilization"] and has["averageValue"]:
            detail = "may not set both a target raw value and a target utilization"
            errs.append(forbidden(tpath.child("averageValue"), detail))
    return errs


def _metric_spec(spec: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    kind = string(spec, "type")
    if not kind:
        errs.append(required(path.child("type"), "must specify a metric source type"))
    if kind not in _SOURCE_TYPES:
        errs.append(not_supported(path.child("type"), kind, _SOURCE_TYPES))
    present = [
        f for f in ("object", "external", "pods", "resource", "containerResource") if spec.get(f) is not None
    ]
    if present:
        errs += _source(present[0], obj(spec, present[0]), path.child(present[0]))
    expected = _SOURCE_FIELDS.get(kind)
    if expected is not None and spec.get(expected) is None:
        errs.append(required(path.child(expected), "must populate information for the given metric source"))
    elif expected is None and kind in _SOURCE_TYPES:
        pass
    elif expected is None:
        errs.append(not_supported(path.child("type"), kind, _SOURCE_TYPES))
    if len(present) != 1:
        errs += [
            forbidden(path.child(f), "must populate the given metric source only")
            for f in sorted(present)
            if f != expected
        ]
    return errs


def _scaling_rules(rules: Obj | None, path: Path) -> list[FieldError]:
    if rules is None:
        return []
    errs: list[FieldError] = []
    window = integer(rules, "stabilizationWindowSeconds")
    if window is not None and window < 0:
        errs.append(
            invalid(path.child("stabilizationWindowSeconds"), window, "must be greater than or equal to zero")
        )
    if window is not None and window > 3600:
        errs.append(
            invalid(path.child("stabilizationWindowSeconds"), window, "must be less than or equal to 3600")
        )
    select = rules.get("selectPolicy")
    if isinstance(select, str) and select not in ("Disabled", "Max", "Min"):
        errs.append(not_supported(path.child("selectPolicy"), select, ["Disabled", "Max", "Min"]))
    # An absent policies list is filled in by defaulting (SetDefaults_HorizontalPodAutoscalerBehavior).
    policies = rules.get("policies")
    ppath = path.child("policies")
    if isinstance(policies, list) and not policies:
        errs.append(required(ppath, "must specify at least one Policy"))
    for i, policy in enumerate(objects(rules, "policies")):
        p = ppath.index(i)
        kind = string(policy, "type")
        if kind not in ("Pods", "Percent"):
            errs.append(not_supported(p.child("type"), kind, ["Percent", "Pods"]))
        value, period = integer(policy, "value") or 0, integer(policy, "periodSeconds") or 0
        if value <= 0:
            errs.append(invalid(p.child("value"), value, "must be greater than zero"))
        if period <= 0:
            errs.append(invalid(p.child("periodSeconds"), period, "must be greater than zero"))
        if period > 1800:
            errs.append(invalid(p.child("periodSeconds"), period, "must be less than or equal to 1800"))
    return errs


def _v2_spec(hpa: Obj) -> Obj:
    """``autoscaling/v1`` in the internal (v2) shape: ``targetCPUUtilizationPercentage`` becomes a metric."""
    spec = obj(hpa, "spec")
    if not string(hpa, "apiVersion").endswith("/v1"):
        return spec
    v2: dict[str, Any] = {k: v for k, v in spec.items() if k != "targetCPUUtilizationPercentage"}
    target = spec.get("targetCPUUtilizationPercentage")
    if target is not None:
        v2["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}},
            }
        ]
    return v2


def _hpa_spec(spec: Obj, min_lower_bound: int) -> list[FieldError]:
    errs: list[FieldError] = []
    min_replicas, max_replicas = integer(spec, "minReplicas"), integer(spec, "maxReplicas") or 0
    if min_replicas is not None and min_replicas < min_lower_bound:
        detail = f"must be greater than or equal to {min_lower_bound}"
        errs.append(invalid(_SPEC.child("minReplicas"), min_replicas, detail))
    if max_replicas < 1:
        errs.append(invalid(_SPEC.child("maxReplicas"), max_replicas, "must be greater than 0"))
    if min_replicas is not None and max_replicas < min_replicas:
        errs.append(
            invalid(
                _SPEC.child("maxReplicas"), max_replicas, "must be greater than or equal to `minReplicas`"
            )
        )
    errs += _cross_version_reference(obj(spec, "scaleTargetRef"), _SPEC.child("scaleTargetRef"))
    metrics = objects(spec, "metrics")
    for i, metric in enumerate(metrics):
        errs += _metric_spec(metric, _SPEC.child("metrics").index(i))
    if min_replicas == 0 and not any(string(m, "type") in ("Object", "External") for m in metrics):
        detail = "must specify at least one Object or External metric to support scaling to zero replicas"
        errs.append(forbidden(_SPEC.child("metrics"), detail))
    behavior = opt_obj(spec, "behavior")
    if behavior is not None:
        for key in ("scaleUp", "scaleDown"):
            errs += _scaling_rules(opt_obj(behavior, key), _SPEC.child("behavior", key))
    return errs


def validate_hpa(hpa: Obj) -> list[FieldError]:
    errs = validate_object_meta(obj(hpa, "metadata"), namespaced=True, name_fn=name_is_dns_subdomain)
    return errs + _hpa_spec(_v2_spec(hpa), 1)


def validate_hpa_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    lower = 0 if integer(_v2_spec(old), "minReplicas") == 0 else 1
    return errs + _hpa_spec(_v2_spec(new), lower)
