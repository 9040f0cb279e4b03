"""The REST verbs on /api/v1/... and /apis/<group>/<version>/... (apiserver/pkg/endpoints/handlers).

One catch-all route per prefix; :func:`parse_request_info` says what is asked, the verb picks the
handler, and the ResourceStore does the work. Responses follow upstream's shapes: single objects
carry kind and apiVersion, list items do not, deletes answer a Status or the object still being
deleted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pinnace.api.registry import ResourceInfo
from pinnace.api.strategicpatch import CUSTOM_RESOURCE_PATCH_TYPES, supports_strategic_merge
from pinnace.apiserver import status
from pinnace.apiserver.handlers import negotiation, options, subresources
from pinnace.apiserver.handlers.apply import apply_request
from pinnace.apiserver.handlers.decoding import decode_typed, field_validation
from pinnace.apiserver.handlers.fieldmanagement import write_options
from pinnace.apiserver.handlers.lists import list_options, render_list, render_object
from pinnace.apiserver.handlers.negotiation import json_response, read_body, read_object
from pinnace.apiserver.handlers.patch import (
    SUPPORTED_PATCH_AND_APPLY_TYPES,
    apply_patch,
    parse_patch,
    unsupported_patch_type,
)
from pinnace.apiserver.handlers.watch import serve_watch
from pinnace.apiserver.requestinfo import RequestInfo, parse_request_info
from pinnace.apiserver.rest.keys import object_key
from pinnace.apiserver.rest.resource import STATUS_LIKE, ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores

STORES_KEY = web.AppKey("pinnace.stores", ResourceStores)

Object = dict[str, Any]


def _resolve(request: web.Request) -> tuple[RequestInfo, ResourceStore]:
    info = parse_request_info(request.method, request.path, request.query)
    if not info.resource_request:
        raise status.path_not_found()
    stores = request.app[STORES_KEY]
    rest = stores.get(info.api_group, info.api_version, info.resource)
    if rest is None:
        raise status.path_not_found()
    resource = rest.info
    if info.subresource and info.subresource not in resource.subresources:
        raise status.path_not_found()
    if len(info.parts) > 3 or (
        info.name and not resource.namespaced and info.namespace and info.resource != "namespaces"
    ):
        raise status.path_not_found()
    if resource.namespaced and info.name and not info.namespace:
        raise status.path_not_found()
    return info, rest


def _check_verb(info: RequestInfo, resource: ResourceInfo) -> None:
    verb = info.verb
    if verb in ("watch", "list") and info.subresource:
        verb = "get"
    if not resource.supports(verb, info.subresource):
        target = f"{resource.plural}/{info.subresource}" if info.subresource else resource.plural
        raise status.method_not_supported(target, verb, group=resource.group)


async def handle(request: web.Request) -> web.StreamResponse:
    info, rest = _resolve(request)
    _check_verb(info, rest.info)
    if info.subresource and info.subresource not in STATUS_LIKE:
        return await subresources.handle(request, info, rest)
    verb = info.verb
    if verb == "list":
        return await _list(request, info, rest)
    if verb == "watch":
        return await serve_watch(request, info, rest)
    if verb == "get":
        obj = await rest.get(
            info.namespace, info.name, resource_version=request.query.get("resourceVersion", "")
        )
        return render_object(request, rest, obj)
    if verb == "create":
        return await _create(request, info, rest)
    if verb == "update":
        return await _update(request, info, rest)
    if verb == "patch":
        return await _patch(request, info, rest)
    if verb == "delete":
        return await _delete(request, info, rest)
    if verb == "deletecollection":
        return await _delete_collection(request, info, rest)
    raise status.method_not_supported(rest.info.plural, verb, group=rest.info.group)


async def _list(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    result = await rest.list(list_options(request, info, rest))
    return render_list(request, rest, result)


def check_body_type(body: Object, rest: ResourceStore) -> None:
    """The body's apiVersion and kind, when given, must be the URL's (upstream's decoder checks)."""
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if api_version and api_version != rest.info.api_version:
        raise status.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({rest.info.api_version})"
        )
    if kind and kind != rest.info.kind:
        raise status.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({rest.info.kind})"
        )


def check_body_namespace(body: Object, info: RequestInfo, rest: ResourceStore) -> None:
    namespace = body.get("metadata", {}).get("namespace")
    if rest.info.namespaced and namespace and namespace != info.namespace:
        raise status.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def _dry_run(request: web.Request) -> bool:
    return options.dry_run(request.query.getall("dryRun", []))


async def _create(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    if info.name:
        raise status.method_not_supported(rest.info.plural, "create", group=rest.info.group)
    if rest.info.namespaced and not info.namespace:
        raise status.path_not_found()
    level = field_validation(request.query)
    write = write_options(request.query, request.headers.get("User-Agent", ""), options_kind="CreateOptions")
    body, raw, media = await read_body(request)
    check_body_type(body, rest)
    check_body_namespace(body, info, rest)
    body, warnings = decode_typed(body, rest, level=level, raw=raw, media=media)
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not (metadata.get("name") or metadata.get("generateName")):
        raise status.invalid(
            rest.info.kind,
            "",
            [
                status.StatusCause(
                    "FieldValueRequired", "Required value: name or generateName is required", "metadata.name"
                )
            ],
            group=rest.info.group,
        )
    created = await rest.create(info.namespace, body, dry_run=_dry_run(request), field_manager=write.manager)
    return with_warnings(render_object(request, rest, created, code=201), warnings)


async def _update(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    level = field_validation(request.query)
    write = write_options(request.query, request.headers.get("User-Agent", ""), options_kind="UpdateOptions")
    body, raw, media = await read_body(request)
    check_body_type(body, rest)
    check_body_namespace(body, info, rest)
    body, warnings = decode_typed(body, rest, level=level, raw=raw, media=media)
    name = body.get("metadata", {}).get("name")
    if name != info.name:
        raise status.bad_request(
            f"the name of the object ({name}) does not match the name on the URL ({info.name})"
        )
    dry_run = _dry_run(request)

    async def create() -> Object:
        return await rest.create(info.namespace, body, dry_run=dry_run, field_manager=write.manager)

    def replace(current: Object) -> Object:
        check_uid_precondition(rest, body, current)
        return body

    can_create = rest.strategy.allow_create_on_update and not info.subresource
    stored, created = await rest.update(
        info.namespace,
        info.name,
        replace,
        subresource=info.subresource,
        dry_run=dry_run,
        create_if_missing=create if can_create else None,
        field_manager=write.manager,
    )
    return with_warnings(render_object(request, rest, stored, code=201 if created else 200), warnings)


def check_uid_precondition(rest: ResourceStore, body: Object, current: Object) -> None:
    """A PUT naming a uid is a precondition on it: a replaced object (same name, new uid) is a conflict.

    Upstream's ``DefaultUpdatedObjectInfo.Preconditions`` takes the uid from the body, and the storage layer's
    check fails with an invalid-object StorageError that the registry turns into this 409.
    """
    wanted = str((body.get("metadata") or {}).get("uid") or "")
    existing = str((current.get("metadata") or {}).get("uid") or "")
    if wanted and wanted != existing:
        name = str(current["metadata"].get("name", ""))
        key = object_key(rest.info, str(current["metadata"].get("namespace", "")), name)
        raise status.conflict(
            rest.resource,
            name,
            f"StorageError: invalid object, Code: 4, Key: {key}, "
            f"ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: {wanted}, "
            f"UID in object meta: {existing}",
            group=rest.info.group,
        )


async def _patch(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    level = field_validation(request.query)
    media = negotiation.content_type(request)
    apply = media == negotiation.APPLY_PATCH_YAML
    accepted = (
        SUPPORTED_PATCH_AND_APPLY_TYPES
        if supports_strategic_merge(rest.info.api_version, rest.info.kind)
        else CUSTOM_RESOURCE_PATCH_TYPES
    )
    if media not in accepted:
        raise unsupported_patch_type(accepted)
    write = write_options(
        request.query, request.headers.get("User-Agent", ""), options_kind="PatchOptions", apply=apply
    )
    if apply:
        stored, created, applied_warnings = await apply_request(request, info, rest, level=level, write=write)
        return with_warnings(
            render_object(request, rest, stored, code=201 if created else 200), applied_warnings
        )
    patch = parse_patch(media, await request.read())
    warnings: list[str] = []

    def patched(current: Object) -> Object:
        # The patch sees the object with its resourceVersion (kubectl's managed-fields migration
        # JSON-patches it); only a resourceVersion the patch sets to another value is a precondition,
        # so a write that loses a race is retried against the new object, as upstream's patcher does.
        live_version = current["metadata"].get("resourceVersion")
        result = apply_patch(media, current, patch)
        result_meta = result.setdefault("metadata", {})
        if result_meta.get("resourceVersion") in (None, live_version):
            result_meta.pop("resourceVersion", None)
        check_body_type(result, rest)
        if result_meta.get("name") != info.name:
            name = result_meta.get("name")
            raise status.bad_request(
                f"the name of the object ({name}) does not match the name on the URL ({info.name})"
            )
        typed, found = decode_typed(result, rest, level=level, in_patch=True)
        warnings[:] = found
        return typed

    stored, _ = await rest.update(
        info.namespace,
        info.name,
        patched,
        subresource=info.subresource,
        dry_run=_dry_run(request),
        field_manager=write.manager,
    )
    return with_warnings(render_object(request, rest, stored), warnings)


async def _delete_options(request: web.Request) -> Any:
    body: Object | None = None
    if request.can_read_body:
        raw = await request.read()
        if raw.strip():
            body = await read_object(request)
    return options.delete_options(body, request.query)


async def _delete(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    delete_options = await _delete_options(request)
    result = await rest.delete(info.namespace, info.name, delete_options)
    if result.finished and rest.info.kind != "Pod":
        metadata = result.object.get("metadata", {})
        details = {
            "name": info.name,
            "group": rest.info.group,
            "kind": rest.info.plural,
            "uid": metadata.get("uid", ""),
        }
        return json_response(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {key: value for key, value in details.items() if value},
            }
        )
    return render_object(request, rest, result.object)


async def _delete_collection(
    request: web.Request, info: RequestInfo, rest: ResourceStore
) -> web.StreamResponse:
    delete_options = await _delete_options(request)
    listed = await rest.list(list_options(request, info, rest))
    deleted = []
    for obj in listed.items:
        metadata = obj["metadata"]
        try:
            result = await rest.delete(metadata.get("namespace", ""), metadata["name"], delete_options)
        except status.NotFound:
            continue
        deleted.append(result.object)
    return render_list(request, rest, type(listed)(deleted, listed.resource_version))


def with_warnings(response: web.StreamResponse, warnings: list[str]) -> web.StreamResponse:
    """One ``Warning: 299 - "..."`` header per warning; kubectl prints each as ``Warning: ...``."""
    for text in warnings:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        response.headers.add("Warning", f'299 - "{escaped}"')
    return response


def add_routes(app: web.Application) -> None:
    for prefix in ("/api/{version}/{tail:.+}", "/apis/{group}/{version}/{tail:.+}"):
        app.router.add_route("*", prefix, handle)
