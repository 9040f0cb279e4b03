"""What strategic merge patch knows about the Go types, and the errors it raises, worded as upstream's.

Reproduces ``LookupPatchMeta`` as kube-apiserver uses it, ``PatchMetaFromStruct`` (apimachinery
``pkg/util/strategicpatch/meta.go`` over ``third_party/forked/golang/json/fields.go``): the server reads the
``patchStrategy``/``patchMergeKey`` struct tags of the Go type, which are the ``x-kubernetes-patch-strategy``
and ``-merge-key`` extensions the schema carries (:class:`pinnace.api.schema_types.Field`). Every OpenAPI
definition is a Go struct, even the ones with their own JSON form (``Quantity``, ``RawExtension``), so a key
inside one of those is "unable to find api field" exactly as upstream.

The messages are ``pkg/util/mergepatch/errors.go``'s; the HTTP status each one gets is apiserver
``endpoints/handlers/patch.go`` ``interpretStrategicMergePatchError``: five sentinel errors are 400
BadRequest, two are 422 Invalid, and every other error is not a ``Status`` and becomes a 500 with an empty
reason (``responsewriters/status.go`` ``ErrorToAPIStatus``), which kubectl prints as
``Error from server: <message>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pinnace.api.gofmt import go_float, go_quote
from pinnace.api.schema import Definition
from pinnace.api.schema_types import BOOL, BYTES, FLOAT64, INT32, INT64, LIST, MAP, STRING, TypeNode

__all__ = [
    "BAD_JSON_DOC",
    "BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST",
    "BAD_PATCH_FORMAT_FOR_RETAIN_KEYS",
    "BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST",
    "NO_LIST_OF_LISTS",
    "PATCH_CONTENT_NOT_MATCH_RETAIN_KEYS",
    "UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT",
    "PatchMeta",
    "StrategicPatchError",
    "bad_arg_type",
    "bad_patch_type",
    "go_equal",
    "go_type_name",
    "go_v",
    "no_merge_key",
    "scalar_key",
]

# mergepatch's sentinel errors.
BAD_JSON_DOC: Final = "invalid JSON document"
NO_LIST_OF_LISTS: Final = "lists of lists are not supported"
BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST: Final = "invalid patch format of primitive list"
BAD_PATCH_FORMAT_FOR_RETAIN_KEYS: Final = "invalid patch format of retainKeys"
BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST: Final = "invalid patch format of setElementOrder list"
PATCH_CONTENT_NOT_MATCH_RETAIN_KEYS: Final = "patch content doesn't match retainKeys list"
UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT: Final = "strategic merge patch format is not supported"

_BAD_REQUEST: Final = frozenset(
    {
        BAD_JSON_DOC,
        BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST,
        BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
        BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
        UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT,
    }
)
_INVALID: Final = frozenset({NO_LIST_OF_LISTS, PATCH_CONTENT_NOT_MATCH_RETAIN_KEYS})

# How ``reflect`` names the JSON values of a map[string]interface{} (ints are int64: the apiserver decodes
# with UnmarshalCaseSensitivePreserveInts and converts the stored object with ToUnstructured).
_GO_TYPES: Final[dict[type, str]] = {
    dict: "map[string]interface {}",
    list: "[]interface {}",
    str: "string",
    int: "int64",
    float: "float64",
    bool: "bool",
}
_SCALAR_KINDS: Final[dict[int, str]] = {
    STRING: "string",
    INT32: "int32",
    INT64: "int64",
    BOOL: "bool",
    FLOAT64: "float64",
}


class StrategicPatchError(ValueError):
    """A patch upstream's ``StrategicMergeMapPatch`` rejects; ``str(err)`` is upstream's error text.

    ``code`` and ``reason`` are the response kube-apiserver sends: 400 ``BadRequest`` with the text as
    message; 422 ``Invalid`` whose message is ``the server rejected our request due to an error in our
    request`` and whose one cause (type ``UnexpectedServerResponse``) carries the text; or 500 with an empty
    reason and the text as message.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        if message in _BAD_REQUEST or code == 400:
            self.code, self.reason = 400, "BadRequest"
        elif message in _INVALID:
            self.code, self.reason = 422, "Invalid"
        else:
            self.code, self.reason = 500, ""


def go_v(value: Any) -> str:
    """Go's ``%v`` of a JSON value held in ``interface{}``: ``map[k:v]`` with sorted keys, ``[a b]``."""
    if value is None:
        return "<nil>"
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is str:
        return str(value)
    if kind is int:
        return str(value)
    if kind is float:
        return go_float(value)
    if kind is dict:
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    if kind is list:
        return "[" + " ".join(go_v(item) for item in value) + "]"
    return str(value)


def go_type_name(value: Any) -> str:
    """``reflect.TypeOf(value)`` printed with ``%s``."""
    if value is None:
        return "%!s(<nil>)"
    return _GO_TYPES.get(type(value), type(value).__name__)


def _uncomparable(value: Any) -> StrategicPatchError:
    # Go panics; the apiserver's handler recovers and answers 500.
    return StrategicPatchError(f"runtime error: comparing uncomparable type {go_type_name(value)}")


def go_equal(left: Any, right: Any) -> bool:
    """``left == right`` on two ``interface{}``: equal only with the same dynamic type (1 is not 1.0)."""
    if type(left) is not type(right):
        return False
    if type(left) is dict or type(left) is list:
        raise _uncomparable(left)
    return bool(left == right)


def scalar_key(value: Any) -> tuple[type, Any]:
    """A key for ``map[interface{}]...``: the dynamic type is part of the key, as in Go."""
    if type(value) is dict or type(value) is list:
        raise StrategicPatchError(f"runtime error: hash of unhashable type {go_type_name(value)}")
    return (type(value), value)


def no_merge_key(element: dict[str, Any], merge_key: str) -> StrategicPatchError:
    return StrategicPatchError(f"map: {go_v(element)} does not contain declared merge key: {merge_key}")


def bad_arg_type(expected: type, actual: Any) -> StrategicPatchError:
    return StrategicPatchError(f"expected a {_GO_TYPES[expected]}, but received a {go_type_name(actual)}")


def bad_patch_type(directive: Any, patch: dict[str, Any]) -> StrategicPatchError:
    shown = directive if type(directive) is str else f"%!s({go_type_name(directive)}={go_v(directive)})"
    return StrategicPatchError(f"unknown patch type: {shown} in map: {go_v(patch)}")


@dataclass(frozen=True, slots=True)
class PatchMeta:
    """``LookupPatchMeta``: the Go type at one point of the walk, with the tags of the field that led there.

    ``definition`` is set when the type is a struct; ``node`` is the type of a field (None for the kind at
    the root). ``strategies`` is ``strings.Split(patchStrategy, ",")``.
    """

    definition: Definition | None
    node: TypeNode | None = None
    strategies: tuple[str, ...] = ()
    merge_key: str = ""

    @classmethod
    def of(cls, node: TypeNode, strategies: tuple[str, ...] = (), merge_key: str = "") -> PatchMeta:
        return cls(node.definition, node, strategies, merge_key)

    def kind_name(self) -> str:
        """``reflect.Kind`` of the type, as ``String()`` prints it."""
        if self.definition is not None:
            return "struct"
        node = self.node
        if node is None:
            return "invalid"
        if node.kind == LIST or node.kind == BYTES:
            return "slice"
        if node.kind == MAP:
            return "map"
        return _SCALAR_KINDS.get(node.kind, "struct")

    def name(self) -> str:
        """``LookupPatchMeta.Name()``: the kind of the type (``struct`` for object list elements)."""
        return self.kind_name()

    def for_struct(self, key: str) -> PatchMeta:
        """``LookupPatchMetadataForStruct``: the field's type and tags; errors as ``fields.go`` words them."""
        definition = self.definition
        if definition is None:
            raise StrategicPatchError(
                f"merging an object in json but data type is not struct, instead is: {self.kind_name()}"
            )
        field = definition.fields.get(key)
        if field is None:
            # encoding/json matches a field name case-insensitively when no exact match exists.
            folded = key.casefold()
            field = next((f for name, f in definition.fields.items() if name.casefold() == folded), None)
        if field is None:
            raise StrategicPatchError(
                f"unable to find api field in struct {definition.go_name} for the json field {go_quote(key)}"
            )
        return PatchMeta.of(field.type, tuple(field.patch_strategy.split(",")), field.patch_merge_key)

    def for_slice(self, key: str) -> PatchMeta:
        """``LookupPatchMetadataForSlice``: the element type of a list field, with the list field's tags."""
        sub = self.for_struct(key)
        node = sub.node
        assert node is not None
        if node.kind == BYTES:
            return PatchMeta(None, TypeNode(INT32, "uint8"), sub.strategies, sub.merge_key)
        if node.definition is not None:
            # Upstream dereferences a pointer field and returns the struct: a list in a ``*T`` field merges
            # as a list of T (non-pointer struct fields would error, but a typed original never holds a list
            # there).
            return sub
        if node.kind != LIST or node.elem is None:
            raise StrategicPatchError(f"expected slice or array type, but got: {self.kind_name()}")
        if node.elem.kind == LIST or node.elem.kind == BYTES:
            raise StrategicPatchError("unexpected slice of slice")
        return PatchMeta.of(node.elem, sub.strategies, sub.merge_key)

    def strategy(self) -> str:
        """``extractRetainKeysPatchStrategy``: the strategy besides ``retainKeys`` ("" when none)."""
        strategies = self.strategies
        if len(strategies) == 0:
            return ""
        if len(strategies) == 1:
            return "" if strategies[0] == "retainKeys" else strategies[0]
        if len(strategies) == 2:
            if strategies[0] == "retainKeys":
                return strategies[1]
            if strategies[1] == "retainKeys":
                return strategies[0]
        raise StrategicPatchError(f"unexpected patch strategy: [{' '.join(strategies)}]")
