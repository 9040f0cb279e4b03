"""Defaults of ``policy/v1``: PodDisruptionBudget.

Upstream has no defaulting functions for policy/v1 (``unhealthyPodEvictionPolicy`` stays unset and means
IfHealthyBudget). What a real cluster shows all the same are the four ``PodDisruptionBudgetStatus`` counters,
which Go writes even when zero (no ``omitempty``, k8s.io/api/policy/v1/types.go). Eviction has no defaults.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_unset, ensure_child
from pinnace.api.gvk import GroupVersionKind


def default_pod_disruption_budget(budget: Obj) -> None:
    status = ensure_child(budget, "status")
    for counter in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
        default_unset(status, counter, 0)


DEFAULTERS = {
    GroupVersionKind("policy", "v1", "PodDisruptionBudget"): default_pod_disruption_budget,
}
