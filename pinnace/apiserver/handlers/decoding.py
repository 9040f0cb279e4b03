"""From request body to typed object: structural decoding and ``fieldValidation``.

kube-apiserver decodes every body into its Go type before anything else: a wrong JSON type is a 400
naming the Go field, unknown fields are dropped, and ``fieldValidation`` decides whether unknown or
duplicate fields are an error (Strict), a ``Warning`` header (Warn, the default) or ignored (Ignore).
"""

from __future__ import annotations

from typing import Any

from pinnace.api.schema import (
    SchemaTypeError,
    builtin_schemas,
    find_duplicate_fields,
    strict_decoding_message,
    strict_warnings,
)
from pinnace.apiserver import status
from pinnace.apiserver.handlers.negotiation import JSON
from pinnace.apiserver.rest.resource import ResourceStore

Object = dict[str, Any]

FIELD_VALIDATION_LEVELS = ("Ignore", "Warn", "Strict")


def field_validation(query: Any) -> str:
    level = query.get("fieldValidation", "") or "Warn"
    if level not in FIELD_VALIDATION_LEVELS:
        raise status.bad_request(
            f'fieldValidation: Unsupported value: "{level}": supported values: "Ignore", "Warn", "Strict"'
        )
    return str(level)


def decode_typed(
    obj: Object,
    rest: ResourceStore,
    *,
    level: str,
    raw: bytes = b"",
    media: str = JSON,
    in_patch: bool = False,
) -> tuple[Object, list[str]]:
    """The object as the server's type sees it, and the Warning texts to send.

    ``in_patch``: a patched object reports strict errors without the "cannot be handled" prefix, as
    upstream's patch handler does.
    """
    info = rest.info
    duplicates: list[str] = []
    if raw and media == JSON and level != "Ignore":
        duplicates = find_duplicate_fields(raw, obj)
    try:
        result = builtin_schemas().decode(
            obj, info.api_version, info.kind, duplicate_fields=duplicates, target_kind=info.kind
        )
    except SchemaTypeError as err:
        raise status.bad_request(str(err)) from err
    if result.strict_errors and level == "Strict":
        message = strict_decoding_message(result.strict_errors)
        if not in_patch:
            message = f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: {message}'
        raise status.bad_request(message)
    warnings = strict_warnings(result.strict_errors) if level == "Warn" else []
    return result.obj, warnings
