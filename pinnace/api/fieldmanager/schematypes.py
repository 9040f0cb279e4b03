"""Types as structured-merge-diff sees them, and the field set of an object of a type.

kube-apiserver builds its server-side apply schema from the OpenAPI models (kube-openapi
``pkg/schemaconv``): an object definition is a *struct* (atomic when ``x-kubernetes-map-type: atomic`` is
on the definition or on the field that refers to it), a ``map[string]T`` a *map* (granular unless the field
says ``atomic``), an array a *list* - atomic, a set (``x-kubernetes-list-type: set``) or a map list keyed by
``x-kubernetes-list-map-keys``; without a list type the patch strategy decides (``merge`` with a merge key is
a map list keyed by it, ``merge`` alone a set, anything else atomic). Quantities, int-or-strings and times
are untyped scalars, ``RawExtension`` is ``__untyped_atomic_`` and free-form JSON ``__untyped_deduced_``;
custom resources without a schema are deduced throughout (``DeducedTypeConverter``).

:class:`TypeRegistry` compiles those types lazily from :mod:`pinnace.api.schema_types` nodes. It also has
structured-merge-diff's ``typed/helpers.go`` (:func:`item_element`, the path element of a list item, and
:func:`shape`, ``deduceAtom``) and each kind's Go zero value (:meth:`TypeRegistry.zero_object`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

from pinnace.api.fieldmanager import fieldpath
from pinnace.api.fieldmanager.fieldpath import PathElement
from pinnace.api.schema import Definition, SchemaRegistry
from pinnace.api.schema_types import (
    BOOL,
    BYTES,
    FLOAT64,
    INT32,
    INT64,
    INT_OR_STRING,
    LIST,
    MAP,
    QUANTITY,
    RAW,
    SCHEMA_OR_ARRAY,
    SCHEMA_OR_BOOL,
    SCHEMA_OR_STRING_ARRAY,
    STRING,
    STRUCT,
    Field,
    TypeNode,
)

# Kinds of type.
SCALAR: Final = 0
STRUCT_TYPE: Final = 1  # a map with named fields
MAP_TYPE: Final = 2  # a map with one element type
LIST_TYPE: Final = 3
UNTYPED: Final = 4  # __untyped_atomic_: any scalar, atomic list or atomic map
DEDUCED: Final = 5  # __untyped_deduced_: any scalar, atomic list, or granular map of deduced values

_RAW_ATOMIC: Final = "io.k8s.apimachinery.pkg.runtime.RawExtension"


class TypedError(ValueError):
    """A value that does not fit its type; ``str()`` is upstream's ``ValidationErrors`` text."""


class Type:
    """One structured-merge-diff type (``schema.Atom`` with its element relationship)."""

    __slots__ = (
        "_definition",
        "_fields",
        "_registry",
        "atomic",
        "elem",
        "key_defaults",
        "keys",
        "kind",
        "scalar",
    )

    def __init__(
        self,
        kind: int,
        *,
        atomic: bool = False,
        scalar: str = "untyped",
        elem: Type | None = None,
        keys: tuple[str, ...] | None = None,
        key_defaults: Mapping[str, Any] | None = None,
        definition: Definition | None = None,
        registry: TypeRegistry | None = None,
    ) -> None:
        self.kind = kind
        self.atomic = atomic
        self.scalar = scalar  # "string", "numeric", "boolean", "untyped"
        self.elem = elem
        self.keys = keys  # list: None atomic or not associative, () a set, else the map keys
        self.key_defaults = key_defaults or {}
        self._definition = definition
        self._registry = registry
        self._fields: dict[str, Type] | None = None

    def field(self, name: str) -> Type | None:
        """A struct's field type, or None when the struct has no such field."""
        fields = self._fields
        if fields is None:
            fields = self._compile_fields()
        return fields.get(name)

    def child(self, name: str) -> Type | None:
        """The type of key ``name`` in a map-like value (struct field, map element, deduced value)."""
        if self.kind == STRUCT_TYPE:
            return self.field(name)
        if self.kind == DEDUCED:
            return self
        return self.elem

    def _compile_fields(self) -> dict[str, Type]:
        assert self._definition is not None and self._registry is not None
        registry = self._registry
        self._fields = {name: registry.field_type(f) for name, f in self._definition.fields.items()}
        return self._fields

    @property
    def associative(self) -> bool:
        return self.keys is not None

    def __repr__(self) -> str:
        name = self._definition.name if self._definition else ""
        return f"Type({self.kind}, {name!r}, atomic={self.atomic}, keys={self.keys})"


_STRING_SCALAR: Final = Type(SCALAR, scalar="string")
_NUMERIC_SCALAR: Final = Type(SCALAR, scalar="numeric")
_BOOLEAN_SCALAR: Final = Type(SCALAR, scalar="boolean")
_UNTYPED_SCALAR: Final = Type(SCALAR)
UNTYPED_ATOMIC: Final = Type(UNTYPED, atomic=True)
DEDUCED_TYPE: Final = Type(DEDUCED)
_SCALARS: Final = {
    STRING: _STRING_SCALAR,
    BYTES: _STRING_SCALAR,
    INT32: _NUMERIC_SCALAR,
    INT64: _NUMERIC_SCALAR,
    FLOAT64: _NUMERIC_SCALAR,
    BOOL: _BOOLEAN_SCALAR,
}


class TypeRegistry:
    """The types of one :class:`SchemaRegistry`, compiled on first use and shared after."""

    def __init__(self, schemas: SchemaRegistry) -> None:
        self._schemas = schemas
        self._structs: dict[tuple[str, bool], Type] = {}
        self._fields: dict[int, Type] = {}

    def for_kind(self, api_version: str, kind: str) -> Type:
        """The type of a whole object; deduced for kinds without a definition (custom resources)."""
        definition = self._schemas.schema_for(api_version, kind)
        return DEDUCED_TYPE if definition is None else self._struct(definition, False)

    def for_version(self, api_version: str, kind: str, *, request_version: str) -> Type | None:
        """The kind's type at another version of it; None when that version does not exist."""
        if api_version == request_version:
            return self.for_kind(api_version, kind)
        definition = self._schemas.schema_for(api_version, kind)
        if definition is not None:
            return self._struct(definition, False)
        if self._schemas.schema_for(request_version, kind) is None:
            return DEDUCED_TYPE  # a custom resource: every version is deduced alike
        return None

    def zero_object(self, api_version: str, kind: str) -> dict[str, Any]:
        """The kind's Go zero value as the typed converter sees it: what a create is compared with.

        ``json.Marshal(&appsv1.Deployment{})``: ``{"metadata":{"creationTimestamp":null},"spec":{"selector":
        null,"strategy":{},"template":{...}},"status":{}}`` - so a created Deployment's ``spec`` was not
        *added* (its ``FieldsV1`` has no ``".": {}`` there) but its ``spec.replicas`` was.
        """
        definition = self._schemas.schema_for(api_version, kind)
        return {} if definition is None else _zero(definition)

    def _struct(self, definition: Definition, atomic: bool) -> Type:
        memo = (definition.name, atomic)
        found = self._structs.get(memo)
        if found is None:
            found = self._structs[memo] = Type(
                STRUCT_TYPE, atomic=atomic, definition=definition, registry=self
            )
        return found

    def field_type(self, f: Field) -> Type:
        found = self._fields.get(id(f))
        if found is None:
            found = self._fields[id(f)] = self._node(f.type, f)
        return found

    def _node(self, node: TypeNode, f: Field | None) -> Type:
        kind = node.kind
        if kind == STRUCT:
            assert node.definition is not None
            map_type = (f.map_type if f is not None else "") or node.definition.map_type
            return self._struct(node.definition, map_type == "atomic")
        if kind == LIST:
            assert node.elem is not None
            elem = self._node(node.elem, None)
            keys = _list_keys(f)
            defaults: dict[str, Any] = {}
            if keys and elem.kind == STRUCT_TYPE and elem._definition is not None:
                for name in keys:
                    key_field = elem._definition.fields.get(name)
                    if key_field is not None and key_field.default is not None:
                        defaults[name] = key_field.default
            return Type(LIST_TYPE, atomic=keys is None, elem=elem, keys=keys, key_defaults=defaults)
        if kind == MAP:
            assert node.elem is not None
            atomic = f is not None and f.map_type == "atomic"
            return Type(MAP_TYPE, atomic=atomic, elem=self._node(node.elem, None))
        scalar = _SCALARS.get(kind)
        if scalar is not None:
            return scalar
        if kind == RAW:
            definition = node.definition
            return UNTYPED_ATOMIC if definition is None or definition.name == _RAW_ATOMIC else DEDUCED_TYPE
        if kind in (SCHEMA_OR_ARRAY, SCHEMA_OR_BOOL, SCHEMA_OR_STRING_ARRAY):
            return DEDUCED_TYPE  # apiextensions' JSONSchemaPropsOr*: no OpenAPI type, so free-form
        return _UNTYPED_SCALAR  # Quantity, IntOrString, Time, MicroTime


def _list_keys(f: Field | None) -> tuple[str, ...] | None:
    """``getListElementRelationship``: None for atomic, () for a set, else the map keys."""
    if f is None:
        return None
    if f.list_type:
        if f.list_type == "set":
            return ()
        if f.list_type == "map":
            return f.list_map_keys
        return None
    if f.patch_strategy in ("merge", "merge,retainKeys"):
        return (f.patch_merge_key,) if f.patch_merge_key else ()
    return None


def _zero(definition: Definition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for token in definition.zero:
        name = token.lstrip("*")
        node = definition.fields[name].type
        if token.startswith("*") or node.kind in (LIST, MAP, BYTES):
            out[name] = None
        elif node.kind == STRUCT:
            assert node.definition is not None
            out[name] = _zero(node.definition)
        else:
            out[name] = _ZERO_SCALARS.get(node.kind)
    return out


# Zero values Go writes: "" for strings, 0 for numbers, "0" for a Quantity, 0 for an IntOrString, null for
# times and raw JSON (their MarshalJSON).
_ZERO_SCALARS: Final[dict[int, Any]] = {
    STRING: "",
    INT32: 0,
    INT64: 0,
    FLOAT64: 0,
    BOOL: False,
    QUANTITY: "0",
    INT_OR_STRING: 0,
}


@functools.cache
def builtin_types() -> TypeRegistry:
    from pinnace.api.schema import builtin_schemas

    return TypeRegistry(builtin_schemas())


# List items ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _single_key(name: str, item: str | int) -> PathElement:
    return fieldpath.key(((name, item),))


def item_element(t: Type, item: Any) -> PathElement:
    """``listItemToPathElement`` for an associative list; raises TypedError with upstream's message."""
    keys = t.keys
    if keys:
        if item is None:
            raise TypedError("associative list with keys may not have a null element")
        if not isinstance(item, dict):
            raise TypedError("associative list with keys may not have non-map elements")
        if len(keys) == 1:
            name = keys[0]
            found = item.get(name, _MISSING)
            if found is _MISSING:
                found = t.key_defaults.get(name, _MISSING)
            if isinstance(found, str | int) and not isinstance(found, bool):
                return _single_key(name, found)
            if found is _MISSING:
                raise TypedError(_omits_key(name))
            return fieldpath.key(((name, found),))
        pairs: list[tuple[str, Any]] = []
        for name in keys:
            found = item.get(name, _MISSING)
            if found is _MISSING:
                found = t.key_defaults.get(name, _MISSING)
                if found is _MISSING:
                    raise TypedError(_omits_key(name))
            pairs.append((name, found))
        return fieldpath.key(pairs)
    if isinstance(item, dict):
        raise TypedError("associative list without keys has an element that's a map type")
    if isinstance(item, list):
        raise TypedError("not supported: associative list with lists as elements")
    if item is None:
        raise TypedError("associative list without keys has an element that's an explicit null")
    return fieldpath.value(item)


def _omits_key(name: str) -> str:
    return (
        f'associative list with keys has an element that omits key field "{name}" '
        "(and doesn't have default value)"
    )


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


#: An absent value (Go's nil ``value.Value``), as opposed to an explicit null (``None``).
MISSING: Final[Any] = _Missing()
_MISSING: Final = MISSING


def shape(t: Type, item: Any) -> int:
    """The kind ``t`` takes for ``item`` (``deduceAtom``): untyped and deduced types follow the value."""
    kind = t.kind
    if kind == UNTYPED:
        return SCALAR if not isinstance(item, dict | list) else kind
    if kind == DEDUCED:
        if isinstance(item, list):
            return UNTYPED
        if isinstance(item, dict) or item is None:
            return DEDUCED
        return SCALAR
    return kind
