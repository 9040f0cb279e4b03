"""Cache (cache_test.go), node tree (node_tree_test.go) and the incremental snapshot."""

from __future__ import annotations

import numpy as np
import pytest

from pinnace.api.labels import selector_from_set
from pinnace.client.clock import FakeClock
from pinnace.scheduler.cache import Cache, CacheError
from pinnace.scheduler.framework.counting import Clause, PodMatcher
from pinnace.scheduler.framework.nodetree import NodeTree
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import new_pod_info
from tests.scheduler.builders import node, pod

ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"


def test_node_tree_interleaves_zones_in_the_order_they_appeared() -> None:
    tree = NodeTree()
    for name, zone in [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("c1", "c"), ("b2", "b")]:
        tree.add(name, {ZONE: zone, REGION: "r"})
    assert tree.list() == ["a1", "b1", "c1", "a2", "b2", "a3"]
    tree.remove("b1")
    assert tree.list() == ["a1", "b2", "c1", "a2", "a3"]
    tree.update("a3", {ZONE: "c", REGION: "r"})
    assert tree.list() == ["a1", "b2", "c1", "a2", "a3"]


def test_assumed_pods_count_at_once_and_are_confirmed_by_the_informer() -> None:
    cache = Cache(clock=FakeClock())
    cache.add_node(node("n1"))
    p = new_pod_info(pod("p", cpu="1"))
    cache.assume_pod(p, "n1")
    assert cache.nodes["n1"].requested["cpu"] == 1000
    assert cache.is_assumed(p.uid)
    with pytest.raises(CacheError):
        cache.assume_pod(p, "n1")
    cache.add_pod(new_pod_info(pod("p", cpu="1", node_name="n1")))
    assert not cache.is_assumed(p.uid)
    assert cache.nodes["n1"].requested["cpu"] == 1000


def test_forget_undoes_an_assumption() -> None:
    cache = Cache(clock=FakeClock())
    cache.add_node(node("n1"))
    p = new_pod_info(pod("p", cpu="1"))
    cache.assume_pod(p, "n1")
    cache.forget_pod(p)
    assert cache.nodes["n1"].requested.get("cpu", 0) == 0
    assert cache.get_pod(p.uid) is None


def test_an_assumed_pod_never_confirmed_expires_after_its_binding_finished() -> None:
    clock = FakeClock()
    cache = Cache(clock=clock, assumed_pod_ttl=30)
    cache.add_node(node("n1"))
    p = new_pod_info(pod("p", cpu="1"))
    cache.assume_pod(p, "n1")
    clock.advance(100)
    assert cache.cleanup_assumed_pods() == []  # binding still in flight: never expires
    cache.finish_binding(p)
    clock.advance(29)
    assert cache.cleanup_assumed_pods() == []
    clock.advance(2)
    assert [x.uid for x in cache.cleanup_assumed_pods()] == [p.uid]
    assert cache.nodes["n1"].requested.get("cpu", 0) == 0


def test_a_removed_node_with_pods_stays_as_a_ghost_until_they_go() -> None:
    cache = Cache(clock=FakeClock())
    cache.add_node(node("n1"))
    p = new_pod_info(pod("p", node_name="n1"))
    cache.add_pod(p)
    cache.remove_node("n1")
    assert cache.nodes["n1"].node is None
    cache.remove_pod(p.uid)
    assert "n1" not in cache.nodes


def test_snapshot_copies_only_what_changed() -> None:
    cache = Cache(clock=FakeClock())
    for i in range(3):
        cache.add_node(node(f"n{i}", labels={ZONE: "a"}))
    snapshot = Snapshot()
    snapshot.update(cache)
    before = snapshot.generation
    cache.add_pod(new_pod_info(pod("p", cpu="500m", node_name="n1")))
    changed = [info.name for info in cache.changed_since(before)]
    assert changed == ["n1"]
    snapshot.update(cache)
    cpu = snapshot.resource_index("cpu")
    assert cpu is not None
    assert list(snapshot.requested[cpu]) == [0, 500, 0]
    assert snapshot.generation > before


def test_snapshot_label_columns_and_counters_follow_changes() -> None:
    cache = Cache(clock=FakeClock())
    cache.add_node(node("n1", labels={ZONE: "a"}))
    cache.add_node(node("n2", labels={ZONE: "b"}))
    snapshot = Snapshot()
    snapshot.update(cache)
    ids = snapshot.label_ids(ZONE)
    assert [snapshot.label_values(ZONE)[i] for i in ids] == ["a", "b"]
    web = PodMatcher((Clause(frozenset({"default"}), selector_from_set({"app": "web"})),))
    assert list(snapshot.counts(web)) == [0, 0]
    cache.add_pod(new_pod_info(pod("w", labels={"app": "web"}, node_name="n2")))
    cache.update_node(node("n1", labels={ZONE: "c"}))
    snapshot.update(cache)
    # n1 moved to a new zone: the node tree now lists zone b first.
    assert snapshot.names == ["n2", "n1"]
    assert list(snapshot.counts(web)) == [1, 0]
    assert [snapshot.label_values(ZONE)[i] for i in snapshot.label_ids(ZONE)] == ["b", "c"]


def test_gt_lt_label_integers() -> None:
    cache = Cache(clock=FakeClock())
    for name, gen in [("a", "3"), ("b", "x"), ("c", "-7")]:
        cache.add_node(node(name, labels={"gen": gen}))
    cache.add_node(node("d"))
    snapshot = Snapshot()
    snapshot.update(cache)
    values, valid = snapshot.label_ints("gen")
    assert list(valid) == [True, False, True, False]
    assert list(values[valid]) == [3, -7]
    assert isinstance(values, np.ndarray)
