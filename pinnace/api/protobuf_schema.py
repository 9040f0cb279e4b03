"""The message tables of Kubernetes' protobuf API, loaded from ``data/protobuf-fields.json``.

``hack/gen_protobuf_fields.py`` writes that file from the Kubernetes 1.32 ``generated.proto`` field table, the
OpenAPI document (which kind lives in which message) and facts from the Go struct tags (JSON names, inline
embedding, which zero values JSON keeps). This module turns it into frozen specs; nothing here knows any
particular kind.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, cast

import orjson

from pinnace.api.protobuf_wire import SCALAR_WIRE_TYPES

Label = Literal["optional", "repeated", "map"]
# Messages whose JSON is not an object (the decoder's special forms).
Form = Literal["time", "microtime", "duration", "quantity", "intorstring", "rawjson", "list"]
FORMS: frozenset[str] = frozenset(
    ("time", "microtime", "duration", "quantity", "intorstring", "rawjson", "list")
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    number: int
    json_name: str  # "" for a struct embedded inline in its parent's JSON object
    label: Label
    type: str  # a scalar type name or a fully qualified message name
    key_type: str  # the key's scalar type for a map, "" otherwise
    keep_zero: (
        bool  # a zero value on the wire stays in the JSON (a Go pointer, or a json tag without omitempty)
    )

    @property
    def is_scalar(self) -> bool:
        return self.type in SCALAR_WIRE_TYPES


@dataclass(frozen=True, slots=True)
class MessageSpec:
    name: str
    fields: tuple[FieldSpec, ...]  # by field number
    form: Form | None
    by_number: Mapping[int, FieldSpec] = field(repr=False, compare=False)


class Schema:
    """Messages by name, and the message of each (apiVersion, kind)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        forms: Mapping[str, str] = document["forms"]
        self._kinds: Mapping[str, Mapping[str, str]] = document["kinds"]
        self._messages: dict[str, MessageSpec] = {}
        self._json_names: dict[str, frozenset[str]] = {}
        for name, rows in document["messages"].items():
            fields = tuple(_field(row) for row in rows)
            form = forms.get(name)
            if form is not None and form not in FORMS:
                raise ValueError(f"{name}: unknown form {form!r}")
            self._messages[name] = MessageSpec(
                name, fields, cast("Form | None", form), {spec.number: spec for spec in fields}
            )
        for message in self._messages.values():
            for spec in message.fields:
                if not spec.is_scalar and spec.type not in self._messages:
                    raise ValueError(f"{message.name}.{spec.json_name}: unknown type {spec.type}")

    def message(self, name: str) -> MessageSpec:
        return self._messages[name]

    def messages(self) -> Iterator[MessageSpec]:
        return iter(self._messages.values())

    def kinds(self) -> Iterator[tuple[str, str]]:
        """Every (apiVersion, kind) with a message."""
        return ((api_version, kind) for api_version, by_kind in self._kinds.items() for kind in by_kind)

    def kind_message(self, api_version: str, kind: str) -> MessageSpec | None:
        """The message a ``runtime.Unknown`` with this TypeMeta carries, or None if no such kind is known."""
        name = self._kinds.get(api_version, {}).get(kind)
        return None if name is None else self._messages[name]

    def json_names(self, message: MessageSpec) -> frozenset[str]:
        """The JSON keys of the message's object, with those of inline-embedded structs."""
        names = self._json_names.get(message.name)
        if names is None:
            names = frozenset().union(
                *(
                    {spec.json_name} if spec.json_name else self.json_names(self.message(spec.type))
                    for spec in message.fields
                )
            )
            self._json_names[message.name] = names
        return names


@functools.cache
def load_schema() -> Schema:
    """The schema shipped as package data (parsed once per process)."""
    data = resources.files("pinnace.api").joinpath("data", "protobuf-fields.json").read_bytes()
    return Schema(orjson.loads(data))


def _field(row: list[Any]) -> FieldSpec:
    number, json_name, label, type_, keep_zero = row
    key_type = ""
    if label.startswith("map:"):
        label, key_type = "map", label[4:]
    if label not in ("optional", "repeated", "map"):
        raise ValueError(f"unknown label {label!r}")
    return FieldSpec(int(number), str(json_name), label, str(type_), key_type, bool(keep_zero))
