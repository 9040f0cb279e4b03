"""List options in, list and object responses out: JSON, Table, or PartialObjectMetadata.

Selectors are parsed once per request into one predicate that both lists and watches use, with
the field labels each kind supports (400 ``field label not supported`` otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from pinnace.api.fields import parse_field_selector
from pinnace.api.fieldsets import UnsupportedFieldError, field_labels
from pinnace.api.labels import SelectorParseError, parse_label_selector
from pinnace.api.printers import table_for
from pinnace.apiserver import status
from pinnace.apiserver.handlers.negotiation import ResponseForm, json_response, response_form
from pinnace.apiserver.handlers.options import int_param
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.rest.resource import ListOptions, ListResult, ResourceStore

Object = dict[str, Any]
Predicate = Callable[[Object], bool]

META_V1 = "meta.k8s.io/v1"


def object_filter(request: web.Request, rest: ResourceStore) -> Predicate | None:
    """One predicate for ``labelSelector`` and ``fieldSelector``, or None when neither narrows."""
    label_text = request.query.get("labelSelector", "")
    field_text = request.query.get("fieldSelector", "")
    if not label_text and not field_text:
        return None
    try:
        labels = parse_label_selector(label_text)
    except SelectorParseError as err:
        raise status.bad_request(
            f"unable to parse requirement: {err}" if "requirement" not in str(err) else str(err)
        ) from err
    field_set: Callable[[Object], dict[str, str]] | None = None
    fields = None
    if field_text:
        try:
            labels_of_kind = field_labels(rest.info.group, rest.info.kind, namespaced=rest.info.namespaced)
            fields = labels_of_kind.transform(parse_field_selector(field_text))
        except UnsupportedFieldError as err:
            raise status.bad_request(str(err)) from err
        except ValueError as err:
            raise status.bad_request(f"invalid field selector: {err}") from err
        field_set = labels_of_kind.field_set

    def matches(obj: Object) -> bool:
        if not labels.matches(obj.get("metadata", {}).get("labels") or {}):
            return False
        return fields is None or field_set is None or fields.matches(field_set(obj))

    return matches


def list_options(request: web.Request, info: RequestInfo, rest: ResourceStore) -> ListOptions:
    query = request.query
    match = query.get("resourceVersionMatch", "")
    if match not in ("", "Exact", "NotOlderThan"):
        raise status.bad_request(f'resourceVersionMatch: Unsupported value: "{match}"')
    if match and not query.get("resourceVersion"):
        raise status.bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided")
    limit = int_param(query, "limit")
    # Upstream ignores limit when resourceVersion=0 is served from the watch cache.
    if query.get("resourceVersion") == "0":
        limit = 0
    return ListOptions(
        namespace=info.namespace,
        matches=object_filter(request, rest),
        limit=max(0, limit),
        continue_token=query.get("continue", ""),
        resource_version=query.get("resourceVersion", ""),
        resource_version_match=match,
    )


def _strip_type(obj: Object) -> Object:
    return {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")}


def _partial(obj: Object) -> Object:
    return {"kind": "PartialObjectMetadata", "apiVersion": META_V1, "metadata": obj.get("metadata", {})}


def list_metadata(result: ListResult) -> Object:
    metadata: Object = {"resourceVersion": str(result.resource_version)}
    if result.continue_token:
        metadata["continue"] = result.continue_token
    if result.remaining is not None and result.remaining > 0:
        metadata["remainingItemCount"] = result.remaining
    return metadata


def table(
    request: web.Request, rest: ResourceStore, objects: list[Object], metadata: Object | None
) -> Object:
    include = request.query.get("includeObject", "Metadata")
    if include not in ("None", "Metadata", "Object"):
        raise status.bad_request(f'includeObject: Unsupported value: "{include}"')
    typed = [{"apiVersion": rest.info.api_version, "kind": rest.info.kind, **obj} for obj in objects]
    rendered: Object = table_for(  # type: ignore[assignment]
        typed,
        group=rest.info.group,
        kind=rest.info.kind,
        include_object=include,
        now=datetime.now(UTC),
        list_metadata=metadata,
    )
    return rendered


def render_list(request: web.Request, rest: ResourceStore, result: ListResult) -> web.StreamResponse:
    metadata = list_metadata(result)
    form = response_form(request)
    if form is ResponseForm.TABLE:
        return json_response(table(request, rest, result.items, metadata))
    if form in (ResponseForm.PARTIAL_METADATA_LIST, ResponseForm.PARTIAL_METADATA):
        return json_response(
            {
                "kind": "PartialObjectMetadataList",
                "apiVersion": META_V1,
                "metadata": metadata,
                "items": [_partial(obj) for obj in result.items],
            }
        )
    return json_response(
        {
            "kind": rest.info.list_kind,
            "apiVersion": rest.info.api_version,
            "metadata": metadata,
            "items": [_strip_type(obj) for obj in result.items],
        }
    )


def render_object(
    request: web.Request, rest: ResourceStore, obj: Object, *, code: int = 200
) -> web.StreamResponse:
    form = response_form(request)
    if form is ResponseForm.TABLE:
        return json_response(
            table(request, rest, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")}),
            code=code,
        )
    if form is ResponseForm.PARTIAL_METADATA:
        return json_response(_partial(obj), code=code)
    typed = {"apiVersion": rest.info.api_version, "kind": rest.info.kind, **_strip_type(obj)}
    return json_response(typed, code=code)
