"""Label selectors: the ``labelSelector`` query language and ``metav1.LabelSelector`` objects.

Reproduces k8s.io/apimachinery v0.32 (Kubernetes 1.32):

* ``pkg/labels/selector.go``: the byte lexer and recursive-descent parser of ``labelSelector`` strings,
  ``NewRequirement``'s validation, ``Requirement.Matches`` and the canonical ``String()`` (requirements
  sorted by key, several values sorted and joined by commas);
* ``pkg/selection/operator.go``: the operator vocabulary, shared with field selectors;
* ``pkg/apis/meta/v1/helpers.go``: ``LabelSelectorAsSelector`` (a nil selector matches nothing, an empty
  one everything) and ``FormatLabelSelector`` (what ``kubectl describe`` prints);
* ``pkg/util/validation/field/errors.go`` plus ``pkg/util/errors/errors.go`` (``field.Error`` and
  aggregate wording), so every :class:`SelectorParseError` reads exactly as the API server's 400 message.

Keys and values are checked with ``IsQualifiedName`` and ``IsValidLabelValue`` from :mod:`pinnace.api.names`
and quoted with :func:`pinnace.api.gofmt.go_quote`, the ones validation uses, so messages measure UTF-8 bytes
and quote as Go does for non-ASCII input too. Validation's ``LabelSelectorAsSelector`` and the printers'
``FormatLabelSelector`` are :func:`from_label_selector_object` and :func:`format_label_selector` here.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pinnace.api.gofmt import go_quote, go_string_slice
from pinnace.api.names import is_qualified_name, is_valid_label_value


class SelectorParseError(ValueError):
    """A selector string or object upstream rejects; ``str(err)`` is upstream's error message verbatim."""


class Operator(enum.StrEnum):
    """``selection.Operator``: how a requirement relates a label key (or a field) to its values."""

    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    IN = "in"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    EXISTS = "exists"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


# The order upstream lists them in "expected: ..." messages (selector.go binaryOperators).
_BINARY_OPERATORS: Final = (
    Operator.IN,
    Operator.NOT_IN,
    Operator.EQUALS,
    Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
)


# Error wording (field.Error, utilerrors aggregates) ------------------------------------------------------


def _invalid(path: str, bad_value: str, detail: str) -> str:
    """``field.Invalid(path, value, detail).Error()``; ``bad_value`` is already formatted."""
    return (
        f"{path}: Invalid value: {bad_value}: {detail}" if detail else f"{path}: Invalid value: {bad_value}"
    )


def _aggregate(messages: Sequence[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message as is, several de-duplicated in brackets."""
    if len(messages) == 1:
        return messages[0]
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _label_key_error(key: str, path: str) -> str | None:
    errs = is_qualified_name(key)
    return _invalid(path, go_quote(key), "; ".join(errs)) if errs else None


_INT64_RE: Final = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``, or None where Go returns an error."""
    if not _INT64_RE.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


# Requirements and selectors --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelRequirement:
    """One ANDed term of a label selector (``labels.Requirement``).

    Build validated ones with :func:`new_requirement`; ``values`` keeps the caller's order (the parser's is
    sorted and de-duplicated, a ``metav1.LabelSelector``'s is as written) and ``str()`` sorts them.
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """``Requirement.Matches``: NotIn and ``!=`` match an absent key; Gt/Lt need an integer label."""
        op = self.operator
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        # Gt / Lt: both sides must parse as int64, else no match.
        if self.key not in labels or len(self.values) != 1:
            return False
        have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op.value} ({values})"
        symbol = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, op.value)
        return f"{self.key}{symbol}{values}"


def new_requirement(key: str, operator: Operator, values: Sequence[str] | None = ()) -> LabelRequirement:
    """``labels.NewRequirement``: a validated requirement, or :class:`SelectorParseError` with every problem.

    ``values=None`` is a nil Go slice (it only shows in messages: ``[]string(nil)``).
    """
    vals = list(values or ())
    bad_values = go_string_slice(None if values is None else vals).text
    errs: list[str] = []
    if (key_error := _label_key_error(key, "key")) is not None:
        errs.append(key_error)
    if operator in (Operator.IN, Operator.NOT_IN):
        if not vals:
            errs.append(
                _invalid("values", bad_values, "for 'in', 'notin' operators, values set can't be empty")
            )
    elif operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS):
        if len(vals) != 1:
            errs.append(_invalid("values", bad_values, "exact-match compatibility requires one single value"))
    elif operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        if vals:
            errs.append(
                _invalid("values", bad_values, "values set must be empty for exists and does not exist")
            )
    else:  # Gt, Lt
        if len(vals) != 1:
            errs.append(
                _invalid("values", bad_values, "for 'Gt', 'Lt' operators, exactly one value is required")
            )
        for i, value in enumerate(vals):
            if _parse_int64(value) is None:
                errs.append(
                    _invalid(
                        f"values[{i}]",
                        go_quote(value),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    for i, value in enumerate(vals):
        if value_errs := is_valid_label_value(value):
            errs.append(_invalid(f"values[{i}][{key}]", go_quote(value), "; ".join(value_errs)))
    if errs:
        raise SelectorParseError(_aggregate(errs))
    return LabelRequirement(key, operator, tuple(vals))


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A label selector: the AND of its requirements, kept sorted by key as upstream does.

    ``LabelSelector()`` is ``labels.Everything()`` (matches every object); ``matches_nothing=True`` is
    ``labels.Nothing()``, what a nil ``metav1.LabelSelector`` converts to. Both print as ``""``.
    """

    requirements: tuple[LabelRequirement, ...] = ()
    matches_nothing: bool = False

    @property
    def is_empty(self) -> bool:
        """``Selector.Empty()``: true when the selector does not restrict anything (never for Nothing)."""
        return not self.matches_nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.matches_nothing:
            return False
        return all(requirement.matches(labels) for requirement in self.requirements)

    def add(self, *requirements: LabelRequirement) -> LabelSelector:
        """``Selector.Add``: more requirements, re-sorted by key (Nothing stays Nothing)."""
        if self.matches_nothing:
            return self
        merged = sorted((*self.requirements, *requirements), key=lambda r: r.key)
        return LabelSelector(tuple(merged))

    def requires_exact_match(self, key: str) -> str | None:
        """``RequiresExactMatch``: the one value the first requirement on ``key`` demands, if any."""
        for requirement in self.requirements:
            if requirement.key == key:
                exact = requirement.operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
                return requirement.values[0] if exact and len(requirement.values) == 1 else None
        return None

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


EVERYTHING: Final = LabelSelector()
NOTHING: Final = LabelSelector(matches_nothing=True)


def selector_from_set(labels: Mapping[str, str]) -> LabelSelector:
    """``labels.SelectorFromSet``: ``k=v`` for every pair, unvalidated; an empty set selects everything."""
    return LabelSelector(tuple(LabelRequirement(k, Operator.EQUALS, (v,)) for k, v in sorted(labels.items())))


# The labelSelector lexer and parser (selector.go) ----------------------------------------------------------


class _Token(enum.Enum):
    ERROR = enum.auto()
    END_OF_STRING = enum.auto()
    CLOSED_PAR = enum.auto()
    COMMA = enum.auto()
    DOES_NOT_EXIST = enum.auto()
    DOUBLE_EQUALS = enum.auto()
    EQUALS = enum.auto()
    GREATER_THAN = enum.auto()
    IDENTIFIER = enum.auto()
    IN = enum.auto()
    LESS_THAN = enum.auto()
    NOT_EQUALS = enum.auto()
    NOT_IN = enum.auto()
    OPEN_PAR = enum.auto()


_STRING_TO_TOKEN: Final = {
    ")": _Token.CLOSED_PAR,
    ",": _Token.COMMA,
    "!": _Token.DOES_NOT_EXIST,
    "==": _Token.DOUBLE_EQUALS,
    "=": _Token.EQUALS,
    ">": _Token.GREATER_THAN,
    "in": _Token.IN,
    "<": _Token.LESS_THAN,
    "!=": _Token.NOT_EQUALS,
    "notin": _Token.NOT_IN,
    "(": _Token.OPEN_PAR,
}
_TOKEN_TO_OPERATOR: Final = {
    _Token.IN: Operator.IN,
    _Token.EQUALS: Operator.EQUALS,
    _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Token.GREATER_THAN: Operator.GREATER_THAN,
    _Token.LESS_THAN: Operator.LESS_THAN,
    _Token.NOT_IN: Operator.NOT_IN,
    _Token.NOT_EQUALS: Operator.NOT_EQUALS,
}
_SPECIAL_SYMBOLS: Final = frozenset("=!(),><")
_WHITESPACE: Final = frozenset(" \t\r\n")
# Go's lexer reads bytes and returns 0 at the end of input, so a NUL in the text also ends a token.
_END: Final = "\0"

_Item = tuple[_Token, str]


class _Lexer:
    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def _read(self) -> str:
        if self._pos < len(self._text):
            self._pos += 1
            return self._text[self._pos - 1]
        return _END

    def _unread(self) -> None:
        self._pos -= 1

    def lex(self) -> _Item:
        ch = self._read()
        while ch in _WHITESPACE:
            ch = self._read()
        if ch == _END:
            return _Token.END_OF_STRING, ""
        self._unread()
        return self._scan_special_symbol() if ch in _SPECIAL_SYMBOLS else self._scan_id_or_keyword()

    def _scan_id_or_keyword(self) -> _Item:
        buffer: list[str] = []
        while (ch := self._read()) != _END:
            if ch in _SPECIAL_SYMBOLS or ch in _WHITESPACE:
                self._unread()
                break
            buffer.append(ch)
        literal = "".join(buffer)
        return _STRING_TO_TOKEN.get(literal, _Token.IDENTIFIER), literal

    def _scan_special_symbol(self) -> _Item:
        # Longest run of special symbols that still spells a token: "!=" and "==" win over "!" and "=".
        last: _Item | None = None
        buffer = ""
        while (ch := self._read()) != _END:
            if ch not in _SPECIAL_SYMBOLS:
                self._unread()
                break
            buffer += ch
            if buffer in _STRING_TO_TOKEN:
                last = (_STRING_TO_TOKEN[buffer], buffer)
            elif last is not None:
                self._unread()
                break
        if last is None:
            return _Token.ERROR, f"error expected: keyword found '{buffer}'"
        return last


class _Parser:
    """Upstream's parser, token for token: error messages depend on exactly which token it looks at."""

    def __init__(self, text: str) -> None:
        lexer = _Lexer(text)
        self._items: list[_Item] = []
        while True:
            item = lexer.lex()
            self._items.append(item)
            if item[0] is _Token.END_OF_STRING:
                break
        self._pos = 0

    def _at(self, index: int, values: bool) -> _Item:
        token, literal = self._items[min(index, len(self._items) - 1)]
        # In a values context "in" and "notin" are plain identifiers: "x in (in)" is valid.
        if values and token in (_Token.IN, _Token.NOT_IN):
            token = _Token.IDENTIFIER
        return token, literal

    def _lookahead(self, values: bool = True) -> _Item:
        return self._at(self._pos, values)

    def _consume(self, values: bool = True) -> _Item:
        self._pos += 1
        return self._at(self._pos - 1, values)

    def parse(self) -> list[LabelRequirement]:
        requirements: list[LabelRequirement] = []
        while True:
            token, literal = self._lookahead()
            if token is _Token.END_OF_STRING:
                return requirements
            if token not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                raise SelectorParseError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self._parse_requirement())
            except SelectorParseError as err:
                raise SelectorParseError(f"unable to parse requirement: {err}") from None
            token, literal = self._consume()
            if token is _Token.END_OF_STRING:
                return requirements
            if token is not _Token.COMMA:
                raise SelectorParseError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self._lookahead()
            if token not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                raise SelectorParseError(f"found '{literal}', expected: identifier after ','")

    def _parse_requirement(self) -> LabelRequirement:
        key, operator = self._parse_key_and_infer_operator()
        if operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self._parse_operator()
        if operator in (Operator.IN, Operator.NOT_IN):
            values = self._parse_values()
        else:
            values = self._parse_exact_value()
        return new_requirement(key, operator, sorted(values))

    def _parse_key_and_infer_operator(self) -> tuple[str, Operator | None]:
        operator: Operator | None = None
        token, literal = self._consume()
        if token is _Token.DOES_NOT_EXIST:
            operator = Operator.DOES_NOT_EXIST
            token, literal = self._consume()
        if token is not _Token.IDENTIFIER:
            raise SelectorParseError(f"found '{literal}', expected: identifier")
        # The parser's own field path is nil, which Go prints as "<nil>".
        if (key_error := _label_key_error(literal, "<nil>")) is not None:
            raise SelectorParseError(key_error)
        next_token, _ = self._lookahead()
        if next_token in (_Token.END_OF_STRING, _Token.COMMA) and operator is None:
            operator = Operator.EXISTS
        return literal, operator

    def _parse_operator(self) -> Operator:
        token, literal = self._consume(values=False)
        operator = _TOKEN_TO_OPERATOR.get(token)
        if operator is None:
            expected = ", ".join(op.value for op in _BINARY_OPERATORS)
            raise SelectorParseError(f"found '{literal}', expected: {expected}")
        return operator

    def _parse_values(self) -> set[str]:
        token, literal = self._consume()
        if token is not _Token.OPEN_PAR:
            raise SelectorParseError(f"found '{literal}' expected: '('")
        token, literal = self._lookahead()
        if token in (_Token.IDENTIFIER, _Token.COMMA):
            values = self._parse_identifiers_list()
            if self._consume()[0] is not _Token.CLOSED_PAR:
                raise SelectorParseError(f"found '{literal}', expected: ')'")
            return values
        if token is _Token.CLOSED_PAR:  # "()" is the set holding the empty string
            self._consume()
            return {""}
        raise SelectorParseError(f"found '{literal}', expected: ',', ')' or identifier")

    def _parse_identifiers_list(self) -> set[str]:
        # Empty identifiers are allowed anywhere in the list: "(,a,,)" is {"", "a"}.
        values: set[str] = set()
        while True:
            token, literal = self._consume()
            if token is _Token.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self._lookahead()
                if next_token is _Token.CLOSED_PAR:
                    return values
                if next_token is not _Token.COMMA:
                    raise SelectorParseError(f"found '{next_literal}', expected: ',' or ')'")
            elif token is _Token.COMMA:
                if not values:
                    values.add("")
                next_token, _ = self._lookahead()
                if next_token is _Token.CLOSED_PAR:
                    values.add("")
                    return values
                if next_token is _Token.COMMA:
                    self._consume()
                    values.add("")
            else:
                raise SelectorParseError(f"found '{literal}', expected: ',', or identifier")

    def _parse_exact_value(self) -> set[str]:
        token, _ = self._lookahead()
        if token in (_Token.END_OF_STRING, _Token.COMMA):  # "a=" selects the empty value
            return {""}
        token, literal = self._consume()
        if token is _Token.IDENTIFIER:
            return {literal}
        raise SelectorParseError(f"found '{literal}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """``labels.Parse``: a ``labelSelector`` query string as a selector, or :class:`SelectorParseError`.

    ``""`` (or only whitespace) selects everything.
    """
    requirements = _Parser(text).parse()
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


# metav1.LabelSelector objects (helpers.go) -----------------------------------------------------------------

_SELECTOR_OPERATORS: Final = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def from_label_selector_object(selector: Mapping[str, Any] | None) -> LabelSelector:
    """``metav1.LabelSelectorAsSelector``: None (a nil selector) matches nothing, ``{}`` everything.

    ``matchLabels`` become ``key=value`` requirements, ``matchExpressions`` In/NotIn/Exists/DoesNotExist;
    anything invalid raises :class:`SelectorParseError` with upstream's message. Upstream walks
    ``matchLabels`` in Go's random map order; this walks it sorted, so the first error reported is stable.
    """
    if selector is None:
        return NOTHING
    match_labels: Mapping[str, str] = selector.get("matchLabels") or {}
    match_expressions: Iterable[Mapping[str, Any]] = selector.get("matchExpressions") or []
    requirements = [new_requirement(k, Operator.EQUALS, [v]) for k, v in sorted(match_labels.items())]
    for expression in match_expressions:
        name = expression.get("operator") or ""
        operator = _SELECTOR_OPERATORS.get(name)
        if operator is None:
            raise SelectorParseError(f"{go_quote(str(name))} is not a valid label selector operator")
        values = expression.get("values")
        # Upstream copies the values with append([]string(nil), ...): no values is a nil slice.
        requirements.append(
            new_requirement(expression.get("key") or "", operator, list(values) if values else None)
        )
    if not requirements:
        return EVERYTHING
    return EVERYTHING.add(*requirements)


def label_selector_to_string(selector: Mapping[str, Any] | None) -> str:
    """The canonical string of a ``metav1.LabelSelector``, e.g. ``app=web,tier in (a,b)``.

    What a Scale subresource puts in ``status.selector`` (``LabelSelectorAsSelector(...).String()``);
    ``""`` for both None and ``{}``. Raises :class:`SelectorParseError` for an invalid selector.
    """
    return str(from_label_selector_object(selector))


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """``metav1.FormatLabelSelector``, what ``kubectl describe`` prints: ``<none>`` or ``<error>`` if so."""
    try:
        text = label_selector_to_string(selector)
    except SelectorParseError:
        return "<error>"
    return text or "<none>"
