"""NodeName: a pod that names ``spec.nodeName`` fits only that node
(``pkg/scheduler/framework/plugins/nodename/node_name.go``)."""

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
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events, outcome

NAME = names.NODE_NAME
ERR_REASON: Final = "node(s) didn't match the requested node name"
_STATUS = Status(Code.UnschedulableAndUnresolvable, (ERR_REASON,))


def fits(pod: PodInfo, node_info: NodeInfo) -> bool:
    wanted = str(pod.spec.get("nodeName") or "")
    return not wanted or wanted == node_info.name


class NodeName:
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        return None if fits(pod, node_info) else _STATUS

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None:
        wanted = str(pod.spec.get("nodeName") or "")
        if not wanted:
            return None
        fail = np.ones(snapshot.num_nodes, dtype=bool)
        if (i := snapshot.index.get(wanted)) is not None:
            fail[i] = False
        return outcome(fail, _STATUS)

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events(
            (EventResource.NODE, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint)
        )


def new(args: Mapping[str, Any], handle: Any) -> NodeName:
    return NodeName()
