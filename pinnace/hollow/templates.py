"""Structured templates: YAML that renders to the JSON a stage patches into an object's status.

KWOK writes a stage's next status as a Go text template that must render to valid YAML; Pinnace's templates
are YAML from the start, so what they produce is always well-formed and keeps its types. The rules:

* a string that is exactly ``{{ expr }}`` becomes the value of ``expr`` — any JSON type, so
  ``{{ .spec.containers[0].ports }}`` copies a list; when ``expr`` finds nothing the key (or list item)
  is left out. ``expr`` is a path (:mod:`pinnace.hollow.expressions`), a quoted string, or alternatives
  ``a || b`` (the first that finds something);
* a string with ``{{ expr }}`` inside is text: each expression is replaced by its value as text
  (``"hollow://{{ $root.metadata.uid }}/{{ .name }}"``);
* a list item ``{$forEach: PATH, $template: T}`` is replaced by ``T`` rendered once per value of ``PATH``
  (per item when ``PATH`` is one list, as ``.spec.containers``), with ``.`` that value and ``$index`` its
  position; the results are spliced into the list (a list made only of ``$forEach`` items that all
  iterate nothing is left out, as Go's ``omitempty`` leaves out an empty slice);
* ``{$if: [requirements], $then: A, $else: B}`` (as a value or a list item) is ``A`` when every requirement
  holds for ``.``, else ``B``; a missing branch leaves the key or item out;
* everything else is copied as it is.

Templates are compiled once when stages load (:func:`compile_template`), so a bad path fails at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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


class _Missing:
    """What an expression that found nothing renders to: the key or item is dropped."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_WHOLE = re.compile(r"^\{\{(.*?)\}\}$", re.DOTALL)
_INNER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_DIRECTIVES = frozenset({"$if", "$then", "$else", "$forEach", "$template"})


@dataclass(frozen=True, slots=True)
class _Expr:
    """``a || b || "literal"``: the first alternative that yields a value."""

    alternatives: tuple[Path | str, ...]

    def evaluate(self, current: Any, variables: Variables) -> Any:
        for alternative in self.alternatives:
            if isinstance(alternative, str):
                return alternative
            values = alternative.values(current, variables)
            if values:
                return values[0]
        return MISSING


@dataclass(frozen=True, slots=True)
class _Text:
    parts: tuple[str | _Expr, ...]


@dataclass(frozen=True, slots=True)
class _Map:
    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class _List:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class _If:
    requirements: tuple[Requirement, ...]
    then: Node | None
    otherwise: Node | None


@dataclass(frozen=True, slots=True)
class _ForEach:
    path: Path
    template: Node


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Any


Node = _Expr | _Text | _Map | _List | _If | _ForEach | _Literal


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled template; :meth:`render` it against an object."""

    root: Node

    def render(self, current: Any, variables: Variables) -> Any:
        """The rendered value (``MISSING`` if the whole template rendered to nothing)."""
        return _render(self.root, current, variables)


def compile_template(raw: Any, where: str = "template") -> Template:
    """Compile a template given as parsed YAML; ``ExpressionError`` names the bad part."""
    return Template(_compile(raw, where))


def _compile(raw: Any, where: str) -> Node:
    if isinstance(raw, str):
        return _compile_string(raw, where)
    if isinstance(raw, list):
        return _List(tuple(_compile(item, f"{where}[{i}]") for i, item in enumerate(raw)))
    if isinstance(raw, dict):
        directives = _DIRECTIVES.intersection(raw)
        if directives:
            return _compile_directive(raw, where)
        unknown = [key for key in raw if isinstance(key, str) and key.startswith("$")]
        if unknown:
            raise ExpressionError(f"{where}: unknown directive {unknown[0]}")
        return _Map(tuple((str(key), _compile(value, f"{where}.{key}")) for key, value in raw.items()))
    return _Literal(raw)


def _compile_directive(raw: dict[str, Any], where: str) -> Node:
    keys = set(raw)
    if "$forEach" in keys:
        if keys != {"$forEach", "$template"}:
            raise ExpressionError(f"{where}: $forEach takes exactly $forEach and $template")
        try:
            path = parse_path(str(raw["$forEach"]))
        except ExpressionError as err:
            raise ExpressionError(f"{where}.$forEach: {err}") from None
        return _ForEach(path, _compile(raw["$template"], f"{where}.$template"))
    if "$if" in keys:
        if not keys <= {"$if", "$then", "$else"}:
            raise ExpressionError(f"{where}: $if takes only $then and $else besides")
        requirements = parse_requirements(raw["$if"], f"{where}.$if")
        then = _compile(raw["$then"], f"{where}.$then") if "$then" in raw else None
        otherwise = _compile(raw["$else"], f"{where}.$else") if "$else" in raw else None
        return _If(requirements, then, otherwise)
    raise ExpressionError(f"{where}: {sorted(keys & _DIRECTIVES)[0]} without $if or $forEach")


def _compile_string(raw: str, where: str) -> Node:
    whole = _WHOLE.match(raw.strip())
    if whole is not None and "{{" not in whole.group(1):
        return _compile_expr(whole.group(1), where)
    if "{{" not in raw:
        return _Literal(raw)
    parts: list[str | _Expr] = []
    position = 0
    for match in _INNER.finditer(raw):
        if match.start() > position:
            parts.append(raw[position : match.start()])
        parts.append(_compile_expr(match.group(1), where))
        position = match.end()
    if position < len(raw):
        parts.append(raw[position:])
    return _Text(tuple(parts))


def _compile_expr(text: str, where: str) -> _Expr:
    alternatives: list[Path | str] = []
    for piece in text.split("||"):
        piece = piece.strip()
        if len(piece) >= 2 and piece[0] == piece[-1] and piece[0] in "\"'":
            alternatives.append(piece[1:-1])
            continue
        try:
            alternatives.append(parse_path(piece))
        except ExpressionError as err:
            raise ExpressionError(f"{where}: {err}") from None
    return _Expr(tuple(alternatives))


def _render(node: Node, current: Any, variables: Variables) -> Any:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, _Expr):
        return node.evaluate(current, variables)
    if isinstance(node, _Text):
        out: list[str] = []
        for part in node.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = part.evaluate(current, variables)
                out.append("" if value is MISSING else render(value))
        return "".join(out)
    if isinstance(node, _Map):
        rendered: dict[str, Any] = {}
        for key, child in node.items:
            value = _render(child, current, variables)
            if value is not MISSING:
                rendered[key] = value
        return rendered
    if isinstance(node, _List):
        items: list[Any] = []
        for child in node.items:
            if isinstance(child, _ForEach):
                items.extend(_for_each(child, current, variables))
                continue
            value = _render(child, current, variables)
            if value is not MISSING:
                items.append(value)
        if not items and node.items and all(isinstance(child, _ForEach) for child in node.items):
            return MISSING  # nothing to iterate: leave the list out rather than write []
        return items
    if isinstance(node, _If):
        branch = node.then if all_match(node.requirements, current, variables) else node.otherwise
        return MISSING if branch is None else _render(branch, current, variables)
    # A $forEach outside a list renders to the list of its items.
    return _for_each(node, current, variables)


def _for_each(node: _ForEach, current: Any, variables: Variables) -> list[Any]:
    values = node.path.values(current, variables)
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]  # "$forEach: .spec.containers" walks the list's items
    items: list[Any] = []
    for index, item in enumerate(values):
        scoped = {**variables, "index": _constant(index)}
        value = _render(node.template, item, scoped)
        if value is not MISSING:
            items.append(value)
    return items


def _constant(value: Any) -> Any:
    return lambda: value
