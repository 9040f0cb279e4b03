"""Merging an applied configuration into a live object, per list and map type, and removing items."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.fieldmanager import builtin_types
from pinnace.api.fieldmanager.fieldpath import FieldSet, field, key, value
from pinnace.api.fieldmanager.merge import MergeError, merge, remove_items
from pinnace.api.fieldmanager.schematypes import MISSING

Object = dict[str, Any]

POD = builtin_types().for_kind("v1", "Pod")


def containers(*names: str, **extra: Any) -> list[Object]:
    return [{"name": name, **extra} for name in names]


def pod(spec: Object | None = None, **metadata: Any) -> Object:
    out: Object = {"metadata": metadata}
    if spec is not None:
        out["spec"] = spec
    return out


@pytest.mark.parametrize(
    ("live", "config", "merged"),
    [
        (
            pod(labels={"a": "1"}),
            pod(labels={"b": "2"}),
            pod(labels={"a": "1", "b": "2"}),
        ),
        (
            pod({"nodeSelector": {"a": "1"}}),
            pod({"nodeSelector": {"b": "2"}}),
            pod({"nodeSelector": {"b": "2"}}),
        ),
        (
            pod({"containers": containers("c", args=["x", "y"])}),
            pod({"containers": containers("c", args=["z"])}),
            pod({"containers": containers("c", args=["z"])}),
        ),
        (
            pod(finalizers=["x", "y"]),
            pod(finalizers=["z", "x"]),
            pod(finalizers=["z", "x", "y"]),
        ),
        (
            pod({"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}),
            pod({"containers": [{"name": "b", "image": "3", "tty": True}]}),
            pod({"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "3", "tty": True}]}),
        ),
        (
            pod({"containers": containers("a", "b", "c")}),
            pod({"containers": containers("c", "a")}),
            pod({"containers": containers("b", "c", "a")}),
        ),
        (
            pod({"containers": containers("a", "b")}),
            pod({"containers": containers("c")}),
            pod({"containers": containers("a", "b", "c")}),
        ),
        (
            pod({"containers": containers("a", "b")}),
            pod({"containers": containers("c", "a")}),
            pod({"containers": containers("c", "a", "b")}),
        ),
        (
            pod({"securityContext": {"runAsUser": 1}, "hostname": "h"}),
            pod({"securityContext": {"runAsGroup": 2}}),
            pod({"securityContext": {"runAsUser": 1, "runAsGroup": 2}, "hostname": "h"}),
        ),
        (
            pod({"hostname": "h"}),
            pod({"hostname": None}),
            pod({"hostname": None}),
        ),
        (
            pod({"containers": containers("a")}),
            pod({"containers": []}),
            pod({"containers": containers("a")}),
        ),
    ],
    ids=[
        "a granular map merges key by key",
        "an atomic map is replaced",
        "an atomic list is replaced",
        "a set merges by value",
        "a map list merges items by key",
        "shared items follow the configuration's order, others keep their place",
        "new items go after the live ones",
        "a new item before a shared one comes first",
        "a struct merges field by field",
        "an explicit null replaces a leaf",
        "an empty list removes nothing",
    ],
)
def test_merge_per_list_and_map_type(live: Object, config: Object, merged: Object) -> None:
    assert merge(live, config, POD) == merged


def test_merge_leaves_its_inputs_alone() -> None:
    live = pod({"containers": containers("a")}, labels={"a": "1"})
    config = pod({"containers": containers("b")}, labels={"b": "2"})
    merge(live, config, POD)
    assert live == pod({"containers": containers("a")}, labels={"a": "1"})
    assert config == pod({"containers": containers("b")}, labels={"b": "2"})


def test_merging_into_nothing_gives_the_configuration() -> None:
    assert merge(MISSING, pod(labels={"a": "1"}), POD) == pod(labels={"a": "1"})


def test_a_configuration_with_duplicate_items_is_refused() -> None:
    with pytest.raises(MergeError, match=r'duplicate entries for key \[name="a"\]'):
        merge(pod({"containers": containers("x")}), pod({"containers": containers("a", "a")}), POD)


def test_remove_items_drops_map_entries_list_items_and_struct_fields() -> None:
    obj = pod(
        {"containers": containers("a", "b"), "hostname": "h", "nodeName": "n"},
        labels={"a": "1", "b": "2"},
        finalizers=["x", "y"],
    )
    spec, metadata = field("spec"), field("metadata")
    removed = remove_items(
        obj,
        FieldSet.of(
            (spec, field("containers"), key([("name", "a")])),
            (spec, field("hostname")),
            (metadata, field("labels"), field("a")),
            (metadata, field("finalizers"), value("y")),
        ),
        POD,
    )
    assert removed == pod(
        {"containers": containers("b"), "nodeName": "n"}, labels={"b": "2"}, finalizers=["x"]
    )


def test_what_removal_empties_becomes_null() -> None:
    obj = pod(labels={"a": "1"}, name="p")
    removed = remove_items(obj, FieldSet.of((field("metadata"), field("labels"), field("a"))), POD)
    assert removed == {"metadata": {"labels": None, "name": "p"}}
