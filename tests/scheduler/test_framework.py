"""The framework runtime with small custom plugins (framework_test.go): PreFilter narrowing and its messages,
Filter order, score weights and validation, Reserve/Unreserve, Permit waiting, Bind chains."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from pinnace.client.clock import FakeClock
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import (
    Code,
    CycleState,
    PreFilterExtensions,
    PreFilterResult,
    SchedulingError,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.runtime import ConfigError, Framework, PluginRef, ProfileSpec, go_duration
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.inprocess import InProcessCluster
from pinnace.scheduler.plugins import IN_TREE_REGISTRY
from tests.scheduler.builders import node, pod


class Names:
    """PreFilter narrowing to fixed node names."""

    def __init__(self, name: str, nodes: set[str]) -> None:
        self.name = name
        self.nodes = frozenset(nodes)

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]:
        return PreFilterResult(self.nodes), None

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None


class Reject:
    """Filter rejecting the named nodes."""

    name = "Reject"

    def __init__(self, nodes: set[str]) -> None:
        self.nodes = nodes

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        return Status(Code.Unschedulable, ("rejected here",)) if node_info.name in self.nodes else None


class Fixed:
    """Score plugin giving fixed per-node scores (out of range on purpose when asked)."""

    def __init__(self, name: str, scores: Mapping[str, int]) -> None:
        self.name = name
        self.scores = scores

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        return self.scores.get(node_info.name, 0), None

    def score_extensions(self) -> ScoreExtensions | None:
        return None


class Recorder:
    """Reserve, Permit and Bind plugin recording calls; behaviour set per test."""

    def __init__(
        self,
        name: str,
        *,
        reserve: Status | None = None,
        permit: tuple[Status | None, float] = (None, 0),
        bind: Status | None = None,
    ) -> None:
        self.name = name
        self.calls: list[str] = []
        self._reserve, self._permit, self._bind = reserve, permit, bind

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        self.calls.append(f"reserve {node_name}")
        return self._reserve

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        self.calls.append(f"unreserve {node_name}")

    def permit(self, state: CycleState, pod: PodInfo, node_name: str) -> tuple[Status | None, float]:
        self.calls.append(f"permit {node_name}")
        return self._permit

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        self.calls.append(f"bind {node_name}")
        return self._bind


def framework(
    c: InProcessCluster, plugins: dict[str, list[PluginRef]], instances: dict[str, Any]
) -> Framework:
    registry = dict(IN_TREE_REGISTRY)
    for name, instance in instances.items():
        registry[name] = lambda args, handle, instance=instance: instance
    spec = ProfileSpec("custom", {"bind": [PluginRef("DefaultBinder")], **plugins})
    fwk = Framework(spec, registry, Handle(c.snapshot, c.listers, client=c, clock=c.clock, events=c))
    c.profiles["custom"] = fwk
    c.scheduler.profiles = c.profiles
    c.handlers.scheduler_names.add("custom")
    return fwk


def cluster_with(*names: str) -> InProcessCluster:
    c = InProcessCluster(clock=FakeClock())
    c.add_nodes(node(n) for n in names)
    return c


async def test_pre_filter_results_are_intersected_and_the_rest_reported_absent() -> None:
    c = cluster_with("a", "b", "c")
    framework(
        c,
        {"preFilter": [PluginRef("One"), PluginRef("Two")], "filter": [PluginRef("Reject")]},
        {"One": Names("One", {"a", "b"}), "Two": Names("Two", {"b", "c"}), "Reject": Reject({"b"})},
    )
    c.add_pod(pod("p", schedulerName="custom"))
    await c.schedule_pending()
    assert c.events_for("default", "p")[0].message == (
        "0/3 nodes are available: 1 rejected here, 2 node(s) didn't satisfy plugin(s) [One Two]."
    )


async def test_disjoint_pre_filter_results_reject_the_pod() -> None:
    c = cluster_with("a", "b")
    framework(
        c,
        {"preFilter": [PluginRef("One"), PluginRef("Two")]},
        {"One": Names("One", {"a"}), "Two": Names("Two", {"b"})},
    )
    c.add_pod(pod("p", schedulerName="custom"))
    await c.schedule_pending()
    assert c.events_for("default", "p")[0].message == (
        "0/2 nodes are available: node(s) didn't satisfy plugin(s) [One Two] simultaneously."
    )


async def test_weighted_scores_decide() -> None:
    c = cluster_with("a", "b")
    framework(
        c,
        {"score": [PluginRef("Light", 1), PluginRef("Heavy", 5)]},
        {"Light": Fixed("Light", {"a": 100}), "Heavy": Fixed("Heavy", {"b": 30})},
    )
    c.add_pod(pod("p", schedulerName="custom"))
    await c.schedule_pending()
    assert c.node_of("default", "p") == "b"  # 150 beats 100


async def test_out_of_range_scores_are_an_error() -> None:
    c = cluster_with("a", "b")
    fwk = framework(c, {"score": [PluginRef("Bad", 1)]}, {"Bad": Fixed("Bad", {"a": 101})})
    c.snapshot.update(c.cache)
    with pytest.raises(
        SchedulingError,
        match=r"plugin .Bad. returns an invalid score 101, it should in the range of \[0, 100\]",
    ):
        fwk.run_score(CycleState(), PodInfo.__new__(PodInfo), np.arange(2, dtype=np.intp))


async def test_a_reserve_rejection_unreserves_and_reads_as_a_one_node_fit_error() -> None:
    c = cluster_with("a")
    recorder = Recorder("Rec", reserve=Status(Code.Unschedulable, ("no room left",)))
    framework(c, {"reserve": [PluginRef("Rec")]}, {"Rec": recorder})
    c.add_pod(pod("p", schedulerName="custom"))
    await c.schedule_pending()
    assert recorder.calls == ["reserve a", "unreserve a"]
    assert c.events_for("default", "p")[0].message == "0/1 nodes are available: 1 no room left."
    assert c.cache.get_pod(c.get_pod("default", "p")["metadata"]["uid"]) is None  # type: ignore[index]


async def test_permit_wait_then_allow_binds() -> None:
    c = cluster_with("a")
    recorder = Recorder("Gate", permit=(Status(Code.Wait), 30))
    fwk = framework(c, {"permit": [PluginRef("Gate")]}, {"Gate": recorder})
    p = c.add_pod(pod("p", schedulerName="custom"))
    qpi = c.queue.pop_nowait()
    assert qpi is not None
    await c.scheduler.schedule_one(qpi)
    await asyncio.sleep(0)
    assert c.node_of("default", "p") == ""
    fwk.allow_waiting_pod(p["metadata"]["uid"], "Gate")
    await c.scheduler.drain()
    assert c.node_of("default", "p") == "a"


async def test_permit_rejection_while_waiting_requeues() -> None:
    c = cluster_with("a")
    fwk = framework(
        c, {"permit": [PluginRef("Gate")]}, {"Gate": Recorder("Gate", permit=(Status(Code.Wait), 30))}
    )
    p = c.add_pod(pod("p", schedulerName="custom"))
    qpi = c.queue.pop_nowait()
    assert qpi is not None
    await c.scheduler.schedule_one(qpi)
    await asyncio.sleep(0)
    fwk.reject_waiting_pod(p["metadata"]["uid"], "Gate", "not now")
    await c.scheduler.drain()
    assert c.node_of("default", "p") == ""
    assert c.events_for("default", "p")[0].message == "0/1 nodes are available: 1 not now."


async def test_bind_plugins_skip_to_the_next() -> None:
    c = cluster_with("a")
    first = Recorder("First", bind=Status(Code.Skip))
    framework(c, {"bind": [PluginRef("First"), PluginRef("DefaultBinder")]}, {"First": first})
    c.add_pod(pod("p", schedulerName="custom"))
    await c.schedule_pending()
    assert first.calls == ["bind a"]
    assert c.node_of("default", "p") == "a"


def test_a_plugin_missing_its_extension_point_is_a_config_error() -> None:
    c = cluster_with("a")
    with pytest.raises(ConfigError, match="does not extend filter plugin"):
        framework(c, {"filter": [PluginRef("Fixed")]}, {"Fixed": Fixed("Fixed", {})})


@pytest.mark.parametrize(("seconds", "text"), [(10, "10s"), (1.5, "1.5s"), (150, "2m30s"), (0.25, "250ms")])
def test_go_durations(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text
