"""MetricSpec, MetricStatus and behavior between ``autoscaling/v1`` and the v2 shape.

Reproduces the per-source functions of Kubernetes 1.32's ``pkg/apis/autoscaling/v1/conversion.go``
(``Convert_autoscaling_ObjectMetricSource_To_v1_ObjectMetricSource`` and its siblings for Pods, Resource,
ContainerResource and External, spec and status, both ways). They only run on metrics travelling in the
``autoscaling.alpha.kubernetes.io/metrics`` and ``current-metrics`` annotations. Values are decoded
:mod:`~pinnace.api.conversion.gojson` structs (every field present, ``None`` for nil) in and out.

Where a v1 struct holds a quantity by value and v2 by pointer, a nil v2 pointer becomes the zero quantity
``"0"``, and the v1 -> v2 direction always sets the pointer: an Object or External metric read back from v1
carries ``value`` (``"0"`` when it had none), a Pods target and every status an ``averageValue``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def is_cpu_utilization(metric: Any) -> bool:
    """A Resource metric on cpu with a Utilization target: the one metric v1 has a field for."""
    resource = metric["resource"]
    return (
        metric["type"] == "Resource"
        and resource is not None
        and resource["name"] == "cpu"
        and resource["target"]["averageUtilization"] is not None
    )


def reference(ref: Any) -> Any:
    """A CrossVersionObjectReference, the same three fields in every version."""
    return {"kind": ref["kind"], "name": ref["name"], "apiVersion": ref["apiVersion"]}


def _identifier(name: str, selector: Any) -> Any:
    return {"name": name, "selector": selector}


def _target(
    kind: str, *, value: Any = None, average_value: Any = None, average_utilization: Any = None
) -> Any:
    return {
        "type": kind,
        "value": value,
        "averageValue": average_value,
        "averageUtilization": average_utilization,
    }


def _value_status(*, value: Any = None, average_value: Any = None, average_utilization: Any = None) -> Any:
    return {"value": value, "averageValue": average_value, "averageUtilization": average_utilization}


def _zero_quantity(quantity: Any) -> Any:
    """``*Quantity`` copied into a ``Quantity`` field: nil becomes the zero quantity."""
    return "0" if quantity is None else quantity


def _union(metric: Any, converters: Mapping[str, Callable[[Any], Any]]) -> Any:
    out = {"type": metric["type"]}
    for key, convert_source in converters.items():
        source = metric[key]
        out[key] = None if source is None else convert_source(source)
    return out


# MetricSpec: v2 -> v1 (Convert_autoscaling_*MetricSource_To_v1_*)


def _object_source_to_v1(source: Any) -> Any:
    return {
        "target": reference(source["describedObject"]),
        "metricName": source["metric"]["name"],
        "targetValue": _zero_quantity(source["target"]["value"]),
        "selector": source["metric"]["selector"],
        "averageValue": source["target"]["averageValue"],
    }


def _pods_source_to_v1(source: Any) -> Any:
    return {
        "metricName": source["metric"]["name"],
        "targetAverageValue": _zero_quantity(source["target"]["averageValue"]),
        "selector": source["metric"]["selector"],
    }


def _resource_source_to_v1(source: Any) -> Any:
    return {
        "name": source["name"],
        "targetAverageUtilization": source["target"]["averageUtilization"],
        "targetAverageValue": source["target"]["averageValue"],
    }


def _container_resource_source_to_v1(source: Any) -> Any:
    return {**_resource_source_to_v1(source), "container": source["container"]}


def _external_source_to_v1(source: Any) -> Any:
    return {
        "metricName": source["metric"]["name"],
        "metricSelector": source["metric"]["selector"],
        "targetValue": source["target"]["value"],
        "targetAverageValue": source["target"]["averageValue"],
    }


_METRIC_SPEC_TO_V1 = {
    "object": _object_source_to_v1,
    "pods": _pods_source_to_v1,
    "resource": _resource_source_to_v1,
    "containerResource": _container_resource_source_to_v1,
    "external": _external_source_to_v1,
}

# MetricSpec: v1 -> v2 (Convert_v1_*MetricSource_To_autoscaling_*)


def _object_source_to_v2(source: Any) -> Any:
    kind = "Value" if source["averageValue"] is None else "AverageValue"
    return {
        "describedObject": reference(source["target"]),
        "target": _target(kind, value=source["targetValue"], average_value=source["averageValue"]),
        "metric": _identifier(source["metricName"], source["selector"]),
    }


def _pods_source_to_v2(source: Any) -> Any:
    return {
        "metric": _identifier(source["metricName"], source["selector"]),
        "target": _target("AverageValue", average_value=source["targetAverageValue"]),
    }


def _resource_source_to_v2(source: Any) -> Any:
    utilization = source["targetAverageUtilization"]
    kind = "AverageValue" if utilization is None else "Utilization"
    return {
        "name": source["name"],
        "target": _target(kind, average_value=source["targetAverageValue"], average_utilization=utilization),
    }


def _container_resource_source_to_v2(source: Any) -> Any:
    return {**_resource_source_to_v2(source), "container": source["container"]}


def _external_source_to_v2(source: Any) -> Any:
    value = source["targetValue"]
    kind = "AverageValue" if value is None else "Value"
    return {
        "metric": _identifier(source["metricName"], source["metricSelector"]),
        "target": _target(kind, value=value, average_value=source["targetAverageValue"]),
    }


_METRIC_SPEC_TO_V2 = {
    "object": _object_source_to_v2,
    "pods": _pods_source_to_v2,
    "resource": _resource_source_to_v2,
    "containerResource": _container_resource_source_to_v2,
    "external": _external_source_to_v2,
}

# MetricStatus: v2 -> v1 (Convert_autoscaling_*MetricStatus_To_v1_*)


def _object_status_to_v1(status: Any) -> Any:
    return {
        "target": reference(status["describedObject"]),
        "metricName": status["metric"]["name"],
        "currentValue": _zero_quantity(status["current"]["value"]),
        "selector": status["metric"]["selector"],
        "averageValue": status["current"]["averageValue"],
    }


def _pods_status_to_v1(status: Any) -> Any:
    return {
        "metricName": status["metric"]["name"],
        "currentAverageValue": _zero_quantity(status["current"]["averageValue"]),
        "selector": status["metric"]["selector"],
    }


def _resource_status_to_v1(status: Any) -> Any:
    return {
        "name": status["name"],
        "currentAverageUtilization": status["current"]["averageUtilization"],
        "currentAverageValue": _zero_quantity(status["current"]["averageValue"]),
    }


def _container_resource_status_to_v1(status: Any) -> Any:
    return {**_resource_status_to_v1(status), "container": status["container"]}


def _external_status_to_v1(status: Any) -> Any:
    return {
        "metricName": status["metric"]["name"],
        "metricSelector": status["metric"]["selector"],
        "currentValue": _zero_quantity(status["current"]["value"]),
        "currentAverageValue": status["current"]["averageValue"],
    }


_METRIC_STATUS_TO_V1 = {
    "object": _object_status_to_v1,
    "pods": _pods_status_to_v1,
    "resource": _resource_status_to_v1,
    "containerResource": _container_resource_status_to_v1,
    "external": _external_status_to_v1,
}

# MetricStatus: v1 -> v2 (Convert_v1_*MetricStatus_To_autoscaling_*)


def _object_status_to_v2(status: Any) -> Any:
    return {
        "metric": _identifier(status["metricName"], status["selector"]),
        "current": _value_status(value=status["currentValue"], average_value=status["averageValue"]),
        "describedObject": reference(status["target"]),
    }


def _pods_status_to_v2(status: Any) -> Any:
    return {
        "metric": _identifier(status["metricName"], status["selector"]),
        "current": _value_status(average_value=status["currentAverageValue"]),
    }


def _resource_status_to_v2(status: Any) -> Any:
    current = _value_status(
        average_value=status["currentAverageValue"], average_utilization=status["currentAverageUtilization"]
    )
    return {"name": status["name"], "current": current}


def _container_resource_status_to_v2(status: Any) -> Any:
    return {**_resource_status_to_v2(status), "container": status["container"]}


def _external_status_to_v2(status: Any) -> Any:
    return {
        "metric": _identifier(status["metricName"], status["metricSelector"]),
        "current": _value_status(value=status["currentValue"], average_value=status["currentAverageValue"]),
    }


_METRIC_STATUS_TO_V2 = {
    "object": _object_status_to_v2,
    "pods": _pods_status_to_v2,
    "resource": _resource_status_to_v2,
    "containerResource": _container_resource_status_to_v2,
    "external": _external_status_to_v2,
}

# Behavior: v2 <-> internal


def _rules_to_internal(rules: Any) -> Any:
    if rules is None:
        return None
    policies = rules["policies"]
    return {
        "StabilizationWindowSeconds": rules["stabilizationWindowSeconds"],
        "SelectPolicy": rules["selectPolicy"],
        "Policies": None
        if policies is None
        else [
            {"Type": p["type"], "Value": p["value"], "PeriodSeconds": p["periodSeconds"]} for p in policies
        ],
    }


def _rules_to_v2(rules: Any) -> Any:
    if rules is None:
        return None
    policies = rules["Policies"]
    return {
        "stabilizationWindowSeconds": rules["StabilizationWindowSeconds"],
        "selectPolicy": rules["SelectPolicy"],
        "policies": None
        if policies is None
        else [
            {"type": p["Type"], "value": p["Value"], "periodSeconds": p["PeriodSeconds"]} for p in policies
        ],
    }


def metric_spec_to_v1(metric: Any) -> Any:
    """``Convert_autoscaling_MetricSpec_To_v1_MetricSpec``."""
    return _union(metric, _METRIC_SPEC_TO_V1)


def metric_spec_to_v2(metric: Any) -> Any:
    """``Convert_v1_MetricSpec_To_autoscaling_MetricSpec``."""
    return _union(metric, _METRIC_SPEC_TO_V2)


def metric_status_to_v1(metric: Any) -> Any:
    """``Convert_autoscaling_MetricStatus_To_v1_MetricStatus``."""
    return _union(metric, _METRIC_STATUS_TO_V1)


def metric_status_to_v2(metric: Any) -> Any:
    """``Convert_v1_MetricStatus_To_autoscaling_MetricStatus``."""
    return _union(metric, _METRIC_STATUS_TO_V2)


def _resource_metric(resource: Any) -> Any:
    return {
        "type": "Resource",
        "object": None,
        "pods": None,
        "resource": resource,
        "containerResource": None,
        "external": None,
    }


def cpu_utilization_metric(percentage: int) -> Any:
    """The v2 metric ``targetCPUUtilizationPercentage`` stands for (a cpu Resource Utilization target)."""
    return _resource_metric({"name": "cpu", "target": _target("Utilization", average_utilization=percentage)})


def cpu_utilization_status(percentage: int) -> Any:
    """The v2 status metric ``currentCPUUtilizationPercentage`` stands for."""
    return _resource_metric({"name": "cpu", "current": _value_status(average_utilization=percentage)})


def behavior_to_internal(behavior: Any) -> Any:
    """A v2 behavior as the internal struct the behavior annotation serializes (same fields, Go names)."""
    return {
        "ScaleUp": _rules_to_internal(behavior["scaleUp"]),
        "ScaleDown": _rules_to_internal(behavior["scaleDown"]),
    }


def behavior_to_v2(internal: Any) -> Any:
    """The internal behavior struct read from the annotation, as v2 shows it."""
    return {"scaleUp": _rules_to_v2(internal["ScaleUp"]), "scaleDown": _rules_to_v2(internal["ScaleDown"])}
