"""The two kinds one replica controller serves: apps/v1 ReplicaSet and core/v1 ReplicationController.

Upstream runs ReplicationControllers through the ReplicaSet controller with an adapter
(``pkg/controller/replication/conversion.go``) that converts each RC to a ReplicaSet and back. Objects here
are dicts, so the adapter shrinks to the three things that differ: the resource, how the selector is written
(a ``LabelSelector`` versus a plain label map) and the event source (``replicaset-controller`` versus
``replication-controller``). Spec and status fields have the same names in both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pinnace.api.labels import NOTHING, LabelSelector, from_label_selector_object, selector_from_set
from pinnace.client.resources import REPLICASETS, REPLICATIONCONTROLLERS, Resource

Object = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplicaKind:
    resource: Resource
    component: str
    #: ReplicaSets write ``spec.selector`` as a metav1.LabelSelector, RCs as a label map.
    label_selector_object: bool

    def selector(self, controller: Object) -> LabelSelector:
        """The controller's pod selector (``SelectorParseError`` if invalid). A missing selector selects
        nothing, as a nil ``metav1.LabelSelector`` does."""
        raw = (controller.get("spec") or {}).get("selector")
        if self.label_selector_object:
            return from_label_selector_object(raw)
        if raw is None:
            return NOTHING
        return selector_from_set({str(k): str(v) for k, v in raw.items()})

    def template(self, controller: Object) -> Object:
        """The pod template (an RC's may be absent)."""
        return dict((controller.get("spec") or {}).get("template") or {})


REPLICA_SET = ReplicaKind(REPLICASETS, "replicaset-controller", label_selector_object=True)
REPLICATION_CONTROLLER = ReplicaKind(
    REPLICATIONCONTROLLERS, "replication-controller", label_selector_object=False
)


def replicas(controller: Object) -> int:
    """``spec.replicas`` (defaulted to 1 by the API server; treated as 1 if somehow absent)."""
    value = (controller.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def min_ready_seconds(controller: Object) -> int:
    return int((controller.get("spec") or {}).get("minReadySeconds") or 0)
