"""Stages: an object's simulated lifecycle as data (KWOK's ``Stage`` API, ``kwok.x-k8s.io/v1alpha1``).

A stage says *when* (a selector on the object), *after how long* (a delay with jitter) and *what next* (a
status patch, finalizer changes, deletion). One generic engine (:mod:`pinnace.hollow.engine`) runs them:
whenever an object changes, the stages whose selector matches are candidates, one is picked by weight, and
once its delay has passed its ``next`` is applied. The default pod stages ship as package data
(``pinnace/hollow/stages/*.yaml``); ``--stages FILE`` replaces them. The format::

    apiVersion: hollow.pinnace.dev/v1alpha1
    kind: Stage
    metadata: {name: pod-complete}
    spec:
      resourceRef: {apiVersion: v1, kind: Pod}
      selector:
        matchLabels: {}            # label -> value, all must hold
        matchAnnotations: {}       # annotation -> value
        matchExpressions:          # paths and operators, see pinnace.hollow.expressions
        - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
        - {key: ".metadata.ownerReferences[].kind", operator: In, values: [Job]}
      weight: 1                    # among several matching stages, chosen in proportion (0: never)
      weightFrom: {expressionFrom: '.metadata.annotations["..."]'}
      delay:
        durationMilliseconds: 1000          # at least this long after the object started to match
        durationFrom: {expressionFrom: ...} # a duration ("5s"), milliseconds, or a time to wait until
        jitterDurationMilliseconds: 3000    # at most this long: the delay is uniform in [duration, jitter]
        jitterDurationFrom: {expressionFrom: .metadata.deletionTimestamp}
      next:
        statusTemplate: {...}      # see pinnace.hollow.templates; sent as a strategic merge patch of status
        finalizers: {add: [a], remove: [b], empty: false}
        delete: false              # delete with gracePeriodSeconds=0 (and the object's uid as precondition)

Differences from KWOK, on purpose: ``resourceRef`` names an ``apiVersion`` (KWOK's ``apiGroup: v1`` field
holds one too); keys are Pinnace paths instead of jq; ``statusTemplate`` is structured YAML instead of a Go
text template; ``immediateNextStage`` and ``event`` are not supported and are refused by name.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

import yaml

from pinnace.api.protobuf_forms import DurationError, go_parse_duration
from pinnace.hollow.expressions import (
    ExpressionError,
    Path,
    Requirement,
    Variables,
    all_match,
    parse_path,
    parse_requirements,
    render,
)
from pinnace.hollow.templates import Template, compile_template

API_VERSION = "hollow.pinnace.dev/v1alpha1"
KIND = "Stage"


class StageError(ValueError):
    """A stage document that cannot be used; the message names the stage and the field."""


@dataclass(frozen=True, slots=True)
class Delay:
    duration_ms: int = 0
    duration_from: Path | None = None
    jitter_ms: int | None = None
    jitter_from: Path | None = None

    def seconds(self, obj: Any, variables: Variables, now: datetime, rng: random.Random) -> float:
        """How long after the object started matching the stage applies (KWOK's ``Delay``: a duration,
        stretched by a uniform random amount up to the jitter duration when that is longer)."""
        duration = _duration_ms(self.duration_from, obj, variables, now)
        if duration is None:
            duration = self.duration_ms
        jitter = _duration_ms(self.jitter_from, obj, variables, now)
        if jitter is None:
            jitter = self.jitter_ms
        duration = max(0, duration)
        if jitter is not None and jitter > duration:
            return rng.uniform(duration, jitter) / 1000.0
        return duration / 1000.0


def _duration_ms(path: Path | None, obj: Any, variables: Variables, now: datetime) -> int | None:
    """A duration read from the object: milliseconds, a Go duration, or a time (the wait until then)."""
    if path is None:
        return None
    value = path.first(obj, variables)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    try:
        return go_parse_duration(text) // 1_000_000
    except DurationError:
        pass
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((moment - now).total_seconds() * 1000))


@dataclass(frozen=True, slots=True)
class Next:
    status_template: Template | None = None
    finalizers_add: tuple[str, ...] = ()
    finalizers_remove: tuple[str, ...] = ()
    finalizers_empty: bool = False
    delete: bool = False

    @property
    def changes_finalizers(self) -> bool:
        return bool(self.finalizers_add or self.finalizers_remove or self.finalizers_empty)

    def finalizers(self, current: Sequence[str]) -> list[str]:
        """The finalizer list after this step."""
        kept = [] if self.finalizers_empty else [f for f in current if f not in self.finalizers_remove]
        return kept + [f for f in self.finalizers_add if f not in kept]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    api_version: str
    kind: str
    match_labels: dict[str, str] = field(default_factory=dict)
    match_annotations: dict[str, str] = field(default_factory=dict)
    match_expressions: tuple[Requirement, ...] = ()
    weight: int = 1
    weight_from: Path | None = None
    delay: Delay = Delay()
    next: Next = Next()

    def matches(self, obj: Any, variables: Variables) -> bool:
        metadata = obj.get("metadata") or {}
        labels = metadata.get("labels") or {}
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        annotations = metadata.get("annotations") or {}
        if any(annotations.get(k) != v for k, v in self.match_annotations.items()):
            return False
        return all_match(self.match_expressions, obj, variables)

    def weight_of(self, obj: Any, variables: Variables) -> int:
        if self.weight_from is not None:
            value = self.weight_from.first(obj, variables)
            try:
                return max(0, int(render(value)))
            except ValueError:
                pass
        return self.weight


def choose(stages: Sequence[Stage], obj: Any, variables: Variables, rng: random.Random) -> Stage | None:
    """The stage to run next for ``obj``: one of the matching stages, in proportion to their weights
    (KWOK's lifecycle ``Match``); None when none matches or every match weighs 0."""
    candidates = [
        (stage, stage.weight_of(obj, variables)) for stage in stages if stage.matches(obj, variables)
    ]
    candidates = [(stage, weight) for stage, weight in candidates if weight > 0]
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0][0]
    pick = rng.uniform(0, sum(weight for _, weight in candidates))
    for stage, weight in candidates:
        pick -= weight
        if pick < 0:
            return stage
    return candidates[-1][0]


# Loading --------------------------------------------------------------------------------------------------


def load_stages(text: str, source: str) -> list[Stage]:
    """Every Stage in a (multi-document) YAML text; ``StageError`` says which one is wrong and why."""
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=yaml.CSafeLoader) if doc is not None]
    except yaml.YAMLError as err:
        raise StageError(f"{source}: not YAML: {err}") from err
    stages = [parse_stage(doc, f"{source}#{i}") for i, doc in enumerate(documents)]
    names = [stage.name for stage in stages]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise StageError(f"{source}: stage names must be unique: {', '.join(duplicates)}")
    return stages


def load_stage_file(path: FilePath) -> list[Stage]:
    try:
        text = path.read_text()
    except OSError as err:
        raise StageError(f"cannot read stages from {path}: {err}") from err
    return load_stages(text, str(path))


def default_stages() -> list[Stage]:
    """The stages shipped in ``pinnace/hollow/stages/``, file by file in name order."""
    folder = resources.files("pinnace.hollow").joinpath("stages")
    stages: list[Stage] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            stages.extend(load_stages(entry.read_text(), f"pinnace/hollow/stages/{entry.name}"))
    return stages


def parse_stage(doc: Any, where: str) -> Stage:
    if not isinstance(doc, dict):
        raise StageError(f"{where}: a stage is a mapping")
    if doc.get("apiVersion") != API_VERSION or doc.get("kind") != KIND:
        raise StageError(
            f"{where}: expected apiVersion {API_VERSION} and kind {KIND}, "
            f"got {doc.get('apiVersion')!r} and {doc.get('kind')!r}"
        )
    name = str((doc.get("metadata") or {}).get("name") or "")
    if not name:
        raise StageError(f"{where}: metadata.name is required")
    where = f"stage {name!r} ({where})"
    spec = _mapping(doc.get("spec"), f"{where}: spec")
    _known(spec, {"resourceRef", "selector", "weight", "weightFrom", "delay", "next"}, f"{where}: spec")
    try:
        return _parse_spec(name, spec, where)
    except ExpressionError as err:
        raise StageError(f"{where}: {err}") from None


def _parse_spec(name: str, spec: dict[str, Any], where: str) -> Stage:
    ref = _mapping(spec.get("resourceRef"), f"{where}: spec.resourceRef")
    api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
    if not api_version or not kind:
        raise StageError(f"{where}: spec.resourceRef needs apiVersion and kind")
    selector = _mapping(spec.get("selector") or {}, f"{where}: spec.selector")
    _known(selector, {"matchLabels", "matchAnnotations", "matchExpressions"}, f"{where}: spec.selector")
    weight = spec.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
        raise StageError(f"{where}: spec.weight must be a non-negative integer")
    return Stage(
        name=name,
        api_version=api_version,
        kind=kind,
        match_labels=_string_map(selector.get("matchLabels"), f"{where}: matchLabels"),
        match_annotations=_string_map(selector.get("matchAnnotations"), f"{where}: matchAnnotations"),
        match_expressions=parse_requirements(selector.get("matchExpressions"), "selector.matchExpressions"),
        weight=weight,
        weight_from=_expression_from(spec.get("weightFrom"), f"{where}: spec.weightFrom"),
        delay=_parse_delay(spec.get("delay") or {}, where),
        next=_parse_next(spec.get("next"), where),
    )


def _parse_delay(raw: Any, where: str) -> Delay:
    delay = _mapping(raw, f"{where}: spec.delay")
    fields = {"durationMilliseconds", "durationFrom", "jitterDurationMilliseconds", "jitterDurationFrom"}
    _known(delay, fields, f"{where}: spec.delay")
    duration = delay.get("durationMilliseconds", 0)
    jitter = delay.get("jitterDurationMilliseconds")
    for label, value in (("durationMilliseconds", duration), ("jitterDurationMilliseconds", jitter)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise StageError(f"{where}: spec.delay.{label} must be a non-negative integer")
    return Delay(
        duration_ms=duration,
        duration_from=_expression_from(delay.get("durationFrom"), f"{where}: spec.delay.durationFrom"),
        jitter_ms=jitter,
        jitter_from=_expression_from(
            delay.get("jitterDurationFrom"), f"{where}: spec.delay.jitterDurationFrom"
        ),
    )


def _parse_next(raw: Any, where: str) -> Next:
    next_ = _mapping(raw, f"{where}: spec.next")
    for unsupported in ("immediateNextStage", "event", "patches"):
        if unsupported in next_:
            raise StageError(f"{where}: spec.next.{unsupported} is not supported by Pinnace's hollow nodes")
    _known(next_, {"statusTemplate", "finalizers", "delete"}, f"{where}: spec.next")
    template = next_.get("statusTemplate")
    if template is not None and not isinstance(template, dict):
        raise StageError(
            f"{where}: spec.next.statusTemplate must be a YAML mapping (Go text templates are not supported)"
        )
    finalizers = _mapping(next_.get("finalizers") or {}, f"{where}: spec.next.finalizers")
    _known(finalizers, {"add", "remove", "empty"}, f"{where}: spec.next.finalizers")
    delete = next_.get("delete", False)
    if not isinstance(delete, bool):
        raise StageError(f"{where}: spec.next.delete must be true or false")
    result = Next(
        status_template=compile_template(template, "next.statusTemplate") if template is not None else None,
        finalizers_add=_finalizer_values(finalizers.get("add"), f"{where}: finalizers.add"),
        finalizers_remove=_finalizer_values(finalizers.get("remove"), f"{where}: finalizers.remove"),
        finalizers_empty=bool(finalizers.get("empty", False)),
        delete=delete,
    )
    if result.status_template is None and not result.changes_finalizers and not result.delete:
        raise StageError(f"{where}: spec.next must set statusTemplate, finalizers or delete")
    return result


def _finalizer_values(raw: Any, where: str) -> tuple[str, ...]:
    """KWOK writes finalizer lists as ``[{value: name}]``; a plain string is accepted too."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise StageError(f"{where}: must be a list")
    values: list[str] = []
    for item in raw:
        value = item.get("value") if isinstance(item, dict) else item
        if not isinstance(value, str) or not value:
            raise StageError(f"{where}: items are finalizer names or {{value: name}}")
        values.append(value)
    return tuple(values)


def _expression_from(raw: Any, where: str) -> Path | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"expressionFrom"}:
        raise StageError(f"{where}: expected {{expressionFrom: PATH}}")
    return parse_path(str(raw["expressionFrom"]))


def _mapping(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StageError(f"{where} must be a mapping")
    return raw


def _string_map(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StageError(f"{where} must be a mapping of strings")
    return {str(k): render(v) for k, v in raw.items()}


def _known(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise StageError(f"{where}: unknown field(s) {', '.join(unknown)}")
