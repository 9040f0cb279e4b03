"""Field errors and field paths, shaped like apimachinery's ``k8s.io/apimachinery/pkg/util/validation/field``.

:class:`FieldError` is ``field.Error``: its :meth:`FieldError.message` renders exactly like ``Error()``
(``spec.replicas: Invalid value: -1: must be greater than or equal to 0``) and :meth:`FieldError.body` like
``ErrorBody()``, which is what a ``Status`` cause carries. The constructors (:func:`required`,
:func:`invalid`, :func:`not_supported`, ...) are ``field.Required``, ``field.Invalid``, ``field.NotSupported``
and friends from ``errors.go``; :class:`Path` is ``field.Path`` from ``path.go``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pinnace.api.gofmt import go_quote, render


class ErrorType(enum.Enum):
    """``field.ErrorType``: the value is the ``Status`` cause type, :attr:`text` the canonical message."""

    FieldValueNotFound = "FieldValueNotFound"
    FieldValueRequired = "FieldValueRequired"
    FieldValueDuplicate = "FieldValueDuplicate"
    FieldValueInvalid = "FieldValueInvalid"
    FieldValueNotSupported = "FieldValueNotSupported"
    FieldValueForbidden = "FieldValueForbidden"
    FieldValueTooLong = "FieldValueTooLong"
    FieldValueTooMany = "FieldValueTooMany"
    InternalError = "InternalError"
    FieldValueTypeInvalid = "FieldValueTypeInvalid"

    @property
    def text(self) -> str:
        return _TEXT[self]


_TEXT: Final = {
    ErrorType.FieldValueNotFound: "Not found",
    ErrorType.FieldValueRequired: "Required value",
    ErrorType.FieldValueDuplicate: "Duplicate value",
    ErrorType.FieldValueInvalid: "Invalid value",
    ErrorType.FieldValueNotSupported: "Unsupported value",
    ErrorType.FieldValueForbidden: "Forbidden",
    ErrorType.FieldValueTooLong: "Too long",
    ErrorType.FieldValueTooMany: "Too many",
    ErrorType.InternalError: "Internal error",
    ErrorType.FieldValueTypeInvalid: "Invalid value",
}

# Upstream's ErrorBody never prints the value of these types.
_VALUELESS: Final = frozenset(
    {
        ErrorType.FieldValueRequired,
        ErrorType.FieldValueForbidden,
        ErrorType.FieldValueTooLong,
        ErrorType.InternalError,
    }
)


class _OmitValue:
    """``field.OmitValueType{}``: an Invalid/TooMany error whose value is not printed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OMIT_VALUE"


OMIT_VALUE: Final = _OmitValue()


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field-level validation error (``field.Error``)."""

    type: ErrorType
    field: str
    detail: str
    bad_value: Any

    def body(self) -> str:
        """``ErrorBody()``: the message without the field (a ``Status`` cause's ``message``)."""
        if self.type in _VALUELESS or self.bad_value is OMIT_VALUE:
            text = self.type.text
        else:
            text = f"{self.type.text}: {render(self.bad_value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def message(self) -> str:
        """``Error()``: ``<field>: <body>``, as it appears in a ``Status`` message and in kubectl."""
        return f"{self.field}: {self.body()}"

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True, slots=True)
class Path:
    """A field path (``field.Path``): ``Path.root("spec").child("containers").index(0)``."""

    name: str = ""
    index_text: str = ""
    parent: Path | None = None

    @classmethod
    def root(cls, name: str, *more: str) -> Path:
        path = cls(name=name)
        for n in more:
            path = cls(name=n, parent=path)
        return path

    def child(self, name: str, *more: str) -> Path:
        path = Path(name=name, parent=self)
        for n in more:
            path = Path(name=n, parent=path)
        return path

    def index(self, i: int) -> Path:
        return Path(index_text=str(i), parent=self)

    def key(self, key: str) -> Path:
        return Path(index_text=key, parent=self)

    def __str__(self) -> str:
        elems: list[Path] = []
        p: Path | None = self
        while p is not None:
            elems.append(p)
            p = p.parent
        out: list[str] = []
        for e in reversed(elems):
            if e.parent is not None and e.name:
                out.append(".")
            out.append(e.name if e.name else f"[{e.index_text}]")
        return "".join(out)


def required(path: Path, detail: str = "") -> FieldError:
    return FieldError(ErrorType.FieldValueRequired, str(path), detail, "")


def invalid(path: Path, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.FieldValueInvalid, str(path), detail, value)


def not_supported(path: Path, value: Any, valid_values: Sequence[str]) -> FieldError:
    detail = ""
    if valid_values:
        detail = "supported values: " + ", ".join(go_quote(str(v)) for v in valid_values)
    return FieldError(ErrorType.FieldValueNotSupported, str(path), detail, value)


def duplicate(path: Path, value: Any) -> FieldError:
    return FieldError(ErrorType.FieldValueDuplicate, str(path), "", value)


def not_found(path: Path, value: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.FieldValueNotFound, str(path), detail, value)


def forbidden(path: Path, detail: str) -> FieldError:
    return FieldError(ErrorType.FieldValueForbidden, str(path), detail, "")


def too_long(path: Path, max_length: int) -> FieldError:
    detail = f"may not be more than {max_length} bytes" if max_length >= 0 else "value is too long"
    return FieldError(ErrorType.FieldValueTooLong, str(path), detail, "<value omitted>")


def too_many(path: Path, actual: int, maximum: int) -> FieldError:
    detail = f"must have at most {maximum} items" if maximum >= 0 else "has too many items"
    return FieldError(ErrorType.FieldValueTooMany, str(path), detail, actual if actual >= 0 else OMIT_VALUE)


def type_invalid(path: Path, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.FieldValueTypeInvalid, str(path), detail, value)


def internal_error(path: Path, err: str) -> FieldError:
    return FieldError(ErrorType.InternalError, str(path), err, None)


def invalid_each(path: Path, value: Any, messages: Sequence[str]) -> list[FieldError]:
    """One ``Invalid`` error per message, the common ``for _, msg := range IsX(v)`` upstream loop."""
    return [invalid(path, value, msg) for msg in messages]
