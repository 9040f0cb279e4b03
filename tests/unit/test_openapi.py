"""OpenAPI v3: the v2 → v3 conversion, the generated package data, and the /openapi/v3 handlers."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp import test_utils, web

from pinnace.api.openapi import OpenAPIDocuments, load_documents
from pinnace.apiserver.apis import served_registry
from pinnace.apiserver.handlers import openapi as handlers

REPO = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_openapi_v3", REPO / "hack" / "gen_openapi_v3.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
DEFS = "#/definitions/"


def converter(**definitions: dict[str, Any]) -> Any:
    return gen.SchemaConverter(definitions)


STRUCT = {"type": "object", "properties": {"a": {"type": "string"}}}


@pytest.mark.parametrize(
    ("v2", "v3"),
    [
        pytest.param(
            {"$ref": DEFS + "S"}, {"$ref": "#/components/schemas/S"}, id="a bare reference stays bare"
        ),
        pytest.param(
            {"$ref": DEFS + "S", "description": "d"},
            {"allOf": [{"$ref": "#/components/schemas/S"}], "description": "d"},
            id="a reference with a description is wrapped in allOf",
        ),
        pytest.param(
            {"type": "array", "items": {"$ref": DEFS + "S"}},
            {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/S"}], "default": {}}},
            id="struct items of a list default to {}",
        ),
        pytest.param(
            {"type": "array", "items": {"$ref": DEFS + "io.k8s.apimachinery.pkg.api.resource.Quantity"}},
            {
                "type": "array",
                "items": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"},
            },
            id="value types get no struct default",
        ),
        pytest.param(
            {"type": "object", "additionalProperties": {"$ref": DEFS + "S"}},
            {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/S"}},
            id="map values are converted",
        ),
    ],
)
def test_schema_conversion(v2: dict[str, Any], v3: dict[str, Any]) -> None:
    conv = converter(S=STRUCT, **{"io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"}})
    assert conv.schema(v2) == v3


def test_definition_defaults_follow_required_scalars_metadata_and_spec() -> None:
    definition = {
        "type": "object",
        "required": ["name", "count", "flag", "ref"],
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer", "format": "int32"},
            "flag": {"type": "boolean"},
            "optional": {"type": "string"},
            "ref": {"$ref": DEFS + "S"},
            "metadata": {
                "$ref": DEFS + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                "description": "m",
            },
            "spec": {"$ref": DEFS + "S"},
        },
        "x-kubernetes-group-version-kind": [{"group": "", "kind": "K", "version": "v1"}],
    }
    conv = converter(S=STRUCT, **{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": STRUCT})
    props = conv.definition(definition)["properties"]
    assert props["name"]["default"] == ""
    assert props["count"]["default"] == 0
    assert props["flag"]["default"] is False
    assert "default" not in props["optional"]
    assert props["ref"] == {"$ref": "#/components/schemas/S"}  # may be a pointer: no default
    assert props["metadata"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
        "default": {},
        "description": "m",
    }
    assert props["spec"]["default"] == {}


def test_operation_moves_body_to_request_body_and_types_into_schema() -> None:
    v2 = {
        "parameters": {"force": {"in": "query", "name": "force", "type": "boolean", "uniqueItems": True}},
        "definitions": {},
    }
    operation = {
        "consumes": ["application/merge-patch+json", "application/strategic-merge-patch+json"],
        "produces": ["application/json", "application/yaml"],
        "schemes": ["https"],
        "operationId": "patchX",
        "parameters": [
            {"in": "body", "name": "body", "required": True, "schema": {"$ref": DEFS + "P"}},
            {"$ref": "#/parameters/force"},
        ],
        "responses": {
            "200": {"description": "OK", "schema": {"$ref": DEFS + "X"}},
            "401": {"description": "no"},
        },
        "x-kubernetes-action": "patch",
    }
    out = gen.PathConverter(v2, converter()).operation(operation)
    patch_ref = {"schema": {"$ref": "#/components/schemas/P"}}
    x_ref = {"schema": {"$ref": "#/components/schemas/X"}}
    assert out == {
        "operationId": "patchX",
        "parameters": [{"in": "query", "name": "force", "schema": {"type": "boolean", "uniqueItems": True}}],
        "requestBody": {
            "content": {
                "application/merge-patch+json": patch_ref,
                "application/strategic-merge-patch+json": patch_ref,
            },
            "required": True,
        },
        "responses": {
            "200": {"description": "OK", "content": {"application/json": x_ref, "application/yaml": x_ref}},
            "401": {"description": "no"},
        },
        "x-kubernetes-action": "patch",
    }


@pytest.mark.parametrize(
    ("path", "split"),
    [
        ("/api/v1/", ("", "v1", "", "")),
        ("/api/v1/namespaces/{namespace}/pods/{name}/log", ("", "v1", "pods", "log")),
        ("/api/v1/namespaces/{name}/finalize", ("", "v1", "namespaces", "finalize")),
        ("/api/v1/watch/namespaces/{namespace}/pods", ("", "v1", "pods", "")),
        ("/apis/apps/v1/deployments", ("apps", "v1", "deployments", "")),
        (
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            ("apps", "v1", "deployments", "scale"),
        ),
        ("/version/", None),
    ],
)
def test_split_path(path: str, split: tuple[str, str, str, str] | None) -> None:
    assert gen.split_path(path) == split


# --- the generated package data ---------------------------------------------------------------------------


def test_generated_documents_are_up_to_date() -> None:
    if not gen.DEFAULT_OPENAPI.is_file():
        pytest.fail(f"{gen.DEFAULT_OPENAPI} is missing; it is the generator's input")
    assert gen.stale_files(gen.generate()) == [], "run: python hack/gen_openapi_v3.py"


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {path: doc.parse() for path, doc in load_documents().documents.items()}


def test_every_served_group_version_has_a_document(documents: dict[str, dict[str, Any]]) -> None:
    registry = served_registry()
    served = {gen.gv_path(info.group, info.version) for info in registry.resources()}
    assert set(documents) == served


def test_every_served_kind_has_its_schema_and_a_patch_declaring_field_validation(
    documents: dict[str, dict[str, Any]],
) -> None:
    for info in served_registry().resources():
        doc = documents[gen.gv_path(info.group, info.version)]
        gvk = {"group": info.group, "version": info.version, "kind": info.kind}
        assert any(
            gvk in s.get("x-kubernetes-group-version-kind", []) for s in doc["components"]["schemas"].values()
        ), gvk
        if "patch" not in info.verbs:
            continue  # create-only reviews (SubjectAccessReview, ...): nothing to patch
        # kubectl's QueryParamVerifierV3: a patch of this GVK listing fieldValidation (wire-notes §2.2).
        patches = [
            item["patch"]
            for item in doc["paths"].values()
            if "patch" in item and item["patch"].get("x-kubernetes-group-version-kind") == gvk
        ]
        assert patches, gvk
        for patch in patches:
            names = {p["name"] for p in patch["parameters"]}
            assert {"fieldValidation", "dryRun", "fieldManager", "force"} <= names, gvk
            assert set(patch["requestBody"]["content"]) == {
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
                "application/apply-patch+yaml",
                "application/apply-patch+cbor",
            }


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):  # JSONSchemaProps has a property named "$ref"
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_reference_resolves_inside_its_document(documents: dict[str, dict[str, Any]]) -> None:
    for path, doc in documents.items():
        assert doc["openapi"] == "3.0.0" and doc["info"] == {"title": "Kubernetes", "version": "v1.32.0"}
        schemas = doc["components"]["schemas"]
        for ref in set(_refs(doc)):
            assert ref.startswith("#/components/schemas/"), (path, ref)
            assert ref.removeprefix("#/components/schemas/") in schemas, (path, ref)


def test_merge_keys_list_types_and_descriptions_survive(documents: dict[str, dict[str, Any]]) -> None:
    schemas = documents["api/v1"]["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]
    apps = documents["apis/apps/v1"]["components"]["schemas"]
    strategy = apps["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]
    assert strategy["description"] == "The deployment strategy to use to replace existing pods with new ones."


def test_unserved_resources_have_no_paths(documents: dict[str, dict[str, Any]]) -> None:
    paths = documents["api/v1"]["paths"]
    assert "/api/v1/namespaces/{namespace}/pods/{name}" in paths
    assert not [p for p in paths if "componentstatuses" in p or p.endswith("/bindings")]


# --- the handlers -----------------------------------------------------------------------------------------

DOCS = OpenAPIDocuments.from_bytes({"api/v1": b'{"openapi":"3.0.0"}', "apis/apps/v1": b'{"x":1}'})
APPS_HASH = hashlib.sha512(b'{"x":1}').hexdigest().upper()


def test_index_holds_uppercase_sha512_urls_without_leading_slash() -> None:
    index = json.loads(DOCS.index)
    assert index == {
        "paths": {
            "api/v1": {
                "serverRelativeURL": "/openapi/v3/api/v1?hash="
                + hashlib.sha512(b'{"openapi":"3.0.0"}').hexdigest().upper()
            },
            "apis/apps/v1": {"serverRelativeURL": f"/openapi/v3/apis/apps/v1?hash={APPS_HASH}"},
        }
    }


@pytest.fixture
async def client() -> Any:
    app = web.Application()
    handlers.add_routes(app, DOCS)
    async with test_utils.TestClient(test_utils.TestServer(app)) as test_client:
        yield test_client


async def test_index_is_json(client: Any) -> None:
    response = await client.get("/openapi/v3", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert await response.read() == DOCS.index


async def test_document_with_current_hash_is_immutable(client: Any) -> None:
    response = await client.get(
        f"/openapi/v3/apis/apps/v1?hash={APPS_HASH}", headers={"Accept": "application/json"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "public, immutable"
    assert response.headers["Expires"].endswith(" GMT")
    assert response.headers["ETag"] == f'"{APPS_HASH}"'
    assert await response.read() == b'{"x":1}'


async def test_document_without_hash_is_not_cacheable_forever(client: Any) -> None:
    response = await client.get("/openapi/v3/apis/apps/v1")
    assert response.status == 200
    assert "Cache-Control" not in response.headers
    assert await response.read() == b'{"x":1}'


async def test_stale_hash_redirects_to_the_current_url(client: Any) -> None:
    response = await client.get("/openapi/v3/apis/apps/v1?hash=OLD", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == f"/openapi/v3/apis/apps/v1?hash={APPS_HASH}"


async def test_gzip_when_asked(client: Any) -> None:
    response = await client.get(
        "/openapi/v3/apis/apps/v1", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await response.read()) == b'{"x":1}'


async def test_if_none_match_gives_304(client: Any) -> None:
    response = await client.get("/openapi/v3/apis/apps/v1", headers={"If-None-Match": f'"{APPS_HASH}"'})
    assert response.status == 304


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/openapi/v3/apis/nope/v1", "application/json", 404),
        ("/openapi/v3/apis/apps/v1", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf", 406),
        ("/openapi/v3/apis/apps/v1", "application/*", 200),
        ("/openapi/v2", "application/json", 404),
    ],
)
async def test_negotiation(client: Any, path: str, accept: str, status: int) -> None:
    response = await client.get(path, headers={"Accept": accept})
    assert response.status == status


async def test_openapi_v2_protobuf_is_the_packaged_document(client: Any) -> None:
    response = await client.get(
        "/openapi/v2",
        headers={
            "Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
            "Accept-Encoding": "identity",
        },
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert await response.read() == handlers.v2_document()[0]  # contents: tests/unit/test_openapi_v2.py
