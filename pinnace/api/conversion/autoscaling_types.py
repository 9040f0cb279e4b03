"""The HorizontalPodAutoscaler types of Kubernetes 1.32 as :mod:`~pinnace.api.conversion.gojson` descriptions.

Field for field, in declaration order, with the JSON names and ``omitempty`` of
``k8s.io/api/autoscaling/v1/types.go`` and ``k8s.io/api/autoscaling/v2/types.go`` (1.32: no ``tolerance``
yet), plus the untagged internal ``HorizontalPodAutoscalerBehavior`` of ``pkg/apis/autoscaling/types.go``,
which upstream serializes into the ``autoscaling.alpha.kubernetes.io/behavior`` annotation. Only the types the
conversions decode or encode are described; ``metadata`` is handled apart.
"""

from __future__ import annotations

from pinnace.api.conversion.gojson import (
    INT32,
    INT64,
    QUANTITY,
    STRING,
    TIME,
    Field,
    GoType,
    Ptr,
    Slice,
    StringMap,
    Struct,
)


def _struct(name: str, *fields: tuple[str, GoType] | tuple[str, GoType, bool]) -> Struct:
    """A struct from (JSON name, type[, omitempty]) triples."""
    return Struct(name, tuple(Field(*field) for field in fields))


_OPTIONAL = True  # omitempty
_INT32_PTR = Ptr(INT32)
_QUANTITY_PTR = Ptr(QUANTITY)

# Shared by both versions; the condition is the same struct in v1 (where it travels in an annotation) and v2.

_LABEL_SELECTOR = Ptr(
    _struct(
        "LabelSelector",
        ("matchLabels", StringMap(), _OPTIONAL),
        (
            "matchExpressions",
            Slice(
                _struct(
                    "LabelSelectorRequirement",
                    ("key", STRING),
                    ("operator", STRING),
                    ("values", Slice(STRING), _OPTIONAL),
                )
            ),
            _OPTIONAL,
        ),
    )
)
_REFERENCE = _struct(
    "CrossVersionObjectReference", ("kind", STRING), ("name", STRING), ("apiVersion", STRING, _OPTIONAL)
)
CONDITION = _struct(
    "HorizontalPodAutoscalerCondition",
    ("type", STRING),
    ("status", STRING),
    ("lastTransitionTime", TIME, _OPTIONAL),
    ("reason", STRING, _OPTIONAL),
    ("message", STRING, _OPTIONAL),
)


def _metric_union(name: str, **sources: Struct) -> Struct:
    """``MetricSpec``/``MetricStatus``: a ``type`` and one optional pointer per source."""
    return Struct(
        name,
        (Field("type", STRING), *(Field(key, Ptr(source), _OPTIONAL) for key, source in sources.items())),
    )


# autoscaling/v1 (k8s.io/api/autoscaling/v1/types.go)

V1_METRIC_SPEC = _metric_union(
    "MetricSpec",
    object=_struct(
        "ObjectMetricSource",
        ("target", _REFERENCE),
        ("metricName", STRING),
        ("targetValue", QUANTITY),
        ("selector", _LABEL_SELECTOR, _OPTIONAL),
        ("averageValue", _QUANTITY_PTR, _OPTIONAL),
    ),
    pods=_struct(
        "PodsMetricSource",
        ("metricName", STRING),
        ("targetAverageValue", QUANTITY),
        ("selector", _LABEL_SELECTOR, _OPTIONAL),
    ),
    resource=_struct(
        "ResourceMetricSource",
        ("name", STRING),
        ("targetAverageUtilization", _INT32_PTR, _OPTIONAL),
        ("targetAverageValue", _QUANTITY_PTR, _OPTIONAL),
    ),
    containerResource=_struct(
        "ContainerResourceMetricSource",
        ("name", STRING),
        ("targetAverageUtilization", _INT32_PTR, _OPTIONAL),
        ("targetAverageValue", _QUANTITY_PTR, _OPTIONAL),
        ("container", STRING),
    ),
    external=_struct(
        "ExternalMetricSource",
        ("metricName", STRING),
        ("metricSelector", _LABEL_SELECTOR, _OPTIONAL),
        ("targetValue", _QUANTITY_PTR, _OPTIONAL),
        ("targetAverageValue", _QUANTITY_PTR, _OPTIONAL),
    ),
)
V1_METRIC_STATUS = _metric_union(
    "MetricStatus",
    object=_struct(
        "ObjectMetricStatus",
        ("target", _REFERENCE),
        ("metricName", STRING),
        ("currentValue", QUANTITY),
        ("selector", _LABEL_SELECTOR, _OPTIONAL),
        ("averageValue", _QUANTITY_PTR, _OPTIONAL),
    ),
    pods=_struct(
        "PodsMetricStatus",
        ("metricName", STRING),
        ("currentAverageValue", QUANTITY),
        ("selector", _LABEL_SELECTOR, _OPTIONAL),
    ),
    resource=_struct(
        "ResourceMetricStatus",
        ("name", STRING),
        ("currentAverageUtilization", _INT32_PTR, _OPTIONAL),
        ("currentAverageValue", QUANTITY),
    ),
    containerResource=_struct(
        "ContainerResourceMetricStatus",
        ("name", STRING),
        ("currentAverageUtilization", _INT32_PTR, _OPTIONAL),
        ("currentAverageValue", QUANTITY),
        ("container", STRING),
    ),
    external=_struct(
        "ExternalMetricStatus",
        ("metricName", STRING),
        ("metricSelector", _LABEL_SELECTOR, _OPTIONAL),
        ("currentValue", QUANTITY),
        ("currentAverageValue", _QUANTITY_PTR, _OPTIONAL),
    ),
)
V1_SPEC = _struct(
    "HorizontalPodAutoscalerSpec",
    ("scaleTargetRef", _REFERENCE),
    ("minReplicas", _INT32_PTR, _OPTIONAL),
    ("maxReplicas", INT32),
    ("targetCPUUtilizationPercentage", _INT32_PTR, _OPTIONAL),
)
V1_STATUS = _struct(
    "HorizontalPodAutoscalerStatus",
    ("observedGeneration", Ptr(INT64), _OPTIONAL),
    ("lastScaleTime", Ptr(TIME), _OPTIONAL),
    ("currentReplicas", INT32),
    ("desiredReplicas", INT32),
    ("currentCPUUtilizationPercentage", _INT32_PTR, _OPTIONAL),
)

# autoscaling/v2 (k8s.io/api/autoscaling/v2/types.go, 1.32: no tolerance yet)

_METRIC_IDENTIFIER = _struct("MetricIdentifier", ("name", STRING), ("selector", _LABEL_SELECTOR, _OPTIONAL))
_METRIC_TARGET = _struct(
    "MetricTarget",
    ("type", STRING),
    ("value", _QUANTITY_PTR, _OPTIONAL),
    ("averageValue", _QUANTITY_PTR, _OPTIONAL),
    ("averageUtilization", _INT32_PTR, _OPTIONAL),
)
_METRIC_VALUE_STATUS = _struct(
    "MetricValueStatus",
    ("value", _QUANTITY_PTR, _OPTIONAL),
    ("averageValue", _QUANTITY_PTR, _OPTIONAL),
    ("averageUtilization", _INT32_PTR, _OPTIONAL),
)
V2_METRIC_SPEC = _metric_union(
    "MetricSpec",
    object=_struct(
        "ObjectMetricSource",
        ("describedObject", _REFERENCE),
        ("target", _METRIC_TARGET),
        ("metric", _METRIC_IDENTIFIER),
    ),
    pods=_struct("PodsMetricSource", ("metric", _METRIC_IDENTIFIER), ("target", _METRIC_TARGET)),
    resource=_struct("ResourceMetricSource", ("name", STRING), ("target", _METRIC_TARGET)),
    containerResource=_struct(
        "ContainerResourceMetricSource", ("name", STRING), ("target", _METRIC_TARGET), ("container", STRING)
    ),
    external=_struct("ExternalMetricSource", ("metric", _METRIC_IDENTIFIER), ("target", _METRIC_TARGET)),
)
V2_METRIC_STATUS = _metric_union(
    "MetricStatus",
    object=_struct(
        "ObjectMetricStatus",
        ("metric", _METRIC_IDENTIFIER),
        ("current", _METRIC_VALUE_STATUS),
        ("describedObject", _REFERENCE),
    ),
    pods=_struct("PodsMetricStatus", ("metric", _METRIC_IDENTIFIER), ("current", _METRIC_VALUE_STATUS)),
    resource=_struct("ResourceMetricStatus", ("name", STRING), ("current", _METRIC_VALUE_STATUS)),
    containerResource=_struct(
        "ContainerResourceMetricStatus",
        ("name", STRING),
        ("current", _METRIC_VALUE_STATUS),
        ("container", STRING),
    ),
    external=_struct(
        "ExternalMetricStatus", ("metric", _METRIC_IDENTIFIER), ("current", _METRIC_VALUE_STATUS)
    ),
)
_V2_SCALING_RULES = _struct(
    "HPAScalingRules",
    ("stabilizationWindowSeconds", _INT32_PTR, _OPTIONAL),
    ("selectPolicy", Ptr(STRING), _OPTIONAL),
    (
        "policies",
        Slice(_struct("HPAScalingPolicy", ("type", STRING), ("value", INT32), ("periodSeconds", INT32))),
        _OPTIONAL,
    ),
)
_V2_BEHAVIOR = _struct(
    "HorizontalPodAutoscalerBehavior",
    ("scaleUp", Ptr(_V2_SCALING_RULES), _OPTIONAL),
    ("scaleDown", Ptr(_V2_SCALING_RULES), _OPTIONAL),
)
V2_SPEC = _struct(
    "HorizontalPodAutoscalerSpec",
    ("scaleTargetRef", _REFERENCE),
    ("minReplicas", _INT32_PTR, _OPTIONAL),
    ("maxReplicas", INT32),
    ("metrics", Slice(V2_METRIC_SPEC), _OPTIONAL),
    ("behavior", Ptr(_V2_BEHAVIOR), _OPTIONAL),
)
V2_STATUS = _struct(
    "HorizontalPodAutoscalerStatus",
    ("observedGeneration", Ptr(INT64), _OPTIONAL),
    ("lastScaleTime", Ptr(TIME), _OPTIONAL),
    ("currentReplicas", INT32, _OPTIONAL),
    ("desiredReplicas", INT32),
    ("currentMetrics", Slice(V2_METRIC_STATUS)),  # no omitempty: a fresh HPA shows `currentMetrics: null`
    ("conditions", Slice(CONDITION), _OPTIONAL),
)

# The internal behavior (pkg/apis/autoscaling/types.go), as the behavior annotation holds it
# No json tags and no omitempty: keys are the Go field names, nil pointers and slices are written as null.

_INTERNAL_SCALING_RULES = _struct(
    "HPAScalingRules",
    ("StabilizationWindowSeconds", _INT32_PTR),
    ("SelectPolicy", Ptr(STRING)),
    (
        "Policies",
        Slice(_struct("HPAScalingPolicy", ("Type", STRING), ("Value", INT32), ("PeriodSeconds", INT32))),
    ),
)
INTERNAL_BEHAVIOR = _struct(
    "HorizontalPodAutoscalerBehavior",
    ("ScaleUp", Ptr(_INTERNAL_SCALING_RULES)),
    ("ScaleDown", Ptr(_INTERNAL_SCALING_RULES)),
)
