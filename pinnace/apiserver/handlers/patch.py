"""PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch.

Strategic merge patch follows the schema's patch strategies and merge keys
(:mod:`pinnace.api.strategicpatch`). Server-side apply bodies (``application/apply-patch+yaml``) are
configurations, not patches: :mod:`pinnace.apiserver.handlers.apply` serves them.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import orjson

from pinnace.api.strategicpatch import (
    StrategicPatchError,
    apply_strategic_merge_patch,
    supports_strategic_merge,
    unsupported_patch_type_message,
)
from pinnace.apiserver import status
from pinnace.apiserver.handlers.negotiation import (
    APPLY_PATCH_YAML,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    unsupported_media_type,
)

# The order upstream lists them in its 415 message (``installer.go`` supportedTypes).
SUPPORTED_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)
# A resource and its status subresource also take server-side apply (pinnace.apiserver.handlers.apply).
SUPPORTED_PATCH_AND_APPLY_TYPES = (*SUPPORTED_PATCH_TYPES, APPLY_PATCH_YAML)


def unsupported_patch_type(accepted: tuple[str, ...] = SUPPORTED_PATCH_TYPES) -> status.StatusError:
    """415 for a patch Content-Type the endpoint does not take, listing those it does."""
    return status.UnsupportedMediaType(unsupported_patch_type_message(accepted))


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
    if media not in SUPPORTED_PATCH_TYPES:
        raise unsupported_patch_type()
    try:
        patch = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise status.bad_request(f"error decoding patch: {err}") from err
    if media == JSON_PATCH and not isinstance(patch, list):
        raise status.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    if media in (MERGE_PATCH, STRATEGIC_MERGE_PATCH) and not isinstance(patch, dict):
        raise status.bad_request("error decoding patch: a merge patch must be a JSON object")
    return patch


_STRATEGIC_ERRORS: dict[int, type[status.StatusError]] = {400: status.BadRequest, 422: status.Invalid}


def apply_patch(media: str, current: dict[str, Any], patch: Any) -> dict[str, Any]:
    if media == MERGE_PATCH:
        result = merge_patch(current, patch)
    elif media == STRATEGIC_MERGE_PATCH:
        api_version, kind = str(current.get("apiVersion", "")), str(current.get("kind", ""))
        if not supports_strategic_merge(api_version, kind):
            raise unsupported_media_type(media)
        try:
            result = apply_strategic_merge_patch(current, patch, api_version, kind)
        except StrategicPatchError as err:
            raise _STRATEGIC_ERRORS.get(err.code, status.InternalError)(str(err)) from err
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
