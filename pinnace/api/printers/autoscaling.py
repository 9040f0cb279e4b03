"""HorizontalPodAutoscaler rows for ``autoscaling/v2`` and ``autoscaling/v1``.

After ``printHorizontalPodAutoscaler`` and ``formatHPAMetrics`` in
kubernetes/pkg/printers/internalversion/printers.go.

Upstream prints the internal HPA, which has the v2 shape. A v1 object is read through its conversion to v2
(:mod:`pinnace.api.conversion.autoscaling`): ``targetCPUUtilizationPercentage`` becomes a CPU
``Utilization`` target, ``currentCPUUtilizationPercentage`` the current value, and the metrics v1 cannot
express come back from the ``autoscaling.alpha.kubernetes.io/metrics`` and ``.../current-metrics``
annotations, ahead of CPU.

TARGETS shows each metric as ``current/target`` (``cpu: 42%/80%``, ``<unknown>`` before the first
measurement, ``(avg)`` for average-value object and external metrics); past two metrics it ends in
``" + N more..."``. A missing ``minReplicas`` reads as its default, 1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime

from pinnace.api.conversion import ConversionError, convert
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
from pinnace.api.printers.formatting import quantity_string

KIND = "HorizontalPodAutoscaler"

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


def is_autoscaling_v1(hpa: Obj) -> bool:
    """Whether the object has the ``autoscaling/v1`` shape."""
    api_version = get_str(hpa, "apiVersion")
    if api_version:
        return api_version == "autoscaling/v1"
    spec = get_dict(hpa, "spec")
    return "metrics" not in spec and "targetCPUUtilizationPercentage" in spec


def v2_metrics(hpa: Obj) -> tuple[list[Obj], list[Obj]]:
    """The metric specs and statuses of either version, in the internal (v2) shape.

    A v1 object is read through :func:`pinnace.api.conversion.convert` to ``autoscaling/v2``; one the
    conversion refuses as malformed (which the API server never stores) is read as it is.
    """
    if is_autoscaling_v1(hpa):
        with contextlib.suppress(ConversionError):
            hpa = convert({**hpa, "apiVersion": "autoscaling/v1", "kind": KIND}, "autoscaling/v2")
    return get_dicts(hpa, "spec", "metrics"), get_dicts(hpa, "status", "currentMetrics")


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


PRINTERS: dict[str, TablePrinter] = {KIND: HORIZONTAL_POD_AUTOSCALER}
"""``autoscaling`` printers by kind."""
