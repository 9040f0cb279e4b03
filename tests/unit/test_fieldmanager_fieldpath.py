"""Field paths and sets: the FieldsV1 encoding, element order, set algebra (structured-merge-diff fieldpath)."""

from __future__ import annotations

import json

import pytest

from pinnace.api.fieldmanager.fieldpath import (
    FieldPathError,
    FieldSet,
    Path,
    element_string,
    field,
    index,
    key,
    parse_element,
    path_string,
    value,
)

# What a Deployment created by kubectl and then scaled carries, as kube-apiserver 1.32 writes it.
DEPLOYMENT_FIELDS = {
    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    "f:spec": {
        "f:progressDeadlineSeconds": {},
        "f:replicas": {},
        "f:selector": {},
        "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}}, "f:type": {}},
        "f:template": {
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"nginx"}': {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            ".": {},
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                                "f:protocol": {},
                            },
                        },
                        "f:resources": {},
                    }
                },
                "f:dnsPolicy": {},
            },
        },
    },
}

# One node of every element kind, in the order FieldsV1 sorts them: field names, keys, values, indexes.
EVERY_KIND: dict[str, dict[str, object]] = {
    "f:alpha": {},
    "f:beta": {},
    'k:{"name":"a"}': {},
    'k:{"name":"b"}': {},
    'k:{"port":80,"protocol":"TCP"}': {},
    'k:{"port":80,"protocol":"UDP"}': {},
    "v:2": {},
    "v:10": {},
    'v:"a"': {},
    'v:"b"': {},
    "v:false": {},
    "v:true": {},
    "i:2": {},
    "i:10": {},
}

NESTED = {
    "f:a": {".": {}, "f:b": {'k:{"k":"x"}': {".": {}, "v:1": {}}}},
    'k:{"name":"n"}': {"i:0": {"f:c": {}}},
    "v:true": {".": {}, "i:3": {}},
}


@pytest.mark.parametrize(
    "document",
    [DEPLOYMENT_FIELDS, EVERY_KIND, NESTED, {}],
    ids=["a deployment's fields", "every element kind in order", "members that have children", "no fields"],
)
def test_fields_v1_round_trips_byte_for_byte(document: dict[str, object]) -> None:
    text = json.dumps(document, separators=(",", ":"))
    decoded = FieldSet.from_fields_v1(json.loads(text))
    assert json.dumps(decoded.to_fields_v1(), separators=(",", ":")) == text


def test_fields_v1_is_sorted_whatever_order_it_was_read_in() -> None:
    shuffled = dict(reversed(list(EVERY_KIND.items())))
    assert list(FieldSet.from_fields_v1(shuffled).to_fields_v1()) == list(EVERY_KIND)


def test_unknown_element_types_are_dropped_as_upstream_does() -> None:
    read = FieldSet.from_fields_v1({"f:kept": {}, "r:future": {"f:x": {}}})
    assert read.to_fields_v1() == {"f:kept": {}}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"x": {}}, "key must be 2 characters long:"),
        ({"fx": {}}, "missing colon: fx"),
        ({"f:a": []}, "ReadMapCB: expect { or n, but found ["),
        ({"i:one": {}}, 'strconv.Atoi: parsing "one": invalid syntax'),
    ],
    ids=["a one-character key", "no colon", "a non-object value", "an index that is no number"],
)
def test_unreadable_documents_raise_upstreams_message(document: dict[str, object], message: str) -> None:
    with pytest.raises(FieldPathError) as raised:
        FieldSet.from_fields_v1(document)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ('k:{"protocol": "TCP", "port": 80}', 'k:{"port":80,"protocol":"TCP"}'),
        ('v: "x"', 'v:"x"'),
        ('k:{"name":"<b>"}', 'k:{"name":"\\u003cb\\u003e"}'),
        ("i:007", "i:7"),
        ("f:any thing", "f:any thing"),
    ],
    ids=["keys sorted, compact", "a value re-marshaled", "HTML-safe as Go writes it", "an index", "a field"],
)
def test_elements_read_from_clients_become_the_canonical_text(text: str, canonical: str) -> None:
    assert parse_element(text) == canonical


@pytest.mark.parametrize(
    ("path", "printed"),
    [
        ((field("spec"), field("replicas")), ".spec.replicas"),
        (
            (field("spec"), field("containers"), key([("name", "nginx")]), field("image")),
            '.spec.containers[name="nginx"].image',
        ),
        ((field("ports"), key([("protocol", "TCP"), ("port", 80)])), '.ports[port=80,protocol="TCP"]'),
        ((field("finalizers"), value("a/b")), '.finalizers[="a/b"]'),
        ((field("args"), index(2)), ".args[2]"),
    ],
    ids=["fields", "a keyed item", "several keys, sorted", "a set item", "an index"],
)
def test_paths_print_as_in_conflict_messages(path: Path, printed: str) -> None:
    assert path_string(path) == printed


def test_element_string_of_a_value_of_every_type() -> None:
    assert [element_string(value(v)) for v in (1, 1.5, True, None, "q")] == [
        "[=1]",
        "[=1.5]",
        "[=true]",
        "[=null]",
        '[="q"]',
    ]


def paths(*dotted: str) -> FieldSet:
    """A set from dotted field paths ("spec.replicas")."""
    return FieldSet.of(*(tuple(field(name) for name in p.split(".")) for p in dotted))


def members(s: FieldSet) -> list[str]:
    return [path_string(p) for p in s.paths()]


@pytest.mark.parametrize(
    ("operation", "left", "right", "expected"),
    [
        ("union", ["a.b", "c"], ["a.d", "c"], [".c", ".a.b", ".a.d"]),
        ("intersection", ["a.b", "a.c", "d"], ["a.c", "d", "e"], [".d", ".a.c"]),
        ("intersection", ["a"], ["a.b"], []),
        ("difference", ["a.b", "a.c", "d"], ["a.c", "d"], [".a.b"]),
        ("difference", ["a", "a.b"], ["a.b"], [".a"]),
        ("difference", ["a.b"], ["a"], [".a.b"]),
        ("recursive_difference", ["a.b", "a.c.d", "e"], ["a.c"], [".e", ".a.b"]),
        ("recursive_difference", ["a", "a.b"], ["a"], []),
    ],
    ids=[
        "union merges children",
        "intersection keeps common leaves",
        "a parent and its child do not intersect",
        "difference removes leaves",
        "a parent minus its child is the parent",
        "a child minus its parent stays",
        "recursive difference drops whole subtrees",
        "recursive difference drops the member and below",
    ],
)
def test_set_operations(operation: str, left: list[str], right: list[str], expected: list[str]) -> None:
    result = getattr(paths(*left), operation)(paths(*right))
    assert members(result) == expected


def test_has_and_empty() -> None:
    s = paths("spec.replicas", "metadata")
    assert s.has((field("spec"), field("replicas"))) and s.has((field("metadata"),))
    assert not s.has((field("spec"),)) and not s.has(())
    assert not s.empty() and FieldSet().empty()
    assert paths("a.b").difference(paths("a.b")).empty()


def test_operations_leave_their_operands_unchanged() -> None:
    left, right = paths("a.b", "c"), paths("a.d")
    before = (left.to_fields_v1(), right.to_fields_v1())
    left.union(right)
    left.difference(right)
    left.intersection(right)
    assert (left.to_fields_v1(), right.to_fields_v1()) == before
