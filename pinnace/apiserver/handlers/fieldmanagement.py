"""The ``fieldManager`` and ``force`` query parameters of writes (apiserver ``endpoints/handlers``).

Every create, update and patch records its changes under a manager name: the ``fieldManager`` parameter,
or the part of the ``User-Agent`` before the first ``/`` (``kubectl/v1.32.0 (linux/amd64) ...`` is
``kubectl``), as ``managerOrUserAgent`` in ``create.go`` derives it. The options are checked like
``ValidateCreateOptions``/``ValidateUpdateOptions``/``ValidatePatchOptions`` (apimachinery
``pkg/apis/meta/v1/validation``): at most 128 bytes of printable characters; required for an apply patch;
``force`` only on one. A failure is 422 ``PatchOptions.meta.k8s.io "" is invalid: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass

from multidict import MultiMapping

from pinnace.api.gofmt import go_quote
from pinnace.apiserver import status

FIELD_MANAGER_MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class WriteOptions:
    manager: str  # the manager the write is recorded under
    force: bool = False  # apply: take over conflicting fields


def _printable(ch: str) -> bool:
    """Go's ``unicode.IsPrint``: graphic characters and the ASCII space only."""
    return ch == " " or (ch.isprintable() and not ch.isspace())


def validate_field_manager(manager: str, field: str = "fieldManager") -> list[status.StatusCause]:
    """``ValidateFieldManager``."""
    causes: list[status.StatusCause] = []
    if len(manager.encode("utf-8")) > FIELD_MANAGER_MAX_LENGTH:
        causes.append(
            status.StatusCause(
                "FieldValueTooLong", f"Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes", field
            )
        )
    position = 0  # a byte offset, as Go's range over a string gives
    for ch in manager:
        if not _printable(ch):
            causes.append(
                status.StatusCause(
                    "FieldValueInvalid",
                    f"Invalid value: {go_quote(manager)}: invalid character U+{ord(ch):04X} "
                    f"(at position {position})",
                    field,
                )
            )
        position += len(ch.encode("utf-8"))
    return causes


def prefix_from_user_agent(user_agent: str) -> str:
    """``prefixFromUserAgent``: before the first ``/``, printable characters only, at most 128 bytes."""
    out: list[str] = []
    size = 0
    for ch in user_agent.split("/", 1)[0]:
        if not _printable(ch):
            continue
        width = len(ch.encode("utf-8"))
        if size + width > FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(ch)
        size += width
    return "".join(out)


def write_options(
    query: MultiMapping[str], user_agent: str, *, options_kind: str, apply: bool = False
) -> WriteOptions:
    """The manager (and force) of a write; 422 for options upstream rejects."""
    manager = query.get("fieldManager", "")
    causes: list[status.StatusCause] = []
    if options_kind == "PatchOptions":
        if apply:
            if not manager:
                causes.append(
                    status.StatusCause(
                        "FieldValueRequired", "Required value: is required for apply patch", "fieldManager"
                    )
                )
        elif "force" in query:
            causes.append(
                status.StatusCause(
                    "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"
                )
            )
    causes += validate_field_manager(manager)
    if causes:
        raise status.invalid(options_kind, "", causes, group="meta.k8s.io")
    force = False
    if apply and "force" in query:
        force = _parse_bool(query["force"])
    return WriteOptions(manager or prefix_from_user_agent(user_agent), force)


def _parse_bool(raw: str) -> bool:
    """``strconv.ParseBool`` as the query parameter codec uses it."""
    if raw in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if raw in ("", "0", "f", "F", "FALSE", "false", "False"):
        return False
    raise status.bad_request(f'strconv.ParseBool: parsing "{raw}": invalid syntax')
