"""HorizontalPodAutoscaler between ``autoscaling/v1`` and the stored ``autoscaling/v2``.

Reproduces Kubernetes 1.32's ``pkg/apis/autoscaling/v1/conversion.go`` (the v1 <-> internal conversions,
including the fix of kubernetes#101370), ``pkg/apis/autoscaling/v2/conversion.go`` (v2 <-> internal, which is
field for field apart from dropping the round-trip annotations), ``pkg/apis/autoscaling/annotations.go`` and
``helpers.go`` (``DropRoundTripHorizontalPodAutoscalerAnnotations``). The internal type has the v2 shape, so
v2 is the hub here and the internal struct only appears where upstream serializes it.

autoscaling/v1 knows one metric, a CPU utilization target (``targetCPUUtilizationPercentage``, and
``currentCPUUtilizationPercentage`` in status). Everything else v2 holds travels through v1 in annotations,
so a v1 client that reads an HPA and writes it back loses nothing:

- ``autoscaling.alpha.kubernetes.io/metrics``: every spec metric except CPU Utilization ones, as a JSON list
  of **v1** ``MetricSpec`` (``targetAverageValue``, ``metricName``, ...);
- ``autoscaling.alpha.kubernetes.io/current-metrics``: *all* status metrics as v1 ``MetricStatus`` (the CPU
  one too: it carries the raw value the percentage lacks);
- ``autoscaling.alpha.kubernetes.io/behavior``: ``spec.behavior`` as the **internal** Go struct, which has no
  json tags, so its keys are Go field names (``{"ScaleUp":{"StabilizationWindowSeconds":0,...}``) and unset
  pointers are written ``null`` (upstream carries a TODO about it, kept for n-1 API servers);
- ``autoscaling.alpha.kubernetes.io/conditions``: ``status.conditions`` as v1 conditions.

Reading v1 back (v1 -> v2): metrics from the annotation come first and the CPU target, if any, last; with
neither, the implicit default of v1's controller is made explicit (CPU Utilization 80). An annotation that
does not decode is ignored, as upstream ignores its unmarshalling error. The round-trip annotations are then
dropped: they never reach storage or a v2 reader, and are rebuilt on every v2 -> v1 conversion (pre-existing
ones are dropped first, so a client cannot smuggle stale values through).

Upstream quirks kept: a v2 HPA whose CPU Utilization metric is not last gets it moved last by a v1 round
trip, and only the first CPU Utilization metric survives it; the by-value quantities of v1's metric structs
add ``"0"`` values (see :mod:`~pinnace.api.conversion.autoscaling_metrics`). The Go types themselves are
described in :mod:`~pinnace.api.conversion.autoscaling_types`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pinnace.api.conversion import autoscaling_types as shapes
from pinnace.api.conversion.autoscaling_metrics import (
    behavior_to_internal,
    behavior_to_v2,
    cpu_utilization_metric,
    cpu_utilization_status,
    is_cpu_utilization,
    metric_spec_to_v1,
    metric_spec_to_v2,
    metric_status_to_v1,
    metric_status_to_v2,
    reference,
)
from pinnace.api.conversion.base import ConversionError, ConversionKey, Converter, Obj
from pinnace.api.conversion.gojson import (
    DecodeError,
    GoType,
    Slice,
    Struct,
    decode,
    encode,
    marshal,
    unmarshal,
)
from pinnace.api.gvk import GroupVersion, GroupVersionKind

KIND = "HorizontalPodAutoscaler"
V1 = GroupVersion("autoscaling", "v1")
V2 = GroupVersion("autoscaling", "v2")

# pkg/apis/autoscaling/annotations.go
METRIC_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
METRIC_STATUSES_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior"
ROUND_TRIP_ANNOTATIONS = (
    METRIC_SPECS_ANNOTATION,
    BEHAVIOR_SPECS_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
)
DEFAULT_CPU_UTILIZATION = 80


def _decode_body(obj: Obj, key: str, shape: Struct) -> Any:
    try:
        return decode(obj.get(key), shape, key)
    except DecodeError as err:
        raise ConversionError(f"{KIND} {key}: {err}") from err


def _annotations(obj: Obj) -> dict[str, Any]:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _decode_annotation(annotations: Mapping[str, Any], key: str, shape: GoType) -> tuple[bool, Any]:
    """(found, value): upstream uses an annotation only when ``json.Unmarshal`` of it succeeds."""
    text = annotations.get(key)
    if not isinstance(text, str):
        return False, None
    try:
        return True, decode(unmarshal(text), shape)
    except DecodeError:
        return False, None


def _metadata_with_annotations(obj: Obj, added: Mapping[str, str]) -> Obj | None:
    """The object's metadata (a new dict) with the round-trip annotations dropped and ``added`` set.

    ``DropRoundTripHorizontalPodAutoscalerAnnotations``, then the conversion's own writes; an annotation map
    left empty disappears, as Go's ``omitempty`` drops an empty map.
    """
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return None
    out = dict(metadata)
    annotations = _annotations(obj)
    if added or any(key in annotations for key in ROUND_TRIP_ANNOTATIONS):
        kept = {key: value for key, value in annotations.items() if key not in ROUND_TRIP_ANNOTATIONS}
        kept.update(added)
        if kept:
            out["annotations"] = kept
        else:
            out.pop("annotations", None)
    return out


def _assemble(target: GroupVersion, metadata: Obj | None, spec: Any, status: Any) -> Obj:
    out: Obj = {"kind": KIND, "apiVersion": target.api_version}
    if metadata is not None:
        out["metadata"] = metadata
    out["spec"] = spec
    out["status"] = status
    return out


def hpa_v2_to_v1(obj: Obj) -> Obj:
    """``Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler`` (from the v2 shape)."""
    spec = _decode_body(obj, "spec", shapes.V2_SPEC)
    status = _decode_body(obj, "status", shapes.V2_STATUS)
    metrics = spec["metrics"] or []
    current_metrics = status["currentMetrics"] or []

    added: dict[str, str] = {}
    other_metrics = [metric_spec_to_v1(metric) for metric in metrics if not is_cpu_utilization(metric)]
    if other_metrics:
        added[METRIC_SPECS_ANNOTATION] = marshal(encode(other_metrics, Slice(shapes.V1_METRIC_SPEC)))
    if current_metrics:
        # The CPU status too: the annotation keeps the raw value the percentage field cannot.
        v1_current = [metric_status_to_v1(metric) for metric in current_metrics]
        added[METRIC_STATUSES_ANNOTATION] = marshal(encode(v1_current, Slice(shapes.V1_METRIC_STATUS)))
    if spec["behavior"] is not None:
        internal = behavior_to_internal(spec["behavior"])
        added[BEHAVIOR_SPECS_ANNOTATION] = marshal(encode(internal, shapes.INTERNAL_BEHAVIOR))
    if status["conditions"]:
        added[CONDITIONS_ANNOTATION] = marshal(encode(status["conditions"], Slice(shapes.CONDITION)))

    # The first CPU Utilization metric; a cpu AverageValue metric before it is skipped (kubernetes#101370).
    cpu_targets = (m["resource"]["target"]["averageUtilization"] for m in metrics if is_cpu_utilization(m))
    v1_spec = {
        "scaleTargetRef": reference(spec["scaleTargetRef"]),
        "minReplicas": spec["minReplicas"],
        "maxReplicas": spec["maxReplicas"],
        "targetCPUUtilizationPercentage": next(cpu_targets, None),
    }
    # The last cpu Resource status with a utilization wins: upstream's loop has no break.
    current_cpu = None
    for metric in current_metrics:
        resource = metric["resource"]
        if metric["type"] == "Resource" and resource is not None and resource["name"] == "cpu":
            if resource["current"]["averageUtilization"] is not None:
                current_cpu = resource["current"]["averageUtilization"]
    v1_status = {
        "observedGeneration": status["observedGeneration"],
        "lastScaleTime": status["lastScaleTime"],
        "currentReplicas": status["currentReplicas"],
        "desiredReplicas": status["desiredReplicas"],
        "currentCPUUtilizationPercentage": current_cpu,
    }
    metadata = _metadata_with_annotations(obj, added)
    return _assemble(V1, metadata, encode(v1_spec, shapes.V1_SPEC), encode(v1_status, shapes.V1_STATUS))


def hpa_v1_to_v2(obj: Obj) -> Obj:
    """``Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler`` (to the v2 shape)."""
    spec = _decode_body(obj, "spec", shapes.V1_SPEC)
    status = _decode_body(obj, "status", shapes.V1_STATUS)
    annotations = _annotations(obj)

    target_cpu = spec["targetCPUUtilizationPercentage"]
    metrics = [] if target_cpu is None else [cpu_utilization_metric(target_cpu)]
    found, other_metrics = _decode_annotation(
        annotations, METRIC_SPECS_ANNOTATION, Slice(shapes.V1_METRIC_SPEC)
    )
    if found:
        # The annotation's metrics first, then the one the spec conversion made of the CPU target.
        metrics = [metric_spec_to_v2(metric) for metric in other_metrics or []] + metrics
    if not metrics:
        # "autoscaling/v1 formerly had an implicit default applied in the controller": made explicit here.
        metrics = [cpu_utilization_metric(DEFAULT_CPU_UTILIZATION)]

    behavior = None
    found, internal = _decode_annotation(annotations, BEHAVIOR_SPECS_ANNOTATION, shapes.INTERNAL_BEHAVIOR)
    if found and (internal["ScaleUp"] is not None or internal["ScaleDown"] is not None):
        behavior = behavior_to_v2(internal)

    current_cpu = status["currentCPUUtilizationPercentage"]
    current_metrics = None if current_cpu is None else [cpu_utilization_status(current_cpu)]
    found, v1_current = _decode_annotation(
        annotations, METRIC_STATUSES_ANNOTATION, Slice(shapes.V1_METRIC_STATUS)
    )
    if found:
        # "ignore any existing status values -- the ones here have more information"
        current_metrics = [metric_status_to_v2(metric) for metric in v1_current or []]
    found, conditions = _decode_annotation(annotations, CONDITIONS_ANNOTATION, Slice(shapes.CONDITION))

    v2_spec = {
        "scaleTargetRef": reference(spec["scaleTargetRef"]),
        "minReplicas": spec["minReplicas"],
        "maxReplicas": spec["maxReplicas"],
        "metrics": metrics,
        "behavior": behavior,
    }
    v2_status = {
        "observedGeneration": status["observedGeneration"],
        "lastScaleTime": status["lastScaleTime"],
        "currentReplicas": status["currentReplicas"],
        "desiredReplicas": status["desiredReplicas"],
        "currentMetrics": current_metrics,
        "conditions": conditions if found else None,
    }
    metadata = _metadata_with_annotations(obj, {})
    return _assemble(V2, metadata, encode(v2_spec, shapes.V2_SPEC), encode(v2_status, shapes.V2_STATUS))


CONVERSIONS: Mapping[ConversionKey, Converter] = MappingProxyType(
    {
        ConversionKey(GroupVersionKind("autoscaling", "v2", KIND), V1): hpa_v2_to_v1,
        ConversionKey(GroupVersionKind("autoscaling", "v1", KIND), V2): hpa_v1_to_v2,
    }
)

STORAGE_VERSIONS: Mapping[tuple[str, str], GroupVersion] = MappingProxyType({("autoscaling", KIND): V2})
