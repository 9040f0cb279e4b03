"""PodDisruptionBudgets (policy/validation) and HorizontalPodAutoscalers (autoscaling/validation), 1.32."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import DELETE, create_message, patched, stored

PDB: dict[str, Any] = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web-pdb", "namespace": "default"},
    "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
}

PDB_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("a percentage of available pods", {}, None),
    ("or a number of unavailable ones", {"spec.minAvailable": DELETE, "spec.maxUnavailable": 1}, None),
    (
        "percentages are at most 100%",
        {"spec.minAvailable": "120%"},
        'PodDisruptionBudget.policy "web-pdb" is invalid: spec.minAvailable: Invalid value: '
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ),
    (
        "numbers are not negative",
        {"spec.minAvailable": DELETE, "spec.maxUnavailable": -1},
        'PodDisruptionBudget.policy "web-pdb" is invalid: spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
    ),
    (
        "selectors are valid",
        {"spec.selector": {"matchExpressions": [{"key": "app", "operator": "In"}]}},
        'PodDisruptionBudget.policy "web-pdb" is invalid: spec.selector.matchExpressions[0].values: Required value: '
        "must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "unhealthy pod eviction policies",
        {"spec.unhealthyPodEvictionPolicy": "Never"},
        'PodDisruptionBudget.policy "web-pdb" is invalid: spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": '
        'supported values: "AlwaysAllow", "IfHealthyBudget"',
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in PDB_CASES], ids=[c[0] for c in PDB_CASES])
def test_pdb_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(PDB, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_min_available_and_max_unavailable_exclude_each_other() -> None:
    got = create_message(patched(PDB, {"spec.maxUnavailable": 1}))
    assert got.startswith(
        'PodDisruptionBudget.policy "web-pdb" is invalid: spec: Invalid value: policy.PodDisruptionBudgetSpec{'
    )
    assert got.endswith("}: minAvailable and maxUnavailable cannot be both set")


def test_pdb_updates_validate_the_new_spec() -> None:
    old = stored(PDB)
    assert validate_update(patched(old, {"spec.minAvailable": 2}), old) == []
    assert [e.message() for e in validate_update(patched(old, {"spec.minAvailable": -2}), old)] == [
        "spec.minAvailable: Invalid value: -2: must be greater than or equal to 0"
    ]


HPA: dict[str, Any] = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "api-hpa", "namespace": "default"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 20,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ],
    },
}
M0 = "spec.metrics[0]"

HPA_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's HPA is valid", {}, None),
    (
        "behaviour without policies gets default policies",
        {"spec.behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}},
        None,
    ),
    (
        "minReplicas is at least 1 (HPAScaleToZero is off in 1.32), and zero needs an object or external metric",
        {"spec.minReplicas": 0},
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: [spec.minReplicas: Invalid value: 0: must be greater '
        "than or equal to 1, spec.metrics: Forbidden: must specify at least one Object or External metric to support "
        "scaling to zero replicas]",
    ),
    (
        "maxReplicas is at least minReplicas",
        {"spec.maxReplicas": 1},
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: spec.maxReplicas: Invalid value: 1: must be greater '
        "than or equal to `minReplicas`",
    ),
    (
        "the target has a kind and a name",
        {"spec.scaleTargetRef.kind": DELETE},
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: spec.scaleTargetRef.kind: Required value',
    ),
    (
        "utilization is positive",
        {f"{M0}.resource.target.averageUtilization": 0},
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.resource.target.averageUtilization: Invalid '
        "value: 0: must be greater than 0",
    ),
    (
        "resource metrics need a target",
        {f"{M0}.resource.target": {"type": "Utilization"}},
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.resource.target.averageUtilization: Required '
        "value: must set either a target raw value or a target utilization",
    ),
    (
        "target types",
        {f"{M0}.resource.target.type": "Percent"},
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.resource.target.type: Invalid value: '
        '"Percent": must be either Utilization, Value, or AverageValue',
    ),
    (
        "the metric type names the populated source",
        {f"{M0}.type": "Pods"},
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.pods: Required value: must populate '
        "information for the given metric source",
    ),
    (
        "and only that one",
        {
            f"{M0}.pods": {
                "metric": {"name": "rps"},
                "target": {"type": "AverageValue", "averageValue": "100"},
            }
        },
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.pods: Forbidden: must populate the given '
        "metric source only",
    ),
    (
        "metric source types",
        {f"{M0}.type": "Custom"},
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.type: Unsupported value: "Custom": supported '
        'values: "ContainerResource", "External", "Object", "Pods", "Resource"',
    ),
    (
        "scaling policies have positive values and periods up to 30 minutes",
        {"spec.behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 3600}]}}},
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: [spec.behavior.scaleUp.policies[0].value: Invalid '
        "value: 0: must be greater than zero, spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: "
        "must be less than or equal to 1800]",
    ),
    (
        "select policies",
        {"spec.behavior": {"scaleDown": {"selectPolicy": "Avg"}}},
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: spec.behavior.scaleDown.selectPolicy: Unsupported '
        'value: "Avg": supported values: "Disabled", "Max", "Min"',
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in HPA_CASES], ids=[c[0] for c in HPA_CASES])
def test_hpa_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(HPA, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_negative_quantity_targets_print_the_quantity_struct_like_upstream() -> None:
    obj = patched(HPA, {f"{M0}.resource.target": {"type": "AverageValue", "averageValue": "-1"}})
    assert create_message(obj) == (
        f'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: {M0}.resource.target.averageValue: Invalid value: '
        "resource.Quantity{i:resource.int64Amount{value:-1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, "
        's:"-1", Format:"DecimalSI"}: must be positive'
    )


def test_autoscaling_v1_is_validated_in_the_v2_shape() -> None:
    v1 = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "api-hpa", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "api"},
            "maxReplicas": 5,
            "targetCPUUtilizationPercentage": 0,
        },
    }
    assert create_message(v1) == (
        'HorizontalPodAutoscaler.autoscaling "api-hpa" is invalid: spec.metrics[0].resource.target.averageUtilization: '
        "Invalid value: 0: must be greater than 0"
    )


def test_an_hpa_already_at_zero_may_stay_there() -> None:
    old = stored(
        patched(
            HPA,
            {
                "spec.minReplicas": 0,
                "spec.metrics": [
                    {
                        "type": "External",
                        "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "10"}},
                    }
                ],
            },
        )
    )
    assert validate_update(patched(old, {"spec.maxReplicas": 10}), old) == []
