#!/usr/bin/env python3
"""Generate ``pinnace/api/data/openapi-v3/``: kube-apiserver 1.32's OpenAPI v3 document per group-version.

kube-apiserver answers ``GET /openapi/v3`` with an index of its group-versions and
``GET /openapi/v3/apis/apps/v1`` (and so on) with one OpenAPI 3.0 document each: that group-version's paths
plus every schema they reach, under ``components.schemas``. kubectl needs them for ``apply``, ``create -f``,
``replace`` and ``edit`` under default validation (it sends ``fieldValidation=Strict`` once the PATCH
operation of the object's kind declares that parameter), for strategic merge patches (patch strategies and
merge keys) and for ``kubectl explain`` (descriptions); see wire-notes §2.

The input is the Kubernetes 1.32 OpenAPI v2 document (``shared/api-data``). The conversion follows what
kube-openapi's v3 builder emits (upstream ``api/openapi-spec/v3/*.json``):

* ``$ref: #/definitions/X`` becomes ``#/components/schemas/X``; a reference with siblings (a description, a
  default) is wrapped as ``{"allOf": [{"$ref": ...}], "description": ...}``, since OpenAPI 3.0 ignores the
  siblings of a ``$ref``.
* A parameter keeps ``name``, ``in``, ``description`` and ``required``; its ``type``, ``format`` and
  ``uniqueItems`` move into ``schema``. Shared ``#/parameters/...`` references are inlined.
* The body parameter becomes ``requestBody`` with one ``content`` entry per ``consumes`` media type (PATCH:
  json-patch, merge-patch, strategic-merge-patch, apply-patch yaml and cbor); ``required`` as the parameter
  had it.
* A response schema is repeated under each ``produces`` media type in ``content``; ``consumes``, ``produces``
  and ``schemes`` are dropped.

Defaults: the v3 builder adds a ``default`` to every field whose Go type forces one (a non-pointer struct gets
``{}``, a non-``omitempty`` scalar its zero value). v2 does not carry the Go types, so only the cases that can
be told from v2 are reproduced: required scalars, ``metadata``, the ``spec``/``status`` of a kind and the
struct items of a list (Kubernetes' API conventions make those values, not pointers). Upstream's ``enum``
lists are not in v2 and are left out.

Only what Pinnace serves is written: the group-versions of ``pinnace.apiserver.apis.served_registry()``, and
in each the paths of its served resources and subresources. The documents are compact JSON, written once; the
server hashes their bytes for the index (``pinnace.api.openapi``).

Run ``python hack/gen_openapi_v3.py`` to regenerate; ``--check`` fails when the committed files are stale (a
unit test does the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pinnace.api.registry import ResourceRegistry  # noqa: E402

OUTPUT = REPO / "pinnace" / "api" / "data" / "openapi-v3"
INDEX_NAME = "index.json"
OPENAPI_NAME = "kubernetes-1.32-openapi-v2.json"
# The shared interface data sits beside the checkout (see shared/api-data/README.md).
DEFAULT_OPENAPI = REPO.parent / "shared" / "api-data" / OPENAPI_NAME

# What kube-apiserver 1.32 puts in ``info`` (its build version) and ``components.securitySchemes``.
INFO = {"title": "Kubernetes", "version": "v1.32.0"}
V2_DEFINITIONS = "#/definitions/"
V3_SCHEMAS = "#/components/schemas/"
# Parameter keys that describe the value, and so move into the v3 ``schema``.
PARAMETER_SCHEMA_KEYS = ("type", "format", "uniqueItems", "items", "default", "enum", "minimum", "maximum")
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
# Types with their own JSON form (apimachinery's custom (Un)MarshalJSON): no struct default upstream.
VALUE_TYPES = frozenset(
    (
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Duration",
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
    )
)
ZERO_VALUES: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}
OBJECT_META = (
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
)

Schema = dict[str, Any]


def gv_path(group: str, version: str) -> str:
    """The index key of a group-version: ``api/v1``, ``apis/apps/v1`` (no leading slash, as upstream)."""
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def file_name(path: str) -> str:
    """Upstream's file name for a group-version document: ``apis__apps__v1_openapi.json``."""
    return path.replace("/", "__") + "_openapi.json"


# --- schemas -----------------------------------------------------------------------------------------------


class SchemaConverter:
    """v2 schemas to v3 ones, with the defaults the v3 builder would add where v2 tells enough."""

    def __init__(self, definitions: dict[str, Schema]) -> None:
        self.definitions = definitions

    def _is_struct(self, name: str) -> bool:
        definition = self.definitions.get(name, {})
        return name not in VALUE_TYPES and definition.get("type") == "object" and "properties" in definition

    def _struct_default(self, schema: Schema) -> bool:
        ref = schema.get("$ref", "")
        return ref.startswith(V2_DEFINITIONS) and self._is_struct(ref[len(V2_DEFINITIONS) :])

    def definition(self, schema: Schema) -> Schema:
        is_kind = "x-kubernetes-group-version-kind" in schema
        required = set(schema.get("required", ()))
        out = {key: value for key, value in schema.items() if key != "properties"}
        if "properties" in schema:
            out["properties"] = {
                name: self.property(name, prop, required=name in required, of_kind=is_kind)
                for name, prop in schema["properties"].items()
            }
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                out[key] = self.schema(schema[key])
        return out

    def property(self, name: str, schema: Schema, *, required: bool, of_kind: bool) -> Schema:
        default: Any = None
        ref = schema.get("$ref", "")
        if required and "$ref" not in schema and schema.get("type") in ZERO_VALUES:
            # A required scalar has no omitempty in Go, so openapi-gen enforces its zero value.
            default = ZERO_VALUES[schema["type"]]
        elif name == "metadata" and ref[len(V2_DEFINITIONS) :] in OBJECT_META:
            default = {}
        elif of_kind and name in ("spec", "status") and self._struct_default(schema):
            default = {}
        return self.schema(schema, default=default)

    def schema(self, schema: Schema, *, default: Any = None) -> Schema:
        out: Schema = {}
        for key, value in schema.items():
            if key == "$ref":
                continue
            if key == "items" and isinstance(value, dict):
                # Lists of structs are []T in the API types: each item defaults to {}.
                out[key] = self.schema(value, default={} if self._struct_default(value) else None)
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = self.schema(value)
            elif key == "properties":
                out[key] = {name: self.schema(prop) for name, prop in value.items()}
            else:
                out[key] = value
        if default is not None and "default" not in out:
            out["default"] = default
        if "$ref" in schema:
            ref = {"$ref": v3_ref(schema["$ref"])}
            if not out:
                return ref
            # OpenAPI 3.0 ignores a $ref's siblings; kube-openapi wraps the reference in allOf.
            return {"allOf": [ref], **out}
        return out


def v3_ref(ref: str) -> str:
    if not ref.startswith(V2_DEFINITIONS):
        raise ValueError(f"unexpected reference {ref!r}")
    return V3_SCHEMAS + ref[len(V2_DEFINITIONS) :]


def refs_in(value: Any) -> Iterator[str]:
    """Every definition name a v2 fragment refers to."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith(V2_DEFINITIONS):
                yield item[len(V2_DEFINITIONS) :]
            else:
                yield from refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs_in(item)


def reachable(roots: set[str], definitions: dict[str, Schema]) -> set[str]:
    seen: set[str] = set()
    pending = sorted(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(ref for ref in refs_in(definitions[name]) if ref not in seen)
    return seen


# --- paths -------------------------------------------------------------------------------------------------


def split_path(path: str) -> tuple[str, str, str, str] | None:
    """(group, version, resource, subresource) of a v2 path; resource is "" for the group-version root."""
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis" and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if rest[:1] == ["watch"]:
        rest = rest[1:]
    if rest[:2] == ["namespaces", "{namespace}"] and len(rest) > 2:
        rest = rest[2:]
    resource = rest[0] if rest else ""
    subresource = rest[2] if len(rest) > 2 else ""
    return group, version, resource, subresource


class PathConverter:
    def __init__(self, document: dict[str, Any], schemas: SchemaConverter) -> None:
        self.parameters: dict[str, Schema] = document.get("parameters", {})
        self.schemas = schemas

    def _resolve(self, parameter: Schema) -> Schema:
        ref = parameter.get("$ref")
        if ref is None:
            return parameter
        return self.parameters[ref.removeprefix("#/parameters/")]

    def parameter(self, parameter: Schema) -> Schema:
        parameter = self._resolve(parameter)
        out = {key: value for key, value in parameter.items() if key not in PARAMETER_SCHEMA_KEYS}
        out["schema"] = {key: parameter[key] for key in PARAMETER_SCHEMA_KEYS if key in parameter}
        return out

    def operation(self, operation: Schema) -> Schema:
        out: Schema = {}
        parameters: list[Schema] = []
        for raw in operation.get("parameters", ()):
            parameter = self._resolve(raw)
            if parameter["in"] == "body":
                schema = self.schemas.schema(parameter["schema"])
                body: Schema = {
                    "content": {ct: {"schema": schema} for ct in operation.get("consumes", ["*/*"])}
                }
                if parameter.get("required"):
                    body["required"] = True
                out["requestBody"] = body
            else:
                parameters.append(self.parameter(parameter))
        if parameters:
            out["parameters"] = parameters
        responses: Schema = {}
        for code, response in operation.get("responses", {}).items():
            converted = {key: value for key, value in response.items() if key != "schema"}
            if "schema" in response:
                schema = self.schemas.schema(response["schema"])
                converted["content"] = {ct: {"schema": schema} for ct in operation.get("produces", ())}
            responses[code] = converted
        out["responses"] = responses
        for key, value in operation.items():
            if key not in ("parameters", "responses", "consumes", "produces", "schemes"):
                out[key] = value
        return out

    def path_item(self, item: Schema) -> Schema:
        out: Schema = {}
        for key, value in item.items():
            if key == "parameters":
                out[key] = [self.parameter(parameter) for parameter in value]
            elif key in OPERATIONS:
                out[key] = self.operation(value)
            else:
                out[key] = value
        return out


# --- documents ---------------------------------------------------------------------------------------------


def served_paths(registry: ResourceRegistry) -> dict[tuple[str, str], dict[str, frozenset[str]]]:
    """(group, version) -> served resource -> its served subresources."""
    served: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
    for info in registry.resources():
        served.setdefault((info.group, info.version), {})[info.plural] = frozenset(info.subresources)
    return served


def build_documents(v2: dict[str, Any], registry: ResourceRegistry) -> dict[str, dict[str, Any]]:
    """Index key (``apis/apps/v1``) -> that group-version's OpenAPI v3 document."""
    definitions: dict[str, Schema] = v2["definitions"]
    schemas = SchemaConverter(definitions)
    paths = PathConverter(v2, schemas)
    served = served_paths(registry)
    by_gv: dict[tuple[str, str], dict[str, Schema]] = {gv: {} for gv in served}
    for path, item in v2["paths"].items():
        split = split_path(path)
        if split is None:
            continue
        group, version, resource, subresource = split
        resources = served.get((group, version))
        if resources is None:
            continue
        if resource and (
            resource not in resources or (subresource and subresource not in resources[resource])
        ):
            continue
        by_gv[(group, version)][path] = item
    documents: dict[str, dict[str, Any]] = {}
    for (group, version), items in sorted(by_gv.items()):
        used = reachable(set(refs_in(items)) | set(refs_in(_resolved_parameters(items, v2))), definitions)
        documents[gv_path(group, version)] = {
            "openapi": "3.0.0",
            "info": dict(INFO),
            "paths": {path: paths.path_item(item) for path, item in sorted(items.items())},
            "components": {
                "schemas": {name: schemas.definition(definitions[name]) for name in sorted(used)},
                "securitySchemes": {"BearerToken": v2["securityDefinitions"]["BearerToken"]},
            },
        }
    return documents


def _resolved_parameters(items: dict[str, Schema], v2: dict[str, Any]) -> list[Schema]:
    names = {ref.removeprefix("#/parameters/") for ref in _parameter_refs(items)}
    return [v2["parameters"][name] for name in sorted(names)]


def _parameter_refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith("#/parameters/"):
                yield item
            else:
                yield from _parameter_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _parameter_refs(item)


def render(documents: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    """File name -> bytes: compact, key-sorted JSON per document, plus ``index.json`` (key -> file name)."""
    files = {
        file_name(key): json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
        for key, doc in documents.items()
    }
    index = {"source": OPENAPI_NAME, "documents": {key: file_name(key) for key in sorted(documents)}}
    files[INDEX_NAME] = (json.dumps(index, indent=1, sort_keys=True) + "\n").encode()
    return files


def generate(openapi: Path = DEFAULT_OPENAPI) -> dict[str, bytes]:
    from pinnace.apiserver.apis import served_registry

    v2 = json.loads(openapi.read_bytes())
    return render(build_documents(v2, served_registry()))


def stale_files(files: dict[str, bytes], output: Path = OUTPUT) -> list[str]:
    """Names that differ from (or are missing in, or are extra in) ``output``."""
    existing = {path.name for path in output.glob("*.json")} if output.is_dir() else set()
    stale = sorted(
        name
        for name, data in files.items()
        if not (output / name).is_file() or (output / name).read_bytes() != data
    )
    return stale + sorted(existing - set(files))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--openapi", type=Path, default=DEFAULT_OPENAPI, help="the Kubernetes OpenAPI v2 JSON"
    )
    parser.add_argument("--check", action="store_true", help="fail when the committed files are stale")
    args = parser.parse_args(argv)
    files = generate(args.openapi)
    stale = stale_files(files)
    if args.check:
        if stale:
            print(f"stale: {', '.join(stale)}; run python hack/gen_openapi_v3.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name in stale:
        if name in files:
            (OUTPUT / name).write_bytes(files[name])
        else:
            (OUTPUT / name).unlink()
    print(f"wrote {len(files)} files to {OUTPUT.relative_to(REPO)} ({sum(map(len, files.values()))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
