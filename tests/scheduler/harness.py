"""Running one plugin the way the framework does, on both paths (per node and vectorised), for table tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from pinnace.scheduler.config import from_dict
from pinnace.scheduler.framework.handle import StaticListers
from pinnace.scheduler.framework.interface import Code, CycleState, Status, is_skip, is_success
from pinnace.scheduler.framework.types import PodInfo, new_pod_info
from pinnace.scheduler.inprocess import InProcessCluster
from pinnace.scheduler.plugins import IN_TREE_REGISTRY

Object = dict[str, Any]


def cluster(
    nodes: list[Object],
    existing: list[Object] = (),  # type: ignore[assignment]
    *,
    config: Object | None = None,
    listers: StaticListers | None = None,
) -> InProcessCluster:
    """A cluster with ``nodes`` and the already-bound pods ``existing`` (each must set ``nodeName``)."""
    c = InProcessCluster(from_dict(config or {}, IN_TREE_REGISTRY), listers=listers)
    c.add_nodes(nodes)
    for pod in existing:
        assert pod["spec"].get("nodeName"), "existing pods must be bound"
        c.add_pod(pod)
    c.snapshot.update(c.cache)
    return c


def pod_info(c: InProcessCluster, pod: Object) -> PodInfo:
    return new_pod_info(pod, c.handlers.priority_of)


def describe(status: Status | None) -> str | None:
    """A status as a test expects it: None for success, else ``Code: reason, reason``."""
    if is_success(status):
        return None
    assert status is not None
    return f"{status.code.name}: {status.message()}"


def run_filter(c: InProcessCluster, plugin_name: str, pod: Object) -> dict[str, str | None]:
    """PreFilter then Filter of one plugin on every node; asserts the vectorised Filter agrees.

    A PreFilter rejection is reported for every node; a PreFilter Skip passes every node.
    """
    fwk = c.profiles["default-scheduler"]
    plugin = fwk.plugins[plugin_name]
    info = pod_info(c, pod)
    c.snapshot.update(c.cache)
    snapshot = c.snapshot
    state = CycleState()
    if hasattr(plugin, "pre_filter"):
        _, status = plugin.pre_filter(state, info, snapshot)
        if is_skip(status):
            return {name: None for name in snapshot.names}
        if not is_success(status):
            return {name: describe(status) for name in snapshot.names}
    per_node = {n.name: describe(plugin.filter(state, info, n)) for n in snapshot.node_infos}  # type: ignore[attr-defined]
    if hasattr(plugin, "filter_all"):
        outcome = plugin.filter_all(state, info, snapshot)
        vector: dict[str, str | None] = {name: None for name in snapshot.names}
        if outcome is not None:
            for i, name in enumerate(snapshot.names):
                code = int(outcome.codes[i])
                if code:
                    vector[name] = describe(outcome.statuses[code - 1])
        assert vector == per_node, "vectorised and per-node Filter disagree"
    return per_node


def run_score(
    c: InProcessCluster, plugin_name: str, pod: Object, *, normalize: bool = True
) -> dict[str, int] | None:
    """PreScore, Score (both paths, which must agree) and NormalizeScore of one plugin over every node.

    None when PreScore skips the plugin for this pod.
    """
    fwk = c.profiles["default-scheduler"]
    plugin = fwk.plugins[plugin_name]
    info = pod_info(c, pod)
    c.snapshot.update(c.cache)
    snapshot = c.snapshot
    state = CycleState()
    rows = np.arange(snapshot.num_nodes, dtype=np.intp)
    if hasattr(plugin, "pre_score"):
        status = plugin.pre_score(state, info, snapshot.node_infos)
        if is_skip(status):
            return None
        assert is_success(status), describe(status)
    per_node = np.array([plugin.score(state, info, n)[0] for n in snapshot.node_infos], dtype=np.int64)  # type: ignore[attr-defined]
    if hasattr(plugin, "score_all"):
        vector = plugin.score_all(state, info, snapshot, rows)
        assert list(vector) == list(per_node), "vectorised and per-node Score disagree"
    ext = plugin.score_extensions()  # type: ignore[attr-defined]
    if normalize and ext is not None:
        ext.normalize_score(state, info, per_node, snapshot.node_infos)
    return {name: int(v) for name, v in zip(snapshot.names, per_node, strict=True)}


UNRESOLVABLE = Code.UnschedulableAndUnresolvable.name
UNSCHEDULABLE = Code.Unschedulable.name
