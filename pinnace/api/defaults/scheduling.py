"""Defaults of ``scheduling.k8s.io/v1``: PriorityClass.

Reproduces ``kubernetes/pkg/apis/scheduling/v1/defaults.go``. (A Pod's own ``priority`` and
``preemptionPolicy`` come from the Priority admission plugin, not from defaulting.)
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_unset
from pinnace.api.gvk import GroupVersionKind


def default_priority_class(priority_class: Obj) -> None:
    default_unset(priority_class, "preemptionPolicy", "PreemptLowerPriority")


DEFAULTERS = {
    GroupVersionKind("scheduling.k8s.io", "v1", "PriorityClass"): default_priority_class,
}
