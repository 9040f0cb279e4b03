"""SchedulingGates: a pod with ``spec.schedulingGates`` waits outside activeQ until the last gate is removed
(``pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pinnace.scheduler.framework.interface import (
    ActionType,
    ClusterEventWithHint,
    Code,
    EventResource,
    Status,
)
from pinnace.scheduler.framework.types import PodInfo
from pinnace.scheduler.plugins import names
from pinnace.scheduler.plugins.helper import events

NAME = names.SCHEDULING_GATES


class SchedulingGates:
    name = NAME

    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        gates = [str(g.get("name")) for g in pod.spec.get("schedulingGates") or ()]
        if not gates:
            return None
        # Go prints a []string with %v: "[gate1 gate2]".
        return Status(
            Code.UnschedulableAndUnresolvable, (f"waiting for scheduling gates: [{' '.join(gates)}]",)
        )

    def events_to_register(self) -> Sequence[ClusterEventWithHint]:
        return events((EventResource.POD, ActionType.UpdatePodSchedulingGatesEliminated))


def new(args: Mapping[str, Any], handle: Any) -> SchedulingGates:
    return SchedulingGates()
