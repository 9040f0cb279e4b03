"""Counts per topology value, shared by InterPodAffinity and PodTopologySpread.

A :class:`TopologyCounts` holds, for each topology key, one integer per distinct label value of that key
(the snapshot's value ids), standing for upstream's ``map[topologyPair]int``. Counts come from the cache's
per-node counters summed by label value (one ``bincount``), and are adjusted node by node when preemption
adds or removes pods in its what-if runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.snapshot import Snapshot, sum_by_value
from pinnace.scheduler.framework.types import NodeInfo


@dataclass(slots=True)
class TopologyCounts:
    """``topologyToMatchedTermCount``: topology key -> count per value id."""

    snapshot: Snapshot
    by_key: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)

    def array(self, key: str) -> npt.NDArray[np.int64]:
        arr = self.by_key.get(key)
        values = len(self.snapshot.label_values(key))
        if arr is None:
            arr = self.by_key[key] = np.zeros(values, dtype=np.int64)
        elif len(arr) < values:
            arr = self.by_key[key] = np.concatenate((arr, np.zeros(values - len(arr), dtype=np.int64)))
        return arr

    def add_node_counts(self, key: str, node_counts: npt.NDArray[np.int64]) -> None:
        """Add per-node counts, summed by the nodes' values of ``key`` (unlabelled nodes don't count)."""
        ids = self.snapshot.label_ids(key)
        arr = self.array(key)
        arr += sum_by_value(ids, node_counts, len(arr))

    def value_id(self, key: str, node: NodeInfo) -> int | None:
        value = node.labels.get(key)
        if value is None:
            return None
        return self.snapshot.label_value_id(key, value)

    def get(self, key: str, node: NodeInfo) -> int:
        vid = self.value_id(key, node)
        arr = self.by_key.get(key)
        if vid is None or arr is None or vid >= len(arr):
            return 0
        return int(arr[vid])

    def add(self, key: str, node: NodeInfo, delta: int) -> None:
        vid = self.value_id(key, node)
        if vid is not None:
            self.array(key)[vid] += delta

    def per_node(self, key: str) -> npt.NDArray[np.int64]:
        """Each snapshot node's count for its value of ``key`` (0 where the node lacks the label)."""
        ids = self.snapshot.label_ids(key)
        arr = self.array(key)
        return np.where(ids >= 0, arr[np.maximum(ids, 0)], 0)

    def is_empty(self) -> bool:
        return not any(arr.any() for arr in self.by_key.values())

    def clone(self) -> TopologyCounts:
        return TopologyCounts(self.snapshot, {k: v.copy() for k, v in self.by_key.items()})
