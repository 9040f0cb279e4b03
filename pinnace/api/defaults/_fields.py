"""Small helpers for defaulting JSON dicts the way Go's typed structs default.

Upstream defaulting works on Go structs, where "unset" has two spellings:

- a *pointer* field (``*int32``, ``*string``, ``*Struct``) is unset when nil: in JSON, absent or ``null``;
  an explicit ``0``, ``""`` or ``false`` is a user value and stays.
- a *value* field (``string``, ``int32``) is unset when it holds the zero value: absent, ``null``, ``""``
  or ``0`` all decode to the zero value, so upstream's ``if obj.X == ""`` defaults all of them.

:func:`default_unset` reproduces the first rule and :func:`default_zero` the second; each module says which
one a field follows. The helpers never replace a value of an unexpected type (a string where an object
belongs, say): defaulting leaves malformed input for validation to reject. :func:`default_resource_list` is
core/v1's ``SetDefaults_ResourceList``, over the quantities of :mod:`pinnace.api.quantity`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

from pinnace.api.quantity import MILLI, canonicalize

Obj = dict[str, Any]


def _fresh(value: Any) -> Any:
    """A private copy of a mutable default, so two objects never share one list or dict."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def is_zero(value: Any) -> bool:
    """Whether a JSON value decodes to a Go value field's zero value (``bool`` fields are never defaulted)."""
    if value is None or value == "":
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def default_unset(obj: Obj, key: str, value: Any) -> None:
    """Set ``obj[key]`` when it is absent or null (a Go pointer field's nil)."""
    if obj.get(key) is None:
        obj[key] = _fresh(value)


def default_zero(obj: Obj, key: str, value: Any) -> None:
    """Set ``obj[key]`` when it is absent, null, ``""`` or ``0`` (a Go value field's zero value)."""
    if is_zero(obj.get(key)):
        obj[key] = _fresh(value)


def child(obj: Obj | None, key: str) -> Obj | None:
    """``obj[key]`` if it is an object; never creates one."""
    if obj is None:
        return None
    value = obj.get(key)
    return value if isinstance(value, dict) else None


def ensure_child(obj: Obj, key: str) -> Obj:
    """``obj[key]`` as an object, created empty when absent or null.

    A value of another type is kept, and a detached dict is returned so the caller's writes go nowhere.
    """
    value = obj.get(key)
    if value is None:
        value = obj[key] = {}
    return value if isinstance(value, dict) else {}


def path(obj: Obj | None, *keys: str) -> Obj | None:
    """The object at ``keys`` below ``obj``, or None when any step is missing or not an object."""
    for key in keys:
        obj = child(obj, key)
    return obj


def setdefault_path(obj: Obj, keys: Sequence[str], value: Any) -> None:
    """Set the field at ``keys`` when unset (nil), creating the objects on the way."""
    *parents, leaf = keys
    for key in parents:
        obj = ensure_child(obj, key)
    default_unset(obj, leaf, value)


def items(obj: Obj | None, key: str) -> Iterator[Obj]:
    """The object elements of the list ``obj[key]`` (anything else in the list is skipped)."""
    if obj is None:
        return
    value = obj.get(key)
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def default_resource_list(obj: Obj | None, key: str) -> None:
    """``SetDefaults_ResourceList`` on ``obj[key]``: every value rounded up to milli, written canonically.

    Why ``0.5`` reads back as ``500m``, ``1.5Gi`` as ``1536Mi`` and the JSON number ``2`` as ``"2"``.
    """
    resources = obj.get(key) if obj is not None else None
    if isinstance(resources, dict):
        for name, raw in resources.items():
            resources[name] = canonicalize(raw, scale=MILLI)
