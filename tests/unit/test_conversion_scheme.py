"""The conversion registry: which kinds convert between which versions, identity, refusals, storage versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.api.conversion import CONVERSIONS, ConversionError, convert, storage_version

Obj = dict[str, Any]

DEPLOYMENT: Obj = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {"replicas": 2},
}


def test_registered_conversions() -> None:
    assert sorted(str(key) for key in CONVERSIONS) == [
        "/v1, Kind=Event -> events.k8s.io/v1",
        "autoscaling/v1, Kind=HorizontalPodAutoscaler -> autoscaling/v2",
        "autoscaling/v2, Kind=HorizontalPodAutoscaler -> autoscaling/v1",
        "events.k8s.io/v1, Kind=Event -> v1",
    ]


STORAGE_VERSIONS: list[tuple[str, str, str, str | None]] = [
    ("HPAs are stored as autoscaling/v2", "autoscaling", "HorizontalPodAutoscaler", "autoscaling/v2"),
    ("events.k8s.io Events are stored as core v1", "events.k8s.io", "Event", "v1"),
    ("core Events are stored as core v1", "", "Event", "v1"),
    ("kinds served in one version have none", "apps", "Deployment", None),
    ("nor do unknown kinds", "example.com", "Widget", None),
]


@pytest.mark.parametrize(
    ("group", "kind", "expected"), [c[1:] for c in STORAGE_VERSIONS], ids=[c[0] for c in STORAGE_VERSIONS]
)
def test_storage_version(group: str, kind: str, expected: str | None) -> None:
    assert storage_version(group, kind) == expected


IDENTITIES: list[tuple[str, Obj, str]] = [
    ("any kind in its own version", DEPLOYMENT, "apps/v1"),
    (
        "a convertible kind in its own version",
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"},
        "autoscaling/v2",
    ),
    ("the core group spelled with a slash", {"apiVersion": "v1", "kind": "Event"}, "/v1"),
]


@pytest.mark.parametrize(("obj", "target"), [c[1:] for c in IDENTITIES], ids=[c[0] for c in IDENTITIES])
def test_the_same_version_is_a_shallow_copy(obj: Obj, target: str) -> None:
    before = copy.deepcopy(obj)
    out = convert(obj, target)
    assert out == obj
    assert out is not obj
    out["apiVersion"] = "changed"
    assert obj == before


REFUSALS: list[tuple[str, Obj, str, str]] = [
    (
        "a kind without conversions",
        DEPLOYMENT,
        "apps/v1beta2",
        "apps/v1, Kind=Deployment is not suitable for converting to 'apps/v1beta2'",
    ),
    (
        "a version nothing converts to",
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"},
        "autoscaling/v2beta2",
        "autoscaling/v2, Kind=HorizontalPodAutoscaler is not suitable for converting to 'autoscaling/v2beta2'",
    ),
    (
        "a kind into another group",
        {"apiVersion": "v1", "kind": "Pod"},
        "events.k8s.io/v1",
        "/v1, Kind=Pod is not suitable for converting to 'events.k8s.io/v1'",
    ),
    ("an object without a kind", {"apiVersion": "v1"}, "v1", "Object 'Kind' is missing"),
    ("an object without an apiVersion", {"kind": "Event"}, "v1", "Object 'apiVersion' is missing"),
    (
        "an apiVersion of three parts",
        {"apiVersion": "a/b/c", "kind": "Event"},
        "v1",
        "unexpected GroupVersion string: 'a/b/c'",
    ),
    (
        "a target of three parts",
        {"apiVersion": "v1", "kind": "Event"},
        "a/b/c",
        "unexpected GroupVersion string: 'a/b/c'",
    ),
]


@pytest.mark.parametrize(
    ("obj", "target", "message"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_unsupported_conversions_are_refused(obj: Obj, target: str, message: str) -> None:
    with pytest.raises(ConversionError) as raised:
        convert(obj, target)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)
