"""Structured templates: what a stage's statusTemplate renders to."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.hollow.expressions import ExpressionError
from pinnace.hollow.templates import MISSING, compile_template

POD: dict[str, Any] = {
    "metadata": {"uid": "u1", "name": "p"},
    "spec": {
        "containers": [
            {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "redis"},
        ],
        "initContainers": [],
    },
    "status": {"startTime": "2024-01-01T00:00:00Z"},
}
VARIABLES = {"root": lambda: POD, "now": lambda: "2025-01-01T00:00:00Z", "podIP": lambda: "10.0.0.2"}


def render(template: Any) -> Any:
    return compile_template(template).render(POD, VARIABLES)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"phase": "Running"}, {"phase": "Running"}),
        ({"podIP": "{{ $podIP }}"}, {"podIP": "10.0.0.2"}),
        # A whole-string expression keeps the value's type.
        ({"ports": "{{ .spec.containers[0].ports }}"}, {"ports": [{"containerPort": 80}]}),
        # Nothing found: the key is left out.
        ({"hostIP": "{{ $root.status.hostIP }}", "x": 1}, {"x": 1}),
        # Alternatives: the first that finds something.
        ({"startTime": "{{ .status.startTime || $now }}"}, {"startTime": "2024-01-01T00:00:00Z"}),
        ({"t": "{{ .status.finishedAt || $now }}"}, {"t": "2025-01-01T00:00:00Z"}),
        ({"reason": "{{ .status.reason || 'Completed' }}"}, {"reason": "Completed"}),
        # Text with expressions inside is text.
        ({"id": "hollow://{{ .metadata.uid }}/{{ .metadata.name }}"}, {"id": "hollow://u1/p"}),
        ({"id": "x-{{ .metadata.missing }}-y"}, {"id": "x--y"}),
        ({"n": None, "ok": True, "count": 0}, {"n": None, "ok": True, "count": 0}),
    ],
    ids=lambda value: str(value)[:60],
)
def test_values_render(template: Any, expected: Any) -> None:
    assert render(template) == expected


def test_for_each_splices_one_item_per_element_with_its_index() -> None:
    template = {
        "statuses": [
            {"name": "first", "index": -1},
            {
                "$forEach": ".spec.containers",
                "$template": {"name": "{{ .name }}", "image": "{{ .image }}", "at": "{{ $index }}"},
            },
        ]
    }
    assert render(template) == {
        "statuses": [
            {"name": "first", "index": -1},
            {"name": "a", "image": "nginx", "at": 0},
            {"name": "b", "image": "redis", "at": 1},
        ]
    }


def test_a_list_of_only_for_each_over_nothing_is_left_out() -> None:
    template = {
        "initContainerStatuses": [{"$forEach": ".spec.initContainers", "$template": {"name": "{{ .name }}"}}]
    }
    assert render(template) == {}


def test_if_picks_a_branch_and_a_missing_branch_drops_the_key() -> None:
    template = {
        "a": {
            "$if": [{"key": ".metadata.name", "operator": "In", "values": ["p"]}],
            "$then": "yes",
            "$else": "no",
        },
        "b": {
            "$if": [{"key": ".metadata.name", "operator": "In", "values": ["q"]}],
            "$then": "yes",
            "$else": "no",
        },
        "c": {"$if": [{"key": ".metadata.name", "operator": "In", "values": ["q"]}], "$then": "yes"},
    }
    assert render(template) == {"a": "yes", "b": "no"}


def test_a_template_that_renders_nothing_is_missing() -> None:
    assert compile_template("{{ .nothing }}").render(POD, VARIABLES) is MISSING


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"a": "{{ metadata.name }}"}, "a path starts with"),
        ({"a": {"$forEach": ".spec.containers"}}, r"\$forEach takes exactly \$forEach and \$template"),
        ({"a": {"$if": [], "$then": 1, "$other": 2}}, r"\$if takes only \$then and \$else besides"),
        ({"a": {"$then": 1}}, r"\$then without \$if or \$forEach"),
        ({"a": {"$each": 1}}, r"unknown directive \$each"),
        ({"a": {"$if": [{"key": ".x", "operator": "Has"}], "$then": 1}}, "operator must be one of"),
    ],
)
def test_bad_templates_fail_when_compiled(template: Any, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_template(template)
