"""HorizontalPodAutoscaler rows for ``autoscaling/v2`` and ``autoscaling/v1``.

After ``printHorizontalPodAutoscaler`` and ``formatHPAMetrics`` in
kubernetes/pkg/printers/internalversion/printers.go.

Upstream prints the internal HPA, which has the v2 shape. A v1 object is read through its conversion
(pkg/apis/autoscaling/v1/conversion.go): ``targetCPUUtilizationPercentage`` becomes a CPU ``Utilization``
target, ``currentCPUUtilizationPercentage`` the current value, and the metrics v1 cannot express come back
from the ``autoscaling.alpha.kubernetes.io/metrics`` and ``.../current-metrics`` annotations, ahead of CPU.

TARGETS shows each metric as ``current/target`` (``cpu: 42%/80%``, ``<unknown>`` before the first
measurement, ``(avg)`` for average-value object and external metrics); past two metrics it ends in
``" + N more..."``. A missing ``minReplicas`` reads as its default, 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_dict,
    get_dicts,
    get_int,
    get_opt_dict,
    get_opt_int,
    get_str,
    has,
    name_of,
)
from pinnace.api.printers.quantity import quantity_string

METRIC_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
METRIC_STATUSES_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"

_SOURCE_FIELDS = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}


def _utilization(value: int | None) -> str:
    return f"{value}%"


def format_hpa_metrics(specs: Sequence[Obj], statuses: Sequence[Obj]) -> str:
    """``formatHPAMetrics`` over v2-shaped metric specs and their statuses (matched by position)."""
    if not specs:
        return "<none>"
    shown: list[str] = []
    limit = 2
    for index, spec in enumerate(specs):
        metric_type = get_str(spec, "type")
        field = _SOURCE_FIELDS.get(metric_type)
        if field is None:
            shown.append("<unknown type>")
            continue
        source = get_dict(spec, field)
        target = get_dict(source, "target")
        status_source = get_opt_dict(statuses[index], field) if index < len(statuses) else None
        current = get_dict(status_source, "current") if status_source is not None else None
        if metric_type in ("External", "Object"):
            if has(target, "averageValue"):
                now_value = "<unknown>"
                if current is not None and has(current, "averageValue"):
                    now_value = quantity_string(current.get("averageValue"))
                shown.append(f"{now_value}/{quantity_string(target.get('averageValue'))} (avg)")
            else:
                now_value = quantity_string(current.get("value")) if current is not None else "<unknown>"
                shown.append(f"{now_value}/{quantity_string(target.get('value'))}")
        elif metric_type == "Pods":
            now_value = quantity_string(current.get("averageValue")) if current is not None else "<unknown>"
            shown.append(f"{now_value}/{quantity_string(target.get('averageValue'))}")
        else:  # Resource, ContainerResource
            resource = get_str(source, "name")
            if has(target, "averageValue"):
                now_value = (
                    quantity_string(current.get("averageValue")) if current is not None else "<unknown>"
                )
                shown.append(f"{resource}: {now_value}/{quantity_string(target.get('averageValue'))}")
            else:
                now_value = "<unknown>"
                current_utilization = (
                    get_opt_int(current, "averageUtilization") if current is not None else None
                )
                if current_utilization is not None:
                    now_value = _utilization(current_utilization)
                target_utilization = get_opt_int(target, "averageUtilization")
                wanted = "<auto>" if target_utilization is None else _utilization(target_utilization)
                shown.append(f"{resource}: {now_value}/{wanted}")
    count = len(specs)
    if count > limit:
        return f"{', '.join(shown[:limit])} + {count - limit} more..."
    return ", ".join(shown)


# --- autoscaling/v1 -> internal (v2-shaped) metrics --------------------------------------------------------


def _present(source: Obj, **fields: str) -> dict[str, object]:
    """The v1 fields that are set, renamed to their v2 names (a Go pointer copied over)."""
    return {v2: source[v1] for v2, v1 in fields.items() if has(source, v1)}


def _zero(source: Obj, field: str) -> object:
    """A non-pointer v1 Quantity: the zero quantity when missing."""
    return source[field] if has(source, field) else "0"


def _v1_metric_spec(spec: Obj) -> Obj:
    """An ``autoscaling/v1`` MetricSpec (as kept in the annotation) in the v2 shape (``Convert_v1_*``)."""
    metric_type = get_str(spec, "type")
    field = _SOURCE_FIELDS.get(metric_type)
    if field is None:
        return {"type": metric_type}
    source = get_dict(spec, field)
    target: dict[str, object]
    if metric_type in ("Resource", "ContainerResource"):
        target = _present(
            source, averageUtilization="targetAverageUtilization", averageValue="targetAverageValue"
        )
    elif metric_type == "Pods":
        target = {"averageValue": _zero(source, "targetAverageValue")}
    elif metric_type == "Object":
        target = {"value": _zero(source, "targetValue"), **_present(source, averageValue="averageValue")}
    else:  # External
        target = _present(source, value="targetValue", averageValue="targetAverageValue")
    return {"type": metric_type, field: {"name": get_str(source, "name"), "target": target}}


def _v1_metric_status(status: Obj) -> Obj:
    """An ``autoscaling/v1`` MetricStatus (as kept in the annotation) in the v2 shape."""
    metric_type = get_str(status, "type")
    field = _SOURCE_FIELDS.get(metric_type)
    if field is None:
        return {"type": metric_type}
    source = get_dict(status, field)
    current: dict[str, object]
    if metric_type in ("Resource", "ContainerResource"):
        current = {
            "averageValue": _zero(source, "currentAverageValue"),
            **_present(source, averageUtilization="currentAverageUtilization"),
        }
    elif metric_type == "Pods":
        current = {"averageValue": _zero(source, "currentAverageValue")}
    elif metric_type == "Object":
        current = {"value": _zero(source, "currentValue"), **_present(source, averageValue="averageValue")}
    else:  # External
        current = {
            "value": _zero(source, "currentValue"),
            **_present(source, averageValue="currentAverageValue"),
        }
    return {"type": metric_type, field: {"name": get_str(source, "name"), "current": current}}


def _annotation_list(hpa: Obj, annotation: str) -> list[Obj]:
    raw = get_dict(hpa, "metadata", "annotations").get(annotation)
    if not isinstance(raw, str):
        return []
    try:
        decoded = json.loads(raw)
    except ValueError:
        return []
    return [item for item in decoded if isinstance(item, dict)] if isinstance(decoded, list) else []


def is_autoscaling_v1(hpa: Obj) -> bool:
    """Whether the object has the ``autoscaling/v1`` shape."""
    api_version = get_str(hpa, "apiVersion")
    if api_version:
        return api_version == "autoscaling/v1"
    spec = get_dict(hpa, "spec")
    return "metrics" not in spec and "targetCPUUtilizationPercentage" in spec


def v2_metrics(hpa: Obj) -> tuple[list[Obj], list[Obj]]:
    """The metric specs and statuses of either version, in the internal (v2) shape."""
    if not is_autoscaling_v1(hpa):
        return get_dicts(hpa, "spec", "metrics"), get_dicts(hpa, "status", "currentMetrics")
    specs = [_v1_metric_spec(spec) for spec in _annotation_list(hpa, METRIC_SPECS_ANNOTATION)]
    cpu_target = get_opt_int(hpa, "spec", "targetCPUUtilizationPercentage")
    if cpu_target is not None:
        target = {"type": "Utilization", "averageUtilization": cpu_target}
        specs.append({"type": "Resource", "resource": {"name": "cpu", "target": target}})
    statuses: list[Obj] = []
    cpu_current = get_opt_int(hpa, "status", "currentCPUUtilizationPercentage")
    if METRIC_STATUSES_ANNOTATION in get_dict(hpa, "metadata", "annotations"):
        # The annotation holds every current metric, CPU included; it replaces the status field.
        statuses = [_v1_metric_status(s) for s in _annotation_list(hpa, METRIC_STATUSES_ANNOTATION)]
    elif cpu_current is not None:
        current = {"averageUtilization": cpu_current}
        statuses.append({"type": "Resource", "resource": {"name": "cpu", "current": current}})
    return specs, statuses


def hpa_cells(obj: Obj, now: datetime) -> list[Cell]:
    specs, statuses = v2_metrics(obj)
    target_ref = get_dict(obj, "spec", "scaleTargetRef")
    return [
        name_of(obj),
        f"{get_str(target_ref, 'kind')}/{get_str(target_ref, 'name')}",
        format_hpa_metrics(specs, statuses),
        str(get_int(obj, "spec", "minReplicas", default=1)),
        get_int(obj, "spec", "maxReplicas"),
        get_int(obj, "status", "currentReplicas"),
        translate_timestamp_since(creation_timestamp(obj), now),
    ]


HORIZONTAL_POD_AUTOSCALER = TablePrinter(
    (
        NAME,
        column("Reference", doc("autoscaling/v2beta1.HorizontalPodAutoscalerSpec.scaleTargetRef")),
        column("Targets", doc("autoscaling/v2beta1.HorizontalPodAutoscalerSpec.metrics")),
        column("MinPods", doc("autoscaling/v2beta1.HorizontalPodAutoscalerSpec.minReplicas")),
        column("MaxPods", doc("autoscaling/v2beta1.HorizontalPodAutoscalerSpec.maxReplicas")),
        column("Replicas", doc("autoscaling/v2beta1.HorizontalPodAutoscalerStatus.currentReplicas")),
        AGE,
    ),
    hpa_cells,
)


PRINTERS: dict[str, TablePrinter] = {"HorizontalPodAutoscaler": HORIZONTAL_POD_AUTOSCALER}
"""``autoscaling`` printers by kind."""
