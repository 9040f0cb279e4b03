"""Field selectors: the ``fieldSelector`` query language.

Reproduces k8s.io/apimachinery v0.32 ``pkg/fields/selector.go`` (``ParseSelector``, ``EscapeValue``,
``UnescapeValue``, ``Transform``, matching) and ``pkg/fields/requirements.go``:

* terms are separated by unescaped commas and ANDed; each is ``field=value``, ``field==value`` or
  ``field!=value``, split at the first operator (the field is never unescaped, whitespace is kept);
* values escape ``\\``, ``,`` and ``=`` with a backslash; any other escape, or a bare ``,``/``=`` in a
  value, is an error;
* terms are sorted before parsing, so the first error reported and ``str()`` are deterministic;
* a missing field matches as the empty string, so ``spec.nodeName=`` selects unscheduled pods and
  ``x!=y`` selects objects without ``x``.

Which fields a kind accepts, how labels are converted and what an object's fields are is
:mod:`pinnace.api.fieldsets`' job; :meth:`FieldSelector.transform` is the hook it uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from pinnace.api.labels import Operator, SelectorParseError


def escape_value(value: str) -> str:
    """``fields.EscapeValue``: backslash-escape ``\\``, ``,`` and ``=`` for use in a field selector."""
    return re.sub(r"([\\,=])", r"\\\1", value)


def unescape_value(text: str) -> str:
    """``fields.UnescapeValue``: the literal value of a field selector's right-hand side."""
    if not any(ch in text for ch in "\\,="):
        return text
    out: list[str] = []
    in_slash = False
    for ch in text:
        if in_slash:
            if ch not in "\\,=":
                raise SelectorParseError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Upstream formats the rune with %v: its code point in decimal.
            raise SelectorParseError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise SelectorParseError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """One ANDed term (``fields.Requirement``): ``operator`` is ``Operator.EQUALS`` (``=`` and ``==``)
    or ``Operator.NOT_EQUALS``."""

    field: str
    operator: Operator
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.field, "")
        return have != self.value if self.operator is Operator.NOT_EQUALS else have == self.value

    def __str__(self) -> str:
        symbol = "!=" if self.operator is Operator.NOT_EQUALS else "="
        return f"{self.field}{symbol}{escape_value(self.value)}"


# (field, value) -> (new field, new value); raising rejects the selector. See FieldSelector.transform.
TransformFunc = Callable[[str, str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """A field selector: the AND of its requirements, in the sorted order the parser produced them.

    ``FieldSelector()`` is ``fields.Everything()``; ``matches_nothing=True`` is ``fields.Nothing()``.
    ``requirements`` is what the API server reads for index lookups (``spec.nodeName`` on pods).
    """

    requirements: tuple[FieldRequirement, ...] = ()
    matches_nothing: bool = False

    @classmethod
    def one_term_equal(cls, field: str, value: str) -> FieldSelector:
        """``fields.OneTermEqualSelector``: what a single-object watch's name becomes."""
        return cls((FieldRequirement(field, Operator.EQUALS, value),))

    @property
    def is_empty(self) -> bool:
        """``Selector.Empty()``: true when nothing is restricted (never for Nothing)."""
        return not self.matches_nothing and not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        if self.matches_nothing:
            return False
        return all(requirement.matches(fields) for requirement in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        """``RequiresExactMatch``: the value the first ``field=value`` term on ``field`` demands, if any."""
        for requirement in self.requirements:
            if requirement.operator is Operator.EQUALS and requirement.field == field:
                return requirement.value
        return None

    def transform(self, fn: TransformFunc) -> FieldSelector:
        """``Selector.Transform``: rewrite every term with ``fn``; a term turned into ``("", "")`` is dropped.

        The API server passes the kind's field label conversion, whose exception rejects the request.
        """
        if self.matches_nothing:
            return self
        kept = []
        for requirement in self.requirements:
            field, value = fn(requirement.field, requirement.value)
            if field or value:
                kept.append(FieldRequirement(field, requirement.operator, value))
        return FieldSelector(tuple(kept))

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


EVERYTHING: Final = FieldSelector()
NOTHING: Final = FieldSelector(matches_nothing=True)


def selector_from_set(fields: Mapping[str, str]) -> FieldSelector:
    """``fields.SelectorFromSet``: ``field=value`` for every pair (sorted here; Go's map order is random)."""
    return FieldSelector(tuple(FieldRequirement(f, Operator.EQUALS, v) for f, v in sorted(fields.items())))


def _split_terms(text: str) -> list[str]:
    """Split at commas not escaped by a backslash; the backslashes stay for :func:`unescape_value`."""
    if not text:
        return []
    terms = []
    start = 0
    in_slash = False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


# "!=" and "==" are tried before "=" at each position, so "a==b" does not leave "=b" as the value.
_TERM_OPERATORS: Final = (("!=", Operator.NOT_EQUALS), ("==", Operator.EQUALS), ("=", Operator.EQUALS))


def _split_term(term: str) -> tuple[str, Operator, str] | None:
    for i in range(len(term)):
        for symbol, operator in _TERM_OPERATORS:
            if term.startswith(symbol, i):
                return term[:i], operator, term[i + len(symbol) :]
    return None


def parse_field_selector(text: str) -> FieldSelector:
    """``fields.ParseSelector``: a ``fieldSelector`` query string, or :class:`SelectorParseError`.

    Empty terms are skipped, and so is a term whose field and value are both empty (``=``), as upstream's
    identity transform drops it.
    """
    requirements = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorParseError(f"invalid selector: '{text}'; can't understand '{part}'")
        field, operator, rhs = split
        value = unescape_value(rhs)
        if field or value:
            requirements.append(FieldRequirement(field, operator, value))
    return FieldSelector(tuple(requirements))
