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
from pinnace.api.fieldmanager.fieldpath import FieldSet, Path, PathElement
from pinnace.api.fieldmanager.typed import (
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
    walker = _Walker()
    walker.compare(lhs, rhs, t, ())
    return walker.result


class _Walker:
    __slots__ = ("result",)

    def __init__(self) -> None:
        self.result = Comparison()

    def compare(self, lhs: Any, rhs: Any, t: Type, path: Path) -> None:
        if lhs is rhs:
            return
        leaf = self.handle(lhs, rhs, t, path)
        if not leaf and path:
            if lhs is MISSING:
                self.result.added.insert(path)
            elif rhs is MISSING:
                self.result.removed.insert(path)

    def leaf(self, lhs: Any, rhs: Any, path: Path) -> bool:
        """``doLeaf``: a scalar or an atomic value, compared whole."""
        if not path:
            return True
        if lhs is MISSING:
            self.result.added.insert(path)
        elif rhs is MISSING:
            self.result.removed.insert(path)
        elif not _equal(lhs, rhs):
            self.result.modified.insert(path)
        return True

    def handle(self, lhs: Any, rhs: Any, t: Type, path: Path) -> bool:
        """Compare by the type's kind; True when the values were a leaf."""
        kind = shape(t, rhs if rhs is not MISSING else lhs)
        if kind == SCALAR or kind == UNTYPED:
            return self.leaf(lhs, rhs, path)
        if kind == LIST_TYPE:
            left = lhs if isinstance(lhs, list) else None
            right = rhs if isinstance(rhs, list) else None
            if t.atomic or (not left and not right):
                return self.leaf(lhs, rhs, path)
            self.list_items(t, left or [], right or [], path)
            return False
        left_map = lhs if isinstance(lhs, dict) else None
        right_map = rhs if isinstance(rhs, dict) else None
        if t.atomic or (not left_map and not right_map):
            return self.leaf(lhs, rhs, path)
        self.map_items(t, left_map or {}, right_map or {}, path)
        return False

    def map_items(self, t: Type, lhs: dict[str, Any], rhs: dict[str, Any], path: Path) -> None:
        for name, left in lhs.items():
            right = rhs.get(name, MISSING)
            if right is not MISSING and _equal(left, right):
                continue
            self.compare(left, right, _child(t, name), (*path, fieldpath.field(name)))
        for name, right in rhs.items():
            if name not in lhs:
                self.compare(MISSING, right, _child(t, name), (*path, fieldpath.field(name)))

    def list_items(self, t: Type, lhs: list[Any], rhs: list[Any], path: Path) -> None:
        elem = t.elem
        assert elem is not None
        left = _index(t, lhs)
        right = _index(t, rhs)
        order = list(left)
        order += [element for element in right if element not in left]
        result = self.result
        for element in order:
            lefts = left.get(element, ())
            rights = right.get(element, ())
            item_path = (*path, element)
            if len(lefts) <= 1 and len(rights) <= 1:
                self.compare(
                    lefts[0] if lefts else MISSING, rights[0] if rights else MISSING, elem, item_path
                )
            elif len(lefts) >= 2 and len(rights) >= 2:
                # Duplicates before and after: compared as if atomic.
                if len(lefts) != len(rights) or not all(map(_equal, lefts, rights)):
                    result.modified.insert(item_path)
            elif len(lefts) >= 2:
                if rights:
                    self.compare(MISSING, rights[0], elem, item_path)
                result.removed.insert(item_path)
            else:
                if lefts:
                    self.compare(lefts[0], MISSING, elem, item_path)
                result.added.insert(item_path)


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
