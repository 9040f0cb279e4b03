"""The protocol buffers wire format, schema-free: varints, tags, one message's fields, and scalar values.

A message is a sequence of ``(tag varint, value)`` pairs where the tag is ``field_number << 3 | wire_type``:
varint (0), 64-bit little-endian (1), length-delimited (2) and 32-bit little-endian (5). Groups (3 and 4) are
a proto2 feature Kubernetes never uses, so they are rejected. Scalar conversions follow the gogo-protobuf code
Kubernetes generates: an ``int32`` truncates the 64-bit varint (negative numbers travel as ten-byte two's
complement), ``bool`` is any non-zero varint, ``sint*`` are zigzag-encoded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, Final

VARINT: Final = 0
I64: Final = 1
LEN: Final = 2
I32: Final = 5
WIRE_TYPE_NAMES: Final = {
    0: "varint",
    1: "64-bit",
    2: "length-delimited",
    3: "start-group",
    4: "end-group",
    5: "32-bit",
}

_U64: Final = (1 << 64) - 1

# Scalar proto type -> the wire type it travels as (unpacked).
SCALAR_WIRE_TYPES: Final[dict[str, int]] = {
    "int32": VARINT,
    "int64": VARINT,
    "uint32": VARINT,
    "uint64": VARINT,
    "sint32": VARINT,
    "sint64": VARINT,
    "bool": VARINT,
    "fixed64": I64,
    "sfixed64": I64,
    "double": I64,
    "fixed32": I32,
    "sfixed32": I32,
    "float": I32,
    "string": LEN,
    "bytes": LEN,
}
_INT_RANGES: Final[dict[str, tuple[int, int]]] = {
    "int32": (-(1 << 31), (1 << 31) - 1),
    "sint32": (-(1 << 31), (1 << 31) - 1),
    "sfixed32": (-(1 << 31), (1 << 31) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1),
    "sint64": (-(1 << 63), (1 << 63) - 1),
    "sfixed64": (-(1 << 63), (1 << 63) - 1),
    "uint32": (0, (1 << 32) - 1),
    "fixed32": (0, (1 << 32) - 1),
    "uint64": (0, _U64),
    "fixed64": (0, _U64),
}


class ProtobufDecodeError(ValueError):
    """The body is not a valid Kubernetes protobuf encoding; the API server answers 400 BadRequest."""


class ProtobufEncodeError(ValueError):
    """The object cannot be carried by protobuf (a field its message lacks, a value of the wrong type)."""


def wire_type_name(wire_type: int) -> str:
    return f"{wire_type} ({WIRE_TYPE_NAMES.get(wire_type, 'invalid')})"


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it; like gogo, at most ten bytes, kept to 64 bits."""
    result = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise ProtobufDecodeError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _U64, pos
    raise ProtobufDecodeError("varint longer than ten bytes")


def iter_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field number, wire type, value)``: an int for varint and fixed-width values, bytes for LEN."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0 or number > 0x1FFFFFFF:
            raise ProtobufDecodeError(f"invalid field number {number}")
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
            yield number, wire_type, value
        elif wire_type == LEN:
            length, pos = read_varint(data, pos)
            if length > end - pos:
                raise ProtobufDecodeError(f"field {number}: length {length} runs past the end of the message")
            yield number, wire_type, data[pos : pos + length]
            pos += length
        elif wire_type in (I64, I32):
            size = 8 if wire_type == I64 else 4
            if size > end - pos:
                raise ProtobufDecodeError(f"field {number}: truncated {size * 8}-bit value")
            yield number, wire_type, int.from_bytes(data[pos : pos + size], "little")
            pos += size
        elif wire_type in (3, 4):
            raise ProtobufDecodeError(f"field {number}: groups (wire type {wire_type}) are not supported")
        else:
            raise ProtobufDecodeError(f"field {number}: invalid wire type {wire_type}")


def decode_scalar(type_: str, wire_type: int, value: int | bytes) -> Any:
    """One scalar's Python value: int, float, bool, bytes, or str (bad UTF-8 replaced, as Go's JSON does)."""
    expected = SCALAR_WIRE_TYPES[type_]
    if wire_type != expected:
        raise ProtobufDecodeError(
            f"wire type {wire_type_name(wire_type)}, expected {wire_type_name(expected)} for {type_}"
        )
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace") if type_ == "string" else value
    return _from_integer(type_, value)


def unpack(type_: str, payload: bytes) -> list[Any]:
    """The values of a packed repeated numeric field (proto3's default, accepted in proto2 too)."""
    wire_type = SCALAR_WIRE_TYPES[type_]
    values: list[Any] = []
    pos = 0
    if wire_type == VARINT:
        while pos < len(payload):
            raw, pos = read_varint(payload, pos)
            values.append(_from_integer(type_, raw))
        return values
    size = 8 if wire_type == I64 else 4
    if len(payload) % size:
        raise ProtobufDecodeError(f"packed {type_} payload of {len(payload)} bytes")
    return [
        _from_integer(type_, int.from_bytes(payload[i : i + size], "little"))
        for i in range(0, len(payload), size)
    ]


def is_packable(type_: str) -> bool:
    return SCALAR_WIRE_TYPES[type_] != LEN


def _from_integer(type_: str, raw: int) -> Any:
    if type_ in ("int64", "sfixed64"):
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    if type_ in ("int32", "sfixed32"):
        raw &= 0xFFFFFFFF
        return raw - (1 << 32) if raw >= 1 << 31 else raw
    if type_ in ("uint32", "fixed32"):
        return raw & 0xFFFFFFFF
    if type_ in ("uint64", "fixed64"):
        return raw
    if type_ == "sint64":
        return (raw >> 1) ^ -(raw & 1)
    if type_ == "sint32":
        raw &= 0xFFFFFFFF
        return (raw >> 1) ^ -(raw & 1)
    if type_ == "bool":
        return raw != 0
    if type_ == "double":
        return struct.unpack("<d", raw.to_bytes(8, "little"))[0]
    if type_ == "float":
        return struct.unpack("<f", raw.to_bytes(4, "little"))[0]
    raise AssertionError(type_)


# --- writing -----------------------------------------------------------------------------------------------


def varint(value: int) -> bytes:
    out = bytearray()
    value &= _U64
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def length_delimited(number: int, payload: bytes) -> bytes:
    return tag(number, LEN) + varint(len(payload)) + payload


def encode_scalar(number: int, type_: str, value: Any) -> bytes:
    """One field holding ``value``, already of the right Python type (see ``check_scalar``)."""
    if type_ == "string":
        return length_delimited(number, value.encode("utf-8"))
    if type_ == "bytes":
        return length_delimited(number, value)
    if type_ == "bool":
        return tag(number, VARINT) + (b"\x01" if value else b"\x00")
    if type_ in ("sint32", "sint64"):
        return tag(number, VARINT) + varint((value << 1) ^ (value >> 63))
    if type_ in ("int32", "int64", "uint32", "uint64"):
        return tag(number, VARINT) + varint(value)  # negatives: ten-byte two's complement, as Go writes them
    if type_ in ("double", "float"):
        packed: bytes = struct.pack("<d" if type_ == "double" else "<f", value)
        return tag(number, SCALAR_WIRE_TYPES[type_]) + packed
    size = 8 if SCALAR_WIRE_TYPES[type_] == I64 else 4
    fixed: int = value & ((1 << size * 8) - 1)  # sfixed: two's complement
    return tag(number, SCALAR_WIRE_TYPES[type_]) + fixed.to_bytes(size, "little")


def check_scalar(type_: str, value: Any) -> str | None:
    """Why ``value`` cannot be written as ``type_``, or None when it can."""
    if type_ == "string":
        if not isinstance(value, str):
            return f"expected a string, got {type(value).__name__}"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "string is not valid Unicode"
        return None
    if type_ == "bytes":
        return None if isinstance(value, bytes) else f"expected bytes, got {type(value).__name__}"
    if type_ == "bool":
        return None if isinstance(value, bool) else f"expected a boolean, got {type(value).__name__}"
    if type_ in ("double", "float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"expected a number, got {type(value).__name__}"
    if not isinstance(value, int) or isinstance(value, bool):
        return f"expected an integer, got {type(value).__name__}"
    low, high = _INT_RANGES[type_]
    return None if low <= value <= high else f"{value} is out of range for {type_}"
