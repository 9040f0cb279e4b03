"""Kubernetes protobuf bodies (``application/vnd.kubernetes.protobuf``) to and from JSON-shaped dicts.

Since client-go 1.32, kubectl's typed clients send protobuf for create, update and delete (wire-notes §5.2):
``kubectl create deployment|configmap|secret|...``, ``auth can-i``, ``auth whoami``, ``create token``, the
DeleteOptions of ``drain --disable-eviction``. A body is the magic ``k8s\\x00`` and a ``runtime.Unknown``
envelope: ``1 typeMeta{1 apiVersion, 2 kind}``, ``2 raw`` (the kind's own message), ``3 contentEncoding``,
``4 contentType``.

Design: ONE generic proto2 codec driven by data, no code per kind. ``protobuf_schema`` loads the tables that
``hack/gen_protobuf_fields.py`` generated (which message each apiVersion/kind is, every message's fields with
their JSON names), ``protobuf_wire`` reads and writes the wire format, ``protobuf_forms`` the time texts. The
decoder yields exactly the object upstream's JSON encoding of the decoded Go struct would show, so the API
server handles it like a JSON body:

* Field names are JSON names; a struct embedded inline in Go (``Volume.volumeSource``) merges into its parent.
* proto2 carries every non-pointer scalar, zero or not (``generateName: ""``, ``generation: 0``). Zero values
  are dropped, as ``omitempty`` drops them, except for fields whose zero the JSON keeps: Go pointers
  (``replicas: 0``, ``gracePeriodSeconds: 0``, ``automountServiceAccountToken: false``) and json tags without
  ``omitempty`` (``allowed: false``). Empty lists and maps are dropped. A nested message on the wire is kept
  even when empty: Go never omits a struct (kubectl's own JSON carries ``"strategy": {}``) and a pointer is on
  the wire only when set (``emptyDir: {}`` must survive).
* Special JSON forms (apimachinery's ``MarshalJSON``): ``Time`` -> ``2024-01-02T03:04:05Z`` (zero: absent),
  ``MicroTime`` -> ``...05.000000Z``, ``Duration`` -> ``1h0m0s``, ``Quantity`` -> its string,
  ``IntOrString`` -> int or string, ``RawExtension``/``FieldsV1`` -> the parsed JSON of raw (a nested
  ``k8s\\x00`` body is decoded recursively), ``bytes`` -> base64, Go named slices (``ExtraValue``) -> a list.
* Unknown field numbers are skipped (forward compatibility); a repeated optional field keeps the last value
  and a repeated message field merges, as proto2 says. Packed and unpacked repeated scalars are both read.
* Strings with invalid UTF-8 get U+FFFD, as Go's JSON encoder writes them.

Any malformed input raises ``ProtobufDecodeError`` (a ``ValueError``; the API server answers 400 BadRequest)
naming the message type and field; no IndexError or UnicodeDecodeError escapes. ``encode_body`` is the
inverse, from the same tables; it raises ``ProtobufEncodeError`` for keys the message lacks or values of the
wrong type.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from typing import Any, Final

import orjson

from pinnace.api import protobuf_forms as forms
from pinnace.api.protobuf_schema import FieldSpec, MessageSpec, Schema, load_schema
from pinnace.api.protobuf_wire import (
    LEN,
    SCALAR_WIRE_TYPES,
    ProtobufDecodeError,
    ProtobufEncodeError,
    check_scalar,
    decode_scalar,
    encode_scalar,
    is_packable,
    iter_fields,
    length_delimited,
    unpack,
    wire_type_name,
)

__all__ = [
    "CONTENT_TYPE",
    "MAGIC",
    "ProtobufDecodeError",
    "ProtobufEncodeError",
    "decode_body",
    "encode_body",
]

CONTENT_TYPE: Final = "application/vnd.kubernetes.protobuf"
MAGIC: Final = b"k8s\x00"
# Deeper than any Kubernetes type nests; bounds recursion on hostile input (RawExtension in RawExtension).
MAX_DEPTH: Final = 100


class _Absent:
    """A decoded value that has no JSON form (a zero Time, an empty RawExtension): the key is left out."""


_ABSENT: Final = _Absent()
Occurrences = list[tuple[int, int | bytes]]  # (wire type, value) per occurrence of one field number


def decode_body(body: bytes) -> dict[str, Any]:
    """The JSON-shaped object of a ``k8s\\x00`` protobuf body, with ``apiVersion`` and ``kind`` set."""
    return _decode_body(load_schema(), bytes(body), 0)


def encode_body(obj: Mapping[str, Any]) -> bytes:
    """The ``k8s\\x00`` protobuf body of a JSON-shaped object carrying ``apiVersion`` and ``kind``."""
    schema = load_schema()
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        raise ProtobufEncodeError("protobuf: the object needs string apiVersion and kind")
    message = schema.kind_message(api_version, kind)
    if message is None:
        raise ProtobufEncodeError(f'protobuf: no kind "{kind}" is registered for version "{api_version}"')
    body = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")}
    raw = _Encoder(schema).message(message, body, "", check_keys=True)
    type_meta = encode_scalar(1, "string", api_version) + encode_scalar(2, "string", kind)
    # runtime.Unknown as upstream's protobuf serializer writes it: every field, the last two empty.
    envelope = length_delimited(1, type_meta) + length_delimited(2, raw) + length_delimited(3, b"")
    return MAGIC + envelope + length_delimited(4, b"")


# --- decoding ----------------------------------------------------------------------------------------------


def _decode_body(schema: Schema, body: bytes, depth: int) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise ProtobufDecodeError(
            "protobuf: the body does not start with the Kubernetes protobuf magic k8s\\x00"
        )
    api_version, kind, raw = _read_envelope(body[len(MAGIC) :])
    if not kind:
        raise ProtobufDecodeError("protobuf: Object 'Kind' is missing in the runtime.Unknown envelope")
    if not api_version:
        raise ProtobufDecodeError(f"protobuf: Object 'apiVersion' is missing for kind {kind!r}")
    message = schema.kind_message(api_version, kind)
    if message is None:
        raise ProtobufDecodeError(f'protobuf: no kind "{kind}" is registered for version "{api_version}"')
    decoded = _Decoder(schema).message(message, raw, "", depth + 1)
    if not isinstance(decoded, dict):
        raise ProtobufDecodeError(f"protobuf: {message.name} is not an object kind")
    return {"apiVersion": api_version, "kind": kind, **decoded}


def _read_envelope(data: bytes) -> tuple[str, str, bytes]:
    """runtime.Unknown -> (apiVersion, kind, raw); k8s.io/apimachinery/pkg/runtime/generated.proto."""
    fields: dict[int, bytes] = {}
    type_meta: dict[int, str] = {}
    try:
        for number, wire_type, value in iter_fields(data):
            if number in (1, 2, 3, 4):
                if not isinstance(value, bytes):
                    expected = wire_type_name(LEN)
                    raise ProtobufDecodeError(
                        f"field {number}: wire type {wire_type_name(wire_type)}, expected {expected}"
                    )
                fields[number] = value
        for number, wire_type, value in iter_fields(fields.get(1, b"")):  # TypeMeta{1 apiVersion, 2 kind}
            if number in (1, 2):
                type_meta[number] = decode_scalar("string", wire_type, value)
    except ProtobufDecodeError as err:
        raise ProtobufDecodeError(f"protobuf: invalid runtime.Unknown envelope: {err}") from None
    if fields.get(3):
        # Upstream never compresses these bodies; raw would not be the message.
        encoding = fields[3].decode("utf-8", errors="replace")
        raise ProtobufDecodeError(f"protobuf: unsupported contentEncoding {encoding!r}")
    return type_meta.get(1, ""), type_meta.get(2, ""), fields.get(2, b"")


class _Decoder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def message(self, message: MessageSpec, data: bytes, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtobufDecodeError(f"protobuf: {message.name}{_at(path)}: nested deeper than {MAX_DEPTH}")
        occurrences: dict[int, Occurrences] = {}
        try:
            for number, wire_type, value in iter_fields(data):
                if number in message.by_number:  # unknown numbers are skipped, as proto2 does
                    occurrences.setdefault(number, []).append((wire_type, value))
        except ProtobufDecodeError as err:
            raise ProtobufDecodeError(f"protobuf: invalid {message.name}{_at(path)}: {err}") from None
        if message.form is not None:
            return self.form(message, occurrences, path, depth)
        out: dict[str, Any] = {}
        for spec in message.fields:
            if spec.number not in occurrences:
                continue
            value = self.field(message, spec, occurrences[spec.number], path, depth)
            if value is _ABSENT:
                continue
            if spec.json_name:
                out[spec.json_name] = value
            else:  # embedded inline: Go's JSON flattens it into the parent object
                out.update(value)
        return out

    def field(self, message: MessageSpec, spec: FieldSpec, found: Occurrences, path: str, depth: int) -> Any:
        here = _join(path, spec.json_name)
        if spec.label == "map":
            entries = {}
            for wire_type, value in found:
                payload = self.payload(message, spec, wire_type, value, path)
                key, item = self.map_entry(message, spec, payload, path, depth)
                entries[key] = item
            return entries or _ABSENT
        if spec.label == "repeated":
            items: list[Any] = []
            for wire_type, value in found:
                if not spec.is_scalar:
                    payload = self.payload(message, spec, wire_type, value, path)
                    item = self.message(
                        self.schema.message(spec.type), payload, f"{here}[{len(items)}]", depth + 1
                    )
                    items.append(None if item is _ABSENT else item)
                elif isinstance(value, bytes) and is_packable(spec.type):
                    items += [_json_scalar(spec.type, v) for v in self.scalars(message, spec, value, path)]
                else:
                    items.append(_json_scalar(spec.type, self.scalar(message, spec, wire_type, value, path)))
            return items or _ABSENT
        if spec.is_scalar:
            wire_type, value = found[-1]  # proto2: the last value wins
            scalar = self.scalar(message, spec, wire_type, value, path)
            if not scalar and not spec.keep_zero:
                return _ABSENT
            return _json_scalar(spec.type, scalar)
        # proto2 merges every occurrence of a message field: decoding the concatenation does exactly that.
        payload = b"".join(self.payload(message, spec, wire_type, value, path) for wire_type, value in found)
        return self.message(self.schema.message(spec.type), payload, here, depth + 1)

    def map_entry(
        self, message: MessageSpec, spec: FieldSpec, data: bytes, path: str, depth: int
    ) -> tuple[str, Any]:
        """A map entry is a message ``{1 key, 2 value}``; a missing key or value is its zero value."""
        key: Any = "" if spec.key_type == "string" else 0
        value: Any = None
        parts: list[bytes] = []
        try:
            for number, wire_type, raw in iter_fields(data):
                if number == 1:
                    key = decode_scalar(spec.key_type, wire_type, raw)
                elif number == 2 and spec.is_scalar:
                    value = decode_scalar(spec.type, wire_type, raw)
                elif number == 2:
                    if not isinstance(raw, bytes):
                        expected = wire_type_name(LEN)
                        raise ProtobufDecodeError(
                            f"value: wire type {wire_type_name(wire_type)}, expected {expected}"
                        )
                    parts.append(raw)
        except ProtobufDecodeError as err:
            raise ProtobufDecodeError(f"{_context(message, spec, path)}: map entry: {err}") from None
        key = key if isinstance(key, str) else str(key).lower()  # JSON object keys are strings
        if spec.is_scalar:
            return key, _json_scalar(spec.type, _zero(spec.type) if value is None else value)
        here = f"{_join(path, spec.json_name)}[{key}]"
        item = self.message(self.schema.message(spec.type), b"".join(parts), here, depth + 1)
        return key, None if item is _ABSENT else item

    def form(self, message: MessageSpec, found: dict[int, Occurrences], path: str, depth: int) -> Any:
        """A message with a special JSON form; its fields are scalars, read as native Python values."""
        values: dict[int, Any] = {}
        for spec in message.fields:
            occurrences = found.get(spec.number)
            if not occurrences:
                continue
            if not spec.is_scalar:
                raise ProtobufDecodeError(
                    f"{_context(message, spec, path)}: a {message.form} must hold scalars"
                )
            if spec.label == "optional":
                values[spec.number] = self.scalar(message, spec, *occurrences[-1], path)
            else:
                values[spec.number] = [
                    v
                    for wire_type, value in occurrences
                    for v in (
                        self.scalars(message, spec, value, path)
                        if isinstance(value, bytes) and is_packable(spec.type)
                        else [self.scalar(message, spec, wire_type, value, path)]
                    )
                ]
        try:
            return _decode_form(self.schema, message, values, depth)
        except ProtobufDecodeError:
            raise  # from a nested body in a RawExtension, already described
        except ValueError as err:
            raise ProtobufDecodeError(f"protobuf: invalid {message.name}{_at(path)}: {err}") from None

    def payload(
        self, message: MessageSpec, spec: FieldSpec, wire_type: int, value: int | bytes, path: str
    ) -> bytes:
        if not isinstance(value, bytes):
            raise ProtobufDecodeError(
                f"{_context(message, spec, path)}: wire type {wire_type_name(wire_type)}, "
                f"expected {wire_type_name(LEN)} for {spec.type}"
            )
        return value

    def scalar(
        self, message: MessageSpec, spec: FieldSpec, wire_type: int, value: int | bytes, path: str
    ) -> Any:
        try:
            scalar = decode_scalar(spec.type, wire_type, value)
        except ProtobufDecodeError as err:
            raise ProtobufDecodeError(f"{_context(message, spec, path)}: {err}") from None
        if isinstance(scalar, float) and not math.isfinite(scalar):  # Go's JSON encoder refuses them too
            raise ProtobufDecodeError(f"{_context(message, spec, path)}: {scalar} has no JSON form")
        return scalar

    def scalars(self, message: MessageSpec, spec: FieldSpec, value: bytes, path: str) -> list[Any]:
        """A packed run of numbers (what proto3 writes; proto2 readers accept it too)."""
        try:
            return unpack(spec.type, value)
        except ProtobufDecodeError as err:
            raise ProtobufDecodeError(f"{_context(message, spec, path)}: {err}") from None


def _decode_form(schema: Schema, message: MessageSpec, values: dict[int, Any], depth: int) -> Any:
    """Field numbers as in apimachinery's generated.proto for each form (see the schema's ``forms``)."""
    form = message.form
    if form == "time":
        seconds, nanos = values.get(1, 0), values.get(2, 0)
        # An empty or zero Time is unset (metav1.Time.IsZero: JSON null); Time keeps whole seconds.
        return _ABSENT if seconds == 0 and nanos == 0 else forms.format_time(seconds)
    if form == "microtime":
        seconds, nanos = values.get(1, 0), values.get(2, 0)
        return _ABSENT if seconds == 0 and nanos == 0 else forms.format_micro_time(seconds, nanos)
    if form == "duration":
        return forms.format_duration(values.get(1, 0))
    if form == "quantity":
        return values.get(1, "0")  # an unset Quantity is zero, which Go writes as "0"
    if form == "intorstring":
        kind = values.get(1, 0)
        if kind == 0:
            return values.get(2, 0)
        if kind == 1:
            return values.get(3, "")
        raise ValueError(f"IntOrString type {kind} is neither 0 (int) nor 1 (string)")
    if form == "rawjson":
        raw: bytes = next(iter(values.values()), b"")
        if not raw:
            return _ABSENT  # RawExtension.MarshalJSON writes null for no bytes
        if raw.startswith(MAGIC):  # an object embedded by the protobuf serializer itself
            return _decode_body(schema, raw, depth)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            raise ValueError(f"raw is not JSON: {err}") from None
    if form == "list":
        return values.get(1, [])
    raise AssertionError(form)


def _json_scalar(type_: str, value: Any) -> Any:
    return base64.b64encode(value).decode("ascii") if type_ == "bytes" else value


def _zero(type_: str) -> Any:
    return {"string": "", "bytes": b"", "bool": False, "double": 0.0, "float": 0.0}.get(type_, 0)


def _context(message: MessageSpec, spec: FieldSpec, path: str) -> str:
    name = spec.json_name or "inline"
    return f'protobuf: invalid {message.name} field {spec.number} "{name}"{_at(path)}'


def _at(path: str) -> str:
    return f" at {path}" if path else ""


def _join(path: str, name: str) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name


# --- encoding ----------------------------------------------------------------------------------------------


class _Encoder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def message(self, message: MessageSpec, value: Any, path: str, check_keys: bool = True) -> bytes:
        if message.form is not None:
            return self.fields(message, self.form(message, value, path), path)
        if not isinstance(value, Mapping):
            raise ProtobufEncodeError(
                f"protobuf: {path or message.name}: expected an object for {message.name}"
            )
        if check_keys:
            unknown = sorted(set(value) - self.schema.json_names(message))
            if unknown:
                where = _join(path, unknown[0])
                raise ProtobufEncodeError(f'protobuf: {where}: {message.name} has no field "{unknown[0]}"')
        out = bytearray()
        for spec in message.fields:
            if not spec.json_name:  # inline: the embedded struct reads its keys from this same object
                nested = self.message(self.schema.message(spec.type), value, path, check_keys=False)
                out += length_delimited(spec.number, nested)
                continue
            item = value.get(spec.json_name)
            if item is not None:
                out += self.field(spec, item, _join(path, spec.json_name))
        return bytes(out)

    def field(self, spec: FieldSpec, value: Any, path: str) -> bytes:
        if spec.label == "optional":
            return self.single(spec.number, spec.type, value, path)
        if spec.label == "repeated":
            if not isinstance(value, list):
                raise ProtobufEncodeError(f"protobuf: {path}: expected a list, got {type(value).__name__}")
            return b"".join(
                self.single(spec.number, spec.type, item, f"{path}[{i}]") for i, item in enumerate(value)
            )
        if not isinstance(value, Mapping):
            raise ProtobufEncodeError(f"protobuf: {path}: expected an object, got {type(value).__name__}")
        out = bytearray()
        for key in sorted(value):  # gogo writes map entries sorted by key
            entry = self.single(1, spec.key_type, key, path) + self.single(
                2, spec.type, value[key], f"{path}[{key}]"
            )
            out += length_delimited(spec.number, entry)
        return bytes(out)

    def single(self, number: int, type_: str, value: Any, path: str) -> bytes:
        if type_ not in SCALAR_WIRE_TYPES:
            nested = self.message(self.schema.message(type_), value, path) if value is not None else b""
            return length_delimited(number, nested)
        native = value
        if type_ == "bytes":
            if not isinstance(value, str):
                raise ProtobufEncodeError(
                    f"protobuf: {path}: expected a base64 string, got {type(value).__name__}"
                )
            try:
                native = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ProtobufEncodeError(f"protobuf: {path}: {value!r} is not base64") from None
        problem = check_scalar(type_, native)
        if problem:
            raise ProtobufEncodeError(f"protobuf: {path}: {problem}")
        return encode_scalar(number, type_, native)

    def form(self, message: MessageSpec, value: Any, path: str) -> dict[int, Any]:
        try:
            return _encode_form(message, value)
        except (ValueError, TypeError) as err:
            raise ProtobufEncodeError(f"protobuf: {path or message.name}: {err}") from None

    def fields(self, message: MessageSpec, values: dict[int, Any], path: str) -> bytes:
        out = bytearray()
        for spec in message.fields:
            if spec.number not in values:
                continue
            items = values[spec.number] if spec.label == "repeated" else [values[spec.number]]
            for item in items:
                problem = check_scalar(spec.type, item)
                if problem:
                    raise ProtobufEncodeError(f"protobuf: {path or message.name}: {problem}")
                out += encode_scalar(spec.number, spec.type, item)
        return bytes(out)


def _encode_form(message: MessageSpec, value: Any) -> dict[int, Any]:
    form = message.form
    if form in ("time", "microtime"):
        if not isinstance(value, str):
            raise TypeError(f"expected an RFC 3339 time string, got {type(value).__name__}")
        seconds, nanos = forms.parse_time(value)
        return {1: seconds, 2: nanos}
    if form == "duration":
        if not isinstance(value, str):
            raise TypeError(f"expected a duration string, got {type(value).__name__}")
        return {1: forms.parse_duration(value)}
    if form == "quantity":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError(f"expected a quantity, got {type(value).__name__}")
        return {1: value if isinstance(value, str) else orjson.dumps(value).decode()}
    if form == "intorstring":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"expected an integer or a string, got {type(value).__name__}")
        # Upstream writes all three fields (type, intVal, strVal).
        return {1: 0, 2: value, 3: ""} if isinstance(value, int) else {1: 1, 2: 0, 3: value}
    if form == "rawjson":
        try:
            return {message.fields[0].number: orjson.dumps(value)}
        except orjson.JSONEncodeError as err:
            raise ValueError(f"cannot be written as JSON: {err}") from None
    if form == "list":
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return {1: value}
    raise AssertionError(form)
