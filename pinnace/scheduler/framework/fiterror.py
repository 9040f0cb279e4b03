"""Why a pod fits nowhere: ``Diagnosis``, ``NodeToStatus`` and ``FitError`` (framework/types.go).

The message is what ``kubectl describe pod`` shows under FailedScheduling, built exactly as Kubernetes 1.32
builds it::

    0/<all nodes> nodes are available: <PreFilter message>.                     (PreFilter rejected the pod)
    0/<all nodes> nodes are available: <count> <reason>, <count> <reason>.      (Filter rejected every node)

followed by `` <PostFilter message>`` when PostFilter (preemption) ran, e.g. ``preemption: 0/3 nodes are
available: 3 Preemption is not helpful for scheduling.`` The histogram counts every reason of every node's
status (nodes absent from the map count with the "absent nodes" status) and sorts the ``"<n> <reason>"``
strings as strings, as Go's ``sort.Strings`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import Code, Status, is_rejected

NO_NODE_AVAILABLE_MSG: Final = "0/{} nodes are available"


class NodeToStatus:
    """Statuses of the nodes Filter rejected, plus one status standing for every node not listed.

    Filter results arrive vectorised (``codes`` over snapshot rows, see ``FilterOutcome``), so the explicit
    part may be backed by arrays and turned into dict entries only when read.
    """

    def __init__(self, absent: Status | None = None) -> None:
        self._explicit: dict[str, Status] = {}
        self.absent = absent or Status(Code.UnschedulableAndUnresolvable)
        self._names: list[str] = []
        self._codes: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._statuses: list[Status] = []
        self._vector_index: dict[str, int] | None = None

    def set_vector(self, names: list[str], codes: npt.NDArray[np.int32], statuses: list[Status]) -> None:
        """Record many nodes at once: ``names[i]`` has ``statuses[codes[i] - 1]`` where ``codes[i] > 0``."""
        self._names, self._codes, self._statuses = names, codes, statuses
        self._vector_index = None

    def set(self, name: str, status: Status) -> None:
        self._explicit[name] = status

    def get(self, name: str) -> Status:
        status = self._explicit.get(name)
        if status is not None:
            return status
        if len(self._codes):
            if self._vector_index is None:
                self._vector_index = {n: i for i, n in enumerate(self._names)}
            i = self._vector_index.get(name)
            if i is not None and self._codes[i] > 0:
                return self._statuses[int(self._codes[i]) - 1]
        return self.absent

    def __len__(self) -> int:
        vector = int(np.count_nonzero(self._codes)) if len(self._codes) else 0
        if not self._explicit:
            return vector
        return vector + sum(1 for name in self._explicit if not self._in_vector(name))

    def _in_vector(self, name: str) -> bool:
        if not len(self._codes):
            return False
        if self._vector_index is None:
            self._vector_index = {n: i for i, n in enumerate(self._names)}
        i = self._vector_index.get(name)
        return i is not None and bool(self._codes[i] > 0)

    def items(self) -> Iterator[tuple[str, Status]]:
        """Every explicitly recorded node and its status."""
        seen: set[str] = set()
        for name, status in self._explicit.items():
            seen.add(name)
            yield name, status
        if len(self._codes):
            for i in np.flatnonzero(self._codes):
                name = self._names[int(i)]
                if name not in seen:
                    yield name, self._statuses[int(self._codes[i]) - 1]

    def reason_counts(self) -> dict[str, int]:
        """How many recorded nodes give each reason (one node may give several)."""
        counts: dict[str, int] = {}
        if len(self._codes):
            hist = np.bincount(self._codes, minlength=len(self._statuses) + 1)
            overridden = {name for name in self._explicit if self._in_vector(name)}
            for name in overridden:
                hist[int(self._codes[self._vector_index[name]])] -= 1  # type: ignore[index]
            for k, status in enumerate(self._statuses, start=1):
                if hist[k]:
                    for reason in status.reasons:
                        counts[reason] = counts.get(reason, 0) + int(hist[k])
        for status in self._explicit.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return counts


@dataclass(slots=True)
class Diagnosis:
    """``framework.Diagnosis``: what a failed cycle learned."""

    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def add_plugin_status(self, status: Status) -> None:
        """``Diagnosis.AddPluginStatus``: remember which plugin rejected the pod (queueing uses it)."""
        if not status.plugin:
            return
        if is_rejected(status):
            self.unschedulable_plugins.add(status.plugin)
        if status.code is Code.Pending:
            self.pending_plugins.add(status.plugin)


class FitError(Exception):
    """No node fits the pod; ``str()`` is upstream's ``FitError.Error()``."""

    def __init__(self, pod_key: str, num_all_nodes: int, diagnosis: Diagnosis) -> None:
        super().__init__(pod_key)
        self.pod_key = pod_key
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        message = NO_NODE_AVAILABLE_MSG.format(self.num_all_nodes) + ":"
        diagnosis = self.diagnosis
        if diagnosis.pre_filter_msg:
            message += f" {diagnosis.pre_filter_msg}."
        else:
            statuses = diagnosis.node_to_status
            counts = statuses.reason_counts()
            absent = self.num_all_nodes - len(statuses)
            if absent > 0:
                for reason in statuses.absent.reasons:
                    counts[reason] = counts.get(reason, 0) + absent
            histogram = sorted(f"{n} {reason}" for reason, n in counts.items())
            if histogram:
                message += f" {', '.join(histogram)}."
        if diagnosis.post_filter_msg:
            message += f" {diagnosis.post_filter_msg}"
        return message


class NoNodesAvailableError(Exception):
    """``ErrNoNodesAvailable``: the cluster has no nodes at all."""

    def __init__(self) -> None:
        super().__init__("no nodes available to schedule pods")
