"""Validation of an applied configuration against its type (structured-merge-diff ``typed/validate.go``).

kube-apiserver converts the configuration to a typed value without allowing duplicates; a failure is the
500 ``failed to create typed patch object (<ns>/<name>; <gvk>): <errors>``. The errors name the path
(``.spec.replica: field not declared in schema``) and word type mismatches as Go prints the values.
"""

from __future__ import annotations

from typing import Any

from pinnace.api.conversion.gojson import marshal
from pinnace.api.fieldmanager import fieldpath
from pinnace.api.fieldmanager.fieldpath import PathElement
from pinnace.api.fieldmanager.schematypes import (
    LIST_TYPE,
    SCALAR,
    UNTYPED,
    Type,
    TypedError,
    item_element,
    shape,
)


def validate(obj: Any, t: Type) -> None:
    """``AsTyped`` without AllowDuplicates: raise TypedError listing every violation, as upstream words it."""
    errors: list[str] = []
    _validate(obj, t, "", errors)
    if len(errors) == 1:
        raise TypedError(errors[0])
    if errors:
        raise TypedError("\n".join(["errors:", *(f"  {e}" for e in errors)]))


def _error(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def _validate(item: Any, t: Type, path: str, errors: list[str]) -> None:
    kind = shape(t, item)
    if kind == SCALAR:
        message = _scalar_error(t.scalar, item)
        if message:
            errors.append(_error(path, message))
        return
    if kind == UNTYPED:
        return  # any scalar, list or map of untyped values
    if item is None:
        return
    if kind == LIST_TYPE:
        if not isinstance(item, list):
            errors.append(_error(path, f"expected list, got {_go_pointer(item)}"))
            return
        _validate_list(item, t, path, errors)
        return
    if not isinstance(item, dict):
        errors.append(_error(path, f"expected map, got {_go_pointer(item)}"))
        return
    for name, sub in item.items():
        child = t.child(name)
        if child is None:
            errors.append(f"{path}.{name}: field not declared in schema")
            return
        _validate(sub, child, f"{path}.{name}", errors)


def _validate_list(items: list[Any], t: Type, path: str, errors: list[str]) -> None:
    elem = t.elem
    assert elem is not None
    observed: set[PathElement] = set()
    for position, item in enumerate(items):
        if not t.associative:
            _validate(item, elem, f"{path}[{position}]", errors)
            continue
        try:
            element = item_element(t, item)
        except TypedError as err:
            errors.append(_error(path, f"element {position}: {err}"))
            return
        if element in observed:
            errors.append(_error(path, f"duplicate entries for key {fieldpath.element_string(element)}"))
        observed.add(element)
        _validate(item, elem, path + fieldpath.element_string(element), errors)


def _scalar_error(scalar: str, item: Any) -> str:
    """``validateScalar``'s message, or "" when ``item`` fits (null always fits)."""
    if item is None:
        return ""
    is_number = isinstance(item, int | float) and not isinstance(item, bool)
    if scalar == "numeric" and not is_number:
        return f"expected numeric (int or float), got {_go_type(item)}"
    if scalar == "string" and not isinstance(item, str):
        return f"expected string, got &value.valueUnstructured{{Value:{_go_sharp(item)}}}"
    if scalar == "boolean" and not isinstance(item, bool):
        return f"expected boolean, got {_go_pointer(item)}"
    if scalar == "untyped" and isinstance(item, dict | list):
        return f"expected any scalar, got {_go_pointer(item)}"
    return ""


def _go_type(item: Any) -> str:
    """``%T`` of an unstructured value."""
    if isinstance(item, bool):
        return "bool"
    if isinstance(item, int):
        return "int64"
    if isinstance(item, float):
        return "float64"
    if isinstance(item, str):
        return "string"
    if isinstance(item, list):
        return "[]interface {}"
    return "map[string]interface {}"


def _go_sharp(item: Any) -> str:
    """``%#v`` of an unstructured scalar (what a wrongly typed value usually is)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return marshal(item)
    if isinstance(item, int | float):
        return str(item)
    return _go_type(item) + "{...}"


def _go_pointer(item: Any) -> str:
    """``%v`` of a ``*valueUnstructured``: ``&{<value>}``."""
    if isinstance(item, bool):
        return "&{true}" if item else "&{false}"
    if isinstance(item, dict):
        return "&{map[" + " ".join(f"{k}:{_go_plain(v)}" for k, v in sorted(item.items())) + "]}"
    return "&{" + _go_plain(item) + "}"


def _go_plain(item: Any) -> str:
    if isinstance(item, list):
        return "[" + " ".join(_go_plain(v) for v in item) + "]"
    if isinstance(item, dict):
        return "map[" + " ".join(f"{k}:{_go_plain(v)}" for k, v in sorted(item.items())) + "]"
    if item is None:
        return "<nil>"
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)
