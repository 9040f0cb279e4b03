"""PrioritySort: activeQ ordered by priority, then by the time the pod entered the queue
(``pkg/scheduler/framework/plugins/queuesort/priority_sort.go``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pinnace.scheduler.framework.interface import QueuedPodLike
from pinnace.scheduler.plugins import names

NAME = names.PRIORITY_SORT


class PrioritySort:
    name = NAME

    def less(self, a: QueuedPodLike, b: QueuedPodLike) -> bool:
        """Higher priority first; equal priority: the earlier timestamp first."""
        p1, p2 = a.pod_info.priority, b.pod_info.priority
        return p1 > p2 or (p1 == p2 and a.timestamp < b.timestamp)

    def sort_key(self, pod: QueuedPodLike) -> tuple[Any, ...]:
        return (-pod.pod_info.priority, pod.timestamp)


def new(args: Mapping[str, Any], handle: Any) -> PrioritySort:
    return PrioritySort()
