"""NodeUnschedulable: nodes with ``spec.unschedulable`` (cordoned) take only pods that tolerate the
``node.kubernetes.io/unschedulable:NoSchedule`` taint
(``pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    FilterOutcome,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.taints import (
    NO_SCHEDULE,
    TAINT_NODE_UNSCHEDULABLE,
    Taint,
    tolerations_tolerate_taint,
)
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome

NAME = names.NODE_UNSCHEDULABLE
ERR_REASON_UNKNOWN_CONDITION: Final = "node(s) had unknown conditions"
ERR_REASON_UNSCHEDULABLE: Final = "node(s) were unschedulable"
_STATUS = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_UNSCHEDULABLE,))
_UNSCHEDULABLE_TAINT = Taint(TAINT_NODE_UNSCHEDULABLE, "", NO_SCHEDULE)


def _tolerates(pod: PodInfo) -> bool:
    return tolerations_tolerate_taint(pod.tolerations, _UNSCHEDULABLE_TAINT)


class NodeUnschedulable:
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if node_info.node is None:
            return Status(Code.UnschedulableAndUnresolvable, (ERR_REASON_UNKNOWN_CONDITION,))
        if node_info.unschedulable and not _tolerates(pod):
            return _STATUS
        return None

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        if _tolerates(pod):
            return None
        return outcome(snapshot.unschedulable, _STATUS)

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeTaint),
            (EventResource.POD, ActionType.UpdatePodTolerations),
        )


def new(args: Mapping[str, Any], handle: Any) -> NodeUnschedulable:
    return NodeUnschedulable()
