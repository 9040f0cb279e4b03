"""Typed reads of plain JSON dicts, and Kubernetes' notion of equality between them.

API objects stay dicts (design §3); these accessors give validators the Go zero value when a field is absent
or has the wrong JSON type (the schema/decoding layer reports type errors, as upstream's decoder does).
:func:`semantic_equal` is ``apiequality.Semantic.DeepEqual`` over dicts: absent, ``null``, empty lists, maps
and strings compare equal (Go's zero values and nil-vs-empty), and resource quantities compare by value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from pinnace.api.quantity import QuantityError, parse_quantity

Obj: TypeAlias = Mapping[str, Any]

EMPTY: Final[Obj] = {}


def obj(o: Obj, key: str) -> Obj:
    """A nested object, or ``{}``."""
    v = o.get(key)
    return v if isinstance(v, Mapping) else EMPTY


def opt_obj(o: Obj, key: str) -> Obj | None:
    """A nested object, or ``None`` when absent (a nil pointer upstream)."""
    v = o.get(key)
    return v if isinstance(v, Mapping) else None


def string(o: Obj, key: str) -> str:
    v = o.get(key)
    return v if isinstance(v, str) else ""


def opt_string(o: Obj, key: str) -> str | None:
    v = o.get(key)
    return v if isinstance(v, str) else None


def integer(o: Obj, key: str) -> int | None:
    """An integer field, or ``None`` (absent, ``null`` or not an integer)."""
    v = o.get(key)
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def boolean(o: Obj, key: str) -> bool | None:
    v = o.get(key)
    return v if isinstance(v, bool) else None


def items(o: Obj, key: str) -> list[Any]:
    v = o.get(key)
    return v if isinstance(v, list) else []


def objects(o: Obj, key: str) -> list[Obj]:
    """A list of objects; entries that are not objects read as ``{}``."""
    return [v if isinstance(v, Mapping) else EMPTY for v in items(o, key)]


def strings(o: Obj, key: str) -> list[str]:
    return [v if isinstance(v, str) else "" for v in items(o, key)]


def string_map(o: Obj, key: str) -> dict[str, str] | None:
    """A ``map[string]string``, or ``None`` when absent."""
    v = o.get(key)
    if not isinstance(v, Mapping):
        return None
    return {
        str(k): (val if isinstance(val, str) else "" if val is None else str(val)) for k, val in v.items()
    }


def present(o: Obj, key: str) -> bool:
    return o.get(key) is not None


def is_empty(v: Any) -> bool:
    return (
        v is None or v == "" or (isinstance(v, list | dict) and not v) or (isinstance(v, Mapping) and not v)
    )


_QUANTITY_MAPS: Final = frozenset(
    {"limits", "requests", "overhead", "capacity", "allocatable", "hard", "used"}
)
_QUANTITY_FIELDS: Final = frozenset({"sizeLimit", "divisor"})


def _quantity_equal(a: Any, b: Any) -> bool:
    try:
        return parse_quantity(a).cmp(parse_quantity(b)) == 0
    except QuantityError:
        return bool(a == b)


def semantic_equal(a: Any, b: Any, *, quantities: bool = False) -> bool:
    """``apiequality.Semantic.DeepEqual`` for JSON values (see the module docstring)."""
    if quantities and not isinstance(a, Mapping | list) and not isinstance(b, Mapping | list):
        return _quantity_equal(a, b)
    if is_empty(a) and is_empty(b):
        return True
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in set(a) | set(b):
            va, vb = a.get(k), b.get(k)
            if k in _QUANTITY_MAPS and isinstance(va, Mapping) and isinstance(vb, Mapping):
                if set(va) != set(vb) or not all(_quantity_equal(va[q], vb[q]) for q in va):
                    return False
            elif not semantic_equal(va, vb, quantities=k in _QUANTITY_FIELDS):
                return False
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(semantic_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)
