#!/usr/bin/env python3
"""Generate ``pinnace/api/data/openapi-v2.pb``: kube-apiserver 1.32's ``/openapi/v2`` as gnostic protobuf.

kubectl 1.27 asks for ``/openapi/v2`` only as protobuf (``application/com.github.proto-openapi.spec.v2@v1.0
+protobuf``): a gnostic ``openapi_v2.Document`` (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto),
which kube-openapi's ``pkg/util/proto`` turns into the models behind ``kubectl explain`` and client-side
apply's strategic-merge-patch metadata. Those read the document's ``definitions`` only: for each schema its
``$ref``, ``type``, ``format``, ``description``, ``required``, ``properties``, ``items``,
``additionalProperties`` and vendor extensions (``x-kubernetes-group-version-kind``, the patch strategy and
merge key, list and map types). This writes those, plus ``swagger``, ``info``, ``security`` and
``securityDefinitions``; ``paths`` and ``parameters`` are left out (kubectl reads operations from
``/openapi/v3``).

Encoding, as Go's proto3 marshaller writes the gnostic messages: fields in field-number order, zero scalars
omitted, one entry per repeated value; a named map (``definitions``, ``properties``) is a repeated
``Named*{name = 1; value = 2}`` in document order; a vendor extension's value is ``Any{yaml = 2}`` holding
its YAML text (JSON here, which is YAML). Keys the encoder does not know raise, so a new kind of schema in a
future document is noticed rather than dropped.

Only definitions that the served kinds reach are written: those whose ``x-kubernetes-group-version-kind``
names a served kind, and every definition they refer to, transitively (upstream's document likewise holds the
definitions of the APIs it serves).

Run ``python hack/gen_openapi_v2.py`` to regenerate; ``--check`` fails when the committed file is stale (a
unit test does the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pinnace.api.protobuf_wire import encode_scalar, length_delimited  # noqa: E402
from pinnace.api.registry import ResourceRegistry  # noqa: E402

OUTPUT = REPO / "pinnace" / "api" / "data" / "openapi-v2.pb"
OPENAPI_NAME = "kubernetes-1.32-openapi-v2.json"
DEFAULT_OPENAPI = REPO.parent / "shared" / "api-data" / OPENAPI_NAME
# What kube-apiserver 1.32 puts in ``info``: its build version.
INFO = {"title": "Kubernetes", "version": "v1.32.0"}
REF_PREFIX = "#/definitions/"

Schema = Mapping[str, Any]


def _string(number: int, value: str) -> bytes:
    return encode_scalar(number, "string", value) if value else b""


def _strings(number: int, values: Iterable[str]) -> bytes:
    return b"".join(encode_scalar(number, "string", value) for value in values)


def _message(number: int, payload: bytes) -> bytes:
    return length_delimited(number, payload)


def _any(value: Any) -> bytes:
    """gnostic ``Any{value = 1; yaml = 2}`` with the value's YAML (JSON is YAML)."""
    return _string(2, json.dumps(value, separators=(",", ":")))


def _named(number: int, name: str, value: bytes) -> bytes:
    """A ``Named*{name = 1; value = 2}`` entry of a repeated field."""
    return _message(number, _string(1, name) + _message(2, value))


def _bool(number: int, value: Any) -> bytes:
    return encode_scalar(number, "bool", True) if value else b""


def _number(number: int, type_: str) -> Callable[[Any], bytes]:
    def encode(value: Any) -> bytes:
        return encode_scalar(number, type_, value) if value else b""

    return encode


def _schemas(number: int, values: Iterable[Schema]) -> bytes:
    return b"".join(_message(number, schema(value)) for value in values)


def _additional_properties(value: Any) -> bytes:
    # AdditionalPropertiesItem{oneof: Schema schema = 1; bool boolean = 2}
    if isinstance(value, bool):
        return _message(21, encode_scalar(2, "bool", value))
    return _message(21, _message(1, schema(value)))


def _items(value: Any) -> bytes:
    # ItemsItem{repeated Schema schema = 1}: one schema, or a tuple of them.
    return _message(23, _schemas(1, value if isinstance(value, list) else [value]))


def _properties(value: Mapping[str, Schema]) -> bytes:
    # Properties{repeated NamedSchema additional_properties = 1}
    return _message(25, b"".join(_named(1, name, schema(sub)) for name, sub in value.items()))


# gnostic Schema: JSON key -> (field number, encoder), in field-number order.
SCHEMA_FIELDS: dict[str, tuple[int, Callable[[Any], bytes]]] = {
    "$ref": (1, lambda v: _string(1, v)),
    "format": (2, lambda v: _string(2, v)),
    "title": (3, lambda v: _string(3, v)),
    "description": (4, lambda v: _string(4, v)),
    "default": (5, lambda v: _message(5, _any(v))),
    "multipleOf": (6, _number(6, "double")),
    "maximum": (7, _number(7, "double")),
    "exclusiveMaximum": (8, lambda v: _bool(8, v)),
    "minimum": (9, _number(9, "double")),
    "exclusiveMinimum": (10, lambda v: _bool(10, v)),
    "maxLength": (11, _number(11, "int64")),
    "minLength": (12, _number(12, "int64")),
    "pattern": (13, lambda v: _string(13, v)),
    "maxItems": (14, _number(14, "int64")),
    "minItems": (15, _number(15, "int64")),
    "uniqueItems": (16, lambda v: _bool(16, v)),
    "maxProperties": (17, _number(17, "int64")),
    "minProperties": (18, _number(18, "int64")),
    "required": (19, lambda v: _strings(19, v)),
    "enum": (20, lambda v: b"".join(_message(20, _any(item)) for item in v)),
    "additionalProperties": (21, _additional_properties),
    # TypeItem{repeated string value = 1}
    "type": (22, lambda v: _message(22, _strings(1, v if isinstance(v, list) else [v]))),
    "items": (23, _items),
    "allOf": (24, lambda v: _schemas(24, v)),
    "properties": (25, _properties),
    "discriminator": (26, lambda v: _string(26, v)),
    "readOnly": (27, lambda v: _bool(27, v)),
    "example": (30, lambda v: _message(30, _any(v))),
}


def schema(value: Schema) -> bytes:
    fields: list[tuple[int, bytes]] = []
    extensions = b""
    for key, item in value.items():
        if key.startswith("x-"):
            # NamedAny{name = 1; Any value = 2}: field 31, after every other field.
            extensions += _named(31, key, _any(item))
            continue
        known = SCHEMA_FIELDS.get(key)
        if known is None:
            raise ValueError(f"schema key {key!r} has no gnostic encoding here")
        fields.append((known[0], known[1](item)))
    return b"".join(payload for _, payload in sorted(fields, key=lambda field: field[0])) + extensions


def _security_definitions(definitions: Mapping[str, Mapping[str, Any]]) -> bytes:
    # SecurityDefinitions{repeated NamedSecurityDefinitionsItem additional_properties = 1}; kube-apiserver
    # declares one apiKey scheme: SecurityDefinitionsItem{ApiKeySecurity api_key_security = 2}.
    entries = b""
    for name, definition in definitions.items():
        if definition.get("type") != "apiKey":
            raise ValueError(f"security definition {name!r} is not an apiKey one")
        api_key = (
            _string(1, definition["type"])
            + _string(2, definition.get("name", ""))
            + _string(3, definition.get("in", ""))
            + _string(4, definition.get("description", ""))
        )
        entries += _named(1, name, _message(2, api_key))
    return _message(13, entries)


def _security(requirements: Iterable[Mapping[str, list[str]]]) -> bytes:
    # SecurityRequirement{repeated NamedStringArray additional_properties = 1};
    # StringArray{repeated string value = 1}
    return b"".join(
        _message(12, b"".join(_named(1, name, _strings(1, scopes)) for name, scopes in requirement.items()))
        for requirement in requirements
    )


def served_definitions(openapi: Mapping[str, Any], registry: ResourceRegistry) -> list[str]:
    """The definitions the served kinds reach, in the document's order."""
    definitions: Mapping[str, Schema] = openapi["definitions"]
    served = {(info.group, info.version, info.kind) for info in registry.resources()}
    served |= {
        (sub.kind.group, sub.kind.version, sub.kind.kind)
        for info in registry.resources()
        for sub in info.subresources.values()
    }
    wanted: set[str] = set()
    pending = [
        name
        for name, definition in definitions.items()
        if any(
            (gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")) in served
            for gvk in definition.get("x-kubernetes-group-version-kind", [])
        )
    ]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        pending.extend(_references(definitions[name]))
    return [name for name in definitions if name in wanted]


def _references(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            yield ref[len(REF_PREFIX) :]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def generate(openapi: Mapping[str, Any], registry: ResourceRegistry) -> bytes:
    definitions = openapi["definitions"]
    info = _string(1, INFO["title"]) + _string(2, INFO["version"])
    named = b"".join(
        _named(1, name, schema(definitions[name])) for name in served_definitions(openapi, registry)
    )
    return (
        _string(1, openapi["swagger"])
        + _message(2, info)
        + _message(9, named)
        + _security(openapi.get("security", []))
        + _security_definitions(openapi.get("securityDefinitions", {}))
    )


def load_openapi(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def main() -> int:
    from pinnace.apiserver.apis import served_registry

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--openapi", type=Path, default=DEFAULT_OPENAPI)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    args = parser.parse_args()
    data = generate(load_openapi(args.openapi), served_registry())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != data:
            print(f"{OUTPUT} is stale: run hack/gen_openapi_v2.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
