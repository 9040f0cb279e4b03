"""Merging an applied configuration into a live object, and removing items from one.

:func:`merge` is structured-merge-diff's ``TypedValue.Merge`` (``typed/merge.go``, rule ``ruleKeepRHS``):
nothing is removed; a leaf the configuration sets takes its value; atomic lists and maps are leaves and so
are replaced whole; granular maps and structs merge key by key; sets and map lists merge item by item,
matched by value or key. Items keep the live order, except that the items both sides have follow the
configuration's order, and new items come where the configuration puts them.

:func:`remove_items` is ``TypedValue.RemoveItems`` (``typed/remove.go``): it drops the list items and map
entries (struct fields included) that are members of a set, and what it empties becomes ``null``, which the
typed object then leaves out.

Values are plain JSON values; ``MISSING`` stands for an absent one. Results may share unchanged subtrees with
the inputs, which are never modified.
"""

from __future__ import annotations

from typing import Any

from pinnace.api.fieldmanager import fieldpath
from pinnace.api.fieldmanager.fieldpath import FieldSet, PathElement
from pinnace.api.fieldmanager.schematypes import (
    DEDUCED_TYPE,
    LIST_TYPE,
    MISSING,
    SCALAR,
    UNTYPED,
    Type,
    TypedError,
    item_element,
    shape,
)


class MergeError(ValueError):
    """The configuration cannot be merged (a duplicated list item); ``str()`` is upstream's message."""


def merge(lhs: Any, rhs: Any, t: Type) -> Any:
    """``lhs.Merge(rhs)``: the merged value, or MISSING when there is none."""
    if rhs is MISSING:
        return lhs  # merging nothing in leaves every value as it was
    if lhs is MISSING:
        return rhs  # (the configuration was validated: no duplicated items to refuse)
    kind = shape(t, rhs)
    if kind == SCALAR or kind == UNTYPED:
        return rhs
    if kind == LIST_TYPE:
        left = lhs if isinstance(lhs, list) else None
        right = rhs if isinstance(rhs, list) else None
        if t.atomic or (not left and not right):
            return rhs
        return _merge_list(t, left or [], right or [])
    left_map = lhs if isinstance(lhs, dict) else None
    right_map = rhs if isinstance(rhs, dict) else None
    if t.atomic or (not left_map and not right_map):
        return rhs
    out: dict[str, Any] = {}
    left_map = left_map or {}
    right_map = right_map or {}
    for name, left in left_map.items():
        merged = merge(left, right_map.get(name, MISSING), _child(t, name))
        if merged is not MISSING:
            out[name] = merged
    for name, right in right_map.items():
        if name not in left_map:
            out[name] = right
    return out if out else MISSING


def _child(t: Type, name: str) -> Type:
    found = t.child(name)
    return found if found is not None else DEDUCED_TYPE


def _index(
    t: Type, items: list[Any], *, allow_duplicates: bool
) -> tuple[list[PathElement], dict[PathElement, Any]]:
    """``indexListPathElements``: the items' elements in order, and each element's item.

    A live list may hold duplicates (they become null, merged with nothing); the configuration may not.
    """
    elements: list[PathElement] = []
    observed: dict[PathElement, Any] = {}
    for position, item in enumerate(items):
        try:
            element = item_element(t, item)
        except TypedError as err:
            raise MergeError(f"element {position}: {err}") from None
        if element in observed:
            if not allow_duplicates:
                raise MergeError(f"duplicate entries for key {fieldpath.element_string(element)}")
            observed[element] = None
        else:
            observed[element] = item
        elements.append(element)
    return elements, observed


def _merge_list(t: Type, lhs: list[Any], rhs: list[Any]) -> Any:
    """``mergingWalker.visitListItems``, step for step (its order rules are the visible behaviour)."""
    elem = t.elem
    assert elem is not None
    rhs_elements, observed_rhs = _index(t, rhs, allow_duplicates=False)
    lhs_elements, observed_lhs = _index(t, lhs, allow_duplicates=True)
    shared = [element for element in rhs_elements if element in observed_lhs]
    shared.reverse()  # popped from the end
    next_shared = shared.pop() if shared else None
    merged_rhs: set[PathElement] = set()
    out: list[Any] = []
    left_len, right_len = len(lhs_elements), len(rhs_elements)
    li = ri = 0
    while li < left_len or ri < right_len:
        if li < left_len and ri < right_len:
            element = lhs_elements[li]
            if element == rhs_elements[ri]:
                merged_rhs.add(element)
                _append(out, merge(observed_lhs[element], observed_rhs[element], elem))
                li += 1
                ri += 1
                next_shared = shared.pop() if shared else None
                continue
            if element in observed_rhs and next_shared is not None and next_shared != element:
                li += 1  # a shared item, but not the one this round places
                continue
        if li < left_len:
            element = lhs_elements[li]
            if element not in observed_rhs:
                _append(out, merge(lhs[li], MISSING, elem))
                li += 1
                continue
            if element in merged_rhs:
                li += 1
        if ri < right_len:
            element = rhs_elements[ri]
            merged_rhs.add(element)
            _append(out, merge(observed_lhs.get(element, MISSING), observed_rhs[element], elem))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop() if shared else None
    return out if out else MISSING


def _append(out: list[Any], item: Any) -> None:
    if item is not MISSING:
        out.append(item)


# RemoveItems ----------------------------------------------------------------------------------------------


def remove_items(value: Any, to_remove: FieldSet, t: Type) -> Any:
    """``value.RemoveItems(to_remove)``: None where a container ends up empty."""
    kind = shape(t, value)
    if kind == SCALAR:
        return value
    if kind == LIST_TYPE or (kind == UNTYPED and isinstance(value, list)):
        if not isinstance(value, list):
            return value
        if not value or t.atomic or kind == UNTYPED:
            return None
        elem = t.elem
        assert elem is not None
        items: list[Any] = []
        for item in value:
            try:
                element = item_element(t, item)
            except TypedError:
                items.append(item)
                continue
            if element in to_remove.members:
                continue
            below = to_remove.children.get(element)
            if below is not None and not below.empty():
                item = remove_items(item, below, elem)
            items.append(item)
        return items or None
    if not isinstance(value, dict):
        return value
    if not value or t.atomic or kind == UNTYPED:
        return None
    out: dict[str, Any] = {}
    for name, item in value.items():
        element = fieldpath.field(name)
        if element in to_remove.members:
            continue
        below = to_remove.children.get(element)
        if below is not None and not below.empty():
            item = remove_items(item, below, _child(t, name))
        out[name] = item
    return out or None
