"""ControllerRevision helpers: Go's JSON bytes, FNV-32, names, the template patch, ordering."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pinnace.controllers import history


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, None]}, b'{"a":[true,null],"b":1}'),
        ({"cmd": "a<b && c>d"}, b'{"cmd":"a\\u003cb \\u0026\\u0026 c\\u003ed"}'),
        ({"name": "caf\u00e9 \u2028"}, '{"name":"caf\u00e9 \\u2028"}'.encode()),
        ({"tab": "a\tb\n"}, b'{"tab":"a\\tb\\n"}'),
    ],
    ids=["sorted-and-compact", "html-escaped", "utf8-raw-but-line-separators", "control-characters"],
)
def test_go_json_writes_the_bytes_go_marshal_writes(value: Any, expected: bytes) -> None:
    assert history.go_json(value) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", 0x811C9DC5), (b"a", 0x050C5D7E), (b"foobar", 0x31F0B262)],
    ids=["empty", "a", "foobar"],
)
def test_fnv32_is_fnv1_not_fnv1a(data: bytes, expected: int) -> None:
    assert history.fnv32(data) == expected


_UPSTREAM_TEMPLATE = (
    '"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},'
    '"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],'
    '"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",'
    '"securityContext":{},"terminationGracePeriodSeconds":30}'
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},'
            '"creationTimestamp":null,"labels":{"app":"foo"}},' + _UPSTREAM_TEMPLATE + "}}}",
            "c77f6d978",
        ),
        (
            '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},'
            '"labels":{"app":"foo"}},' + _UPSTREAM_TEMPLATE + "}}}",
            "776999688b",
        ),
    ],
    ids=["1.33 revision", "1.34 revision"],
)
def test_revision_hash_matches_a_real_cluster(raw: str, expected: str) -> None:
    """Revisions a real kube-controller-manager made (upstream's
    pkg/controller/statefulset/testdata/compatibility_revision_1.3x.0.json): same bytes, same name."""
    data = json.loads(raw)
    assert history.go_json(data) == raw.encode()
    assert history.hash_controller_revision({"data": data}, 0) == expected


def test_revision_names_use_the_safe_alphabet_and_change_with_the_collision_count() -> None:
    revision = {"data": {"spec": {"template": {"$patch": "replace"}}}}
    first = history.hash_controller_revision(revision, 0)
    assert first == history.hash_controller_revision(revision, 0)
    assert first != history.hash_controller_revision(revision, 1)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert history.revision_name("x" * 300, first) == "x" * 223 + "-" + first


def test_new_controller_revision_is_owned_labelled_and_named_after_its_hash() -> None:
    parent = {"metadata": {"name": "web", "namespace": "ns", "uid": "u1"}}
    data = history.template_patch({"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}})
    assert data == {"spec": {"template": {"metadata": {"labels": {"app": "web"}}, "$patch": "replace"}}}
    revision = history.new_controller_revision(parent, "apps/v1", "StatefulSet", {"app": "web"}, data, 3, 0)
    hash_ = revision["metadata"]["labels"][history.CONTROLLER_REVISION_HASH_LABEL]
    assert revision["metadata"]["name"] == f"web-{hash_}"
    assert revision["metadata"]["labels"]["app"] == "web"
    assert revision["metadata"]["namespace"] == "ns"
    assert revision["revision"] == 3
    assert revision["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "web",
            "uid": "u1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def test_apply_revision_puts_the_recorded_template_back() -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "template": {"metadata": {"labels": {"app": "web", "extra": "x"}}, "spec": {"containers": []}},
        },
    }
    recorded = history.template_patch({"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}})
    restored = history.apply_revision(sts, {"data": recorded}, "apps/v1", "StatefulSet")
    assert restored["spec"] == {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}}}
    assert sts["spec"]["template"]["metadata"]["labels"]["extra"] == "x"  # the input is untouched


def test_revisions_sort_by_number_then_creation_then_name() -> None:
    def rev(name: str, number: int, created: str) -> dict[str, Any]:
        return {"metadata": {"name": name, "creationTimestamp": created}, "revision": number}

    revisions = [
        rev("c", 2, "2025-01-01T00:00:00Z"),
        rev("b", 1, "2025-01-02T00:00:00Z"),
        rev("a", 1, "2025-01-02T00:00:00Z"),
        rev("d", 1, "2025-01-01T00:00:00Z"),
    ]
    ordered = history.sort_controller_revisions(revisions)
    assert [r["metadata"]["name"] for r in ordered] == ["d", "a", "b", "c"]
    assert history.next_revision(ordered) == 3
    assert history.next_revision([]) == 1
