"""The per-cycle snapshot (``pkg/scheduler/backend/cache/snapshot.go``), as numpy columns.

At the start of every cycle :meth:`Snapshot.update` copies from the cache only the nodes whose generation is
newer than the snapshot's (usually the one node the previous cycle assumed a pod on). A cycle then reads a
consistent view even while informer events change the cache during the cycle's awaits (preemption's API
calls). Node order is the cache's zone-interleaved node tree; it is rebuilt only when nodes come or go.

Columns, one entry per node in that order:

* ``allocatable``/``requested`` (R x N: one contiguous row per resource, int64; cpu in millicores),
  ``non_zero`` (2 x N: cpu, memory with
  upstream's defaults for containers without requests), ``pod_count``, ``allowed_pods``;
* ``unschedulable`` and ``taint_ids`` (nodes sharing a taint list share an id: plugins decide per distinct
  list);
* label columns built on first use: value ids per key (-1 when absent), and their integer readings for
  Gt/Lt;
* per-node pod counters (see :mod:`~pinnace.scheduler.framework.counting`) and image columns, on first use.

The :class:`~pinnace.scheduler.framework.types.NodeInfo` objects are shared with the cache, not copied:
plugins must only read them, and the cache only changes them between cycles (asyncio gives the synchronous
part of a cycle exclusive use); preemption works on ``NodeInfo.clone()``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework import resources
from pinnace.scheduler.framework.counting import CarrierKey, PodMatcher
from pinnace.scheduler.framework.taints import Taint
from pinnace.scheduler.framework.types import NodeInfo

if TYPE_CHECKING:
    from pinnace.scheduler.cache import Cache

#: CycleState key under which the framework leaves the snapshot rows of the filtered nodes for PreScore.
FILTERED_ROWS_KEY = "pinnace.io/filtered-rows"
_BASE_RESOURCES = (resources.CPU, resources.MEMORY, resources.EPHEMERAL_STORAGE)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(slots=True)
class _LabelColumn:
    ids: npt.NDArray[np.int32]
    values: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    ints: tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None = None

    def intern(self, value: str | None) -> int:
        if value is None:
            return -1
        i = self.index.get(value)
        if i is None:
            i = self.index[value] = len(self.values)
            self.values.append(value)
        return i


def _parse_int64(value: str) -> int | None:
    try:
        number = int(value, 10)
    except ValueError:
        return None
    if value.strip() != value or "_" in value:
        return None
    return number if _INT64_MIN <= number <= _INT64_MAX else None


class Snapshot:
    """Everything a cycle reads about nodes. Build with ``Snapshot()``, refresh with :meth:`update`."""

    def __init__(self) -> None:
        self.generation = -1
        self._tree_version = -1
        self._cache: Cache | None = None
        self.node_infos: list[NodeInfo] = []
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.resource_names: list[str] = list(_BASE_RESOURCES)
        self._resource_index = {name: i for i, name in enumerate(self.resource_names)}
        self.allocatable = np.zeros((len(self.resource_names), 0), dtype=np.int64)
        self.requested = np.zeros((len(self.resource_names), 0), dtype=np.int64)
        self.non_zero = np.zeros((2, 0), dtype=np.int64)
        self.pod_count = np.zeros(0, dtype=np.int64)
        self.allowed_pods = np.zeros(0, dtype=np.int64)
        self.unschedulable = np.zeros(0, dtype=bool)
        self.has_used_ports = np.zeros(0, dtype=bool)
        self.taint_ids = np.zeros(0, dtype=np.int32)
        self.taint_sets: list[tuple[Taint, ...]] = []
        self._taint_index: dict[tuple[Taint, ...], int] = {}
        self._labels: dict[str, _LabelColumn] = {}
        self._counters: dict[Hashable, tuple[int, npt.NDArray[np.int64]]] = {}
        self._images: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]] = {}
        self._free: dict[int, npt.NDArray[np.int64]] = {}
        self._free_pods: npt.NDArray[np.int64] | None = None
        # Results that depend only on node labels (node affinity masks...), valid until a label changes.
        self._label_memo: dict[Hashable, Any] = {}
        self._row_labels: list[Mapping[str, str]] = []

    @property
    def num_nodes(self) -> int:
        return len(self.node_infos)

    def get(self, name: str) -> NodeInfo | None:
        i = self.index.get(name)
        return None if i is None else self.node_infos[i]

    # Refresh -----------------------------------------------------------------------------------------------

    def update(self, cache: Cache) -> None:
        """``Cache.UpdateSnapshot``: copy what changed since the last update."""
        self._cache = cache
        if cache.tree.version != self._tree_version or self.generation < 0:
            self._rebuild(cache)
        else:
            for info in cache.changed_since(self.generation):
                i = self.index.get(info.name)
                if i is not None:
                    self._refresh_row(i, info)
        self.generation = cache.generation
        for key in [k for k, (epoch, _) in self._counters.items() if cache.epoch_of(k) != epoch]:
            del self._counters[key]

    def _rebuild(self, cache: Cache) -> None:
        infos = [
            info for name in cache.tree.list() if (info := cache.nodes.get(name)) and info.node is not None
        ]
        self._tree_version = cache.tree.version
        n = len(infos)
        self.node_infos = infos
        self.names = [info.name for info in infos]
        self.index = {name: i for i, name in enumerate(self.names)}
        for info in infos:
            self._ensure_resources(info)
        r = len(self.resource_names)
        self.allocatable = np.zeros((r, n), dtype=np.int64)
        self.requested = np.zeros((r, n), dtype=np.int64)
        self.non_zero = np.zeros((2, n), dtype=np.int64)
        self.pod_count = np.zeros(n, dtype=np.int64)
        self.allowed_pods = np.zeros(n, dtype=np.int64)
        self.unschedulable = np.zeros(n, dtype=bool)
        self.has_used_ports = np.zeros(n, dtype=bool)
        self.taint_ids = np.zeros(n, dtype=np.int32)
        self._labels.clear()
        self._counters.clear()
        self._images.clear()
        self._free.clear()
        self._free_pods = None
        self._label_memo.clear()
        self._row_labels = [info.labels for info in infos]
        for i, info in enumerate(infos):
            self._refresh_row(i, info)

    def _ensure_resources(self, info: NodeInfo) -> None:
        missing = [
            name
            for source in (info.allocatable, info.requested)
            for name in source
            if name not in self._resource_index
        ]
        for name in dict.fromkeys(missing):
            self._resource_index[name] = len(self.resource_names)
            self.resource_names.append(name)
        width = len(self.resource_names)
        if self.allocatable.shape[0] < width:
            pad = ((0, width - self.allocatable.shape[0]), (0, 0))
            self.allocatable = np.pad(self.allocatable, pad)
            self.requested = np.pad(self.requested, pad)

    def resource_index(self, name: str) -> int | None:
        return self._resource_index.get(name)

    def free(self, resource: int) -> npt.NDArray[np.int64]:
        """Per node: allocatable minus requested of resource row ``resource`` (kept up to date)."""
        free = self._free.get(resource)
        if free is None:
            free = self._free[resource] = self.allocatable[resource] - self.requested[resource]
        return free

    def free_pods(self) -> npt.NDArray[np.int64]:
        """Per node: how many more pods it allows."""
        if self._free_pods is None:
            self._free_pods = self.allowed_pods - self.pod_count
        return self._free_pods

    def _refresh_row(self, i: int, info: NodeInfo) -> None:
        self.node_infos[i] = info
        self._ensure_resources(info)
        index = self._resource_index
        alloc = self.allocatable
        alloc[:, i] = 0
        for name, value in info.allocatable.items():
            alloc[index[name], i] = value
        req = self.requested
        req[:, i] = 0
        for name, value in info.requested.items():
            req[index[name], i] = value
        self.non_zero[0, i] = info.non_zero_cpu
        self.non_zero[1, i] = info.non_zero_mem
        self.pod_count[i] = len(info.pods)
        self.allowed_pods[i] = info.allowed_pod_number
        if self._free_pods is not None:
            self._free_pods[i] = info.allowed_pod_number - len(info.pods)
        for r, free in self._free.items():
            free[i] = alloc[r, i] - req[r, i]
        self.unschedulable[i] = info.unschedulable
        self.has_used_ports[i] = bool(info.used_ports)
        taint_id = self._taint_index.get(info.taints)
        if taint_id is None:
            taint_id = self._taint_index[info.taints] = len(self.taint_sets)
            self.taint_sets.append(info.taints)
        self.taint_ids[i] = taint_id
        if self._row_labels[i] is not info.labels:
            if self._row_labels[i] != info.labels:
                self._label_memo.clear()
                for key, column in self._labels.items():
                    column.ids[i] = column.intern(info.labels.get(key))
                    column.ints = None
            self._row_labels[i] = info.labels
        for counter_key, (_, counts) in self._counters.items():
            counts[i] = info.counters.get(counter_key, 0)
        for image, (sizes, present) in self._images.items():
            size = info.image_sizes.get(image)
            sizes[i] = size or 0
            present[i] = size is not None

    # Columns -----------------------------------------------------------------------------------------------

    def label_ids(self, key: str) -> npt.NDArray[np.int32]:
        """Per node: the id of its value for label ``key`` (see :meth:`label_value_id`), -1 when absent."""
        column = self._labels.get(key)
        if column is None:
            column = _LabelColumn(np.empty(self.num_nodes, dtype=np.int32))
            for i, info in enumerate(self.node_infos):
                column.ids[i] = column.intern(info.labels.get(key))
            self._labels[key] = column
        return column.ids

    def label_memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered until some node's labels change (for label-only decisions)."""
        try:
            return self._label_memo[key]
        except KeyError:
            value = self._label_memo[key] = compute()
            return value

    def label_table(self, key: str, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Per node: whether its value of label ``key`` is one of ``values`` (absent: False)."""
        ids = self.label_ids(key)
        column = self._labels[key]
        table = np.zeros(len(column.values) + 1, dtype=bool)  # the last entry is what id -1 reads
        for value in values:
            vid = column.index.get(value)
            if vid is not None:
                table[vid] = True
        mask: npt.NDArray[np.bool_] = table[ids]
        return mask

    def label_value_id(self, key: str, value: str) -> int | None:
        self.label_ids(key)
        return self._labels[key].index.get(value)

    def label_values(self, key: str) -> list[str]:
        """The distinct values of label ``key``; a value id indexes this list."""
        self.label_ids(key)
        return self._labels[key].values

    def label_ints(self, key: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Per node: label ``key`` read as an int64, and whether it was one (for Gt/Lt)."""
        ids = self.label_ids(key)
        column = self._labels[key]
        if column.ints is None:
            parsed = [_parse_int64(v) for v in column.values]
            table = np.array([0 if p is None else p for p in parsed] + [0], dtype=np.int64)
            valid_table = np.array([p is not None for p in parsed] + [False], dtype=bool)
            column.ints = (table[ids], valid_table[ids])  # id -1 reads the trailing "absent" entry
        return column.ints

    def counts(self, key: PodMatcher | CarrierKey) -> npt.NDArray[np.int64]:
        """Per node: the pod counter ``key`` (a matcher is tracked by the cache from now on)."""
        assert self._cache is not None
        if isinstance(key, PodMatcher):
            epoch: int | None = self._cache.track(key)
        else:
            epoch = self._cache.epoch_of(key)
        entry = self._counters.get(key)
        if entry is not None and entry[0] == epoch:
            return entry[1]
        counts = np.fromiter(
            (info.counters.get(key, 0) for info in self.node_infos), dtype=np.int64, count=self.num_nodes
        )
        if epoch is not None:
            self._counters[key] = (epoch, counts)
        return counts

    def carriers(self) -> list[CarrierKey]:
        """Every affinity term some pod in the cluster carries (see CarrierKey)."""
        assert self._cache is not None
        return list(self._cache.carrier_totals)

    def image(self, name: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Per node: the size of image ``name`` in ``status.images``, and whether the node has it."""
        entry = self._images.get(name)
        if entry is None:
            sizes = np.zeros(self.num_nodes, dtype=np.int64)
            present = np.zeros(self.num_nodes, dtype=bool)
            for i, info in enumerate(self.node_infos):
                size = info.image_sizes.get(name)
                if size is not None:
                    sizes[i] = size
                    present[i] = True
            entry = self._images[name] = (sizes, present)
        return entry


class NodeInfoView(Sequence[NodeInfo]):
    """The NodeInfos of some snapshot rows, without building a list (PreScore and NormalizeScore get this)."""

    __slots__ = ("_rows", "_snapshot")

    def __init__(self, snapshot: Snapshot, rows: npt.NDArray[np.intp]) -> None:
        self._snapshot = snapshot
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: int) -> NodeInfo:  # type: ignore[override]
        return self._snapshot.node_infos[int(self._rows[i])]

    def __iter__(self) -> Iterator[NodeInfo]:
        infos = self._snapshot.node_infos
        return (infos[int(i)] for i in self._rows)


def sum_by_value(
    ids: npt.NDArray[np.int32],
    weights: npt.NDArray[np.int64],
    num_values: int,
    mask: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.int64]:
    """Per label value id: the sum of ``weights`` over nodes with that value (and ``mask``)."""
    keep = ids >= 0 if mask is None else (ids >= 0) & mask
    return np.bincount(ids[keep], weights=weights[keep], minlength=num_values).astype(np.int64)
