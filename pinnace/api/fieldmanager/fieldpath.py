"""Field paths and sets of them, and their ``FieldsV1`` JSON form, as structured-merge-diff has them.

Reproduces ``sigs.k8s.io/structured-merge-diff/v4`` (v4.4.2, the one Kubernetes 1.32 vendors)
``fieldpath/element.go``, ``set.go``, ``serialize.go`` and ``serialize-pe.go``.

A path element is kept as the text ``FieldsV1`` writes for it, so that elements hash, compare and serialize
without conversions: ``f:<name>`` selects a field of a struct or a map, ``k:{"name":"c"}`` the item of an
associative list with those key fields (sorted by name, values as Go's JSON writes them), ``v:<json>`` the
item of a set, ``i:<n>`` an index of an atomic list. The constructors :func:`field`, :func:`key`,
:func:`value` and :func:`index` produce the canonical text, and :func:`parse_element` turns any text a
client sends into it, so two spellings of one element are one string.

A :class:`FieldSet` is upstream's ``Set``: a tree whose nodes have *members* (elements that are in the set)
and *children* (elements below which something is in the set); a node may be both, which ``FieldsV1``
writes as ``".": {}`` inside the child. Operations return new sets and may share subtrees with their
operands, so a set is never changed once built.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from pinnace.api.conversion.gojson import marshal
from pinnace.api.gofmt import go_float, go_quote

PathElement = str
Path = tuple[PathElement, ...]

_FIELD = "f:"
_KEY = "k:"
_VALUE = "v:"
_INDEX = "i:"
_SELF = "."


class FieldPathError(ValueError):
    """A ``FieldsV1`` document or path element that cannot be read (upstream's message)."""


# Path elements ---------------------------------------------------------------------------------------------


def field(name: str) -> PathElement:
    return _FIELD + name


def key(fields: Iterable[tuple[str, Any]]) -> PathElement:
    """The element of an associative list item with these key fields (``value.FieldList``, sorted)."""
    pairs = sorted(fields, key=lambda pair: pair[0])
    return _KEY + "{" + ",".join(f"{marshal(name)}:{marshal(item)}" for name, item in pairs) + "}"


def value(item: Any) -> PathElement:
    return _VALUE + marshal(item)


def index(position: int) -> PathElement:
    return f"{_INDEX}{position}"


def field_name(element: PathElement) -> str | None:
    """The field an element selects, or None for a key, value or index element."""
    return element[2:] if element.startswith(_FIELD) else None


@functools.lru_cache(maxsize=4096)
def parse_element(text: str) -> PathElement:
    """``DeserializePathElement``: the canonical element for ``text``; FieldPathError if unreadable.

    An element of an unknown type raises :class:`UnknownElementType`, which readers skip as upstream does
    ("a future version maybe knows what they are").
    """
    if len(text) < 2:
        raise FieldPathError("key must be 2 characters long:")
    if text[1] != ":":
        raise FieldPathError(f"missing colon: {text}")
    kind = text[0]
    if kind == "f":
        return text
    if kind == "i":
        try:
            return index(int(text[2:]))
        except ValueError:
            raise FieldPathError(f'strconv.Atoi: parsing "{text[2:]}": invalid syntax') from None
    if kind not in "kv":
        raise UnknownElementType(text)
    try:
        parsed = orjson.loads(text[2:])
    except orjson.JSONDecodeError as err:
        raise FieldPathError(str(err)) from None
    if kind == "v":
        return value(parsed)
    if not isinstance(parsed, dict):
        raise FieldPathError("ReadObjectCB: expect { or n, but found " + text[2:3])
    return key(parsed.items())


class UnknownElementType(FieldPathError):
    """``ErrUnknownPathElementType``."""

    def __init__(self, text: str) -> None:
        super().__init__("unknown path element type")
        self.text = text


def _value_order(item: Any) -> tuple[Any, ...]:
    """``value.Compare``'s total order: numbers, strings, bools, lists, maps, null."""
    if isinstance(item, bool):
        return (2, item)
    if isinstance(item, int | float):
        return (0, item)
    if isinstance(item, str):
        return (1, item)
    if isinstance(item, list):
        return (3, tuple(_value_order(v) for v in item))
    if isinstance(item, dict):
        return (4, tuple((k, _value_order(item[k])) for k in sorted(item)))
    return (5,)


@functools.lru_cache(maxsize=8192)
def element_order(element: PathElement) -> tuple[Any, ...]:
    """``PathElement.Compare``: field names, then keys, then values, then indexes."""
    kind, body = element[0], element[2:]
    if kind == "f":
        return (0, body)
    if kind == "k":
        fields = orjson.loads(body)
        return (1, tuple((name, _value_order(fields[name])) for name in sorted(fields)))
    if kind == "v":
        return (2, _value_order(orjson.loads(body)))
    return (3, int(body))


def _go_value(item: Any) -> str:
    """``value.ToString``: how a conflict message prints a key or set value."""
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float):
        return go_float(item)
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        return go_quote(item)
    if isinstance(item, list):
        return "[" + ",".join(_go_value(v) for v in item) + "]"
    return "".join(f"{k}={_go_value(v)}" for k, v in item.items())


def element_string(element: PathElement) -> str:
    """``PathElement.String``: ``.name``, ``[name="c",protocol="TCP"]``, ``[="x"]``, ``[0]``."""
    kind, body = element[0], element[2:]
    if kind == "f":
        return "." + body
    if kind == "k":
        fields = orjson.loads(body)
        return "[" + ",".join(f"{name}={_go_value(fields[name])}" for name in fields) + "]"
    if kind == "v":
        return f"[={_go_value(orjson.loads(body))}]"
    return f"[{body}]"


def path_string(path: Path) -> str:
    """``Path.String``: ``.spec.template.spec.containers[name="nginx"].image``."""
    return "".join(element_string(element) for element in path)


# Sets -----------------------------------------------------------------------------------------------------


class FieldSet:
    """A set of field paths (upstream's ``fieldpath.Set``); treat as immutable once built."""

    __slots__ = ("children", "members")

    def __init__(
        self, members: set[PathElement] | None = None, children: dict[PathElement, FieldSet] | None = None
    ) -> None:
        self.members: set[PathElement] = members if members is not None else set()
        self.children: dict[PathElement, FieldSet] = children if children is not None else {}

    @classmethod
    def of(cls, *paths: Path) -> FieldSet:
        built = cls()
        for path in paths:
            built.insert(path)
        return built

    def insert(self, path: Path) -> None:
        """Add ``path`` (its parents are not added). Only while building a set."""
        if not path:
            return  # nobody owns the whole object
        node = self
        for element in path[:-1]:
            child = node.children.get(element)
            if child is None:
                child = node.children[element] = FieldSet()
            node = child
        node.members.add(path[-1])

    def has(self, path: Path) -> bool:
        if not path:
            return False
        node: FieldSet | None = self
        for element in path[:-1]:
            assert node is not None
            node = node.children.get(element)
            if node is None:
                return False
        assert node is not None
        return path[-1] in node.members

    def empty(self) -> bool:
        if self.members:
            return False
        return all(child.empty() for child in self.children.values())

    def with_prefix(self, element: PathElement) -> FieldSet:
        """The paths below ``element``, without it."""
        return self.children.get(element) or _EMPTY

    def union(self, other: FieldSet) -> FieldSet:
        if other is self or (not other.members and not other.children):
            return self
        if not self.members and not self.children:
            return other
        children = dict(self.children)
        for element, child in other.children.items():
            mine = children.get(element)
            children[element] = child if mine is None else mine.union(child)
        return FieldSet(self.members | other.members, children)

    def intersection(self, other: FieldSet) -> FieldSet:
        children: dict[PathElement, FieldSet] = {}
        small, large = (self, other) if len(self.children) <= len(other.children) else (other, self)
        for element, child in small.children.items():
            theirs = large.children.get(element)
            if theirs is not None:
                both = child.intersection(theirs)
                if not both.empty():
                    children[element] = both
        return FieldSet(self.members & other.members, children)

    def difference(self, other: FieldSet) -> FieldSet:
        """Leaf-wise difference: a parent minus its child is the parent; a child minus its parent stays."""
        if not other.members and not other.children:
            return self
        children: dict[PathElement, FieldSet] = {}
        for element, child in self.children.items():
            theirs = other.children.get(element)
            if theirs is None:
                children[element] = child
                continue
            rest = child.difference(theirs)
            if not rest.empty():
                children[element] = rest
        return FieldSet(self.members - other.members, children)

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Difference that also drops every path below a member of ``other``."""
        children: dict[PathElement, FieldSet] = {}
        for element, child in self.children.items():
            if element in other.members:
                continue
            theirs = other.children.get(element)
            if theirs is None:
                children[element] = child
                continue
            rest = child.recursive_difference(theirs)
            if not rest.empty():
                children[element] = rest
        return FieldSet(self.members - other.members, children)

    def paths(self, prefix: Path = ()) -> Iterator[Path]:
        """Every member, as ``Set.Iterate`` visits them: a node's members, then its children, in order."""
        for element in sorted(self.members, key=element_order):
            yield (*prefix, element)
        for element in sorted(self.children, key=element_order):
            yield from self.children[element].paths((*prefix, element))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return self.to_fields_v1() == other.to_fields_v1()

    def __repr__(self) -> str:
        return f"FieldSet({[path_string(p) for p in self.paths()]})"

    # FieldsV1 ---------------------------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        """``Set.ToJSON`` as a JSON object: elements in upstream's order, ``"."`` first in a member child."""
        return self._emit(include_self=False)

    def _emit(self, *, include_self: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if include_self:
            out[_SELF] = {}
        children = self.children
        elements = self.members | children.keys() if children else self.members
        for element in sorted(elements, key=element_order):
            child = children.get(element)
            if child is None or child.empty():
                if element in self.members:
                    out[element] = {}
            else:
                out[element] = child._emit(include_self=element in self.members)
        return out

    @classmethod
    def from_fields_v1(cls, document: Any) -> FieldSet:
        """``Set.FromJSON``; raises FieldPathError for a document that is not a FieldsV1 object."""
        if not isinstance(document, Mapping):
            raise FieldPathError("ReadMapCB: expect { or n, but found " + _first_char(document))
        found, _ = _read(document)
        return found if found is not None else cls()


_EMPTY = FieldSet()


def _first_char(document: Any) -> str:
    return orjson.dumps(document).decode()[:1]


def _read(document: Mapping[str, Any]) -> tuple[FieldSet | None, bool]:
    """``readIterV1``: (the children of this node, whether the node itself is a member)."""
    children: FieldSet | None = None
    is_member = False
    for text, sub in document.items():
        if text == _SELF:
            is_member = True
            continue
        try:
            element = parse_element(text)
        except UnknownElementType:
            continue
        if not isinstance(sub, Mapping):
            raise FieldPathError("ReadMapCB: expect { or n, but found " + _first_char(sub))
        grandchildren, child_is_member = _read(sub)
        if children is None:
            children = FieldSet()
        if child_is_member:
            children.members.add(element)
        if grandchildren is not None:
            children.children[element] = grandchildren
    if children is None:
        is_member = True
    return children, is_member
