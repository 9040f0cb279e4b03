"""PATCH bodies: JSON patch (RFC 6902) and JSON merge patch (RFC 7386).

Strategic merge patch and server-side apply need the OpenAPI schema's merge keys; they arrive with
the apply work and are refused with 415 until then, naming what is missing.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import orjson

from pinnace.apiserver import status
from pinnace.apiserver.handlers.negotiation import (
    APPLY_PATCH_YAML,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
)

SUPPORTED_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def parse_patch(media: str, body: bytes) -> Any:
    if media in (STRATEGIC_MERGE_PATCH, APPLY_PATCH_YAML):
        raise status.UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(SUPPORTED_PATCH_TYPES)} "
            "(strategic merge patch and server-side apply are not served yet)"
        )
    if media not in SUPPORTED_PATCH_TYPES:
        raise status.UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(SUPPORTED_PATCH_TYPES)}"
        )
    try:
        patch = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise status.bad_request(f"error decoding patch: {err}") from err
    if media == JSON_PATCH and not isinstance(patch, list):
        raise status.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    if media == MERGE_PATCH and not isinstance(patch, dict):
        raise status.bad_request("error decoding patch: a merge patch must be a JSON object")
    return patch


def apply_patch(media: str, current: dict[str, Any], patch: Any) -> dict[str, Any]:
    if media == MERGE_PATCH:
        result = merge_patch(current, patch)
    else:
        try:
            result = jsonpatch.apply_patch(current, patch)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
            # Upstream answers a failed `test` or a bad path with 422 and the patch library's message.
            raise status.Invalid(
                f"the server rejected our request due to an error in our request: {err}"
            ) from err
    if not isinstance(result, dict):
        raise status.bad_request("the patch did not produce an object")
    return result
