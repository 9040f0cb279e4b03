"""The Kubernetes 1.32 API types as compiled nodes, loaded from ``data/schemas.json``.

``hack/gen_schemas.py`` writes that file from the OpenAPI v2 definitions plus the Go type names OpenAPI does
not carry (``type Protocol string``, ``types.UID``, ``ResourceList``). Here it becomes a graph of immutable
nodes: a :class:`Definition` per OpenAPI definition (an object type with its :class:`Field`\\ s, or one of the
apimachinery types with their own ``UnmarshalJSON``), and a :class:`TypeNode` per use of a type, which knows
its Go name (for ``json: cannot unmarshal ... of type <Go type>``), its element (lists and maps) and the zero
value Go gives an element that arrives as ``null``. Recursive types (``JSONSchemaProps``) are cycles in the
graph. The strategic-merge-patch and server-side-apply extensions of each field ride along for the patch
code: ``x-kubernetes-patch-strategy``, ``-patch-merge-key``, ``-list-type``, ``-list-map-keys``,
``-map-type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

# Node kinds: small ints, compared in the decoder's inner loop.
STRING: Final = 1
INT32: Final = 2
INT64: Final = 3
BOOL: Final = 4
FLOAT64: Final = 5
BYTES: Final = 6  # []byte: base64 in JSON
STRUCT: Final = 7
LIST: Final = 8
MAP: Final = 9
QUANTITY: Final = 10  # resource.Quantity
INT_OR_STRING: Final = 11  # intstr.IntOrString
TIME: Final = 12  # metav1.Time (RFC 3339)
MICRO_TIME: Final = 13  # metav1.MicroTime (RFC 3339 with six fractional digits)
RAW: Final = 14  # runtime.RawExtension, metav1.FieldsV1, apiextensions JSON: any JSON
SCHEMA_OR_ARRAY: Final = 15  # apiextensions JSONSchemaPropsOrArray
SCHEMA_OR_BOOL: Final = 16  # apiextensions JSONSchemaPropsOrBool
SCHEMA_OR_STRING_ARRAY: Final = 17  # apiextensions JSONSchemaPropsOrStringArray

_SCALARS: Final = {
    "string": STRING,
    "int32": INT32,
    "int64": INT64,
    "bool": BOOL,
    "float64": FLOAT64,
    "bytes": BYTES,
}
_SCALAR_GO: Final = {
    "string": "string",
    "int32": "int32",
    "int64": "int64",
    "bool": "bool",
    "float64": "float64",
    "bytes": "[]uint8",
}
_FORMS: Final = {
    "quantity": QUANTITY,
    "int-or-string": INT_OR_STRING,
    "time": TIME,
    "micro-time": MICRO_TIME,
    "raw": RAW,
    "schema-or-array": SCHEMA_OR_ARRAY,
    "schema-or-bool": SCHEMA_OR_BOOL,
    "schema-or-string-array": SCHEMA_OR_STRING_ARRAY,
}
# What Go leaves in a list element or map value that arrives as null (a zero value, then MarshalJSON):
# "" for strings, 0 for numbers, "0" for a zero Quantity, 0 for an IntOrString (its UnmarshalJSON makes
# null an int), {} for a struct, null for slices, maps, []byte, times and raw JSON.
_ZEROS: Final[Mapping[int, Any]] = {
    STRING: "",
    INT32: 0,
    INT64: 0,
    BOOL: False,
    FLOAT64: 0,
    QUANTITY: "0",
    INT_OR_STRING: 0,
}


class Definition:
    """One OpenAPI definition: an object type with fields, or a type with its own JSON form.

    Built once by :func:`compile_schemas` and never changed after; ``fields`` is read-only.
    """

    __slots__ = ("fields", "form", "go_name", "map_type", "name", "types", "zero")

    name: str  # io.k8s.api.apps.v1.Deployment
    go_name: str  # Deployment: the struct name Go's errors print ("Go struct field Deployment.spec")
    form: int  # STRUCT, or the kind of a type with its own UnmarshalJSON
    map_type: str  # x-kubernetes-map-type of the whole type ("atomic"), or ""
    fields: Mapping[str, Field]  # JSON name -> field; empty for a form or an empty Go struct
    types: Mapping[str, TypeNode]  # JSON name -> field type: the decoder's lookup table
    zero: tuple[str, ...]  # fields Go's JSON writes for the zero value ("*name": a nil pointer, null)

    def __init__(self, name: str, form: int, map_type: str = "") -> None:
        self.name = name
        self.go_name = name.rsplit(".", 1)[-1]
        self.form = form
        self.map_type = map_type
        self.fields = MappingProxyType({})
        self.types = MappingProxyType({})
        self.zero = ()

    def __repr__(self) -> str:
        return f"Definition({self.name!r})"


@dataclass(frozen=True, slots=True, eq=False)
class TypeNode:
    """One use of a type: a scalar, a list, a map, an object type, or a type with its own JSON form."""

    kind: int
    go_type: str  # as reflect prints it: "string", "v1.Protocol", "[]v1.Container", "map[string]string"
    elem: TypeNode | None = None  # the element of a list, the value of a map
    definition: Definition | None = None  # the object type or form, when the type is a definition
    zero: Any = None  # the JSON of Go's zero value, for an element or map value that arrives as null


@dataclass(frozen=True, slots=True)
class Field:
    """A property of an object type, with its strategic-merge-patch and server-side-apply metadata."""

    name: str
    type: TypeNode
    patch_strategy: str = ""  # x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys"
    patch_merge_key: str = ""  # x-kubernetes-patch-merge-key
    list_type: str = ""  # x-kubernetes-list-type: "atomic", "set", "map"
    list_map_keys: tuple[str, ...] = field(default=())  # x-kubernetes-list-map-keys
    map_type: str = ""  # x-kubernetes-map-type: "atomic", "granular"
    default: Any = None  # the Go type's +default= marker (server-side apply keys list items with it)


@dataclass(frozen=True, slots=True)
class Schemas:
    """Every definition by name, and the definition of each ``(apiVersion, kind)``."""

    definitions: Mapping[str, Definition]
    kinds: Mapping[tuple[str, str], Definition]


def _go_name(definition: str) -> str:
    return ".".join(definition.rsplit(".", 2)[-2:])


class _Compiler:
    def __init__(self, records: Mapping[str, Any]) -> None:
        self.records = records
        self.definitions: dict[str, Definition] = {}
        for name, record in records.items():
            form = _FORMS[record["form"]] if "form" in record else STRUCT
            self.definitions[name] = Definition(name, form, record.get("x-kubernetes-map-type", ""))
        self.refs: dict[str, TypeNode] = {}

    def type_node(self, spec: Any) -> TypeNode:
        if isinstance(spec, str):
            if spec.startswith("#"):
                return self.ref(spec[1:])
            return TypeNode(_SCALARS[spec], _SCALAR_GO[spec], zero=_ZEROS.get(_SCALARS[spec]))
        head = spec[0]
        if head in ("list", "map"):
            elem = self.type_node(spec[1])
            go = spec[2] if len(spec) > 2 else ("[]" if head == "list" else "map[string]") + elem.go_type
            return TypeNode(LIST if head == "list" else MAP, go, elem=elem)
        base = self.type_node(head)  # [scalar or ref, Go type]
        return TypeNode(base.kind, spec[1], base.elem, base.definition, base.zero)

    def ref(self, name: str) -> TypeNode:
        node = self.refs.get(name)
        if node is None:
            definition = self.definitions[name]
            kind = definition.form
            zero = {} if kind == STRUCT else _ZEROS.get(kind)
            node = self.refs[name] = TypeNode(kind, _go_name(name), definition=definition, zero=zero)
        return node

    def fill(self) -> None:
        for name, record in self.records.items():
            fields: dict[str, Field] = {}
            for prop, spec in record.get("fields", {}).items():
                if isinstance(spec, dict):
                    fields[prop] = Field(
                        prop,
                        self.type_node(spec["type"]),
                        patch_strategy=spec.get("x-kubernetes-patch-strategy", ""),
                        patch_merge_key=spec.get("x-kubernetes-patch-merge-key", ""),
                        list_type=spec.get("x-kubernetes-list-type", ""),
                        list_map_keys=tuple(spec.get("x-kubernetes-list-map-keys", ())),
                        map_type=spec.get("x-kubernetes-map-type", ""),
                        default=spec.get("default"),
                    )
                else:
                    fields[prop] = Field(prop, self.type_node(spec))
            definition = self.definitions[name]
            definition.fields = MappingProxyType(fields)
            definition.types = {prop: f.type for prop, f in fields.items()}
            definition.zero = tuple(record.get("zero", ()))


def compile_schemas(document: Mapping[str, Any]) -> Schemas:
    """Nodes from the generator's document (see ``hack/gen_schemas.py``)."""
    compiler = _Compiler(document["definitions"])
    compiler.fill()
    definitions = compiler.definitions
    kinds = {
        (api_version, kind): definitions[name]
        for api_version, by_kind in document["kinds"].items()
        for kind, name in by_kind.items()
    }
    return Schemas(MappingProxyType(definitions), MappingProxyType(kinds))
