"""Go's encoding/json rules the conversions depend on: omitempty, zero values, key matching, Marshal's text."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.conversion.gojson import (
    INT32,
    QUANTITY,
    STRING,
    TIME,
    DecodeError,
    Field,
    Ptr,
    Slice,
    StringMap,
    Struct,
    decode,
    encode,
    go_type_name,
    marshal,
    unmarshal,
)

INNER = Struct("Inner", (Field("name", STRING, True),))
SHAPE = Struct(
    "Shape",
    (
        Field("name", STRING),
        Field("note", STRING, True),
        Field("count", INT32, True),
        Field("limit", Ptr(INT32), True),
        Field("amount", QUANTITY),
        Field("maybe", Ptr(QUANTITY), True),
        Field("when", TIME, True),
        Field("items", Slice(STRING), True),
        Field("list", Slice(STRING)),
        Field("labels", StringMap(), True),
        Field("inner", INNER, True),
        Field("link", Ptr(INNER), True),
    ),
)

ROUND_TRIPS: list[tuple[str, Any, Any]] = [
    (
        "an empty object shows every field without omitempty, and structs even with it",
        {},
        {"name": "", "amount": "0", "when": None, "list": None, "inner": {}},
    ),
    (
        "nulls are zero values",
        {"name": None, "count": None, "limit": None, "labels": None},
        {"name": "", "amount": "0", "when": None, "list": None, "inner": {}},
    ),
    (
        "a pointer to zero is set, a zero value is empty",
        {"count": 0, "limit": 0, "note": ""},
        {"name": "", "limit": 0, "amount": "0", "when": None, "list": None, "inner": {}},
    ),
    (
        "an empty slice is omitted with omitempty and kept without",
        {"items": [], "list": []},
        {"name": "", "amount": "0", "when": None, "list": [], "inner": {}},
    ),
    (
        "map keys are sorted and fields come in declaration order",
        {"labels": {"z": "1", "a": "2"}, "link": {}, "name": "x"},
        {
            "name": "x",
            "amount": "0",
            "when": None,
            "list": None,
            "labels": {"a": "2", "z": "1"},
            "inner": {},
            "link": {},
        },
    ),
    (
        "keys match case-insensitively and unknown ones are ignored",
        {"NAME": "x", "Count": 2, "extra": True},
        {"name": "x", "count": 2, "amount": "0", "when": None, "list": None, "inner": {}},
    ),
    (
        "quantities are canonical, bare numbers included",
        {"amount": 1.5, "maybe": " 1000m "},
        {"name": "", "amount": "1500m", "maybe": "1", "when": None, "list": None, "inner": {}},
    ),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in ROUND_TRIPS], ids=[c[0] for c in ROUND_TRIPS])
def test_decode_then_encode(value: Any, expected: Any) -> None:
    assert encode(decode(value, SHAPE), SHAPE) == expected


ERRORS: list[tuple[str, Any, str]] = [
    (
        "a string for an integer",
        {"count": "2"},
        "json: cannot unmarshal string into Go struct field Shape.count of type int32",
    ),
    (
        "a fraction for an integer",
        {"count": 1.5},
        "json: cannot unmarshal number into Go struct field Shape.count of type int32",
    ),
    (
        "a boolean for an integer",
        {"count": True},
        "json: cannot unmarshal bool into Go struct field Shape.count of type int32",
    ),
    (
        "an int32 overflow",
        {"limit": 2**31},
        "json: cannot unmarshal number into Go struct field Shape.limit of type int32",
    ),
    (
        "a number for a string",
        {"name": 1},
        "json: cannot unmarshal number into Go struct field Shape.name of type string",
    ),
    (
        "a list for a struct",
        {"inner": []},
        "json: cannot unmarshal array into Go struct field Shape.inner of type Inner",
    ),
    (
        "a number in a map",
        {"labels": {"a": 1}},
        "json: cannot unmarshal number into Go struct field Shape.labels of type string",
    ),
    (
        "a list for a quantity",
        {"amount": []},
        "json: cannot unmarshal array into Go struct field Shape.amount of type resource.Quantity",
    ),
    (
        "a number for a time",
        {"when": 1},
        "json: cannot unmarshal number into Go struct field Shape.when of type v1.Time",
    ),
    (
        "a string for a slice",
        {"items": "a"},
        "json: cannot unmarshal string into Go struct field Shape.items of type []string",
    ),
    (
        "a string for a map",
        {"labels": "a"},
        "json: cannot unmarshal string into Go struct field Shape.labels of type map[string]string",
    ),
    (
        "a bad quantity",
        {"amount": "lots"},
        "Shape.amount: quantities must match the regular expression: 'lots'",
    ),
    ("a list for the object", [], "json: cannot unmarshal array into Go value of type Shape"),
]


@pytest.mark.parametrize(("value", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_decode_refuses_what_unmarshal_refuses(value: Any, message: str) -> None:
    with pytest.raises(DecodeError) as raised:
        decode(value, SHAPE)
    assert str(raised.value) == message


MARSHAL: list[tuple[str, Any, str]] = [
    ("compact", {"a": [1, None, True]}, '{"a":[1,null,true]}'),
    ("HTML-safe", {"m": "<b> & </b>"}, '{"m":"\\u003cb\\u003e \\u0026 \\u003c/b\\u003e"}'),
    ("UTF-8 kept, line separators escaped", {"m": "café\u2028"}, '{"m":"café\\u2028"}'),
    ("control characters escaped", {"m": "a\nb\tc\x01"}, '{"m":"a\\nb\\tc\\u0001"}'),
]


@pytest.mark.parametrize(("value", "text"), [c[1:] for c in MARSHAL], ids=[c[0] for c in MARSHAL])
def test_marshal_writes_go_text(value: Any, text: str) -> None:
    assert marshal(value) == text
    assert unmarshal(text) == value


@pytest.mark.parametrize(
    "text",
    ["NaN", '{"a":Infinity}', "", "{", "[1,]"],
    ids=["NaN", "Infinity", "nothing", "cut", "trailing comma"],
)
def test_unmarshal_refuses_what_go_refuses(text: str) -> None:
    with pytest.raises(DecodeError):
        unmarshal(text)


def test_pointer_types_are_named_as_go_names_them() -> None:
    assert go_type_name(Ptr(Slice(INT32))) == "*[]int32"
