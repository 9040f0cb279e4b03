"""The garbage collector's dependency graph, driven event by event (no API calls)."""

from __future__ import annotations

import pytest

from pinnace.client.interface import Object
from pinnace.client.workqueue import WorkQueue
from pinnace.controllers.garbagecollector.graph import (
    Node,
    ObjectReference,
    ReferenceCache,
    alternate_owner_identity,
    partition_dependents,
    references_diffs,
)
from pinnace.controllers.garbagecollector.graph_builder import GraphBuilder, GraphEvent


def ref(uid: str, name: str = "o", kind: str = "ConfigMap", block: bool | None = None) -> Object:
    out: Object = {"apiVersion": "v1", "kind": kind, "name": name, "uid": uid}
    if block is not None:
        out["blockOwnerDeletion"] = block
    return out


def obj(uid: str, name: str, *refs: Object, namespace: str = "d", **metadata: object) -> Object:
    meta: Object = {"uid": uid, "name": name, "namespace": namespace, **metadata}
    if refs:
        meta["ownerReferences"] = list(refs)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def add(o: Object, old: Object | None = None) -> GraphEvent:
    return GraphEvent("update" if old else "add", "v1", "ConfigMap", o, old)


def drained(queue: WorkQueue[str]) -> set[str]:
    keys: set[str] = set()
    while len(queue):
        key = queue._queue.popleft()  # test-only peek at what was queued
        queue._dirty.discard(key)
        keys.add(key)
    return keys


@pytest.fixture
def builder() -> GraphBuilder:
    return GraphBuilder(WorkQueue(), WorkQueue(), ReferenceCache())


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ([], [ref("a")], (["a"], [], [])),
        ([ref("a")], [], ([], ["a"], [])),
        ([ref("a")], [ref("a", block=True)], ([], [], ["a"])),
        ([ref("a"), ref("b")], [ref("b"), ref("c")], (["c"], ["a"], [])),
    ],
    ids=["an added reference", "a removed reference", "a changed reference", "add and remove at once"],
)
def test_references_diffs(
    old: list[Object], new: list[Object], expected: tuple[list[str], list[str], list[str]]
) -> None:
    added, removed, changed = references_diffs(old, new)
    assert (
        [r["uid"] for r in added],
        [r["uid"] for r in removed],
        [n["uid"] for _, n in changed],
    ) == expected


def test_an_unseen_owner_becomes_a_virtual_node_to_verify(builder: GraphBuilder) -> None:
    builder.process(add(obj("c1", "child", ref("o1", "owner"))))
    owner = builder.uid_to_node["o1"]
    assert owner.virtual and owner.identity == ObjectReference("ConfigMap", "v1", "d", "owner", "o1")
    assert [d.uid for d in owner.dependents] == ["c1"]
    assert drained(builder.attempt_to_delete) == {"o1"}

    # Its first informer event makes it observed, in place.
    builder.process(add(obj("o1", "owner")))
    assert not builder.uid_to_node["o1"].virtual
    assert builder.uid_to_node["o1"] is owner


def test_observing_an_owner_under_other_coordinates_requeues_its_dependents(builder: GraphBuilder) -> None:
    builder.process(add(obj("c1", "child", ref("o1", "wrong-name"))))
    drained(builder.attempt_to_delete)
    builder.process(add(obj("o1", "owner")))
    assert builder.uid_to_node["o1"].identity.name == "owner"
    assert drained(builder.attempt_to_delete) == {"c1"}


def test_deleting_an_owner_queues_its_dependents_and_remembers_it_absent(builder: GraphBuilder) -> None:
    owner = obj("o1", "owner")
    builder.process(add(owner))
    builder.process(add(obj("c1", "a", ref("o1", "owner"))))
    builder.process(add(obj("c2", "b", ref("o1", "owner"))))
    drained(builder.attempt_to_delete)
    builder.process(GraphEvent("delete", "v1", "ConfigMap", owner))
    assert "o1" not in builder.uid_to_node
    assert drained(builder.attempt_to_delete) == {"c1", "c2"}
    assert builder.absent_owner_cache.has(ObjectReference("ConfigMap", "v1", "d", "owner", "o1"))


def test_deletion_transitions_queue_orphaning_or_foreground_work(builder: GraphBuilder) -> None:
    owner = obj("o1", "owner")
    builder.process(add(owner))
    builder.process(add(obj("c1", "a", ref("o1", "owner", block=True))))
    drained(builder.attempt_to_delete)

    orphaning = obj("o1", "owner", deletionTimestamp="2025-01-01T00:00:00Z", finalizers=["orphan"])
    builder.process(add(orphaning, owner))
    assert drained(builder.attempt_to_orphan) == {"o1"}
    assert not builder.uid_to_node["o1"].deleting_dependents

    builder2 = GraphBuilder(WorkQueue(), WorkQueue(), ReferenceCache())
    builder2.process(add(owner))
    builder2.process(add(obj("c1", "a", ref("o1", "owner", block=True))))
    drained(builder2.attempt_to_delete)
    foreground = obj(
        "o1", "owner", deletionTimestamp="2025-01-01T00:00:00Z", finalizers=["foregroundDeletion"]
    )
    builder2.process(add(foreground, owner))
    node = builder2.uid_to_node["o1"]
    assert node.deleting_dependents and node.being_deleted
    assert drained(builder2.attempt_to_delete) == {"o1", "c1"}
    assert [d.uid for d in node.blocking_dependents()] == ["c1"]


def test_unblocking_a_reference_requeues_the_waiting_owner(builder: GraphBuilder) -> None:
    builder.process(add(obj("o1", "owner")))
    child = obj("c1", "a", ref("o1", "owner", block=True))
    builder.process(add(child))
    drained(builder.attempt_to_delete)
    builder.process(add(obj("c1", "a", ref("o1", "owner", block=False)), child))
    assert drained(builder.attempt_to_delete) == {"o1"}
    assert builder.uid_to_node["o1"].blocking_dependents() == []


def test_a_virtual_delete_keeps_a_virtual_owner_other_dependents_name_differently(
    builder: GraphBuilder,
) -> None:
    builder.process(add(obj("c1", "a", ref("o1", "first"))))
    builder.process(add(obj("c2", "b", ref("o1", "second"))))
    drained(builder.attempt_to_delete)
    builder.enqueue_virtual_delete(ObjectReference("ConfigMap", "v1", "d", "first", "o1"))
    builder.process(builder._changes.get_nowait())
    # c1's reference was verified absent; the node lives on under c2's coordinates, to be verified again.
    assert builder.uid_to_node["o1"].identity.name == "second"
    assert "c1" in drained(builder.attempt_to_delete)


def test_partition_and_alternate_identities() -> None:
    owner = ObjectReference("ConfigMap", "v1", "d", "owner", "o1")
    good = Node(ObjectReference("ConfigMap", "v1", "d", "a", "c1"), owners=[ref("o1", "owner")])
    renamed = Node(ObjectReference("ConfigMap", "v1", "d", "b", "c2"), owners=[ref("o1", "other")])
    elsewhere = Node(ObjectReference("ConfigMap", "v1", "x", "c", "c3"), owners=[ref("o1", "owner")])
    matching, nonmatching = partition_dependents([good, renamed, elsewhere], owner)
    assert [n.uid for n in matching] == ["c1"]
    assert [n.uid for n in nonmatching] == ["c2", "c3"]
    # The first alternative after the absent identity in (kind, apiVersion, namespace, name) order wins...
    assert alternate_owner_identity(nonmatching, owner) == ObjectReference(
        "ConfigMap", "v1", "x", "owner", "o1"
    )
    # ...or, with none after it, the first one.
    assert alternate_owner_identity([renamed], owner) == ObjectReference(
        "ConfigMap", "v1", "d", "other", "o1"
    )


def test_reference_cache_forgets_the_least_recently_used() -> None:
    cache = ReferenceCache(size=2)
    a, b, c = (ObjectReference("K", "v1", "", n, n) for n in "abc")
    cache.add(a)
    cache.add(b)
    assert cache.has(a)  # a is now the most recently used
    cache.add(c)
    assert cache.has(a) and cache.has(c) and not cache.has(b)
