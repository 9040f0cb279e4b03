"""/openapi/v2 as gnostic protobuf: the generated package data, read back the way kube-openapi reads it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pinnace.api.protobuf_wire import iter_fields
from pinnace.apiserver.apis import served_registry
from pinnace.apiserver.handlers.openapi import v2_document

REPO = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_openapi_v2", REPO / "hack" / "gen_openapi_v2.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
OPENAPI = gen.load_openapi(gen.DEFAULT_OPENAPI)


# --- a reader of the gnostic messages, as kube-openapi's pkg/util/proto walks them ------------------


def _message(data: bytes) -> list[tuple[int, Any]]:
    return [(number, value) for number, _wire_type, value in iter_fields(data)]


def _text(value: Any) -> str:
    assert isinstance(value, bytes)
    return value.decode()


def _named(data: bytes) -> tuple[str, bytes]:
    fields = dict(_message(data))
    return _text(fields[1]), fields[2]


def read_schema(data: bytes) -> dict[str, Any]:
    """A gnostic Schema back in its OpenAPI JSON form, for the fields the encoder writes."""
    out: dict[str, Any] = {}
    for number, value in _message(data):
        if number == 1:
            out["$ref"] = _text(value)
        elif number == 2:
            out["format"] = _text(value)
        elif number == 4:
            out["description"] = _text(value)
        elif number == 19:
            out.setdefault("required", []).append(_text(value))
        elif number == 21:
            ((kind, inner),) = _message(value)
            out["additionalProperties"] = read_schema(inner) if kind == 1 else bool(inner)
        elif number == 22:
            (type_,) = [_text(v) for _, v in _message(value)]
            out["type"] = type_
        elif number == 23:
            (item,) = [read_schema(v) for _, v in _message(value)]
            out["items"] = item
        elif number == 25:
            out["properties"] = {
                name: read_schema(v) for name, v in map(_named, (v for _, v in _message(value)))
            }
        elif number == 31:
            name, any_value = _named(value)
            out[name] = json.loads(_text(dict(_message(any_value))[2]))
        else:
            raise AssertionError(f"unexpected Schema field {number}")
    return out


def read_document(data: bytes) -> dict[str, Any]:
    fields = _message(data)
    definitions = [v for number, v in fields if number == 9]
    return {
        "swagger": _text(dict(fields)[1]),
        "info": {["title", "version"][n - 1]: _text(v) for n, v in _message(dict(fields)[2])},
        "definitions": {name: read_schema(v) for name, v in (_named(d) for _, d in _message(definitions[0]))},
        "fields": [number for number, _ in fields],
    }


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return read_document(v2_document()[0])


def test_the_packaged_document_is_generated_from_the_spec() -> None:
    assert v2_document()[0] == gen.generate(OPENAPI, served_registry()), "run: python hack/gen_openapi_v2.py"


def test_every_definition_reads_back_as_in_the_spec(document: dict[str, Any]) -> None:
    written = document["definitions"]
    assert written == {name: OPENAPI["definitions"][name] for name in written}
    assert list(written) == [name for name in OPENAPI["definitions"] if name in written], "document order"


def test_the_document_has_swagger_info_definitions_and_security(document: dict[str, Any]) -> None:
    assert document["swagger"] == "2.0"
    assert document["info"] == {"title": "Kubernetes", "version": "v1.32.0"}
    assert document["fields"] == [1, 2, 9, 12, 13]


@pytest.mark.parametrize(
    ("name", "present"),
    [
        ("io.k8s.api.apps.v1.Deployment", True),
        ("io.k8s.api.apps.v1.DeploymentStrategy", True),
        ("io.k8s.api.policy.v1.Eviction", True),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", True),
        ("io.k8s.api.autoscaling.v1.Scale", True),
        ("io.k8s.api.flowcontrol.v1.FlowSchema", False),
        ("io.k8s.api.resource.v1beta1.ResourceClaim", False),
    ],
    ids=lambda value: str(value),
)
def test_definitions_are_those_the_served_kinds_reach(
    document: dict[str, Any], name: str, present: bool
) -> None:
    assert (name in document["definitions"]) is present


def test_what_kubectl_explain_and_apply_read_is_there(document: dict[str, Any]) -> None:
    definitions = document["definitions"]
    assert definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    strategy = definitions["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy",
        "description": "The deployment strategy to use to replace existing pods with new ones.",
        "x-kubernetes-patch-strategy": "retainKeys",
    }
    containers = definitions["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert (containers["x-kubernetes-patch-merge-key"], containers["x-kubernetes-patch-strategy"]) == (
        "name",
        "merge",
    )


@pytest.mark.parametrize(
    ("schema", "encoded"),
    [
        ({"type": "string"}, b"\xb2\x01\x08\n\x06string"),
        ({"description": "d", "$ref": "#/definitions/X"}, b"\n\x0f#/definitions/X\x22\x01d"),
        ({"additionalProperties": True}, b"\xaa\x01\x02\x10\x01"),
    ],
    ids=["a type", "fields in field-number order", "a boolean additionalProperties"],
)
def test_schema_fields_encode_as_gnostic_declares_them(schema: dict[str, Any], encoded: bytes) -> None:
    assert gen.schema(schema) == encoded


def test_a_vendor_extension_holds_its_value_as_yaml_text() -> None:
    ((number, named),) = _message(gen.schema({"x-kubernetes-list-type": "atomic"}))
    name, any_value = _named(named)
    assert (number, name, dict(_message(any_value))) == (31, "x-kubernetes-list-type", {2: b'"atomic"'})


def test_a_schema_key_without_an_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="'oneOf' has no gnostic encoding"):
        gen.schema({"oneOf": []})
