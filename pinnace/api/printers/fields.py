"""Typed readers for API objects held as JSON dicts.

Printers read objects that may be partly filled in (a missing ``status``, a ``null`` list), just as Go reads
zero values from a decoded struct. Each reader walks a key path and returns the Go zero value of the wanted
type when a step is missing or has another JSON type, so a cell function never raises on a sparse object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Obj = Mapping[str, Any]
"""An API object (or any JSON object inside one)."""

_EMPTY: Obj = {}


def _walk(obj: Obj, path: tuple[str, ...]) -> object:
    value: object = obj
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def get_dict(obj: Obj, *path: str) -> Obj:
    """The JSON object at ``path``, or an empty mapping."""
    value = _walk(obj, path)
    return value if isinstance(value, Mapping) else _EMPTY


def get_opt_dict(obj: Obj, *path: str) -> Obj | None:
    """The JSON object at ``path``, or None when absent or null (a Go struct pointer)."""
    value = _walk(obj, path)
    return value if isinstance(value, Mapping) else None


def get_list(obj: Obj, *path: str) -> Sequence[Any]:
    """The JSON array at ``path``, or an empty list."""
    value = _walk(obj, path)
    return value if isinstance(value, list) else []


def get_dicts(obj: Obj, *path: str) -> list[Obj]:
    """The JSON objects of the array at ``path`` (entries of other types are skipped)."""
    return [item for item in get_list(obj, *path) if isinstance(item, Mapping)]


def get_str(obj: Obj, *path: str) -> str:
    """The string at ``path``, or ``""``."""
    value = _walk(obj, path)
    return value if isinstance(value, str) else ""


def get_opt_str(obj: Obj, *path: str) -> str | None:
    """The string at ``path``, or None when absent (a Go ``*string``)."""
    value = _walk(obj, path)
    return value if isinstance(value, str) else None


def get_int(obj: Obj, *path: str, default: int = 0) -> int:
    """The integer at ``path``, or ``default``."""
    value = _walk(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def get_opt_int(obj: Obj, *path: str) -> int | None:
    """The integer at ``path``, or None when absent (a Go ``*int32``)."""
    value = _walk(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def get_bool(obj: Obj, *path: str, default: bool = False) -> bool:
    """The boolean at ``path``, or ``default``."""
    value = _walk(obj, path)
    return value if isinstance(value, bool) else default


def get_opt_bool(obj: Obj, *path: str) -> bool | None:
    """The boolean at ``path``, or None when absent (a Go ``*bool``)."""
    value = _walk(obj, path)
    return value if isinstance(value, bool) else None


def get_str_map(obj: Obj, *path: str) -> dict[str, str]:
    """The string-to-string map at ``path`` (labels, selectors), or an empty dict."""
    return {k: v for k, v in get_dict(obj, *path).items() if isinstance(k, str) and isinstance(v, str)}


def has(obj: Obj, *path: str) -> bool:
    """Whether ``path`` leads to a non-null value (a Go pointer or map that is set)."""
    return _walk(obj, path) is not None


def name_of(obj: Obj) -> str:
    return get_str(obj, "metadata", "name")


def creation_timestamp(obj: Obj) -> str | None:
    return get_opt_str(obj, "metadata", "creationTimestamp")


def is_deleting(obj: Obj) -> bool:
    """``metadata.deletionTimestamp`` is set: the object is being deleted."""
    return bool(get_str(obj, "metadata", "deletionTimestamp"))
