"""Defaults of ``autoscaling/v1`` and ``autoscaling/v2``: HorizontalPodAutoscaler.

Reproduces ``kubernetes/pkg/apis/autoscaling/v2/defaults.go`` (``SetDefaults_HorizontalPodAutoscaler``,
``SetDefaults_HorizontalPodAutoscalerBehavior`` as of 1.32, before ``tolerance`` and ``selectionStrategy``
existed) and ``pkg/apis/autoscaling/v1/defaults.go`` (minReplicas 1).

autoscaling/v1 has no CPU default of its own, but HPAs are stored as autoscaling/v2 and defaulted there on
read, so an autoscaling/v1 HPA created without a target reads back with ``targetCPUUtilizationPercentage:
80`` (``kubectl get hpa`` shows ``<unknown>/80%``). That round trip is reproduced here, except when other
metrics ride in the ``autoscaling.alpha.kubernetes.io/metrics`` annotation (then v2 has metrics to keep). The
annotation's name and the CPU default (``autoscaling.DefaultCPUUtilization``) come from
:mod:`pinnace.api.conversion.autoscaling`.
Status counters without ``omitempty`` are written as 0, as Go does.
"""

from __future__ import annotations

from typing import Any

from pinnace.api.conversion.autoscaling import DEFAULT_CPU_UTILIZATION, METRIC_SPECS_ANNOTATION
from pinnace.api.defaults._fields import Obj, child, default_unset, ensure_child, path
from pinnace.api.gvk import GroupVersionKind

# The rules an unset direction of `behavior` takes: scale up by at most max(4 pods, 100 %) per 15 s with no
# stabilization; scale down by up to 100 % per 15 s, with the window left to the controller's flag
# (--horizontal-pod-autoscaler-downscale-stabilization, 300 s), hence no stabilizationWindowSeconds.
_SCALE_UP_RULES: dict[str, Any] = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_SCALE_DOWN_RULES: dict[str, Any] = {
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}


def _scaling_rules(user: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """``copyHPAScalingRules``: the defaults, overridden by every field the user set (non-null)."""
    rules: dict[str, Any] = {
        "stabilizationWindowSeconds": defaults.get("stabilizationWindowSeconds"),
        "selectPolicy": defaults["selectPolicy"],
        "policies": [dict(policy) for policy in defaults["policies"]],
    }
    if isinstance(user, dict):
        rules.update({key: value for key, value in user.items() if value is not None})
    return {key: value for key, value in rules.items() if value is not None}


def default_hpa_v2(hpa: Obj) -> None:
    spec = ensure_child(hpa, "spec")
    default_unset(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION},
                },
            }
        ]
    behavior = child(spec, "behavior")
    if behavior is not None:
        # A behavior naming either direction is completed in both.
        behavior["scaleUp"] = _scaling_rules(behavior.get("scaleUp"), _SCALE_UP_RULES)
        behavior["scaleDown"] = _scaling_rules(behavior.get("scaleDown"), _SCALE_DOWN_RULES)
    default_unset(ensure_child(hpa, "status"), "desiredReplicas", 0)


def default_hpa_v1(hpa: Obj) -> None:
    spec = ensure_child(hpa, "spec")
    default_unset(spec, "minReplicas", 1)
    annotations = path(hpa, "metadata", "annotations") or {}
    if METRIC_SPECS_ANNOTATION not in annotations:
        default_unset(spec, "targetCPUUtilizationPercentage", DEFAULT_CPU_UTILIZATION)
    status = ensure_child(hpa, "status")
    default_unset(status, "currentReplicas", 0)
    default_unset(status, "desiredReplicas", 0)


DEFAULTERS = {
    GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler"): default_hpa_v2,
    GroupVersionKind("autoscaling", "v1", "HorizontalPodAutoscaler"): default_hpa_v1,
}
