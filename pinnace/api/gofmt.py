"""Go's ``fmt`` renderings of values, as upstream messages print them.

Reproduces Go's ``strconv.Quote`` (``%q``) and the ``%v``/``%#v`` forms apimachinery's
``k8s.io/apimachinery/pkg/util/validation/field/errors.go`` (v0.32) prints bad values with: numbers and bools
with ``%v``, strings with ``%q``, nil as ``null``, and anything else with ``%#v``. Upstream passes internal Go
structs as bad values in a few places (a ``LabelSelector``, an ``IntOrString``, a ``Quantity``), so the
``%#v`` forms of those types are rendered from the JSON dicts (the ``Quantity`` one in
:meth:`pinnace.api.quantity.Quantity.go_repr`). Go prints pointer addresses inside some structs; those cannot
be reproduced and render as ``0xc000000000``.

Shared by validation, label selectors (:mod:`pinnace.api.labels`), field sets, strict decoding and
quantities; it imports nothing else of Pinnace's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: What Go prints for a non-nil pointer nested inside a struct (the real address is unknowable).
GO_POINTER = "0xc000000000"


@dataclass(frozen=True, slots=True)
class GoValue:
    """A bad value already rendered the way Go's ``%#v`` would print the upstream Go value."""

    text: str

    def __str__(self) -> str:
        return self.text


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote``: double quotes, backslash escapes, printable runes kept as they are.

    A lone surrogate is not a rune: one carrying a byte of invalid UTF-8 (``surrogateescape``) prints as that
    byte, ``\\x80``, as Go prints the byte; any other prints as the replacement character's escape.
    """
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_float(value: float) -> str:
    """``%v`` of a float64: the shortest representation, exponent form from 1e21 upwards."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def render(value: Any) -> str:
    """The bad value as ``ErrorBody`` prints it (without the type prefix)."""
    if value is None:
        return "null"
    if isinstance(value, GoValue):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        return go_string_map(value).text
    if isinstance(value, list | tuple):
        return go_string_slice([str(v) for v in value]).text
    return str(value)


def go_string_map(m: Mapping[str, Any] | None, type_name: str = "map[string]string") -> GoValue:
    """``%#v`` of a ``map[string]string``: keys sorted, ``nil`` maps printed as ``map[string]string(nil)``."""
    if m is None:
        return GoValue(f"{type_name}(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(m[k]))}" for k in sorted(m))
    return GoValue(f"{type_name}{{{items}}}")


def go_string_slice(items: Iterable[str] | None, type_name: str = "[]string") -> GoValue:
    """``%#v`` of a slice of strings (or of a named string type)."""
    if items is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(f"{type_name}{{{', '.join(go_quote(i) for i in items)}}}")


def go_int_or_string(value: Any) -> GoValue:
    """``%#v`` of an ``intstr.IntOrString`` value (upstream passes it by value, so no ``String()``)."""
    if isinstance(value, str):
        return GoValue(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')


def go_label_selector(selector: Mapping[str, Any] | None) -> GoValue:
    """``%#v`` of a ``metav1.LabelSelector`` (a nil pointer prints as ``null``)."""
    if selector is None:
        return GoValue("null")
    match_labels = selector.get("matchLabels")
    labels = go_string_map(match_labels if isinstance(match_labels, Mapping) else None).text
    exprs = selector.get("matchExpressions")
    if not isinstance(exprs, list):
        expressions = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for expr in exprs:
            e = expr if isinstance(expr, Mapping) else {}
            values = e.get("values")
            rendered = go_string_slice([str(v) for v in values] if isinstance(values, list) else None).text
            parts.append(
                f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key') or ''))}, "
                f"Operator:{go_quote(str(e.get('operator') or ''))}, Values:{rendered}}}"
            )
        expressions = f"[]v1.LabelSelectorRequirement{{{', '.join(parts)}}}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{expressions}}}")


def go_pointer(type_name: str, present: bool) -> str:
    """``%#v`` of a pointer field nested in a struct: ``(*T)(nil)`` or an (unknowable) address."""
    return f"(*{type_name})({GO_POINTER if present else 'nil'})"
