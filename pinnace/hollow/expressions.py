"""Paths into JSON objects, and the requirements stages select objects with.

A stage names what it looks at with a small path language, in the spirit of KWOK's jq-like keys
(``kwok/pkg/utils/expression``) but with a fixed grammar instead of jq:

``.metadata.name``                        a field
``.metadata.annotations["a.b/c"]``        a key that is not an identifier
``.spec.containers[]``                     every element of a list
``.spec.containers[0]`` ``[$index]``       one element (a number, or a number-valued variable)
``.status.conditions[type=Ready].status``  elements whose field equals a value
``$root.spec.nodeName`` ``$now``           a variable (the stage engine provides ``$root``, ``$now`` and more)

A path evaluates to a *list* of values: empty when something on the way is missing, several after ``[]``
or a filter. A leading ``.`` starts at the current object. Paths are parsed once, when stages load.

A :class:`Requirement` (``key``, ``operator``, ``values``) is KWOK's ``SelectorRequirement``: ``In`` and
``NotIn`` compare the path's values, rendered as strings (``true``, ``3``), with ``values``; ``Exists`` and
``DoesNotExist`` ask whether the path has a non-null value. ``NotIn`` holds for a missing path, so
"Ready is not True" also matches a pod without a Ready condition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Variables = Mapping[str, Callable[[], Any]]
Operator = Literal["In", "NotIn", "Exists", "DoesNotExist"]
OPERATORS: tuple[str, ...] = ("In", "NotIn", "Exists", "DoesNotExist")


class ExpressionError(ValueError):
    """A path or requirement that cannot be parsed; the message names it."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


@dataclass(frozen=True, slots=True)
class _Each:
    pass


@dataclass(frozen=True, slots=True)
class _Index:
    index: int | str  # a number, or the name of a variable holding one


@dataclass(frozen=True, slots=True)
class _Filter:
    field: str
    value: str


_Step = _Field | _Each | _Index | _Filter

_IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
_TOKEN = re.compile(
    rf"""
    \.(?P<field>{_IDENT})
  | \[\s*"(?P<quoted>(?:[^"\\]|\\.)*)"\s*\]
  | \[\s*(?P<number>-?\d+)\s*\]
  | \[\s*\$(?P<var>{_IDENT})\s*\]
  | \[\s*(?P<ffield>{_IDENT})\s*=\s*(?P<fvalue>[^\]]*?)\s*\]
  | \[\s*\]
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed path; ``str(path)`` is its source text."""

    text: str
    root: str  # "" for the current object, else a variable name
    steps: tuple[_Step, ...]

    def __str__(self) -> str:
        return self.text

    def values(self, current: Any, variables: Variables) -> list[Any]:
        """Every value the path reaches (see the module docstring)."""
        if self.root:
            getter = variables.get(self.root)
            if getter is None:
                raise ExpressionError(f"{self.text}: unknown variable ${self.root}")
            found: list[Any] = [getter()]
        else:
            found = [current]
        for step in self.steps:
            found = [out for value in found for out in _step(step, value, variables)]
            if not found:
                break
        return [value for value in found if value is not None]

    def first(self, current: Any, variables: Variables) -> Any:
        """The first value, or None."""
        values = self.values(current, variables)
        return values[0] if values else None


def _step(step: _Step, value: Any, variables: Variables) -> list[Any]:
    if isinstance(step, _Field):
        return [value[step.name]] if isinstance(value, dict) and step.name in value else []
    if isinstance(step, _Each):
        if isinstance(value, list):
            return list(value)
        return list(value.values()) if isinstance(value, dict) else []
    if isinstance(step, _Index):
        if not isinstance(value, list):
            return []
        index: Any = step.index
        if isinstance(index, str):
            getter = variables.get(index)
            index = getter() if getter is not None else None
            if not isinstance(index, int):
                return []
        return [value[index]] if -len(value) <= index < len(value) else []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict) and render(item.get(step.field)) == step.value]


def parse_path(text: str) -> Path:
    """Parse a path; ``ExpressionError`` says where it went wrong."""
    source = text.strip()
    if source == ".":
        return Path(text, "", ())
    root = ""
    position = 0
    if source.startswith("$"):
        match = re.match(_IDENT, source[1:])
        if match is None:
            raise ExpressionError(f"{text!r}: a variable name must follow $")
        root = match.group(0)
        position = 1 + match.end()
    elif not source.startswith("."):
        raise ExpressionError(f"{text!r}: a path starts with . or $variable")
    steps: list[_Step] = []
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError(f"{text!r}: cannot parse from {source[position:]!r}")
        steps.append(_token_step(match))
        position = match.end()
    return Path(text, root, tuple(steps))


def _token_step(match: re.Match[str]) -> _Step:
    if match.group("field") is not None:
        return _Field(match.group("field"))
    if match.group("quoted") is not None:
        return _Field(re.sub(r"\\(.)", r"\1", match.group("quoted")))
    if match.group("number") is not None:
        return _Index(int(match.group("number")))
    if match.group("var") is not None:
        return _Index(match.group("var"))
    if match.group("ffield") is not None:
        return _Filter(match.group("ffield"), match.group("fvalue").strip("\"'"))
    return _Each()


def render(value: Any) -> str:
    """A value as ``In``/``NotIn`` and string templates see it (Go's ``fmt`` of a JSON value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class Requirement:
    key: Path
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, current: Any, variables: Variables) -> bool:
        found = self.key.values(current, variables)
        if self.operator == "Exists":
            return bool(found)
        if self.operator == "DoesNotExist":
            return not found
        hit = any(render(value) in self.values for value in found)
        return hit if self.operator == "In" else not hit


def parse_requirement(raw: Any, where: str) -> Requirement:
    """A requirement from its YAML form ``{key, operator, values}``."""
    if not isinstance(raw, dict):
        raise ExpressionError(f"{where}: a requirement is a mapping with key, operator and values")
    unknown = set(raw) - {"key", "operator", "values"}
    if unknown:
        raise ExpressionError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    operator = raw.get("operator")
    if operator not in OPERATORS:
        raise ExpressionError(f"{where}: operator must be one of {', '.join(OPERATORS)}, got {operator!r}")
    values = raw.get("values") or []
    if not isinstance(values, list):
        raise ExpressionError(f"{where}: values must be a list")
    if operator in ("In", "NotIn") and not values:
        raise ExpressionError(f"{where}: {operator} needs values")
    if operator in ("Exists", "DoesNotExist") and values:
        raise ExpressionError(f"{where}: {operator} takes no values")
    try:
        key = parse_path(str(raw.get("key") or ""))
    except ExpressionError as err:
        raise ExpressionError(f"{where}: {err}") from None
    return Requirement(key, operator, tuple(render(v) for v in values))


def parse_requirements(raw: Any, where: str) -> tuple[Requirement, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ExpressionError(f"{where}: must be a list of requirements")
    return tuple(parse_requirement(item, f"{where}[{i}]") for i, item in enumerate(raw))


def all_match(requirements: Sequence[Requirement], current: Any, variables: Variables) -> bool:
    return all(r.matches(current, variables) for r in requirements)
