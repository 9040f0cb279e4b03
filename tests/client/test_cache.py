"""Indexer: storage by key and named indexes."""

from __future__ import annotations

import pytest

from pinnace.client.cache import (
    NODE_NAME_INDEX,
    OWNER_UID_INDEX,
    Indexer,
    index_by_node_name,
    index_by_owner_uid,
)
from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey


def pod(name: str, ns: str = "default", node: str = "", owner: str = "") -> Object:
    metadata: Object = {"name": name, "namespace": ns}
    if owner:
        metadata["ownerReferences"] = [{"uid": owner, "kind": "ReplicaSet", "name": "rs"}]
    return {"metadata": metadata, "spec": {"nodeName": node} if node else {}}


def names(objects: list[Object]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects)


def test_get_list_and_namespaces() -> None:
    indexer = Indexer()
    indexer.upsert(pod("a", "x"))
    indexer.upsert(pod("b", "y"))
    assert indexer.get(ObjectKey("x", "a")) == pod("a", "x")
    assert indexer.get(ObjectKey("y", "a")) is None
    assert names(indexer.list()) == ["a", "b"]
    assert names(indexer.list_namespace("y")) == ["b"]
    assert len(indexer) == 2 and ObjectKey("x", "a") in indexer


def test_indexes_follow_updates_and_deletes() -> None:
    indexer = Indexer()
    indexer.add_index(NODE_NAME_INDEX, index_by_node_name)
    indexer.upsert(pod("a", node="n1"))
    indexer.upsert(pod("b", node="n1"))
    indexer.upsert(pod("c"))
    assert names(indexer.by_index(NODE_NAME_INDEX, "n1")) == ["a", "b"]
    assert names(indexer.by_index(NODE_NAME_INDEX, "")) == ["c"]  # unscheduled
    old = indexer.upsert(pod("a", node="n2"))
    assert old is not None and old["spec"]["nodeName"] == "n1"
    assert names(indexer.by_index(NODE_NAME_INDEX, "n1")) == ["b"]
    assert names(indexer.by_index(NODE_NAME_INDEX, "n2")) == ["a"]
    indexer.delete(ObjectKey("default", "b"))
    assert indexer.by_index(NODE_NAME_INDEX, "n1") == []
    assert sorted(indexer.index_values(NODE_NAME_INDEX)) == ["", "n2"]


def test_index_added_late_files_existing_objects_and_replace_rebuilds() -> None:
    indexer = Indexer()
    indexer.upsert(pod("a", owner="u1"))
    indexer.add_index(OWNER_UID_INDEX, index_by_owner_uid)
    indexer.add_index(OWNER_UID_INDEX, index_by_owner_uid)  # the same function again: no-op
    assert names(indexer.by_index(OWNER_UID_INDEX, "u1")) == ["a"]
    indexer.replace([pod("b", owner="u2")])
    assert indexer.by_index(OWNER_UID_INDEX, "u1") == []
    assert names(indexer.by_index(OWNER_UID_INDEX, "u2")) == ["b"]
    with pytest.raises(ValueError, match="already exists"):
        indexer.add_index(OWNER_UID_INDEX, index_by_node_name)
    with pytest.raises(KeyError):
        indexer.by_index("nope", "x")
