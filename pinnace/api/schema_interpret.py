"""The first look kube-apiserver takes at a body: ``apiVersion`` and ``kind``, before any type is known.

Reproduces apimachinery ``runtime/serializer/json/meta.go`` ``SimpleMetaFactory.Interpret``: the body is
decoded with the standard library's encoding/json (keys matched case-insensitively) into an anonymous struct
of two strings, then ``schema.ParseGroupVersion`` splits ``apiVersion``. Its errors reach the client through
``endpoints/handlers/rest.go`` ``transformDecodeError`` as ``the object provided is unrecognized (must be of
type <Kind>): <error> (<the body, summarised>)`` (:func:`unrecognized_message`).
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.schema_go import unmarshal_type_error


class TypeMetaError(ValueError):
    """``apiVersion`` or ``kind`` unreadable: ``Interpret``'s error, before any type is known."""


def describe(value: Any, literal: bool) -> str:
    """A JSON value as ``UnmarshalTypeError.Value`` names it; ``literal`` adds a number's text."""
    if value is True or value is False:
        return "bool"
    kind = type(value)
    if kind is str:
        return "string"
    if kind is dict:
        return "object"
    if kind is list:
        return "array"
    if not literal:
        return "number"
    return f"number {value}" if kind is int else f"number {value!r}"


# Go prints the anonymous struct SimpleMetaFactory.Interpret decodes into like this.
_FIND_KIND: Final = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
)
# encoding/json matches keys case-insensitively (with Unicode simple folding: K is the Kelvin sign).
_FOLD: Final = str.maketrans({"\u212a": "k", "\u017f": "s"})


def interpret(obj: Any) -> tuple[str, str]:
    """``(apiVersion, kind)`` as ``SimpleMetaFactory.Interpret`` reads them from any body; both may be "".

    Raises :class:`TypeMetaError` with upstream's text (``couldn't get version/kind; json parse error: ...``
    or ``unexpected GroupVersion string: ...``), which the API server reports as ``the object provided is
    unrecognized`` (see :func:`unrecognized_message`).
    """
    found = {"apiVersion": "", "kind": ""}
    error: str | None = None
    if obj is not None and type(obj) is not dict:
        error = unmarshal_type_error(describe(obj, False), _FIND_KIND, None, "")
    elif obj is not None:
        for key, value in obj.items():
            folded = key.translate(_FOLD).lower()
            name = "apiVersion" if folded == "apiversion" else "kind" if folded == "kind" else None
            if name is None or value is None:
                continue
            if type(value) is str:
                found[name] = value
            elif error is None:
                error = unmarshal_type_error(describe(value, False), "string", "", name)
    if error is not None:
        raise TypeMetaError(f"couldn't get version/kind; json parse error: {error}")
    if found["apiVersion"].count("/") > 1:
        raise TypeMetaError(f"unexpected GroupVersion string: {found['apiVersion']}")
    return found["apiVersion"], found["kind"]


def unrecognized_message(target_kind: str, cause: str, body: bytes) -> str:
    """``transformDecodeError`` when the body names no kind: ``the object provided is unrecognized ...``."""
    if not body:
        summary = "<empty>"
    elif body[:1] == b"{":
        summary = body[:30].decode("utf-8", "replace") + (" ..." if len(body) > 30 else "")
    else:
        summary = body[:30].hex() + (" ..." if len(body) > 30 else "")
    return f"the object provided is unrecognized (must be of type {target_kind}): {cause} ({summary})"
