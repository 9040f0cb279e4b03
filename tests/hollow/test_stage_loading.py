"""Loading stage files: the defaults, custom files, and what a bad file is told."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinnace.hollow.stages import StageError, choose, default_stages, load_stage_file, load_stages

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def stage(name: str = "s", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceRef": {"apiVersion": "v1", "kind": "Pod"}, "next": {"delete": True}}
    body.update(spec)
    return {
        "apiVersion": "hollow.pinnace.dev/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": name},
        "spec": body,
    }


def dump(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(docs)


def test_the_default_stages_cover_the_pod_lifecycle() -> None:
    names = [s.name for s in default_stages()]
    assert names == ["pod-complete", "pod-delete", "pod-delete-graceful", "pod-fail", "pod-ready"]
    assert all((s.api_version, s.kind) == ("v1", "Pod") for s in default_stages())


def test_a_stage_file_replaces_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "stages.yaml"
    path.write_text(dump(stage("one"), stage("two")))
    assert [s.name for s in load_stage_file(path)] == ["one", "two"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {**stage(), "apiVersion": "kwok.x-k8s.io/v1alpha1"},
            "expected apiVersion hollow.pinnace.dev/v1alpha1 and kind Stage",
        ),
        ({**stage(), "metadata": {}}, "metadata.name is required"),
        (stage(resourceRef={"kind": "Pod"}), "spec.resourceRef needs apiVersion and kind"),
        (stage(selector={"matchFields": {}}), "spec.selector: unknown field"),
        (stage(weight=-1), "spec.weight must be a non-negative integer"),
        (
            stage(delay={"durationMilliseconds": "1s"}),
            "spec.delay.durationMilliseconds must be a non-negative integer",
        ),
        (stage(delay={"durationFrom": ".metadata.name"}), r"expected \{expressionFrom: PATH\}"),
        (stage(next={}), "spec.next must set statusTemplate, finalizers or delete"),
        (stage(next={"statusTemplate": "phase: Running"}), "Go text templates are not supported"),
        (
            stage(next={"delete": True, "immediateNextStage": True}),
            "spec.next.immediateNextStage is not supported",
        ),
        (stage(next={"event": {"reason": "x"}}), "spec.next.event is not supported"),
        (stage(next={"statusTemplate": {"a": "{{ nope }}"}}), "a path starts with"),
        (stage(selector={"matchExpressions": [{"key": ".a", "operator": "Is"}]}), "operator must be one of"),
        (stage(unknown=1), "spec: unknown field"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_bad_stage_is_refused_with_its_name_and_field(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(StageError, match=message):
        load_stages(dump(doc), "stages.yaml")


def test_stage_names_are_unique() -> None:
    with pytest.raises(StageError, match="stage names must be unique: twice"):
        load_stages(dump(stage("twice"), stage("twice")), "stages.yaml")


def test_the_error_names_the_stage_and_file() -> None:
    with pytest.raises(StageError, match=r"stage 'broken' \(stages.yaml#1\)"):
        load_stages(dump(stage("fine"), stage("broken", weight="x")), "stages.yaml")


POD = {"metadata": {"name": "p", "annotations": {"weight": "3", "delay": "2s"}, "labels": {"app": "web"}}}


def test_matching_uses_labels_annotations_and_expressions() -> None:
    (only,) = load_stages(
        dump(
            stage(
                selector={
                    "matchLabels": {"app": "web"},
                    "matchAnnotations": {"delay": "2s"},
                    "matchExpressions": [{"key": ".metadata.name", "operator": "In", "values": ["p"]}],
                }
            )
        ),
        "x",
    )
    assert only.matches(POD, {})
    assert not only.matches({"metadata": {"name": "p", "labels": {"app": "db"}}}, {})


def test_choose_picks_in_proportion_to_weight_and_never_weight_zero() -> None:
    stages = load_stages(
        dump(
            stage("light", weight=1),
            stage("heavy", weightFrom={"expressionFrom": ".metadata.annotations.weight"}),
            stage("never", weight=0),
        ),
        "x",
    )
    rng = random.Random(3)
    picks = [choose(stages, POD, {}, rng) for _ in range(4000)]
    names = [s.name for s in picks if s is not None]
    assert "never" not in names
    assert 0.70 < names.count("heavy") / len(names) < 0.80  # weight 3 of 4


def test_choose_returns_none_when_nothing_matches() -> None:
    stages = load_stages(dump(stage(selector={"matchLabels": {"app": "db"}})), "x")
    assert choose(stages, POD, {}, random.Random()) is None


@pytest.mark.parametrize(
    ("delay", "seconds"),
    [
        ({}, 0.0),
        ({"durationMilliseconds": 1500}, 1.5),
        # durationFrom wins over durationMilliseconds when it yields something; a Go duration here.
        (
            {"durationMilliseconds": 1500, "durationFrom": {"expressionFrom": ".metadata.annotations.delay"}},
            2.0,
        ),
        (
            {"durationMilliseconds": 1500, "durationFrom": {"expressionFrom": ".metadata.annotations.none"}},
            1.5,
        ),
        # Milliseconds as a number in the object.
        ({"durationFrom": {"expressionFrom": ".metadata.annotations.weight"}}, 0.003),
        # A time: the delay lasts until then (a deletionTimestamp 30 s from now).
        ({"durationFrom": {"expressionFrom": ".metadata.deletionTimestamp"}}, 30.0),
        # A jitter shorter than the duration changes nothing.
        ({"durationMilliseconds": 2000, "jitterDurationMilliseconds": 1000}, 2.0),
    ],
    ids=str,
)
def test_delays(delay: dict[str, Any], seconds: float) -> None:
    (only,) = load_stages(dump(stage(delay=delay)), "x")
    pod = {**POD, "metadata": {**POD["metadata"], "deletionTimestamp": "2025-01-01T00:00:30Z"}}
    assert only.delay.seconds(pod, {}, NOW, random.Random()) == pytest.approx(seconds)


def test_jitter_spreads_the_delay_between_duration_and_jitter() -> None:
    (only,) = load_stages(
        dump(stage(delay={"durationMilliseconds": 1000, "jitterDurationMilliseconds": 3000})), "x"
    )
    rng = random.Random(1)
    samples = [only.delay.seconds(POD, {}, NOW, rng) for _ in range(1000)]
    assert 1.0 <= min(samples) < 1.1
    assert 2.9 < max(samples) <= 3.0
