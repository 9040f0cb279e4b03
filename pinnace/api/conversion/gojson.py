"""Go's ``encoding/json`` as the conversions need it: typed decoding, ``omitempty`` encoding, Marshal's text.

Upstream converts between API versions through typed Go structs, and some conversions write a struct into an
annotation as JSON (``autoscaling.alpha.kubernetes.io/metrics``, ...). Reproducing that output byte for byte
needs Go's rules, described here as data:

- a :class:`Struct` lists its fields in declaration order with their JSON names and ``omitempty``;
- :func:`decode` reads a JSON value as ``json.Unmarshal`` fills a fresh value of the type: keys match a field
  exactly, else case-insensitively (untagged internal types match on the Go field name); unknown keys are
  ignored; ``null`` leaves the zero value; a value of the wrong JSON type raises :class:`DecodeError`
  (upstream's conversions then drop the whole annotation);
- :func:`encode` writes the value back as ``json.Marshal`` does: fields in declaration order, ``omitempty``
  dropping ``""``, ``0``, nil pointers and nil or empty slices and maps - but never a struct, which is why a
  zero ``metav1.Time`` still shows as ``null`` and a zero ``resource.Quantity`` as ``"0"`` - and map keys
  sorted;
- :func:`marshal` is ``json.Marshal``'s compact text, with its HTML-safe escapes of ``<``, ``>`` and ``&``.

Decoded values are plain dicts holding every field, zero values included, so the conversion code reads them
as Go code reads structs: a nil pointer, slice or map is ``None``, a zero string ``""``, a zero integer ``0``.
Quantities are kept in canonical form (``CanonicalizeBytes`` of :func:`pinnace.api.quantity.parse_strict`),
the zero quantity is ``"0"``. Times (``metav1.Time``, ``metav1.MicroTime``) are kept as the string given,
``None`` when zero: they are validated when written, and re-rendering them would only change what the store
already holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pinnace.api.quantity import QuantityError, parse_strict

ScalarKind = Literal["string", "int32", "int64", "quantity", "time"]


@dataclass(frozen=True, slots=True)
class Scalar:
    """A Go value that JSON writes as a string or number: ``string``, ``int32``, ``int64``, Quantity, Time."""

    kind: ScalarKind


@dataclass(frozen=True, slots=True)
class Ptr:
    """``*T``: ``None`` when nil."""

    elem: GoType


@dataclass(frozen=True, slots=True)
class Slice:
    """``[]T``: ``None`` when nil, which Go writes as ``null`` (an empty slice is ``[]``)."""

    elem: GoType


@dataclass(frozen=True, slots=True)
class StringMap:
    """``map[string]string``: ``None`` when nil; written with sorted keys."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    """The JSON name: the ``json`` tag, or the Go field name for untagged (internal) types."""
    type: GoType
    omitempty: bool = False


@dataclass(frozen=True, slots=True)
class Struct:
    name: str
    """The Go type name, for error messages."""
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field | None:
        """The field a JSON key fills: an exact match, else a case-insensitive one (``encoding/json``)."""
        for candidate in self.fields:
            if candidate.name == key:
                return candidate
        folded = key.casefold()
        for candidate in self.fields:
            if candidate.name.casefold() == folded:
                return candidate
        return None


GoType = Scalar | Ptr | Slice | StringMap | Struct

STRING = Scalar("string")
INT32 = Scalar("int32")
INT64 = Scalar("int64")
QUANTITY = Scalar("quantity")
TIME = Scalar("time")

_INT_BOUNDS = {"int32": 2**31, "int64": 2**63}


class DecodeError(ValueError):
    """A JSON value ``json.Unmarshal`` would refuse for the Go type (``*json.UnmarshalTypeError`` and kin)."""


def go_type_name(go_type: GoType) -> str:
    """The type as Go spells it in ``UnmarshalTypeError`` messages."""
    match go_type:
        case Scalar(kind="quantity"):
            return "resource.Quantity"
        case Scalar(kind="time"):
            return "v1.Time"
        case Scalar(kind=kind):
            return kind
        case Ptr(elem=elem):
            return "*" + go_type_name(elem)
        case Slice(elem=elem):
            return "[]" + go_type_name(elem)
        case StringMap():
            return "map[string]string"
        case Struct(name=name):
            return name


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _mismatch(value: Any, go_type: GoType, where: str) -> DecodeError:
    place = f" into Go struct field {where}" if where else " into Go value"
    return DecodeError(f"json: cannot unmarshal {_json_type(value)}{place} of type {go_type_name(go_type)}")


def zero(go_type: GoType) -> Any:
    """The zero value of the type, as a decoded value."""
    match go_type:
        case Scalar(kind="string"):
            return ""
        case Scalar(kind="int32" | "int64"):
            return 0
        case Scalar(kind="quantity"):
            return "0"
        case Struct(fields=fields):
            return {field.name: zero(field.type) for field in fields}
        case _:
            return None


def _decode_scalar(value: Any, scalar: Scalar, where: str) -> Any:
    kind = scalar.kind
    if kind in ("string", "time"):
        if isinstance(value, str):
            return value
    elif kind in _INT_BOUNDS:
        bound = _INT_BOUNDS[kind]
        if isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound:
            return value
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        # Quantity.UnmarshalJSON takes a string or a bare number, and fails on what ParseQuantity refuses.
        try:
            return parse_strict(value).canonical()
        except QuantityError as err:
            raise DecodeError(f"{where}: {err}") from err
    raise _mismatch(value, scalar, where)


def decode(value: Any, go_type: GoType, where: str = "") -> Any:
    """``value`` as ``json.Unmarshal`` reads it into a fresh ``go_type``; raises :class:`DecodeError`.

    The result shares nothing mutable with ``value``.
    """
    if value is None:
        return zero(go_type)
    match go_type:
        case Scalar():
            return _decode_scalar(value, go_type, where)
        case Ptr(elem=elem):
            return decode(value, elem, where)
        case Slice(elem=elem):
            if not isinstance(value, list):
                raise _mismatch(value, go_type, where)
            return [decode(item, elem, where) for item in value]
        case StringMap():
            if not isinstance(value, dict):
                raise _mismatch(value, go_type, where)
            decoded: dict[str, str] = {}
            for key, item in value.items():
                if item is not None and not isinstance(item, str):
                    raise _mismatch(item, STRING, where)
                decoded[key] = item or ""
            return decoded
        case Struct(name=name):
            if not isinstance(value, dict):
                raise _mismatch(value, go_type, where)
            out = zero(go_type)
            for key, item in value.items():
                field = go_type.field(key)
                if field is not None:
                    out[field.name] = decode(item, field.type, f"{where or name}.{field.name}")
            return out


def _is_empty(value: Any, go_type: GoType) -> bool:
    """``encoding/json``'s isEmptyValue: what ``omitempty`` drops. Structs are never empty."""
    match go_type:
        case Scalar(kind="string"):
            return bool(value == "")
        case Scalar(kind="int32" | "int64"):
            return bool(value == 0)
        case Scalar() | Struct():
            return False
        case Ptr():
            return value is None  # a pointer to 0 or "" is set
        case _:
            return not value


def encode(value: Any, go_type: GoType) -> Any:
    """A decoded value as the JSON value ``json.Marshal`` writes for it."""
    if value is None:
        return None
    match go_type:
        case Struct(fields=fields):
            return {
                field.name: encode(value[field.name], field.type)
                for field in fields
                if not (field.omitempty and _is_empty(value[field.name], field.type))
            }
        case Ptr(elem=elem):
            return encode(value, elem)
        case Slice(elem=elem):
            return [encode(item, elem) for item in value]
        case StringMap():
            return {key: value[key] for key in sorted(value)}
        case _:
            return value


# json.Marshal escapes these inside strings so the output is safe in HTML and JavaScript; outside strings
# they cannot occur, so replacing them in the whole text is exact.
_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def marshal(value: Any) -> str:
    """``json.Marshal``'s text for an encoded value: compact, UTF-8 kept, HTML-safe escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).translate(_HTML_SAFE)


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"invalid character {name[0]!r} looking for beginning of value")


def unmarshal(text: str) -> Any:
    """Parse JSON text as ``json.Unmarshal`` accepts it (no ``NaN``/``Infinity``); raises DecodeError."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise DecodeError(str(err)) from err
