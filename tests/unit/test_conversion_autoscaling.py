"""HorizontalPodAutoscaler between autoscaling/v1 and the stored autoscaling/v2, as a 1.32 cluster shows it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pinnace.api.conversion import ConversionError, convert

Obj = dict[str, Any]

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"

TARGET = {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}
T0 = "2025-01-10T12:00:00Z"


def hpa_v1(
    spec: Obj | None = None, status: Obj | None = None, annotations: dict[str, str] | None = None
) -> Obj:
    metadata: Obj = {"name": "web", "namespace": "default", "uid": "0b5e5f1c", "resourceVersion": "42"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 5, **(spec or {})},
        "status": status if status is not None else {"currentReplicas": 0, "desiredReplicas": 0},
    }


def hpa_v2(
    metrics: list[Obj] | None = None,
    behavior: Obj | None = None,
    status: Obj | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    metadata: Obj = {"name": "web", "namespace": "default", "uid": "0b5e5f1c", "resourceVersion": "42"}
    if annotations is not None:
        metadata["annotations"] = annotations
    spec: Obj = {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 5}
    if metrics is not None:
        spec["metrics"] = metrics
    if behavior is not None:
        spec["behavior"] = behavior
    return {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": metadata,
        "spec": spec,
        "status": status if status is not None else {"desiredReplicas": 0, "currentMetrics": None},
    }


def resource(name: str, **target: Any) -> Obj:
    return {"type": "Resource", "resource": {"name": name, "target": target}}


def cpu(utilization: int) -> Obj:
    return resource("cpu", type="Utilization", averageUtilization=utilization)


MEMORY_500MI = resource("memory", type="AverageValue", averageValue="500Mi")
PODS_1K = {
    "type": "Pods",
    "pods": {
        "metric": {"name": "packets-per-second"},
        "target": {"type": "AverageValue", "averageValue": "1k"},
    },
}
OBJECT_10K = {
    "type": "Object",
    "object": {
        "describedObject": {"kind": "Ingress", "name": "main-route", "apiVersion": "networking.k8s.io/v1"},
        "target": {"type": "Value", "value": "10k"},
        "metric": {"name": "requests-per-second"},
    },
}
EXTERNAL_30 = {
    "type": "External",
    "external": {
        "metric": {"name": "queue_messages_ready", "selector": {"matchLabels": {"queue": "worker_tasks"}}},
        "target": {"type": "AverageValue", "averageValue": "30"},
    },
}
CONTAINER_CPU_70 = {
    "type": "ContainerResource",
    "containerResource": {
        "name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 70},
        "container": "app",
    },
}

# What the 1.32 defaulting writes for `behavior: {}` (pkg/apis/autoscaling/v2/defaults.go).
DEFAULT_BEHAVIOR = {
    "scaleUp": {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    },
    "scaleDown": {
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
    },
}
SLOW_SCALE_DOWN = {
    "scaleDown": {
        "stabilizationWindowSeconds": 300,
        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
    }
}

CONTROLLER_STATUS = {
    "observedGeneration": 3,
    "lastScaleTime": T0,
    "currentReplicas": 3,
    "desiredReplicas": 3,
    "currentMetrics": [
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "300Mi"}}},
        {
            "type": "Resource",
            "resource": {"name": "cpu", "current": {"averageValue": "250m", "averageUtilization": 50}},
        },
    ],
    "conditions": [
        {
            "type": "AbleToScale",
            "status": "True",
            "lastTransitionTime": T0,
            "reason": "ReadyForNewScale",
            "message": "recommended size matches current size",
        },
        {
            "type": "ScalingActive",
            "status": "True",
            "lastTransitionTime": T0,
            "reason": "ValidMetricFound",
            "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
        },
    ],
}

# The annotations a 1.32 API server writes, byte for byte: v1 MetricSpec/MetricStatus/conditions with their
# json tags and field order, and the behavior as the untagged internal struct (Go field names, nil as null).
FULL_METRICS_JSON = (
    '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}},'
    '{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}},'
    '{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},'
    '"metricName":"requests-per-second","targetValue":"10k"}},'
    '{"type":"External","external":{"metricName":"queue_messages_ready",'
    '"metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"targetAverageValue":"30"}},'
    '{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":70,"container":"app"}}]'
)
CONTROLLER_CURRENT_METRICS_JSON = (
    '[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"300Mi"}},'
    '{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":50,"currentAverageValue":"250m"}}]'
)
CONTROLLER_CONDITIONS_JSON = (
    '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-01-10T12:00:00Z",'
    '"reason":"ReadyForNewScale","message":"recommended size matches current size"},'
    '{"type":"ScalingActive","status":"True","lastTransitionTime":"2025-01-10T12:00:00Z",'
    '"reason":"ValidMetricFound","message":"the HPA was able to successfully calculate a replica count from cpu '
    'resource utilization (percentage of request)"}]'
)
DEFAULT_BEHAVIOR_JSON = (
    '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":'
    '[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},'
    '"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":'
    '[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}'
)
SLOW_SCALE_DOWN_JSON = (
    '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":null,"Policies":'
    '[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}'
)

FULL_V2 = hpa_v2(
    metrics=[MEMORY_500MI, PODS_1K, OBJECT_10K, EXTERNAL_30, CONTAINER_CPU_70, cpu(60)],
    behavior=DEFAULT_BEHAVIOR,
    status=CONTROLLER_STATUS,
    annotations={"team": "payments"},
)
FULL_V1 = hpa_v1(
    spec={"targetCPUUtilizationPercentage": 60},
    status={
        "observedGeneration": 3,
        "lastScaleTime": T0,
        "currentReplicas": 3,
        "desiredReplicas": 3,
        "currentCPUUtilizationPercentage": 50,
    },
    annotations={
        "team": "payments",
        METRICS: FULL_METRICS_JSON,
        CURRENT_METRICS: CONTROLLER_CURRENT_METRICS_JSON,
        BEHAVIOR: DEFAULT_BEHAVIOR_JSON,
        CONDITIONS: CONTROLLER_CONDITIONS_JSON,
    },
)

V1_TO_V2: list[tuple[str, Obj, Obj]] = [
    (
        "kubectl autoscale's cpu target is a Resource cpu Utilization metric",
        hpa_v1(spec={"targetCPUUtilizationPercentage": 80}),
        hpa_v2(metrics=[cpu(80)]),
    ),
    (
        "without a target the controller's implicit 80% becomes explicit",
        hpa_v1(),
        hpa_v2(metrics=[cpu(80)]),
    ),
    (
        "the current cpu percentage becomes a current metric",
        hpa_v1(
            spec={"targetCPUUtilizationPercentage": 50},
            status={"currentReplicas": 2, "desiredReplicas": 2, "currentCPUUtilizationPercentage": 35},
        ),
        hpa_v2(
            metrics=[cpu(50)],
            status={
                "currentReplicas": 2,
                "desiredReplicas": 2,
                "currentMetrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 35}}}
                ],
            },
        ),
    ),
    (
        "annotated metrics come first and the cpu target last",
        hpa_v1(
            spec={"targetCPUUtilizationPercentage": 60},
            annotations={
                METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]'
            },
        ),
        hpa_v2(metrics=[MEMORY_500MI, cpu(60)]),
    ),
    (
        "annotated metrics without a cpu target get no cpu default",
        hpa_v1(
            annotations={
                METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]'
            }
        ),
        hpa_v2(metrics=[MEMORY_500MI]),
    ),
    (
        "every annotation restores its field and is dropped, other annotations stay",
        FULL_V1,
        FULL_V2,
    ),
    (
        "v1 Object and External metrics always carry a value, Pods ones an averageValue",
        hpa_v1(
            annotations={
                METRICS: '[{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route"},'
                '"metricName":"rps","averageValue":"2"}},'
                '{"type":"Pods","pods":{"metricName":"pps"}}]'
            }
        ),
        hpa_v2(
            metrics=[
                {
                    "type": "Object",
                    "object": {
                        "describedObject": {"kind": "Ingress", "name": "main-route"},
                        "target": {"type": "AverageValue", "value": "0", "averageValue": "2"},
                        "metric": {"name": "rps"},
                    },
                },
                {
                    "type": "Pods",
                    "pods": {
                        "metric": {"name": "pps"},
                        "target": {"type": "AverageValue", "averageValue": "0"},
                    },
                },
            ]
        ),
    ),
    (
        "a current-metrics annotation replaces the percentage",
        hpa_v1(
            status={"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 99},
            annotations={CURRENT_METRICS: "[]"},
        ),
        hpa_v2(metrics=[cpu(80)], status={"currentReplicas": 1, "desiredReplicas": 1, "currentMetrics": []}),
    ),
    (
        "the behavior annotation is read case-insensitively, as encoding/json does",
        hpa_v1(annotations={BEHAVIOR: '{"scaleUp":{"selectPolicy":"Disabled"}}'}),
        hpa_v2(metrics=[cpu(80)], behavior={"scaleUp": {"selectPolicy": "Disabled"}}),
    ),
    (
        "quantities in annotations are read in canonical form",
        hpa_v1(
            annotations={
                METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"0.5Gi"}}]'
            }
        ),
        hpa_v2(metrics=[resource("memory", type="AverageValue", averageValue="512Mi")]),
    ),
]


@pytest.mark.parametrize(("v1", "expected"), [c[1:] for c in V1_TO_V2], ids=[c[0] for c in V1_TO_V2])
def test_v1_read_as_v2(v1: Obj, expected: Obj) -> None:
    assert convert(v1, "autoscaling/v2") == expected


V2_TO_V1: list[tuple[str, Obj, Obj]] = [
    (
        "a cpu Utilization metric is the v1 target, nothing else to annotate",
        hpa_v2(metrics=[cpu(80)]),
        hpa_v1(spec={"targetCPUUtilizationPercentage": 80}),
    ),
    (
        "a memory AverageValue metric and a behavior travel in annotations",
        hpa_v2(metrics=[MEMORY_500MI], behavior=SLOW_SCALE_DOWN),
        hpa_v1(
            annotations={
                METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]',
                BEHAVIOR: SLOW_SCALE_DOWN_JSON,
            }
        ),
    ),
    (
        "several metrics, a defaulted behavior, controller status and conditions",
        FULL_V2,
        FULL_V1,
    ),
    (
        "the first cpu Utilization metric is the target even after a cpu AverageValue one (kubernetes#101370)",
        hpa_v2(metrics=[resource("cpu", type="AverageValue", averageValue="300m"), cpu(70)]),
        hpa_v1(
            spec={"targetCPUUtilizationPercentage": 70},
            annotations={
                METRICS: '[{"type":"Resource","resource":{"name":"cpu","targetAverageValue":"300m"}}]'
            },
        ),
    ),
    (
        "a second cpu Utilization metric is lost, as upstream loses it",
        hpa_v2(metrics=[cpu(70), cpu(90)]),
        hpa_v1(spec={"targetCPUUtilizationPercentage": 70}),
    ),
    (
        "stale round-trip annotations are dropped and an emptied map disappears",
        hpa_v2(
            metrics=[cpu(80)],
            annotations={METRICS: "[]", BEHAVIOR: "{}", CURRENT_METRICS: "[]", CONDITIONS: "[]"},
        ),
        hpa_v1(spec={"targetCPUUtilizationPercentage": 80}),
    ),
    (
        "json.Marshal escapes <, > and & in annotations",
        hpa_v2(
            metrics=[cpu(80)],
            status={
                "desiredReplicas": 0,
                "currentMetrics": None,
                "conditions": [
                    {"type": "ScalingLimited", "status": "True", "message": "desired > max & <min"}
                ],
            },
        ),
        hpa_v1(
            spec={"targetCPUUtilizationPercentage": 80},
            annotations={
                CONDITIONS: '[{"type":"ScalingLimited","status":"True","lastTransitionTime":null,'
                '"message":"desired \\u003e max \\u0026 \\u003cmin"}]'
            },
        ),
    ),
    (
        "a scaling rule without policies writes them as null, an unset direction as null",
        hpa_v2(metrics=[cpu(80)], behavior={"scaleUp": {"selectPolicy": "Disabled"}}),
        hpa_v1(
            spec={"targetCPUUtilizationPercentage": 80},
            annotations={
                BEHAVIOR: '{"ScaleUp":{"StabilizationWindowSeconds":null,"SelectPolicy":"Disabled","Policies":null},'
                '"ScaleDown":null}'
            },
        ),
    ),
    (
        "selectors are written as Go writes them: sorted labels, fields in declaration order",
        hpa_v2(
            metrics=[
                {
                    "type": "External",
                    "external": {
                        "metric": {
                            "name": "queue",
                            "selector": {
                                "matchExpressions": [{"values": ["a"], "operator": "In", "key": "tier"}],
                                "matchLabels": {"zone": "b", "app": "a"},
                            },
                        },
                        "target": {"type": "Value", "value": "1500m"},
                    },
                }
            ]
        ),
        hpa_v1(
            annotations={
                METRICS: '[{"type":"External","external":{"metricName":"queue","metricSelector":'
                '{"matchLabels":{"app":"a","zone":"b"},"matchExpressions":[{"key":"tier","operator":"In","values":["a"]}]},'
                '"targetValue":"1500m"}}]'
            }
        ),
    ),
]


@pytest.mark.parametrize(("v2", "expected"), [c[1:] for c in V2_TO_V1], ids=[c[0] for c in V2_TO_V1])
def test_v2_read_as_v1(v2: Obj, expected: Obj) -> None:
    assert convert(v2, "autoscaling/v1") == expected


def test_v1_annotations_are_exactly_upstreams_text() -> None:
    annotations = convert(FULL_V2, "autoscaling/v1")["metadata"]["annotations"]
    assert annotations[METRICS] == FULL_METRICS_JSON
    assert annotations[CURRENT_METRICS] == CONTROLLER_CURRENT_METRICS_JSON
    assert annotations[BEHAVIOR] == DEFAULT_BEHAVIOR_JSON
    assert annotations[CONDITIONS] == CONTROLLER_CONDITIONS_JSON
    assert json.loads(annotations[BEHAVIOR])["ScaleDown"]["StabilizationWindowSeconds"] is None


ROUND_TRIPS_V2: list[tuple[str, Obj]] = [
    ("a cpu target alone", hpa_v2(metrics=[cpu(80)])),
    ("a memory metric and a scale-down behavior", hpa_v2(metrics=[MEMORY_500MI], behavior=SLOW_SCALE_DOWN)),
    ("every metric source, a defaulted behavior, status and conditions", FULL_V2),
    (
        "a cpu AverageValue target",
        hpa_v2(metrics=[resource("cpu", type="AverageValue", averageValue="300m")]),
    ),
]


@pytest.mark.parametrize("v2", [c[1] for c in ROUND_TRIPS_V2], ids=[c[0] for c in ROUND_TRIPS_V2])
def test_v2_through_v1_and_back_is_lossless(v2: Obj) -> None:
    assert convert(convert(v2, "autoscaling/v1"), "autoscaling/v2") == v2


ROUND_TRIPS_V1: list[tuple[str, Obj]] = [
    ("kubectl autoscale's HPA", hpa_v1(spec={"targetCPUUtilizationPercentage": 80})),
    ("an HPA the controller reports on", FULL_V1),
]


@pytest.mark.parametrize("v1", [c[1] for c in ROUND_TRIPS_V1], ids=[c[0] for c in ROUND_TRIPS_V1])
def test_v1_through_v2_and_back_is_lossless(v1: Obj) -> None:
    assert convert(convert(v1, "autoscaling/v2"), "autoscaling/v1") == v1


def test_a_cpu_target_not_last_moves_last_through_v1() -> None:
    # Upstream appends the cpu metric after the annotation's: the order is not kept.
    v2 = hpa_v2(metrics=[cpu(60), MEMORY_500MI])
    assert convert(convert(v2, "autoscaling/v1"), "autoscaling/v2")["spec"]["metrics"] == [
        MEMORY_500MI,
        cpu(60),
    ]


MALFORMED_ANNOTATIONS: list[tuple[str, str, str]] = [
    ("metrics that are not JSON", METRICS, "abc"),
    ("metrics of the wrong shape", METRICS, '{"type":"Resource"}'),
    ("a metric field of the wrong type", METRICS, '[{"type":"Resource","resource":{"name":7}}]'),
    (
        "a quantity that does not parse",
        METRICS,
        '[{"type":"Pods","pods":{"metricName":"x","targetAverageValue":"lots"}}]',
    ),
    ("a behavior that is not JSON", BEHAVIOR, "abc"),
    ("an empty behavior", BEHAVIOR, "{}"),
    ("a null behavior", BEHAVIOR, "null"),
    ("a behavior list", BEHAVIOR, "[]"),
    ("a behavior with NaN", BEHAVIOR, '{"ScaleUp":{"StabilizationWindowSeconds":NaN}}'),
    ("a behavior with a fractional window", BEHAVIOR, '{"ScaleUp":{"StabilizationWindowSeconds":1.5}}'),
    ("current metrics that are not JSON", CURRENT_METRICS, "abc"),
    ("conditions that are not JSON", CONDITIONS, "abc"),
    ("an empty value", CONDITIONS, ""),
]


@pytest.mark.parametrize(
    ("key", "text"), [c[1:] for c in MALFORMED_ANNOTATIONS], ids=[c[0] for c in MALFORMED_ANNOTATIONS]
)
def test_annotations_that_do_not_decode_are_ignored_and_dropped(key: str, text: str) -> None:
    v1 = hpa_v1(spec={"targetCPUUtilizationPercentage": 70}, annotations={key: text, "team": "payments"})
    assert convert(v1, "autoscaling/v2") == hpa_v2(metrics=[cpu(70)], annotations={"team": "payments"})


def test_conditions_annotation_restores_conditions_with_go_zero_times() -> None:
    v1 = hpa_v1(annotations={CONDITIONS: '[{"type":"AbleToScale","status":"False"}]'})
    status = convert(v1, "autoscaling/v2")["status"]
    assert status["conditions"] == [{"type": "AbleToScale", "status": "False", "lastTransitionTime": None}]


CONVERSIONS: list[tuple[str, Obj, str]] = [
    ("v1 with every annotation to v2", FULL_V1, "autoscaling/v2"),
    ("v2 with every field to v1", FULL_V2, "autoscaling/v1"),
    (
        "v2 with stale annotations to v1",
        hpa_v2(metrics=[cpu(80)], annotations={METRICS: "[]"}),
        "autoscaling/v1",
    ),
]


@pytest.mark.parametrize(("obj", "target"), [c[1:] for c in CONVERSIONS], ids=[c[0] for c in CONVERSIONS])
def test_inputs_are_never_mutated_nor_shared(obj: Obj, target: str) -> None:
    before = copy.deepcopy(obj)
    out = convert(obj, target)
    assert obj == before
    assert out is not obj
    assert out["metadata"] is not obj["metadata"]
    assert out["spec"] is not obj["spec"]
    assert out["status"] is not obj["status"]
    out["metadata"]["annotations"] = {"changed": "yes"}
    out["spec"]["scaleTargetRef"]["name"] = "changed"
    assert obj == before


MALFORMED_OBJECTS: list[tuple[str, Obj, str, str]] = [
    (
        "a string where v2 has an integer",
        hpa_v2(metrics=[cpu(80)]) | {"spec": {"scaleTargetRef": TARGET, "maxReplicas": "five"}},
        "autoscaling/v1",
        "HorizontalPodAutoscaler spec: json: cannot unmarshal string into Go struct field "
        "spec.maxReplicas of type int32",
    ),
    (
        "a list where v1 has a status",
        hpa_v1() | {"status": []},
        "autoscaling/v2",
        "HorizontalPodAutoscaler status: json: cannot unmarshal array into Go struct field status of type "
        "HorizontalPodAutoscalerStatus",
    ),
]


@pytest.mark.parametrize(
    ("obj", "target", "message"), [c[1:] for c in MALFORMED_OBJECTS], ids=[c[0] for c in MALFORMED_OBJECTS]
)
def test_malformed_objects_raise_conversion_errors(obj: Obj, target: str, message: str) -> None:
    with pytest.raises(ConversionError) as raised:
        convert(obj, target)
    assert str(raised.value) == message


EVERY_SOURCE_STATUS: list[Obj] = [
    {
        "type": "Object",
        "object": {
            "metric": {"name": "requests-per-second"},
            "current": {"value": "12k"},
            "describedObject": {
                "kind": "Ingress",
                "name": "main-route",
                "apiVersion": "networking.k8s.io/v1",
            },
        },
    },
    {"type": "Pods", "pods": {"metric": {"name": "packets-per-second"}, "current": {"averageValue": "800"}}},
    {
        "type": "External",
        "external": {
            "metric": {
                "name": "queue_messages_ready",
                "selector": {"matchLabels": {"queue": "worker_tasks"}},
            },
            "current": {"averageValue": "25"},
        },
    },
    {
        "type": "ContainerResource",
        "containerResource": {
            "name": "cpu",
            "current": {"averageValue": "100m", "averageUtilization": 40},
            "container": "app",
        },
    },
    {
        "type": "Resource",
        "resource": {"name": "cpu", "current": {"averageValue": "150m", "averageUtilization": 60}},
    },
    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "160m"}}},
]
EVERY_SOURCE_STATUS_JSON = (
    '[{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},'
    '"metricName":"requests-per-second","currentValue":"12k"}},'
    '{"type":"Pods","pods":{"metricName":"packets-per-second","currentAverageValue":"800"}},'
    '{"type":"External","external":{"metricName":"queue_messages_ready",'
    '"metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"currentValue":"0","currentAverageValue":"25"}},'
    '{"type":"ContainerResource","containerResource":{"name":"cpu","currentAverageUtilization":40,'
    '"currentAverageValue":"100m","container":"app"}},'
    '{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":60,"currentAverageValue":"150m"}},'
    '{"type":"Resource","resource":{"name":"cpu","currentAverageValue":"160m"}}]'
)


def test_every_status_source_travels_in_the_current_metrics_annotation() -> None:
    v2 = hpa_v2(metrics=[cpu(80)], status={"desiredReplicas": 1, "currentMetrics": EVERY_SOURCE_STATUS})
    v1 = convert(v2, "autoscaling/v1")
    assert v1["metadata"]["annotations"] == {CURRENT_METRICS: EVERY_SOURCE_STATUS_JSON}
    # The last cpu Resource status with a utilization: upstream's loop does not stop at the first.
    assert v1["status"] == {"currentReplicas": 0, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 60}
    # Back in v2, only what v1's by-value quantities add differs: External status gains a zero value.
    expected = copy.deepcopy(EVERY_SOURCE_STATUS)
    expected[2]["external"]["current"] = {"value": "0", "averageValue": "25"}
    assert convert(v1, "autoscaling/v2")["status"]["currentMetrics"] == expected


def test_an_object_without_metadata_converts_without_it() -> None:
    bare = {key: value for key, value in hpa_v1().items() if key != "metadata"}
    assert "metadata" not in convert(bare, "autoscaling/v2")
