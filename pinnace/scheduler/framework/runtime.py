"""The framework: one profile's plugins, run per extension point (``framework/runtime/framework.go``).

A :class:`Framework` instantiates each configured plugin once (by name, from a registry of factories), sorts
them into extension points in configuration order, and runs them for one pod:

* PreFilter: in order; the first rejection stops the cycle; ``Skip`` disables that plugin's Filter; the
  PreFilter results (node-name sets) are intersected.
* Filter: for each node the first failing plugin decides the node's status. Vectorised plugins decide for all
  nodes at once; the framework keeps, per node, the first failure in plugin order, exactly as running plugins
  one by one per node would.
* Score: every plugin scores every filtered node, NormalizeScore rescales, scores are multiplied by the
  plugin's weight and summed.
* Reserve/Unreserve (reverse order), Permit (with waiting), PreBind, Bind (first non-Skip), PostBind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    BindPlugin,
    ClusterEventWithHint,
    Code,
    CycleState,
    FilterPlugin,
    IntArray,
    NodeToStatusReader,
    PermitPlugin,
    Plugin,
    PluginFactory,
    PostBindPlugin,
    PostFilterPlugin,
    PostFilterResult,
    PreBindPlugin,
    PreEnqueuePlugin,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    QueueSortPlugin,
    ReservePlugin,
    SchedulingError,
    ScorePlugin,
    Status,
    VectorFilterPlugin,
    VectorScorePlugin,
    is_rejected,
    is_skip,
    is_success,
)
from pinnace.scheduler.framework.snapshot import NodeInfoView
from pinnace.scheduler.framework.types import NodeInfo, PodInfo

log = logging.getLogger(__name__)

EXTENSION_POINTS = (
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)

_PROTOCOLS: dict[str, type] = {
    "preEnqueue": PreEnqueuePlugin,
    "queueSort": QueueSortPlugin,
    "preFilter": PreFilterPlugin,
    "filter": FilterPlugin,
    "postFilter": PostFilterPlugin,
    "preScore": PreScorePlugin,
    "score": ScorePlugin,
    "reserve": ReservePlugin,
    "permit": PermitPlugin,
    "preBind": PreBindPlugin,
    "bind": BindPlugin,
    "postBind": PostBindPlugin,
}

IN_TREE_PACKAGE = "pinnace.scheduler.plugins."
#: How long Permit may keep a pod waiting at most (framework.maxTimeout).
MAX_PERMIT_TIMEOUT = 15 * 60.0


class ConfigError(Exception):
    """A profile that cannot be built (unknown plugin, plugin missing an extension point...)."""


@dataclass(frozen=True, slots=True)
class PluginRef:
    name: str
    weight: int = 0


@dataclass
class ProfileSpec:
    """A resolved profile: enabled plugins per extension point (in order), plugin args, node percentage."""

    scheduler_name: str
    plugins: dict[str, list[PluginRef]]
    plugin_args: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    percentage_of_nodes_to_score: int | None = None


@dataclass(slots=True)
class _Waiting:
    future: asyncio.Future[Status | None]
    pending: set[str]


class Framework:
    """One profile's plugins, ready to run (``frameworkImpl``)."""

    def __init__(self, spec: ProfileSpec, registry: Mapping[str, PluginFactory], handle: Handle) -> None:
        self.spec = spec
        self.profile_name = spec.scheduler_name
        self.handle = handle
        handle.framework = self
        handle.profile_name = spec.scheduler_name
        self.plugins: dict[str, Plugin] = {}
        self.weights: dict[str, int] = {}
        lists: dict[str, list[Any]] = {point: [] for point in EXTENSION_POINTS}
        for point in EXTENSION_POINTS:
            for ref in spec.plugins.get(point, []):
                plugin = self._plugin(ref.name, registry)
                if not isinstance(plugin, _PROTOCOLS[point]):
                    raise ConfigError(f"plugin {ref.name!r} does not extend {point} plugin")
                lists[point].append(plugin)
                if point == "score":
                    self.weights[ref.name] = ref.weight or 1
        if len(lists["queueSort"]) > 1:
            raise ConfigError("only one queue sort plugin can be enabled")
        if not lists["bind"]:
            raise ConfigError("at least one bind plugin is needed")
        self.pre_enqueue_plugins: list[PreEnqueuePlugin] = lists["preEnqueue"]
        self.queue_sort: QueueSortPlugin | None = lists["queueSort"][0] if lists["queueSort"] else None
        self.pre_filter_plugins: list[PreFilterPlugin] = lists["preFilter"]
        self.filter_plugins: list[FilterPlugin] = lists["filter"]
        self.post_filter_plugins: list[PostFilterPlugin] = lists["postFilter"]
        self.pre_score_plugins: list[PreScorePlugin] = lists["preScore"]
        self.score_plugins: list[ScorePlugin] = lists["score"]
        self.reserve_plugins: list[ReservePlugin] = lists["reserve"]
        self.permit_plugins: list[PermitPlugin] = lists["permit"]
        self.pre_bind_plugins: list[PreBindPlugin] = lists["preBind"]
        self.bind_plugins: list[BindPlugin] = lists["bind"]
        self.post_bind_plugins: list[PostBindPlugin] = lists["postBind"]
        self._vector_filter = [isinstance(p, VectorFilterPlugin) for p in self.filter_plugins]
        self._vector_score = [isinstance(p, VectorScorePlugin) for p in self.score_plugins]
        self._trusted = [type(p).__module__.startswith(IN_TREE_PACKAGE) for p in self.score_plugins]
        self._waiting: dict[str, _Waiting] = {}

    def _plugin(self, name: str, registry: Mapping[str, PluginFactory]) -> Plugin:
        plugin = self.plugins.get(name)
        if plugin is None:
            factory = registry.get(name)
            if factory is None:
                raise ConfigError(f"plugin {name!r} not found in the registry")
            plugin = self.plugins[name] = factory(self.spec.plugin_args.get(name) or {}, self.handle)
        return plugin

    @property
    def percentage_of_nodes_to_score(self) -> int | None:
        return self.spec.percentage_of_nodes_to_score

    def has_filter_plugins(self) -> bool:
        return bool(self.filter_plugins)

    def has_score_plugins(self) -> bool:
        return bool(self.score_plugins)

    def has_post_filter_plugins(self) -> bool:
        return bool(self.post_filter_plugins)

    def events_to_register(self) -> dict[str, list[ClusterEventWithHint]]:
        """Each plugin's ``events_to_register()``, by plugin name (for event-driven re-queueing)."""
        out: dict[str, list[ClusterEventWithHint]] = {}
        for name, plugin in self.plugins.items():
            register = getattr(plugin, "events_to_register", None)
            if callable(register):
                out[name] = list(register())
        return out

    # PreEnqueue --------------------------------------------------------------------------------------------

    def run_pre_enqueue(self, pod: PodInfo) -> Status | None:
        for plugin in self.pre_enqueue_plugins:
            status = plugin.pre_enqueue(pod)
            if not is_success(status):
                assert status is not None
                return status.with_plugin(plugin.name)
        return None

    # PreFilter and Filter ----------------------------------------------------------------------------------

    def run_pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None, list[str]]:
        """``RunPreFilterPlugins``: (merged result, status, plugins whose result narrowed the nodes)."""
        result: PreFilterResult | None = None
        narrowing: list[str] = []
        snapshot = self.handle.snapshot
        for plugin in self.pre_filter_plugins:
            res, status = plugin.pre_filter(state, pod, snapshot)
            if is_skip(status):
                state.skip_filter_plugins.add(plugin.name)
                continue
            if not is_success(status):
                assert status is not None
                status = status.with_plugin(plugin.name)
                if is_rejected(status):
                    return None, status, narrowing
                return (
                    None,
                    Status(
                        Code.Error,
                        (f"running PreFilter plugin {plugin.name!r}: {status.message()}",),
                        plugin.name,
                        status.error,
                    ),
                    narrowing,
                )
            if res is not None and not res.all_nodes():
                narrowing.append(plugin.name)
            result = res if result is None else result.merge(res)
            if result is not None and not result.all_nodes() and not result.node_names:
                if len(narrowing) == 1:
                    msg = f"node(s) didn't satisfy plugin {narrowing[0]}"
                else:
                    msg = f"node(s) didn't satisfy plugin(s) [{' '.join(narrowing)}] simultaneously"
                return result, Status(Code.UnschedulableAndUnresolvable, (msg,), plugin.name), narrowing
        return result, None, narrowing

    def run_filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        """``RunFilterPlugins`` on one node: the first non-success status, tagged with its plugin."""
        for plugin in self.filter_plugins:
            if plugin.name in state.skip_filter_plugins:
                continue
            status = plugin.filter(state, pod, node_info)
            if not is_success(status):
                assert status is not None
                if status.code is Code.Error:
                    return Status(
                        Code.Error,
                        (f"running {plugin.name!r} filter plugin: {status.message()}",),
                        plugin.name,
                        status.error,
                    )
                return status.with_plugin(plugin.name)
        return None

    def run_filter_all(self, state: CycleState, pod: PodInfo) -> tuple[npt.NDArray[np.int32], list[Status]]:
        """Filter over every snapshot node: codes (0 = feasible, k = ``statuses[k-1]``) and the statuses."""
        snapshot = self.handle.snapshot
        codes = np.zeros(snapshot.num_nodes, dtype=np.int32)
        statuses: list[Status] = []
        for plugin, vector in zip(self.filter_plugins, self._vector_filter, strict=True):
            if plugin.name in state.skip_filter_plugins:
                continue
            if vector:
                outcome = plugin.filter_all(state, pod, snapshot)  # type: ignore[attr-defined]
                if outcome is None or not outcome.statuses:
                    continue
                fail = (codes == 0) & (outcome.codes > 0)
                if not fail.any():
                    continue
                used = np.unique(outcome.codes[fail])
                for k in used:
                    if outcome.statuses[int(k) - 1].code is Code.Error:
                        err = outcome.statuses[int(k) - 1]
                        raise SchedulingError(f"running {plugin.name!r} filter plugin: {err.message()}")
                codes[fail] = outcome.codes[fail] + len(statuses)
                statuses.extend(s.with_plugin(plugin.name) for s in outcome.statuses)
            else:
                for i in np.flatnonzero(codes == 0):
                    status = plugin.filter(state, pod, snapshot.node_infos[int(i)])
                    if not is_success(status):
                        assert status is not None
                        if status.code is Code.Error:
                            raise SchedulingError(
                                f"running {plugin.name!r} filter plugin: {status.message()}"
                            )
                        statuses.append(status.with_plugin(plugin.name))
                        codes[i] = len(statuses)
        return codes, statuses

    def run_filter_with_nominated_pods(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        """``RunFilterPluginsWithNominatedPods``: with nominated pods of equal or higher priority on the node
        counted as running, then (if that passed and any were added) without them."""
        added, state_with, info_with = self._add_nominated_pods(state, pod, node_info)
        status = self.run_filter(state_with, pod, info_with)
        if not added or not is_success(status):
            return status
        return self.run_filter(state, pod, node_info)

    def _add_nominated_pods(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[bool, CycleState, NodeInfo]:
        nominated = [
            p
            for p in self.handle.nominator.nominated_pods_for_node(node_info.name)
            if p.uid != pod.uid and p.priority >= pod.priority
        ]
        if not nominated:
            return False, state, node_info
        state_out = state.clone()
        info_out = node_info.clone()
        for p in nominated:
            info_out.add_pod(p)
            status = self.run_pre_filter_extension_add_pod(state_out, pod, p, info_out)
            if not is_success(status):
                assert status is not None
                raise status.as_error()
        return True, state_out, info_out

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: PodInfo, to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        for plugin in self.pre_filter_plugins:
            if plugin.name in state.skip_filter_plugins:
                continue
            ext = plugin.pre_filter_extensions()
            if ext is not None:
                status = ext.add_pod(state, pod, to_add, node_info)
                if not is_success(status):
                    return status
        return None

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: PodInfo, to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        for plugin in self.pre_filter_plugins:
            if plugin.name in state.skip_filter_plugins:
                continue
            ext = plugin.pre_filter_extensions()
            if ext is not None:
                status = ext.remove_pod(state, pod, to_remove, node_info)
                if not is_success(status):
                    return status
        return None

    # PostFilter --------------------------------------------------------------------------------------------

    async def run_post_filter(
        self, state: CycleState, pod: PodInfo, statuses: NodeToStatusReader
    ) -> tuple[PostFilterResult | None, Status]:
        """``RunPostFilterPlugins``: the first success wins; otherwise the reasons of all plugins."""
        result: PostFilterResult | None = None
        reasons: list[str] = []
        rejector = ""
        for plugin in self.post_filter_plugins:
            res, status = await plugin.post_filter(state, pod, statuses)
            if is_success(status):
                return res, Status(Code.Success)
            assert status is not None
            if status.code is Code.UnschedulableAndUnresolvable:
                return res, status.with_plugin(plugin.name)
            if not is_rejected(status):
                return None, Status(Code.Error, status.reasons, plugin.name, status.error)
            if res is not None and res.nominated_node_name:
                result = res
            reasons.extend(status.reasons)
            rejector = rejector or plugin.name
        return result, Status(Code.Unschedulable, tuple(reasons), rejector)

    # Score -------------------------------------------------------------------------------------------------

    def run_pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None:
        for plugin in self.pre_score_plugins:
            status = plugin.pre_score(state, pod, nodes)
            if is_skip(status):
                state.skip_score_plugins.add(plugin.name)
                continue
            if not is_success(status):
                assert status is not None
                return Status(
                    Code.Error,
                    (f"running PreScore plugin {plugin.name!r}: {status.message()}",),
                    plugin.name,
                    status.error,
                )
        return None

    def run_score(
        self, state: CycleState, pod: PodInfo, rows: npt.NDArray[np.intp]
    ) -> tuple[IntArray, dict[str, IntArray]]:
        """``RunScorePlugins``: the weighted total per node of ``rows``, and each plugin's weighted scores."""
        snapshot = self.handle.snapshot
        nodes = NodeInfoView(snapshot, rows)
        total = np.zeros(len(rows), dtype=np.int64)
        by_plugin: dict[str, IntArray] = {}
        for plugin, vector, trusted in zip(
            self.score_plugins, self._vector_score, self._trusted, strict=True
        ):
            if plugin.name in state.skip_score_plugins:
                continue
            if vector:
                scores = plugin.score_all(state, pod, snapshot, rows)  # type: ignore[attr-defined]
            else:
                scores = np.empty(len(rows), dtype=np.int64)
                for j, info in enumerate(nodes):
                    value, status = plugin.score(state, pod, info)
                    if not is_success(status):
                        assert status is not None
                        raise SchedulingError(f"running Score plugin {plugin.name!r}: {status.message()}")
                    scores[j] = value
            ext = plugin.score_extensions()
            if ext is not None:
                status = ext.normalize_score(state, pod, scores, nodes)
                if not is_success(status):
                    assert status is not None
                    raise SchedulingError(f"running Normalize on Score plugins: {status.message()}")
            # In-tree plugins keep their scores in range by construction; check the others as upstream does.
            if (
                not trusted
                and len(scores)
                and (scores.min() < MIN_NODE_SCORE or scores.max() > MAX_NODE_SCORE)
            ):
                bad = int(scores[(scores < MIN_NODE_SCORE) | (scores > MAX_NODE_SCORE)][0])
                raise SchedulingError(
                    f"plugin {plugin.name!r} returns an invalid score {bad}, it should in the range of "
                    f"[{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing"
                )
            weighted = scores * self.weights[plugin.name]
            by_plugin[plugin.name] = weighted
            total += weighted
        return total, by_plugin

    # Reserve, Permit, binding ------------------------------------------------------------------------------

    def run_reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        for plugin in self.reserve_plugins:
            status = plugin.reserve(state, pod, node_name)
            if not is_success(status):
                assert status is not None
                if is_rejected(status):
                    return status.with_plugin(plugin.name)
                return Status(
                    Code.Error,
                    (f"running Reserve plugin {plugin.name!r}: {status.message()}",),
                    plugin.name,
                    status.error,
                )
        return None

    def run_unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for plugin in reversed(self.reserve_plugins):
            plugin.unreserve(state, pod, node_name)

    def run_permit(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        """``RunPermitPlugins``: Success, a rejection, or Wait (then :meth:`wait_on_permit` waits)."""
        waiting: dict[str, float] = {}
        for plugin in self.permit_plugins:
            status, timeout = plugin.permit(state, pod, node_name)
            if is_success(status):
                continue
            assert status is not None
            if status.code is Code.Wait:
                waiting[plugin.name] = min(timeout, MAX_PERMIT_TIMEOUT)
                continue
            if is_rejected(status):
                return status.with_plugin(plugin.name)
            return Status(
                Code.Error,
                (f"running Permit plugin {plugin.name!r}: {status.message()}",),
                plugin.name,
                status.error,
            )
        if waiting:
            future: asyncio.Future[Status | None] = asyncio.get_running_loop().create_future()
            self._waiting[pod.uid] = _Waiting(future, set(waiting))
            timeout = min(waiting.values())
            loop = asyncio.get_running_loop()
            loop.call_later(timeout, self._permit_timeout, pod.uid, sorted(waiting), timeout)
            return Status(Code.Wait, ("One or more plugins asked to wait and no plugin rejected pod",))
        return None

    def _permit_timeout(self, uid: str, plugins: list[str], timeout: float) -> None:
        waiting = self._waiting.get(uid)
        if waiting is not None and not waiting.future.done():
            name = plugins[0]
            waiting.future.set_result(
                Status(
                    Code.Unschedulable,
                    (f"rejected due to timeout after waiting {timeout}s at plugin {name}",),
                    name,
                )
            )

    def is_waiting(self, uid: str) -> bool:
        """Whether the pod waits in Permit (``GetWaitingPod`` is not nil)."""
        return uid in self._waiting

    def allow_waiting_pod(self, uid: str, plugin: str) -> None:
        waiting = self._waiting.get(uid)
        if waiting is not None and not waiting.future.done():
            waiting.pending.discard(plugin)
            if not waiting.pending:
                waiting.future.set_result(None)

    def reject_waiting_pod(self, uid: str, plugin: str, message: str) -> None:
        waiting = self._waiting.get(uid)
        if waiting is not None and not waiting.future.done():
            waiting.future.set_result(Status(Code.Unschedulable, (message,), plugin))

    async def wait_on_permit(self, pod: PodInfo) -> Status | None:
        waiting = self._waiting.get(pod.uid)
        if waiting is None:
            return None
        try:
            return await waiting.future
        finally:
            self._waiting.pop(pod.uid, None)

    async def run_pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        for plugin in self.pre_bind_plugins:
            status = await plugin.pre_bind(state, pod, node_name)
            if not is_success(status):
                assert status is not None
                if is_rejected(status):
                    return status.with_plugin(plugin.name)
                return Status(
                    Code.Error,
                    (f"running PreBind plugin {plugin.name!r}: {status.message()}",),
                    plugin.name,
                    status.error,
                )
        return None

    async def run_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        status: Status | None = Status(Code.Skip)
        for plugin in self.bind_plugins:
            status = await plugin.bind(state, pod, node_name)
            if is_skip(status):
                continue
            if not is_success(status):
                assert status is not None
                if is_rejected(status):
                    return status.with_plugin(plugin.name)
                return Status(
                    Code.Error,
                    (f"running Bind plugin {plugin.name!r}: {status.message()}",),
                    plugin.name,
                    status.error,
                )
            return None
        return status

    def run_post_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for plugin in self.post_bind_plugins:
            plugin.post_bind(state, pod, node_name)


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` for the durations Permit uses (``250ms``, ``1.5s``, ``2m30s``)."""
    if 0 < seconds < 1:
        return f"{seconds * 1000:.6f}".rstrip("0").rstrip(".") + "ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.9f}".rstrip("0").rstrip(".") + "s"
    if minutes:
        hours, minutes = divmod(int(minutes), 60)
        text = f"{minutes}m{text}"
        if hours:
            text = f"{hours}h{text}"
    return text


def plugin_names(plugins: Iterable[Plugin]) -> list[str]:
    return [p.name for p in plugins]
