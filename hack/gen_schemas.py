#!/usr/bin/env python3
"""Generate ``pinnace/api/data/schemas.json``: the Kubernetes 1.32 API types as the request decoder sees them.

kube-apiserver decodes every request body into the Go struct of its kind (sigs.k8s.io/json, case-sensitive):
a JSON value of the wrong type fails with ``json: cannot unmarshal ...``, an unknown field is dropped (and
reported under ``fieldValidation``), and a handful of apimachinery types bring their own ``UnmarshalJSON``.
``pinnace.api.schema`` reproduces that from this file, which holds:

``definitions``
    every OpenAPI v2 definition (``shared/api-data``), by name. An object type is ``{"fields": {...}}``; a
    field is a type, or ``{"type": <type>, <extension>: ...}`` when it carries strategic-merge-patch and
    server-side-apply metadata (``x-kubernetes-patch-strategy``, ``-patch-merge-key``, ``-list-type``,
    ``-list-map-keys``, ``-map-type``). A type is a scalar name (``string``, ``int32``, ``int64``, ``bool``,
    ``float64``, ``bytes``), ``"#<definition>"``, ``["list", <type>]`` or ``["map", <type>]``; a trailing
    string names the Go type where it differs from what the OpenAPI shape implies (``["string",
    "v1.Protocol"]``), since Go's errors print it. Types with their own ``UnmarshalJSON`` are ``{"form":
    ...}`` (``FORMS`` below).
``kinds``
    ``apiVersion`` -> ``kind`` -> definition, from ``x-kubernetes-group-version-kind``.

A definition lists in ``"zero"`` the fields Go's JSON writes for its zero value (``GO_ZERO`` below: fields
without ``omitempty``, and struct values, which ``omitempty`` never drops; ``*`` marks a nil pointer). They
are why ``kubectl get -o yaml`` shows ``resources: {}`` and ``creationTimestamp: null``, and server-side apply
compares a created object with that empty one. A field also carries ``"default"`` where its Go type has a
``+default=`` marker (``DEFAULTS`` below): the OpenAPI v2 document drops them, but kube-apiserver's
server-side apply reads them from the OpenAPI models it is built with, to key a list item that omits a key
field (``ports[].protocol`` is ``TCP``).

OpenAPI does not say which Go type a field has when that type is named (``type Protocol string``,
``types.UID``, ``ResourceList``, aliases): ``GO_TYPES`` at the end holds those facts, refreshed from Go
sources with ``--go-types API_DIR APIMACHINERY_DIR APIEXTENSIONS_DIR AGGREGATOR_DIR`` (checkouts of
k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator at one version).

Run ``python hack/gen_schemas.py`` to regenerate; ``--check`` fails when the committed file is stale. A unit
test compares the two as well, so nobody edits the JSON by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "pinnace" / "api" / "data" / "schemas.json"
OPENAPI_NAME = "kubernetes-1.32-openapi-v2.json"
# The shared interface data sits beside the checkout (see shared/api-data/README.md).
DEFAULT_OPENAPI = REPO.parent / "shared" / "api-data" / OPENAPI_NAME

APIEXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"
# Definitions whose Go type has its own UnmarshalJSON, by the form pinnace.api.schema decodes them in.
FORMS: dict[str, str] = {
    # apimachinery/pkg/api/resource/quantity.go: ParseQuantity of the string, or of a number's text.
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "quantity",
    # apimachinery/pkg/util/intstr/intstr.go: a string, else json.Unmarshal into an int32.
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "int-or-string",
    # apimachinery/pkg/apis/meta/v1/time.go, micro_time.go: a string, time.Parse(RFC3339 / RFC3339Micro).
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "micro-time",
    # runtime/extension.go, meta/v1/helpers.go, apiextensions v1 marshal.go: any JSON, kept verbatim.
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "raw",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "raw",
    f"{APIEXTENSIONS}.JSON": "raw",
    # apiextensions v1 marshal.go: a JSONSchemaProps, or an array of them / a bool / an array of strings.
    f"{APIEXTENSIONS}.JSONSchemaPropsOrArray": "schema-or-array",
    f"{APIEXTENSIONS}.JSONSchemaPropsOrBool": "schema-or-bool",
    f"{APIEXTENSIONS}.JSONSchemaPropsOrStringArray": "schema-or-string-array",
}
# Definitions without properties that are empty Go structs (``struct{}``): every key in them is unknown.
EMPTY_STRUCTS = frozenset(
    (
        "io.k8s.api.apiserverinternal.v1alpha1.StorageVersionSpec",
        f"{APIEXTENSIONS}.CustomResourceSubresourceStatus",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    )
)
FIELD_EXTENSIONS = (
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
)
# The ``+default=`` markers of k8s.io/api v0.32 (core/v1/types.go; ``ref(...)`` resolved to the constant).
DEFAULTS: dict[tuple[str, str], Any] = {
    ("io.k8s.api.core.v1.AzureDiskVolumeSource", "cachingMode"): "ReadWrite",
    ("io.k8s.api.core.v1.AzureDiskVolumeSource", "fsType"): "ext4",
    ("io.k8s.api.core.v1.AzureDiskVolumeSource", "kind"): "Shared",
    ("io.k8s.api.core.v1.AzureDiskVolumeSource", "readOnly"): False,
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.GRPCAction", "service"): "",
    ("io.k8s.api.core.v1.ISCSIPersistentVolumeSource", "iscsiInterface"): "default",
    ("io.k8s.api.core.v1.ISCSIVolumeSource", "iscsiInterface"): "default",
    ("io.k8s.api.core.v1.LocalObjectReference", "name"): "",
    ("io.k8s.api.core.v1.RBDPersistentVolumeSource", "keyring"): "/etc/ceph/keyring",
    ("io.k8s.api.core.v1.RBDPersistentVolumeSource", "pool"): "rbd",
    ("io.k8s.api.core.v1.RBDPersistentVolumeSource", "user"): "admin",
    ("io.k8s.api.core.v1.RBDVolumeSource", "keyring"): "/etc/ceph/keyring",
    ("io.k8s.api.core.v1.RBDVolumeSource", "pool"): "rbd",
    ("io.k8s.api.core.v1.RBDVolumeSource", "user"): "admin",
    ("io.k8s.api.core.v1.ScaleIOPersistentVolumeSource", "fsType"): "xfs",
    ("io.k8s.api.core.v1.ScaleIOPersistentVolumeSource", "storageMode"): "ThinProvisioned",
    ("io.k8s.api.core.v1.ScaleIOVolumeSource", "fsType"): "xfs",
    ("io.k8s.api.core.v1.ScaleIOVolumeSource", "storageMode"): "ThinProvisioned",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}
SCALARS = {("string", None): "string", ("string", "byte"): "bytes", ("boolean", None): "bool"}
SCALARS |= {("integer", "int32"): "int32", ("integer", "int64"): "int64", ("number", "double"): "float64"}
# The Go type each scalar is unless GO_TYPES says otherwise (reflect.Type.String()).
SCALAR_GO = {"string": "string", "bytes": "[]uint8", "bool": "bool", "int32": "int32", "int64": "int64"}
SCALAR_GO["float64"] = "float64"

Type = str | list[Any]


def load_openapi(path: Path = DEFAULT_OPENAPI) -> dict[str, Any]:
    with path.open("rb") as f:
        spec: dict[str, Any] = json.load(f)
    return spec


def go_name(definition: str) -> str:
    """``io.k8s.api.core.v1.PodSpec`` -> ``v1.PodSpec``: Go prints a named type as package name and name."""
    return ".".join(definition.rsplit(".", 2)[-2:])


def default_go(t: Type) -> str:
    """The Go type of a type expression when no override names it."""
    if isinstance(t, str):
        return go_name(t[1:]) if t.startswith("#") else SCALAR_GO[t]
    if t[0] == "list":
        return t[2] if len(t) > 2 else "[]" + default_go(t[1])
    if t[0] == "map":
        return t[2] if len(t) > 2 else "map[string]" + default_go(t[1])
    return str(t[1])  # [scalar or ref, go type]


def type_of(schema: Mapping[str, Any], where: str) -> Type:
    """A property's (or an item's) type expression from its OpenAPI schema."""
    if "$ref" in schema:
        return "#" + schema["$ref"].removeprefix("#/definitions/")
    kind = schema.get("type")
    if kind == "array":
        return ["list", type_of(schema["items"], where)]
    if kind == "object" and "additionalProperties" in schema:
        return ["map", type_of(schema["additionalProperties"], where)]
    scalar = SCALARS.get((kind, schema.get("format")))
    if scalar is None:
        raise SystemExit(f"{where}: no decoder type for {kind!r} format {schema.get('format')!r}")
    return scalar


def with_go(t: Type, go: str, where: str) -> Type:
    """``t`` annotated with Go type ``go``; a slice or map literal annotates its element too."""
    if go == default_go(t):
        return t
    if isinstance(t, list) and t[0] in ("list", "map"):
        element = t[1]
        if t[0] == "list" and go.startswith("[]"):
            element = with_go(element, go[2:], where)
        elif t[0] == "map" and go.startswith("map["):
            element = with_go(element, _map_value(go), where)
        annotated: list[Any] = [t[0], element]
        return [*annotated, go] if go != default_go(annotated) else annotated
    if isinstance(t, list):
        raise SystemExit(f"{where}: {t} is annotated twice")
    return [t, go]


def _map_value(go: str) -> str:
    depth = 0
    for i, c in enumerate(go):
        depth += (c == "[") - (c == "]")
        if c == "]" and depth == 0:
            return go[i + 1 :]
    raise SystemExit(f"unbalanced Go map type {go}")


def build(spec: Mapping[str, Any]) -> dict[str, Any]:
    definitions: Mapping[str, Any] = spec["definitions"]
    go_types = parse_go_types(GO_TYPES)
    unused = {(d, p) for d, props in go_types.items() for p in props}
    unused_defaults = set(DEFAULTS)
    zeros = parse_go_types(GO_ZERO)
    records: dict[str, Any] = {}
    kinds: dict[str, dict[str, str]] = {}
    for name, schema in sorted(definitions.items()):
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            if kinds.setdefault(api_version, {}).setdefault(gvk["kind"], name) != name:
                raise SystemExit(f"{api_version} {gvk['kind']} names two definitions")
        if name in FORMS:
            records[name] = {"form": FORMS[name]}
            continue
        if "properties" not in schema and name not in EMPTY_STRUCTS:
            raise SystemExit(f"{name} has no properties: add it to FORMS or EMPTY_STRUCTS")
        fields: dict[str, Any] = {}
        for prop, prop_schema in schema.get("properties", {}).items():
            where = f"{name}.{prop}"
            t = type_of(prop_schema, where)
            if prop in go_types.get(name, {}):
                t = with_go(t, go_types[name][prop], where)
                unused.discard((name, prop))
            extensions = {k: prop_schema[k] for k in FIELD_EXTENSIONS if k in prop_schema}
            if (name, prop) in DEFAULTS:
                extensions["default"] = DEFAULTS[name, prop]
                unused_defaults.discard((name, prop))
            fields[prop] = {"type": t, **extensions} if extensions else t
        record: dict[str, Any] = {"fields": fields}
        if "x-kubernetes-map-type" in schema:
            record["x-kubernetes-map-type"] = schema["x-kubernetes-map-type"]
        if name in zeros:
            tokens = sorted(zeros.pop(name))
            if any(token.lstrip("*") not in fields for token in tokens):
                raise SystemExit(f"GO_ZERO names fields {name} does not have: {tokens}")
            record["zero"] = tokens
        records[name] = record
    if unused:
        raise SystemExit(f"GO_TYPES names fields OpenAPI does not have: {sorted(unused)}")
    if unused_defaults:
        raise SystemExit(f"DEFAULTS names fields OpenAPI does not have: {sorted(unused_defaults)}")
    if zeros:
        raise SystemExit(f"GO_ZERO names definitions OpenAPI does not have: {sorted(zeros)}")
    for name, record in records.items():
        for ref in _refs(record.get("fields", {})):
            if ref not in records:
                raise SystemExit(f"{name} refers to {ref}, which is not defined")
    return {"definitions": records, "kinds": {v: dict(sorted(k.items())) for v, k in sorted(kinds.items())}}


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("#"):
        yield value[1:]
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render(spec: Mapping[str, Any]) -> str:
    """The file's exact text: compact JSON, one definition per line so that diffs stay readable."""
    doc = build(spec)
    definitions = ",\n".join(f"{_dumps(name)}:{_dumps(r)}" for name, r in doc["definitions"].items())
    kinds = ",\n".join(f"{_dumps(v)}:{_dumps(k)}" for v, k in doc["kinds"].items())
    return f'{{"definitions":{{\n{definitions}\n}},\n"kinds":{{\n{kinds}\n}}}}\n'


# GO_TYPES -----------------------------------------------------------------------------------------------
# A line per definition (relative to "io.k8s."), its tokens on indented lines when too long: "prop=<Go type>"
# where the Go type of the field, as reflect prints it once a pointer is dereferenced, is not what the
# OpenAPI shape implies.


def parse_go_types(text: str) -> dict[str, dict[str, str]]:
    types: dict[str, dict[str, str]] = {}
    by_prop: dict[str, str] = {}
    for line in text.strip("\n").splitlines():
        tokens = line
        if not line[:1].isspace():  # an indented line continues the definition above
            definition, _, tokens = line.partition(":")
            by_prop = types.setdefault(f"io.k8s.{definition}", {})
        for token in tokens.split():
            prop, _, go = token.partition("=")
            by_prop[prop] = go
    return types


GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:(\w+)\s+)?"(k8s\.io/[^"]+)"\s*$', re.M)
GO_STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
GO_ALIAS = re.compile(r"^type (\w+) = ([\w.\[\]*]+)\s*$", re.M)
GO_DEFINED = re.compile(r"^type (\w+) ([\w.]+)\s*$", re.M)  # type MatchCondition v1.MatchCondition
GO_FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([\w.\[\]*]+)\s+`([^`]*)`", re.M)
GO_JSON_TAG = re.compile(r'json:"([^"]*)"')
GO_BUILTINS = frozenset(("string", "bool", "int", "int32", "int64", "uint8", "float64", "uint32", "uint64"))


class _GoPackages:
    """Just enough of Go's type system to print a field's type the way reflect.Type.String() does."""

    def __init__(self, roots: Mapping[str, Path]) -> None:
        self.roots = roots  # import path prefix -> checkout
        self.packages: dict[Path, tuple[dict[str, Any], dict[str, Any]]] = {}

    def directory(self, import_path: str) -> Path | None:
        for prefix, root in self.roots.items():
            if import_path.startswith(prefix + "/"):
                return root / import_path.removeprefix(prefix + "/")
        return None

    def package(self, directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """(struct name -> (fields, imports), alias name -> (target, imports)) of one Go package.

        A defined type over another struct (``type MatchCondition v1.MatchCondition``) is kept with the
        aliases under a leading ``=``: it has its own name but the fields of the type it is defined from.
        """
        if directory not in self.packages:
            structs: dict[str, Any] = {}
            aliases: dict[str, Any] = {}
            for path in sorted(directory.glob("*.go")):
                if path.name.endswith("_test.go") or "generated" in path.name:
                    continue
                source = path.read_text(encoding="utf-8")
                imports = {(a or p.rsplit("/", 1)[-1]): p for a, p in GO_IMPORT.findall(source)}
                for name, target in GO_ALIAS.findall(source):
                    aliases[name] = (target, imports)
                for name, target in GO_DEFINED.findall(source):
                    if target not in GO_BUILTINS and not target.startswith("map"):
                        aliases[f"={name}"] = (target, imports)
                for struct in GO_STRUCT.finditer(source):
                    structs[struct[1]] = (GO_FIELD.findall(struct[2]), imports)
            self.packages[directory] = (structs, aliases)
        return self.packages[directory]

    def render(self, expr: str, directory: Path, imports: Mapping[str, str]) -> str:
        if expr.startswith(("[]", "*")):
            cut = 2 if expr.startswith("[]") else 1
            return expr[:cut] + self.render(expr[cut:], directory, imports)
        if expr.startswith("map["):
            value = _map_value(expr)
            key = expr[4 : len(expr) - len(value) - 1]
            return f"map[{self.render(key, directory, imports)}]{self.render(value, directory, imports)}"
        if expr == "byte":
            return "uint8"
        if expr in GO_BUILTINS:
            return expr
        qualifier, _, name = expr.rpartition(".")
        if qualifier:
            import_path = imports.get(qualifier, qualifier)
            target = self.directory(import_path)
            if target is None:  # outside the checkouts (time.Time, ...): the package's own name
                return f"{import_path.rsplit('/', 1)[-1]}.{name}"
            directory = target
        _, aliases = self.package(directory)
        if name in aliases:  # reflect names an alias's target
            target_expr, target_imports = aliases[name]
            return self.render(target_expr, directory, target_imports)
        return f"{directory.name}.{name}"

    def fields(self, directory: Path, struct: str) -> dict[str, str] | None:
        """JSON name -> Go type of one struct, inline embedded structs flattened."""
        structs, aliases = self.package(directory)
        if struct not in structs:
            alias = aliases.get(struct) or aliases.get(f"={struct}")
            if alias is None:
                return None
            qualifier, _, name = alias[0].rpartition(".")
            target = self.directory(alias[1].get(qualifier, "")) if qualifier else directory
            return self.fields(target, name) if target else None
        out: dict[str, str] = {}
        field_list, imports = structs[struct]
        for field_name, go_type, tag in field_list:
            json_tag = GO_JSON_TAG.search(tag)
            json_name = json_tag[1].split(",")[0] if json_tag else ""
            if json_name == "-":
                continue
            if not field_name and not json_name:  # embedded inline (TypeMeta, ObjectMeta, aliases)
                qualifier, _, name = go_type.lstrip("*").rpartition(".")
                target = self.directory(imports.get(qualifier, "")) if qualifier else directory
                embedded = self.fields(target, name) if target else None
                if embedded is None:
                    raise SystemExit(f"{directory}: cannot follow embedded {go_type} in {struct}")
                out.update(embedded)
                continue
            out[json_name or field_name] = self.render(go_type, directory, imports).removeprefix("*")
        return out

    def zero_fields(self, directory: Path, struct: str) -> dict[str, tuple[bool, bool]] | None:
        """JSON name -> (omitempty, pointer) of one struct's fields, inline embedded structs flattened."""
        structs, aliases = self.package(directory)
        if struct not in structs:
            alias = aliases.get(struct) or aliases.get(f"={struct}")
            if alias is None:
                return None
            qualifier, _, name = alias[0].rpartition(".")
            target = self.directory(alias[1].get(qualifier, "")) if qualifier else directory
            return self.zero_fields(target, name) if target else None
        out: dict[str, tuple[bool, bool]] = {}
        field_list, imports = structs[struct]
        for field_name, go_type, tag in field_list:
            json_tag = GO_JSON_TAG.search(tag)
            name, *options = json_tag[1].split(",") if json_tag else [""]
            if name == "-":
                continue
            if not field_name and not name:
                qualifier, _, embedded = go_type.lstrip("*").rpartition(".")
                target = self.directory(imports.get(qualifier, "")) if qualifier else directory
                inner = self.zero_fields(target, embedded) if target else None
                if inner is None:
                    raise SystemExit(f"{directory}: cannot follow embedded {go_type} in {struct}")
                out.update(inner)
                continue
            out[name or field_name] = ("omitempty" in options, go_type.startswith("*"))
        return out


def go_zero(spec: Mapping[str, Any], roots: Mapping[str, Path]) -> str:
    """The ``GO_ZERO`` block: for each definition a kind's zero value reaches, the fields Go writes."""
    packages = _GoPackages(roots)
    definitions = spec["definitions"]
    todo = sorted(
        {n for n, d in definitions.items() if d.get("x-kubernetes-group-version-kind")}, reverse=True
    )
    seen: set[str] = set()
    found_lines: dict[str, list[str]] = {}
    while todo:
        name = todo.pop()
        if name in seen or name in FORMS or "properties" not in definitions[name]:
            continue
        seen.add(name)
        package, _, struct = name.rpartition(".")
        directory = packages.directory("k8s.io/" + package.removeprefix("io.k8s.").replace(".", "/"))
        found = packages.zero_fields(directory, struct) if directory else None
        if found is None:
            raise SystemExit(f"no Go struct for {name}")
        tokens = []
        for prop, prop_schema in definitions[name]["properties"].items():
            omitempty, pointer = found[prop]
            ref = prop_schema.get("$ref", "").removeprefix("#/definitions/")
            value_struct = bool(ref) and not pointer
            if omitempty and not value_struct:
                continue
            tokens.append("*" + prop if pointer else prop)
            if value_struct:
                todo.append(ref)
        if tokens:
            found_lines[name] = _block_lines(name.removeprefix("io.k8s."), sorted(tokens))
    return "".join(line + "\n" for name in sorted(found_lines) for line in found_lines[name])


def go_types(spec: Mapping[str, Any], roots: Mapping[str, Path]) -> str:
    """The ``GO_TYPES`` block from Go checkouts (import path prefix -> directory)."""
    packages = _GoPackages(roots)
    lines: list[str] = []
    for name, schema in sorted(spec["definitions"].items()):
        if "properties" not in schema or name in FORMS:
            continue
        package, _, struct = name.rpartition(".")
        directory = packages.directory("k8s.io/" + package.removeprefix("io.k8s.").replace(".", "/"))
        found = packages.fields(directory, struct) if directory else None
        if found is None:
            raise SystemExit(f"no Go struct for {name}")
        tokens = []
        for prop, prop_schema in schema["properties"].items():
            t = type_of(prop_schema, name)
            if prop not in found:
                raise SystemExit(f"{name}: Go struct has no field {prop}")
            if found[prop] != default_go(t):
                tokens.append(f"{prop}={found[prop]}")
        if tokens:
            lines += _block_lines(name.removeprefix("io.k8s."), tokens)
    return "\n".join(lines) + "\n"


def _block_lines(name: str, tokens: list[str]) -> list[str]:
    """One definition of a GO_TYPES-style block: one line, or the tokens wrapped on indented lines."""
    line = f"{name}: {' '.join(tokens)}"
    if len(line) <= 110:
        return [line]
    chunks = textwrap.wrap(" ".join(tokens), 106, break_on_hyphens=False, break_long_words=False)
    return [name + ":", *(f"    {chunk}" for chunk in chunks)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--openapi", type=Path, default=DEFAULT_OPENAPI, help="Kubernetes OpenAPI v2 JSON")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    parser.add_argument(
        "--go-types",
        nargs=4,
        type=Path,
        metavar=("API_DIR", "APIMACHINERY_DIR", "APIEXTENSIONS_DIR", "AGGREGATOR_DIR"),
        help="print the GO_TYPES block from Go checkouts",
    )
    parser.add_argument(
        "--go-zero",
        nargs=4,
        type=Path,
        metavar=("API_DIR", "APIMACHINERY_DIR", "APIEXTENSIONS_DIR", "AGGREGATOR_DIR"),
        help="print the GO_ZERO block from Go checkouts",
    )
    args = parser.parse_args(argv)
    spec = load_openapi(args.openapi)
    prefixes = (
        "k8s.io/api",
        "k8s.io/apimachinery",
        "k8s.io/apiextensions-apiserver",
        "k8s.io/kube-aggregator",
    )
    if args.go_types:
        sys.stdout.write(go_types(spec, dict(zip(prefixes, args.go_types, strict=True))))
        return 0
    if args.go_zero:
        sys.stdout.write(go_zero(spec, dict(zip(prefixes, args.go_zero, strict=True))))
        return 0
    text = render(spec)
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is stale; run: python hack/gen_schemas.py", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes)")
    return 0


# From k8s.io/api, apimachinery, apiextensions-apiserver and kube-aggregator v0.32.13 (``--go-types``).
GO_TYPES = """
api.admissionregistration.v1.MatchResources: matchPolicy=v1.MatchPolicyType
api.admissionregistration.v1.MutatingWebhook:
    failurePolicy=v1.FailurePolicyType matchPolicy=v1.MatchPolicyType
    reinvocationPolicy=v1.ReinvocationPolicyType sideEffects=v1.SideEffectClass
api.admissionregistration.v1.NamedRuleWithOperations: operations=[]v1.OperationType scope=v1.ScopeType
api.admissionregistration.v1.ParamRef: parameterNotFoundAction=v1.ParameterNotFoundActionType
api.admissionregistration.v1.RuleWithOperations: operations=[]v1.OperationType scope=v1.ScopeType
api.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec: validationActions=[]v1.ValidationAction
api.admissionregistration.v1.ValidatingAdmissionPolicySpec: failurePolicy=v1.FailurePolicyType
api.admissionregistration.v1.ValidatingWebhook:
    failurePolicy=v1.FailurePolicyType matchPolicy=v1.MatchPolicyType sideEffects=v1.SideEffectClass
api.admissionregistration.v1.Validation: reason=v1.StatusReason
api.admissionregistration.v1alpha1.MatchResources: matchPolicy=v1alpha1.MatchPolicyType
api.admissionregistration.v1alpha1.MutatingAdmissionPolicySpec:
    failurePolicy=v1alpha1.FailurePolicyType reinvocationPolicy=v1.ReinvocationPolicyType
api.admissionregistration.v1alpha1.Mutation: patchType=v1alpha1.PatchType
api.admissionregistration.v1alpha1.NamedRuleWithOperations: operations=[]v1.OperationType scope=v1.ScopeType
api.admissionregistration.v1alpha1.ParamRef: parameterNotFoundAction=v1alpha1.ParameterNotFoundActionType
api.admissionregistration.v1beta1.MatchResources: matchPolicy=v1beta1.MatchPolicyType
api.admissionregistration.v1beta1.NamedRuleWithOperations: operations=[]v1.OperationType scope=v1.ScopeType
api.admissionregistration.v1beta1.ParamRef: parameterNotFoundAction=v1beta1.ParameterNotFoundActionType
api.admissionregistration.v1beta1.ValidatingAdmissionPolicyBindingSpec:
    validationActions=[]v1beta1.ValidationAction
api.admissionregistration.v1beta1.ValidatingAdmissionPolicySpec: failurePolicy=v1beta1.FailurePolicyType
api.admissionregistration.v1beta1.Validation: reason=v1.StatusReason
api.apiserverinternal.v1alpha1.StorageVersionCondition:
    status=v1alpha1.ConditionStatus type=v1alpha1.StorageVersionConditionType
api.apps.v1.DaemonSetCondition: status=v1.ConditionStatus type=v1.DaemonSetConditionType
api.apps.v1.DaemonSetUpdateStrategy: type=v1.DaemonSetUpdateStrategyType
api.apps.v1.DeploymentCondition: status=v1.ConditionStatus type=v1.DeploymentConditionType
api.apps.v1.DeploymentStrategy: type=v1.DeploymentStrategyType
api.apps.v1.ReplicaSetCondition: status=v1.ConditionStatus type=v1.ReplicaSetConditionType
api.apps.v1.StatefulSetCondition: status=v1.ConditionStatus type=v1.StatefulSetConditionType
api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy:
    whenDeleted=v1.PersistentVolumeClaimRetentionPolicyType
    whenScaled=v1.PersistentVolumeClaimRetentionPolicyType
api.apps.v1.StatefulSetSpec: podManagementPolicy=v1.PodManagementPolicyType
api.apps.v1.StatefulSetUpdateStrategy: type=v1.StatefulSetUpdateStrategyType
api.authentication.v1.BoundObjectReference: uid=types.UID
api.authentication.v1.UserInfo: extra=map[string]v1.ExtraValue
api.authorization.v1.SubjectAccessReviewSpec: extra=map[string]v1.ExtraValue
api.autoscaling.v2.ContainerResourceMetricSource: name=v1.ResourceName
api.autoscaling.v2.ContainerResourceMetricStatus: name=v1.ResourceName
api.autoscaling.v2.HPAScalingPolicy: type=v2.HPAScalingPolicyType
api.autoscaling.v2.HPAScalingRules: selectPolicy=v2.ScalingPolicySelect
api.autoscaling.v2.HorizontalPodAutoscalerCondition:
    status=v1.ConditionStatus type=v2.HorizontalPodAutoscalerConditionType
api.autoscaling.v2.MetricSpec: type=v2.MetricSourceType
api.autoscaling.v2.MetricStatus: type=v2.MetricSourceType
api.autoscaling.v2.MetricTarget: type=v2.MetricTargetType
api.autoscaling.v2.ResourceMetricSource: name=v1.ResourceName
api.autoscaling.v2.ResourceMetricStatus: name=v1.ResourceName
api.batch.v1.CronJobSpec: concurrencyPolicy=v1.ConcurrencyPolicy
api.batch.v1.JobCondition: status=v1.ConditionStatus type=v1.JobConditionType
api.batch.v1.JobSpec: completionMode=v1.CompletionMode podReplacementPolicy=v1.PodReplacementPolicy
api.batch.v1.PodFailurePolicyOnExitCodesRequirement: operator=v1.PodFailurePolicyOnExitCodesOperator
api.batch.v1.PodFailurePolicyOnPodConditionsPattern: status=v1.ConditionStatus type=v1.PodConditionType
api.batch.v1.PodFailurePolicyRule: action=v1.PodFailurePolicyAction
api.batch.v1.UncountedTerminatedPods: failed=[]types.UID succeeded=[]types.UID
api.certificates.v1.CertificateSigningRequestCondition: status=v1.ConditionStatus type=v1.RequestConditionType
api.certificates.v1.CertificateSigningRequestSpec: extra=map[string]v1.ExtraValue usages=[]v1.KeyUsage
api.coordination.v1.LeaseSpec: strategy=v1.CoordinatedLeaseStrategy
api.coordination.v1alpha2.LeaseCandidateSpec: strategy=v1.CoordinatedLeaseStrategy
api.core.v1.AppArmorProfile: type=v1.AppArmorProfileType
api.core.v1.AttachedVolume: name=v1.UniqueVolumeName
api.core.v1.AzureDiskVolumeSource: cachingMode=v1.AzureDataDiskCachingMode kind=v1.AzureDataDiskKind
api.core.v1.Capabilities: add=[]v1.Capability drop=[]v1.Capability
api.core.v1.ComponentCondition: status=v1.ConditionStatus type=v1.ComponentConditionType
api.core.v1.ConfigMapNodeConfigSource: uid=types.UID
api.core.v1.Container:
    imagePullPolicy=v1.PullPolicy restartPolicy=v1.ContainerRestartPolicy
    terminationMessagePolicy=v1.TerminationMessagePolicy
api.core.v1.ContainerPort: protocol=v1.Protocol
api.core.v1.ContainerResizePolicy: resourceName=v1.ResourceName restartPolicy=v1.ResourceResizeRestartPolicy
api.core.v1.ContainerStatus: allocatedResources=v1.ResourceList
api.core.v1.EmptyDirVolumeSource: medium=v1.StorageMedium
api.core.v1.EndpointPort: protocol=v1.Protocol
api.core.v1.EphemeralContainer:
    imagePullPolicy=v1.PullPolicy restartPolicy=v1.ContainerRestartPolicy
    terminationMessagePolicy=v1.TerminationMessagePolicy
api.core.v1.HTTPGetAction: scheme=v1.URIScheme
api.core.v1.HostPathVolumeSource: type=v1.HostPathType
api.core.v1.ImageVolumeSource: pullPolicy=v1.PullPolicy
api.core.v1.LimitRangeItem:
    default=v1.ResourceList defaultRequest=v1.ResourceList max=v1.ResourceList
    maxLimitRequestRatio=v1.ResourceList min=v1.ResourceList type=v1.LimitType
api.core.v1.LoadBalancerIngress: ipMode=v1.LoadBalancerIPMode
api.core.v1.ModifyVolumeStatus: status=v1.PersistentVolumeClaimModifyVolumeStatus
api.core.v1.NamespaceCondition: status=v1.ConditionStatus type=v1.NamespaceConditionType
api.core.v1.NamespaceSpec: finalizers=[]v1.FinalizerName
api.core.v1.NamespaceStatus: phase=v1.NamespacePhase
api.core.v1.NodeAddress: type=v1.NodeAddressType
api.core.v1.NodeCondition: status=v1.ConditionStatus type=v1.NodeConditionType
api.core.v1.NodeSelectorRequirement: operator=v1.NodeSelectorOperator
api.core.v1.NodeStatus:
    allocatable=v1.ResourceList capacity=v1.ResourceList phase=v1.NodePhase volumesInUse=[]v1.UniqueVolumeName
api.core.v1.ObjectReference: uid=types.UID
api.core.v1.PersistentVolumeClaimCondition:
    status=v1.ConditionStatus type=v1.PersistentVolumeClaimConditionType
api.core.v1.PersistentVolumeClaimSpec:
    accessModes=[]v1.PersistentVolumeAccessMode volumeMode=v1.PersistentVolumeMode
api.core.v1.PersistentVolumeClaimStatus:
    accessModes=[]v1.PersistentVolumeAccessMode
    allocatedResourceStatuses=map[v1.ResourceName]v1.ClaimResourceStatus allocatedResources=v1.ResourceList
    capacity=v1.ResourceList phase=v1.PersistentVolumeClaimPhase
api.core.v1.PersistentVolumeSpec:
    accessModes=[]v1.PersistentVolumeAccessMode capacity=v1.ResourceList
    persistentVolumeReclaimPolicy=v1.PersistentVolumeReclaimPolicy volumeMode=v1.PersistentVolumeMode
api.core.v1.PersistentVolumeStatus: phase=v1.PersistentVolumePhase
api.core.v1.PodCondition: status=v1.ConditionStatus type=v1.PodConditionType
api.core.v1.PodOS: name=v1.OSName
api.core.v1.PodReadinessGate: conditionType=v1.PodConditionType
api.core.v1.PodSecurityContext:
    fsGroupChangePolicy=v1.PodFSGroupChangePolicy seLinuxChangePolicy=v1.PodSELinuxChangePolicy
    supplementalGroupsPolicy=v1.SupplementalGroupsPolicy
api.core.v1.PodSpec:
    dnsPolicy=v1.DNSPolicy overhead=v1.ResourceList preemptionPolicy=v1.PreemptionPolicy
    restartPolicy=v1.RestartPolicy
api.core.v1.PodStatus: phase=v1.PodPhase qosClass=v1.PodQOSClass resize=v1.PodResizeStatus
api.core.v1.PortStatus: protocol=v1.Protocol
api.core.v1.ReplicationControllerCondition:
    status=v1.ConditionStatus type=v1.ReplicationControllerConditionType
api.core.v1.ResourceHealth: health=v1.ResourceHealthStatus resourceID=v1.ResourceID
api.core.v1.ResourceQuotaSpec: hard=v1.ResourceList scopes=[]v1.ResourceQuotaScope
api.core.v1.ResourceQuotaStatus: hard=v1.ResourceList used=v1.ResourceList
api.core.v1.ResourceRequirements: limits=v1.ResourceList requests=v1.ResourceList
api.core.v1.ResourceStatus: name=v1.ResourceName
api.core.v1.ScopedResourceSelectorRequirement:
    operator=v1.ScopeSelectorOperator scopeName=v1.ResourceQuotaScope
api.core.v1.SeccompProfile: type=v1.SeccompProfileType
api.core.v1.Secret: type=v1.SecretType
api.core.v1.SecurityContext: procMount=v1.ProcMountType
api.core.v1.ServicePort: protocol=v1.Protocol
api.core.v1.ServiceSpec:
    externalTrafficPolicy=v1.ServiceExternalTrafficPolicy
    internalTrafficPolicy=v1.ServiceInternalTrafficPolicy ipFamilies=[]v1.IPFamily
    ipFamilyPolicy=v1.IPFamilyPolicy sessionAffinity=v1.ServiceAffinity type=v1.ServiceType
api.core.v1.Taint: effect=v1.TaintEffect
api.core.v1.Toleration: effect=v1.TaintEffect operator=v1.TolerationOperator
api.core.v1.TopologySpreadConstraint:
    nodeAffinityPolicy=v1.NodeInclusionPolicy nodeTaintsPolicy=v1.NodeInclusionPolicy
    whenUnsatisfiable=v1.UnsatisfiableConstraintAction
api.core.v1.VolumeMount: mountPropagation=v1.MountPropagationMode recursiveReadOnly=v1.RecursiveReadOnlyMode
api.core.v1.VolumeMountStatus: recursiveReadOnly=v1.RecursiveReadOnlyMode
api.core.v1.VolumeResourceRequirements: limits=v1.ResourceList requests=v1.ResourceList
api.discovery.v1.EndpointPort: protocol=v1.Protocol
api.discovery.v1.EndpointSlice: addressType=v1.AddressType
api.flowcontrol.v1.FlowDistinguisherMethod: type=v1.FlowDistinguisherMethodType
api.flowcontrol.v1.FlowSchemaCondition: status=v1.ConditionStatus type=v1.FlowSchemaConditionType
api.flowcontrol.v1.LimitResponse: type=v1.LimitResponseType
api.flowcontrol.v1.PriorityLevelConfigurationCondition:
    status=v1.ConditionStatus type=v1.PriorityLevelConfigurationConditionType
api.flowcontrol.v1.PriorityLevelConfigurationSpec: type=v1.PriorityLevelEnablement
api.flowcontrol.v1.Subject: kind=v1.SubjectKind
api.networking.v1.HTTPIngressPath: pathType=v1.PathType
api.networking.v1.IngressPortStatus: protocol=v1.Protocol
api.networking.v1.NetworkPolicyPort: protocol=v1.Protocol
api.networking.v1.NetworkPolicySpec: policyTypes=[]v1.PolicyType
api.node.v1.Overhead: podFixed=v1.ResourceList
api.policy.v1.PodDisruptionBudgetSpec: unhealthyPodEvictionPolicy=v1.UnhealthyPodEvictionPolicyType
api.resource.v1alpha3.BasicDevice:
    attributes=map[v1alpha3.QualifiedName]v1alpha3.DeviceAttribute
    capacity=map[v1alpha3.QualifiedName]resource.Quantity
api.resource.v1alpha3.DeviceAllocationConfiguration: source=v1alpha3.AllocationConfigSource
api.resource.v1alpha3.DeviceConstraint: matchAttribute=v1alpha3.FullyQualifiedName
api.resource.v1alpha3.DeviceRequest: allocationMode=v1alpha3.DeviceAllocationMode
api.resource.v1alpha3.ResourceClaimConsumerReference: uid=types.UID
api.resource.v1beta1.BasicDevice:
    attributes=map[v1beta1.QualifiedName]v1beta1.DeviceAttribute
    capacity=map[v1beta1.QualifiedName]v1beta1.DeviceCapacity
api.resource.v1beta1.DeviceAllocationConfiguration: source=v1beta1.AllocationConfigSource
api.resource.v1beta1.DeviceConstraint: matchAttribute=v1beta1.FullyQualifiedName
api.resource.v1beta1.DeviceRequest: allocationMode=v1beta1.DeviceAllocationMode
api.resource.v1beta1.ResourceClaimConsumerReference: uid=types.UID
api.scheduling.v1.PriorityClass: preemptionPolicy=v1.PreemptionPolicy
api.storage.v1.CSIDriverSpec: fsGroupPolicy=v1.FSGroupPolicy volumeLifecycleModes=[]v1.VolumeLifecycleMode
api.storage.v1.StorageClass:
    reclaimPolicy=v1.PersistentVolumeReclaimPolicy volumeBindingMode=v1.VolumeBindingMode
api.storagemigration.v1alpha1.MigrationCondition:
    status=v1.ConditionStatus type=v1alpha1.MigrationConditionType
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceConversion: strategy=v1.ConversionStrategyType
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionCondition:
    status=v1.ConditionStatus type=v1.CustomResourceDefinitionConditionType
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec: scope=v1.ResourceScope
apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps:
    $schema=v1.JSONSchemaURL definitions=v1.JSONSchemaDefinitions dependencies=v1.JSONSchemaDependencies
    x-kubernetes-validations=v1.ValidationRules
apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule: reason=v1.FieldValueErrorReason
apimachinery.pkg.apis.meta.v1.APIResource: verbs=v1.Verbs
apimachinery.pkg.apis.meta.v1.Condition: status=v1.ConditionStatus
apimachinery.pkg.apis.meta.v1.DeleteOptions: propagationPolicy=v1.DeletionPropagation
apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement: operator=v1.FieldSelectorOperator
apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement: operator=v1.LabelSelectorOperator
apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry: operation=v1.ManagedFieldsOperationType
apimachinery.pkg.apis.meta.v1.ObjectMeta: uid=types.UID
apimachinery.pkg.apis.meta.v1.OwnerReference: uid=types.UID
apimachinery.pkg.apis.meta.v1.Preconditions: uid=types.UID
apimachinery.pkg.apis.meta.v1.Status: reason=v1.StatusReason
apimachinery.pkg.apis.meta.v1.StatusCause: reason=v1.CauseType
apimachinery.pkg.apis.meta.v1.StatusDetails: uid=types.UID
kube-aggregator.pkg.apis.apiregistration.v1.APIServiceCondition:
    status=v1.ConditionStatus type=v1.APIServiceConditionType
"""

# From the same checkouts (``--go-zero``), in GO_TYPES' line format; ``*`` marks a pointer written as null.
GO_ZERO = """
api.admissionregistration.v1.MutatingWebhookConfiguration: metadata
api.admissionregistration.v1.MutatingWebhookConfigurationList: items metadata
api.admissionregistration.v1.ValidatingAdmissionPolicy: metadata spec status
api.admissionregistration.v1.ValidatingAdmissionPolicyBinding: metadata spec
api.admissionregistration.v1.ValidatingAdmissionPolicyBindingList: items metadata
api.admissionregistration.v1.ValidatingAdmissionPolicyList: items metadata
api.admissionregistration.v1.ValidatingWebhookConfiguration: metadata
api.admissionregistration.v1.ValidatingWebhookConfigurationList: items metadata
api.admissionregistration.v1alpha1.MutatingAdmissionPolicy: metadata spec
api.admissionregistration.v1alpha1.MutatingAdmissionPolicyBinding: metadata spec
api.admissionregistration.v1alpha1.MutatingAdmissionPolicyBindingList: items metadata
api.admissionregistration.v1alpha1.MutatingAdmissionPolicyList: items metadata
api.admissionregistration.v1beta1.ValidatingAdmissionPolicy: metadata spec status
api.admissionregistration.v1beta1.ValidatingAdmissionPolicyBinding: metadata spec
api.admissionregistration.v1beta1.ValidatingAdmissionPolicyBindingList: items metadata
api.admissionregistration.v1beta1.ValidatingAdmissionPolicyList: items metadata
api.apiserverinternal.v1alpha1.StorageVersion: metadata spec status
api.apiserverinternal.v1alpha1.StorageVersionList: items metadata
api.apps.v1.ControllerRevision: data metadata revision
api.apps.v1.ControllerRevisionList: items metadata
api.apps.v1.DaemonSet: metadata spec status
api.apps.v1.DaemonSetList: items metadata
api.apps.v1.DaemonSetSpec: *selector template updateStrategy
api.apps.v1.DaemonSetStatus: currentNumberScheduled desiredNumberScheduled numberMisscheduled numberReady
api.apps.v1.Deployment: metadata spec status
api.apps.v1.DeploymentList: items metadata
api.apps.v1.DeploymentSpec: *selector strategy template
api.apps.v1.ReplicaSet: metadata spec status
api.apps.v1.ReplicaSetList: items metadata
api.apps.v1.ReplicaSetSpec: *selector template
api.apps.v1.ReplicaSetStatus: replicas
api.apps.v1.StatefulSet: metadata spec status
api.apps.v1.StatefulSetList: items metadata
api.apps.v1.StatefulSetSpec: *selector serviceName template updateStrategy
api.apps.v1.StatefulSetStatus: availableReplicas replicas
api.authentication.v1.SelfSubjectReview: metadata status
api.authentication.v1.SelfSubjectReviewStatus: userInfo
api.authentication.v1.TokenRequest: metadata spec status
api.authentication.v1.TokenRequestSpec: *boundObjectRef *expirationSeconds audiences
api.authentication.v1.TokenRequestStatus: expirationTimestamp token
api.authentication.v1.TokenReview: metadata spec status
api.authentication.v1.TokenReviewStatus: user
api.authentication.v1beta1.SelfSubjectReview: metadata status
api.authentication.v1beta1.SelfSubjectReviewStatus: userInfo
api.authorization.v1.LocalSubjectAccessReview: metadata spec status
api.authorization.v1.SelfSubjectAccessReview: metadata spec status
api.authorization.v1.SelfSubjectRulesReview: metadata spec status
api.authorization.v1.SubjectAccessReview: metadata spec status
api.authorization.v1.SubjectAccessReviewStatus: allowed
api.authorization.v1.SubjectRulesReviewStatus: incomplete nonResourceRules resourceRules
api.autoscaling.v1.CrossVersionObjectReference: kind name
api.autoscaling.v1.HorizontalPodAutoscaler: metadata spec status
api.autoscaling.v1.HorizontalPodAutoscalerList: items metadata
api.autoscaling.v1.HorizontalPodAutoscalerSpec: maxReplicas scaleTargetRef
api.autoscaling.v1.HorizontalPodAutoscalerStatus: currentReplicas desiredReplicas
api.autoscaling.v1.Scale: metadata spec status
api.autoscaling.v1.ScaleStatus: replicas
api.autoscaling.v2.CrossVersionObjectReference: kind name
api.autoscaling.v2.HorizontalPodAutoscaler: metadata spec status
api.autoscaling.v2.HorizontalPodAutoscalerList: items metadata
api.autoscaling.v2.HorizontalPodAutoscalerSpec: maxReplicas scaleTargetRef
api.autoscaling.v2.HorizontalPodAutoscalerStatus: currentMetrics desiredReplicas
api.batch.v1.CronJob: metadata spec status
api.batch.v1.CronJobList: items metadata
api.batch.v1.CronJobSpec: jobTemplate schedule
api.batch.v1.Job: metadata spec status
api.batch.v1.JobList: items metadata
api.batch.v1.JobSpec: template
api.batch.v1.JobTemplateSpec: metadata spec
api.certificates.v1.CertificateSigningRequest: metadata spec status
api.certificates.v1.CertificateSigningRequestList: items metadata
api.certificates.v1.CertificateSigningRequestSpec: request signerName
api.certificates.v1alpha1.ClusterTrustBundle: metadata spec
api.certificates.v1alpha1.ClusterTrustBundleList: items metadata
api.certificates.v1alpha1.ClusterTrustBundleSpec: trustBundle
api.coordination.v1.Lease: metadata spec
api.coordination.v1.LeaseList: items metadata
api.coordination.v1alpha2.LeaseCandidate: metadata spec
api.coordination.v1alpha2.LeaseCandidateList: items metadata
api.coordination.v1alpha2.LeaseCandidateSpec: binaryVersion leaseName
api.core.v1.Binding: metadata target
api.core.v1.ComponentStatus: metadata
api.core.v1.ComponentStatusList: items metadata
api.core.v1.ConfigMap: metadata
api.core.v1.ConfigMapList: items metadata
api.core.v1.DaemonEndpoint: Port
api.core.v1.Endpoints: metadata
api.core.v1.EndpointsList: items metadata
api.core.v1.Event:
    eventTime firstTimestamp involvedObject lastTimestamp metadata reportingComponent reportingInstance source
api.core.v1.EventList: items metadata
api.core.v1.LimitRange: metadata spec
api.core.v1.LimitRangeList: items metadata
api.core.v1.LimitRangeSpec: limits
api.core.v1.Namespace: metadata spec status
api.core.v1.NamespaceList: items metadata
api.core.v1.Node: metadata spec status
api.core.v1.NodeDaemonEndpoints: kubeletEndpoint
api.core.v1.NodeList: items metadata
api.core.v1.NodeStatus: daemonEndpoints nodeInfo
api.core.v1.NodeSystemInfo:
    architecture bootID containerRuntimeVersion kernelVersion kubeProxyVersion kubeletVersion machineID
    operatingSystem osImage systemUUID
api.core.v1.PersistentVolume: metadata spec status
api.core.v1.PersistentVolumeClaim: metadata spec status
api.core.v1.PersistentVolumeClaimList: items metadata
api.core.v1.PersistentVolumeClaimSpec: resources
api.core.v1.PersistentVolumeList: items metadata
api.core.v1.Pod: metadata spec status
api.core.v1.PodList: items metadata
api.core.v1.PodSpec: containers
api.core.v1.PodTemplate: metadata template
api.core.v1.PodTemplateList: items metadata
api.core.v1.PodTemplateSpec: metadata spec
api.core.v1.ReplicationController: metadata spec status
api.core.v1.ReplicationControllerList: items metadata
api.core.v1.ReplicationControllerStatus: replicas
api.core.v1.ResourceQuota: metadata spec status
api.core.v1.ResourceQuotaList: items metadata
api.core.v1.Secret: metadata
api.core.v1.SecretList: items metadata
api.core.v1.Service: metadata spec status
api.core.v1.ServiceAccount: metadata
api.core.v1.ServiceAccountList: items metadata
api.core.v1.ServiceList: items metadata
api.core.v1.ServiceStatus: loadBalancer
api.discovery.v1.EndpointSlice: addressType endpoints metadata ports
api.discovery.v1.EndpointSliceList: items metadata
api.events.v1.Event:
    deprecatedFirstTimestamp deprecatedLastTimestamp deprecatedSource eventTime metadata regarding
api.events.v1.EventList: items metadata
api.flowcontrol.v1.FlowSchema: metadata spec status
api.flowcontrol.v1.FlowSchemaList: items metadata
api.flowcontrol.v1.FlowSchemaSpec: matchingPrecedence priorityLevelConfiguration
api.flowcontrol.v1.PriorityLevelConfiguration: metadata spec status
api.flowcontrol.v1.PriorityLevelConfigurationList: items metadata
api.flowcontrol.v1.PriorityLevelConfigurationReference: name
api.flowcontrol.v1.PriorityLevelConfigurationSpec: type
api.networking.v1.Ingress: metadata spec status
api.networking.v1.IngressClass: metadata spec
api.networking.v1.IngressClassList: items metadata
api.networking.v1.IngressList: items metadata
api.networking.v1.IngressStatus: loadBalancer
api.networking.v1.NetworkPolicy: metadata spec
api.networking.v1.NetworkPolicyList: items metadata
api.networking.v1.NetworkPolicySpec: podSelector
api.networking.v1beta1.IPAddress: metadata spec
api.networking.v1beta1.IPAddressList: items metadata
api.networking.v1beta1.ServiceCIDR: metadata spec status
api.networking.v1beta1.ServiceCIDRList: items metadata
api.node.v1.RuntimeClass: handler metadata
api.node.v1.RuntimeClassList: items metadata
api.policy.v1.Eviction: metadata
api.policy.v1.PodDisruptionBudget: metadata spec status
api.policy.v1.PodDisruptionBudgetList: items metadata
api.policy.v1.PodDisruptionBudgetStatus: currentHealthy desiredHealthy disruptionsAllowed expectedPods
api.rbac.v1.ClusterRole: metadata rules
api.rbac.v1.ClusterRoleBinding: metadata roleRef
api.rbac.v1.ClusterRoleBindingList: items metadata
api.rbac.v1.ClusterRoleList: items metadata
api.rbac.v1.Role: metadata rules
api.rbac.v1.RoleBinding: metadata roleRef
api.rbac.v1.RoleBindingList: items metadata
api.rbac.v1.RoleList: items metadata
api.rbac.v1.RoleRef: apiGroup kind name
api.resource.v1alpha3.DeviceClaim: requests
api.resource.v1alpha3.DeviceClass: metadata spec
api.resource.v1alpha3.DeviceClassList: items metadata
api.resource.v1alpha3.ResourceClaim: metadata spec status
api.resource.v1alpha3.ResourceClaimList: items metadata
api.resource.v1alpha3.ResourceClaimSpec: devices
api.resource.v1alpha3.ResourceClaimTemplate: metadata spec
api.resource.v1alpha3.ResourceClaimTemplateList: items metadata
api.resource.v1alpha3.ResourceClaimTemplateSpec: metadata spec
api.resource.v1alpha3.ResourcePool: generation name resourceSliceCount
api.resource.v1alpha3.ResourceSlice: metadata spec
api.resource.v1alpha3.ResourceSliceList: items metadata
api.resource.v1alpha3.ResourceSliceSpec: devices driver pool
api.resource.v1beta1.DeviceClaim: requests
api.resource.v1beta1.DeviceClass: metadata spec
api.resource.v1beta1.DeviceClassList: items metadata
api.resource.v1beta1.ResourceClaim: metadata spec status
api.resource.v1beta1.ResourceClaimList: items metadata
api.resource.v1beta1.ResourceClaimSpec: devices
api.resource.v1beta1.ResourceClaimTemplate: metadata spec
api.resource.v1beta1.ResourceClaimTemplateList: items metadata
api.resource.v1beta1.ResourceClaimTemplateSpec: metadata spec
api.resource.v1beta1.ResourcePool: generation name resourceSliceCount
api.resource.v1beta1.ResourceSlice: metadata spec
api.resource.v1beta1.ResourceSliceList: items metadata
api.resource.v1beta1.ResourceSliceSpec: devices driver pool
api.scheduling.v1.PriorityClass: metadata value
api.scheduling.v1.PriorityClassList: items metadata
api.storage.v1.CSIDriver: metadata spec
api.storage.v1.CSIDriverList: items metadata
api.storage.v1.CSINode: metadata spec
api.storage.v1.CSINodeList: items metadata
api.storage.v1.CSINodeSpec: drivers
api.storage.v1.CSIStorageCapacity: metadata storageClassName
api.storage.v1.CSIStorageCapacityList: items metadata
api.storage.v1.StorageClass: metadata provisioner
api.storage.v1.StorageClassList: items metadata
api.storage.v1.VolumeAttachment: metadata spec status
api.storage.v1.VolumeAttachmentList: items metadata
api.storage.v1.VolumeAttachmentSpec: attacher nodeName source
api.storage.v1.VolumeAttachmentStatus: attached
api.storage.v1alpha1.VolumeAttributesClass: driverName metadata
api.storage.v1alpha1.VolumeAttributesClassList: items metadata
api.storage.v1beta1.VolumeAttributesClass: driverName metadata
api.storage.v1beta1.VolumeAttributesClassList: items metadata
api.storagemigration.v1alpha1.StorageVersionMigration: metadata spec status
api.storagemigration.v1alpha1.StorageVersionMigrationList: items metadata
api.storagemigration.v1alpha1.StorageVersionMigrationSpec: resource
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition: metadata spec status
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionList: items metadata
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames: kind plural
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec: group names scope versions
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus:
    acceptedNames conditions storedVersions
apimachinery.pkg.apis.meta.v1.APIGroup: name preferredVersion versions
apimachinery.pkg.apis.meta.v1.APIGroupList: groups
apimachinery.pkg.apis.meta.v1.APIResourceList: groupVersion resources
apimachinery.pkg.apis.meta.v1.APIVersions: serverAddressByClientCIDRs versions
apimachinery.pkg.apis.meta.v1.GroupVersionForDiscovery: groupVersion version
apimachinery.pkg.apis.meta.v1.ObjectMeta: creationTimestamp
apimachinery.pkg.apis.meta.v1.Status: metadata
apimachinery.pkg.apis.meta.v1.WatchEvent: object type
kube-aggregator.pkg.apis.apiregistration.v1.APIService: metadata spec status
kube-aggregator.pkg.apis.apiregistration.v1.APIServiceList: items metadata
kube-aggregator.pkg.apis.apiregistration.v1.APIServiceSpec: groupPriorityMinimum versionPriority
"""


if __name__ == "__main__":
    sys.exit(main())
