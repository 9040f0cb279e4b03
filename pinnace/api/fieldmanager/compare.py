"""What changed between two objects of one type, as field sets (structured-merge-diff ``typed/compare.go``).

A :class:`Comparison` holds the fields ``rhs`` added, removed and modified relative to ``lhs``; no field is
in two of them. Atomic lists and maps, and lists or maps empty on both sides, are leaves: compared whole. A
container that appears or disappears is itself added or removed, besides everything in it - which is why
``FieldsV1`` shows ``".": {}`` for a label map or list item a manager created. List items are matched by
their key (``[name="c"]``), value or, in atomic lists, not at all; items that are duplicated on one side are
compared as a whole.

Equal subtrees are skipped without walking them: upstream walks them and finds nothing, since a leaf only
enters a set when it is absent on one side or different.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(slots=True)
class Comparison:
    removed: FieldSet = field(default_factory=FieldSet)
    modified: FieldSet = field(default_factory=FieldSet)
    added: FieldSet = field(default_factory=FieldSet)

    def is_same(self) -> bool:
        return self.removed.empty() and self.modified.empty() and self.added.empty()

    def filtered(self, exclude: FieldSet | None) -> Comparison:
        """``FilterFields`` with an exclude filter: drops the reset fields and everything below them."""
        if exclude is None or exclude.empty():
            return self
        return Comparison(
            self.removed.recursive_difference(exclude),
            self.modified.recursive_difference(exclude),
            self.added.recursive_difference(exclude),
        )


def compare(lhs: Any, rhs: Any, t: Type) -> Comparison:
    """``lhs.Compare(rhs)`` for two whole objects (either may be MISSING, not both)."""
    result = Comparison()
    root = _Node(None, "")
    root.sets = [result.removed, result.modified, result.added]
    _map_items(t, lhs if isinstance(lhs, dict) else {}, rhs if isinstance(rhs, dict) else {}, root)
    return result


_REMOVED, _MODIFIED, _ADDED = 0, 1, 2


class _Node:
    """A container on the current path: its node in each of the three result sets, made when first needed.

    A path is inserted as a member of its parent's node, so the walk never re-descends from the root.
    """

    __slots__ = ("element", "parent", "sets")

    def __init__(self, parent: _Node | None, element: PathElement) -> None:
        self.parent = parent
        self.element = element
        self.sets: list[FieldSet | None] = [None, None, None]

    def set(self, which: int) -> FieldSet:
        found = self.sets[which]
        if found is None:
            assert self.parent is not None
            above = self.parent.set(which)
            found = above.children.get(self.element)
            if found is None:
                found = above.children[self.element] = FieldSet()
            self.sets[which] = found
        return found

    def add(self, which: int, element: PathElement) -> None:
        self.set(which).members.add(element)


def _compare(lhs: Any, rhs: Any, t: Type, parent: _Node, element: PathElement) -> None:
    """Compare the values at ``element`` of ``parent`` (``compareWalker.compare``)."""
    kind = shape(t, rhs if rhs is not MISSING else lhs)
    if kind == LIST_TYPE:
        left = lhs if isinstance(lhs, list) else None
        right = rhs if isinstance(rhs, list) else None
        if not t.atomic and (left or right):
            _list_items(t, left or [], right or [], _Node(parent, element))
            _container(lhs, rhs, parent, element)
            return
    elif kind != SCALAR and kind != UNTYPED:
        left_map = lhs if isinstance(lhs, dict) else None
        right_map = rhs if isinstance(rhs, dict) else None
        if not t.atomic and (left_map or right_map):
            _map_items(t, left_map or {}, right_map or {}, _Node(parent, element))
            _container(lhs, rhs, parent, element)
            return
    # ``doLeaf``: a scalar, an atomic value, or a container empty on both sides, compared whole.
    if lhs is MISSING:
        parent.add(_ADDED, element)
    elif rhs is MISSING:
        parent.add(_REMOVED, element)
    elif not _equal(lhs, rhs):
        parent.add(_MODIFIED, element)


def _container(lhs: Any, rhs: Any, parent: _Node, element: PathElement) -> None:
    """A container that appears or disappears is itself added or removed."""
    if lhs is MISSING:
        parent.add(_ADDED, element)
    elif rhs is MISSING:
        parent.add(_REMOVED, element)


def _map_items(t: Type, lhs: dict[str, Any], rhs: dict[str, Any], node: _Node) -> None:
    for name, left in lhs.items():
        right = rhs.get(name, MISSING)
        if right is not MISSING and _equal(left, right):
            continue  # equal subtrees add nothing
        _compare(left, right, _child(t, name), node, fieldpath.field(name))
    for name, right in rhs.items():
        if name not in lhs:
            _compare(MISSING, right, _child(t, name), node, fieldpath.field(name))


def _list_items(t: Type, lhs: list[Any], rhs: list[Any], node: _Node) -> None:
    elem = t.elem
    assert elem is not None
    left = _index(t, lhs)
    right = _index(t, rhs)
    order = list(left)
    order += [element for element in right if element not in left]
    for element in order:
        lefts = left.get(element, ())
        rights = right.get(element, ())
        if len(lefts) <= 1 and len(rights) <= 1:
            left_item = lefts[0] if lefts else MISSING
            right_item = rights[0] if rights else MISSING
            if left_item is MISSING or right_item is MISSING or not _equal(left_item, right_item):
                _compare(left_item, right_item, elem, node, element)
        elif len(lefts) >= 2 and len(rights) >= 2:
            # Duplicates before and after: compared as if atomic.
            if len(lefts) != len(rights) or not all(map(_equal, lefts, rights)):
                node.add(_MODIFIED, element)
        elif len(lefts) >= 2:
            if rights:
                _compare(MISSING, rights[0], elem, node, element)
            node.add(_REMOVED, element)
        else:
            if lefts:
                _compare(lefts[0], MISSING, elem, node, element)
            node.add(_ADDED, element)


def _child(t: Type, name: str) -> Type:
    found = t.child(name)
    return found if found is not None else DEDUCED_TYPE


def _index(t: Type, items: list[Any]) -> dict[PathElement, list[Any]]:
    """Items by path element, in order of first appearance; items without one are left out."""
    out: dict[PathElement, list[Any]] = {}
    for item in items:
        try:
            element = item_element(t, item)
        except TypedError:
            continue
        found = out.get(element)
        if found is None:
            out[element] = [item]
        else:
            found.append(item)
    return out


def _equal(lhs: Any, rhs: Any) -> bool:
    """``value.Equals``. Python's ``==`` also equates ``1`` and ``1.0`` as Go's does; it would equate ``true``
    and ``1`` too, which values of one typed field never are."""
    return bool(lhs == rhs)
