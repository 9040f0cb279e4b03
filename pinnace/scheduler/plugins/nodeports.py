"""NodePorts: a pod's hostPorts must be free on the node
(``pkg/scheduler/framework/plugins/nodeports/node_ports.go``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    FilterOutcome,
    PreFilterExtensions,
    PreFilterResult,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome

NAME = names.NODE_PORTS
ERR_REASON: Final = "node(s) didn't have free ports for the requested pod ports"
_STATUS = Status(Code.Unschedulable, (ERR_REASON,))
_SKIP = Status(Code.Skip)


def fits_ports(pod: PodInfo, node_info: NodeInfo) -> bool:
    return not any(node_info.ports_conflict(hp) for hp in pod.host_ports)


class NodePorts:
    name = NAME

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        if not pod.host_ports:
            return None, _SKIP
        return None, None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        return None if fits_ports(pod, node_info) else _STATUS

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        fail = np.zeros(snapshot.num_nodes, dtype=bool)
        for i in np.flatnonzero(snapshot.has_used_ports):
            fail[i] = not fits_ports(pod, snapshot.node_infos[int(i)])
        return outcome(fail, _STATUS)

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.ASSIGNED_POD, ActionType.Delete),
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint),
        )


def new(args: Mapping[str, Any], handle: Any) -> NodePorts:
    return NodePorts()
