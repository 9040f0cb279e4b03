"""Content negotiation: which body a request carries, and which response form it accepts.

kubectl asks for Tables with ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...`` and for
metadata-only objects with ``as=PartialObjectMetadata(List)``; everything else is answered with JSON,
which every client accepts (wire-notes §0.3). Bodies arrive as JSON (the Python client sends no
Content-Type at all), YAML, or kubectl 1.32+'s protobuf envelope.
"""

from __future__ import annotations

import enum
from typing import Any

import orjson
import yaml
from aiohttp import web

from pinnace.api.protobuf import ProtobufDecodeError, decode_body
from pinnace.apiserver import status

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH_YAML = "application/apply-patch+yaml"


class ResponseForm(enum.Enum):
    OBJECT = "object"
    TABLE = "Table"
    PARTIAL_METADATA = "PartialObjectMetadata"
    PARTIAL_METADATA_LIST = "PartialObjectMetadataList"


def _media_ranges(accept: str) -> list[dict[str, str]]:
    ranges = []
    for part in accept.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        params = {"type": pieces[0].lower()}
        for piece in pieces[1:]:
            if "=" in piece:
                key, value = piece.split("=", 1)
                params[key.strip()] = value.strip()
        ranges.append(params)
    return ranges


def response_form(request: web.Request) -> ResponseForm:
    """The first acceptable form in the client's order of preference (meta.k8s.io v1 only)."""
    for media in _media_ranges(request.headers.get("Accept", JSON)):
        wanted = media.get("as")
        if wanted is None:
            if media["type"] in (JSON, "*/*", "application/*", PROTOBUF, YAML):
                return ResponseForm.OBJECT
            continue
        if media.get("g") != "meta.k8s.io" or media.get("v") not in ("v1", None):
            continue
        for form in ResponseForm:
            if form.value == wanted:
                return form
    return ResponseForm.OBJECT


def content_type(request: web.Request) -> str:
    raw = request.headers.get("Content-Type", "")
    return raw.split(";", 1)[0].strip().lower() or JSON


_YAML_TYPES = (YAML, "application/x-yaml", "text/yaml")


async def read_object(request: web.Request) -> dict[str, Any]:
    """The request body as an object, whatever its encoding; 400 for anything that is not one."""
    obj, _raw, _media = await read_body(request)
    return obj


def _yaml_numbers(value: Any) -> Any:
    """YAML's 3.0 is JSON's 3, as upstream's YAML-to-JSON conversion makes it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _yaml_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_yaml_numbers(item) for item in value]
    return value


async def read_body(request: web.Request) -> tuple[dict[str, Any], bytes, str]:
    """(object, raw bytes, media type) of the request body; 400 for anything that is not an object."""
    media = content_type(request)
    if media not in (JSON, PROTOBUF, *_YAML_TYPES):
        raise unsupported_media_type(media)
    body = await request.read()
    try:
        if media == PROTOBUF:
            obj: Any = decode_body(body)
        elif media in _YAML_TYPES:
            obj = _yaml_numbers(yaml.load(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        else:
            obj = orjson.loads(body)
    except ProtobufDecodeError as err:
        raise status.bad_request(f"failed to decode protobuf body: {err}") from err
    except (orjson.JSONDecodeError, yaml.YAMLError) as err:
        raise status.bad_request(
            f"the request body is not valid {media.split('/')[-1].upper()}: {err}"
        ) from err
    if not isinstance(obj, dict):
        raise status.bad_request(f"Object 'Kind' is missing in '{body[:200].decode(errors='replace')}'")
    return obj, body, media


def unsupported_media_type(media: str) -> status.StatusError:
    return status.UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        f'application/json, application/yaml, application/vnd.kubernetes.protobuf ("{media}")'
    )


def json_response(obj: Any, *, code: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(obj), status=code, content_type=JSON, headers=headers)
