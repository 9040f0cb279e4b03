"""The path language and selector requirements stages are written in."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.hollow.expressions import ExpressionError, parse_path, parse_requirement

POD: dict[str, Any] = {
    "metadata": {
        "name": "web-1",
        "annotations": {"stage.hollow.pinnace.dev/delay": "5s"},
        "ownerReferences": [{"kind": "ReplicaSet", "name": "web"}, {"kind": "Job", "name": "pi"}],
    },
    "spec": {
        "hostNetwork": True,
        "containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}],
    },
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "False"}],
    },
}
VARIABLES = {"index": lambda: 1, "root": lambda: POD, "now": lambda: "2025-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("path", "values"),
    [
        (".metadata.name", ["web-1"]),
        (".", [POD]),
        ('.metadata.annotations["stage.hollow.pinnace.dev/delay"]', ["5s"]),
        (".metadata.ownerReferences[].kind", ["ReplicaSet", "Job"]),
        (".spec.containers[0].image", ["nginx"]),
        (".spec.containers[-1].name", ["b"]),
        (".spec.containers[$index].name", ["b"]),
        (".status.conditions[type=Ready].status", ["True"]),
        ('.status.conditions[type="Initialized"].status', ["False"]),
        (".spec.hostNetwork", [True]),
        ("$root.status.phase", ["Running"]),
        ("$now", ["2025-01-01T00:00:00Z"]),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_path_finds_these_values(path: str, values: list[Any]) -> None:
    assert parse_path(path).values(POD, VARIABLES) == values


@pytest.mark.parametrize(
    "path",
    [
        ".metadata.deletionTimestamp",
        ".spec.containers[5].name",
        ".status.conditions[type=PodScheduled].status",
        ".metadata.name.length",
        ".spec.containers[].ports[].containerPort",
    ],
)
def test_a_missing_path_finds_nothing(path: str) -> None:
    assert parse_path(path).values(POD, VARIABLES) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("metadata.name", "a path starts with . or $variable"),
        (".metadata[", "cannot parse from '['"),
        (".spec..containers", "cannot parse from '..containers'"),
        ("$", "a variable name must follow $"),
    ],
)
def test_a_bad_path_is_refused_with_where_it_went_wrong(path: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("[", r"\[").replace("$", r"\$")):
        parse_path(path)


def test_an_unknown_variable_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"unknown variable \$nodeIP"):
        parse_path("$nodeIP").values(POD, VARIABLES)


@pytest.mark.parametrize(
    ("requirement", "matches"),
    [
        ({"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"}, True),
        ({"key": ".metadata.name", "operator": "Exists"}, True),
        ({"key": ".status.phase", "operator": "In", "values": ["Pending", "Running"]}, True),
        ({"key": ".status.phase", "operator": "NotIn", "values": ["Running"]}, False),
        ({"key": ".metadata.ownerReferences[].kind", "operator": "In", "values": ["Job"]}, True),
        # NotIn holds when the path finds nothing: "not Ready" includes "no Ready condition yet".
        (
            {"key": ".status.conditions[type=PodScheduled].status", "operator": "NotIn", "values": ["True"]},
            True,
        ),
        (
            {"key": ".status.conditions[type=PodScheduled].status", "operator": "In", "values": ["True"]},
            False,
        ),
        # Values compare as Go prints them: booleans are "true"/"false".
        ({"key": ".spec.hostNetwork", "operator": "In", "values": ["true"]}, True),
        ({"key": ".spec.hostNetwork", "operator": "In", "values": [True]}, True),
    ],
    ids=lambda value: str(value)[:70],
)
def test_a_requirement_matches_as_kwok_does(requirement: dict[str, Any], matches: bool) -> None:
    assert parse_requirement(requirement, "test").matches(POD, VARIABLES) is matches


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"key": ".a", "operator": "Equals", "values": ["x"]},
            "operator must be one of In, NotIn, Exists, DoesNotExist",
        ),
        ({"key": ".a", "operator": "In"}, "In needs values"),
        ({"key": ".a", "operator": "Exists", "values": ["x"]}, "Exists takes no values"),
        ({"key": ".a", "operator": "In", "values": "x"}, "values must be a list"),
        ({"key": ".a", "operator": "Exists", "value": "x"}, "unknown field"),
        ({"key": "a", "operator": "Exists"}, "a path starts with"),
    ],
)
def test_a_bad_requirement_is_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_requirement(raw, "spec.selector.matchExpressions[0]")
