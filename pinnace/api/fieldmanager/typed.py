"""The field set of an object of a type, as structured-merge-diff computes it.

:func:`to_field_set` is ``TypedValue.ToFieldSet`` (``typed/tofieldset.go``): every leaf, every list item (its
key, value or, for an atomic list, the list itself), every entry of a granular map, and every struct field
that is null or an empty object. :func:`ensure_named_fields` is ``Set.EnsureNamedFieldsAreMembers``: pruning
removes whole struct fields, so a field that has members below it counts as a member too.
"""

from __future__ import annotations

from typing import Any

from pinnace.api.fieldmanager import fieldpath
from pinnace.api.fieldmanager.fieldpath import FieldSet, PathElement
from pinnace.api.fieldmanager.schematypes import (
    DEDUCED,
    DEDUCED_TYPE,
    LIST_TYPE,
    MAP_TYPE,
    SCALAR,
    STRUCT_TYPE,
    UNTYPED,
    Type,
    TypedError,
    item_element,
    shape,
)

# ToFieldSet -----------------------------------------------------------------------------------------------


def to_field_set(obj: Any, t: Type) -> FieldSet:
    """``TypedValue.ToFieldSet``: every leaf, list item and map entry of ``obj`` (duplicates allowed)."""
    root = FieldSet()
    kind = shape(t, obj)
    if kind in (STRUCT_TYPE, MAP_TYPE, DEDUCED) and isinstance(obj, dict) and not t.atomic:
        _map_items(obj, t, root)
    return root


def _visit(item: Any, t: Type, node: FieldSet, element: PathElement) -> None:
    """Add the fields of ``item``, found at ``element`` of ``node``'s container."""
    kind = shape(t, item)
    if kind == SCALAR or kind == UNTYPED or t.atomic:
        node.members.add(element)
        return
    child = FieldSet()
    if kind == LIST_TYPE:
        if isinstance(item, list) and item:
            _list_items(item, t, child)
    elif isinstance(item, dict) and item:
        _map_items(item, t, child)
    if child.members or child.children:
        node.children[element] = child


def _map_items(obj: dict[str, Any], t: Type, node: FieldSet) -> None:
    struct = t.kind == STRUCT_TYPE
    for name, item in obj.items():
        element = fieldpath.field(name)
        child_type = t.child(name)
        named = struct and child_type is not None
        if child_type is None:
            child_type = DEDUCED_TYPE
        _visit(item, child_type, node, element)
        if item is None or not named or (isinstance(item, dict) and not item):
            node.members.add(element)


def _list_items(items: list[Any], t: Type, node: FieldSet) -> None:
    elem = t.elem
    assert elem is not None
    elements: list[PathElement | None] = []
    seen: set[PathElement] = set()
    duplicates: set[PathElement] = set()
    for item in items:
        try:
            element: PathElement | None = item_element(t, item)
        except TypedError:
            element = None
        elements.append(element)
        if element is None:
            continue
        if element in seen:
            duplicates.add(element)
        seen.add(element)
    node.members.update(duplicates)
    for item, element in zip(items, elements, strict=True):
        if element is None or element in duplicates:
            continue
        _visit(item, elem, node, element)
        node.members.add(element)


# EnsureNamedFieldsAreMembers ------------------------------------------------------------------------------


def ensure_named_fields(s: FieldSet, t: Type | None) -> FieldSet:
    """The set plus, as members, every struct field that has members below it (prune removes those too)."""
    if not s.children:
        return s
    members = s.members
    struct = t is not None and t.kind == STRUCT_TYPE
    children: dict[PathElement, FieldSet] = {}
    for element, child in s.children.items():
        child_type: Type | None = None
        if t is not None:
            name = fieldpath.field_name(element)
            if name is not None and t.kind in (STRUCT_TYPE, MAP_TYPE, DEDUCED):
                child_type = t.child(name)
                if struct and child_type is not None and element not in members:
                    members = members | {element}
            elif name is None and element[0] == "k" and t.kind == LIST_TYPE:
                child_type = t.elem
        children[element] = ensure_named_fields(child, child_type)
    return FieldSet(members, children)
