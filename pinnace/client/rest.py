"""``RestClient``: the :class:`~pinnace.client.interface.Client` contract over HTTPS to a real API server.

Each verb builds the request client-go's typed clients build (paths from :meth:`Resource.path`, options as
query parameters, DeleteOptions as a JSON body, the patch type as the Content-Type) and hands it to
:class:`~pinnace.client.transport.Transport`, which owns the session, rate limiting, retries and error
translation. Bodies are JSON via orjson.
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.config import ClientConfig
from pinnace.client.errors import ApiError, error_from_status, status_error
from pinnace.client.interface import PATCH_CONTENT_TYPES, Object, PatchType, WatchEvent
from pinnace.client.keys import key_of
from pinnace.client.resources import Resource
from pinnace.client.transport import WATCH_READ_GRACE_SECONDS, Call, Transport


class RestClient:
    """A :class:`~pinnace.client.interface.Client` for one API server and one identity.

    Create it inside the event loop's lifetime and ``await close()`` when done (the aiohttp session is opened
    lazily on the first request).
    """

    def __init__(
        self, config: ClientConfig, *, clock: Clock = REAL_CLOCK, rng: random.Random | None = None
    ) -> None:
        self.config = config
        self._transport = Transport(config, clock=clock, rng=rng)

    async def close(self) -> None:
        await self._transport.close()

    async def get(
        self, resource: Resource, name: str, namespace: str = "", *, subresource: str = ""
    ) -> Object:
        return await self._object(
            Call("GET", resource.path(namespace, name, subresource), "get", resource.qualified, name)
        )

    async def list(
        self,
        resource: Resource,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
    ) -> Object:
        params = _params(
            labelSelector=label_selector,
            fieldSelector=field_selector,
            limit=str(limit) if limit > 0 else "",
            resourceVersion=resource_version,
        )
        if continue_token:
            params["continue"] = continue_token
        return await self._object(
            Call("GET", resource.path(namespace), "list", resource.qualified, params=params)
        )

    async def create(
        self,
        resource: Resource,
        body: Object,
        namespace: str = "",
        *,
        subresource: str = "",
        name: str = "",
        dry_run: bool = False,
        field_manager: str = "",
    ) -> Object:
        namespace = namespace or key_of(body).namespace
        path = resource.path(namespace, name, subresource) if subresource else resource.path(namespace)
        params = _params(dryRun="All" if dry_run else "", fieldManager=field_manager)
        call = Call(
            "POST", path, "create", resource.qualified, name or key_of(body).name, params, _json(body)
        )
        return await self._object(call)

    async def update(
        self, resource: Resource, body: Object, *, subresource: str = "", field_manager: str = ""
    ) -> Object:
        key = key_of(body)
        if not key.name:
            raise status_error(400, "BadRequest", "name is required for an update")
        path = resource.path(key.namespace, key.name, subresource)
        call = Call(
            "PUT",
            path,
            "update",
            resource.qualified,
            key.name,
            _params(fieldManager=field_manager),
            _json(body),
        )
        return await self._object(call)

    async def patch(
        self,
        resource: Resource,
        name: str,
        patch: Any,
        namespace: str = "",
        *,
        patch_type: PatchType = "merge",
        subresource: str = "",
        field_manager: str = "",
        force: bool = False,
    ) -> Object:
        if patch_type == "apply" and not field_manager:
            # The server would answer 422 "fieldManager is required for apply requests"; fail before sending.
            raise status_error(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                "Required value: is required for apply patch",
            )
        params = _params(fieldManager=field_manager, force="true" if force and patch_type == "apply" else "")
        call = Call(
            "PATCH",
            resource.path(namespace, name, subresource),
            "patch",
            resource.qualified,
            name,
            params,
            _json(patch),
            PATCH_CONTENT_TYPES[patch_type],
        )
        return await self._object(call)

    async def delete(
        self,
        resource: Resource,
        name: str,
        namespace: str = "",
        *,
        propagation_policy: str = "",
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Object:
        options: Object = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = dict(preconditions)
        if dry_run:
            options["dryRun"] = ["All"]
        call = Call(
            "DELETE", resource.path(namespace, name), "delete", resource.qualified, name, body=_json(options)
        )
        return await self._object(call)

    async def watch(
        self,
        resource: Resource,
        namespace: str = "",
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        allow_bookmarks: bool = True,
        timeout_seconds: int | None = None,
    ) -> AsyncGenerator[WatchEvent, None]:
        params = _params(
            watch="true",
            resourceVersion=resource_version,
            labelSelector=label_selector,
            fieldSelector=field_selector,
            allowWatchBookmarks="true" if allow_bookmarks else "",
            timeoutSeconds=str(timeout_seconds) if timeout_seconds is not None else "",
        )
        call = Call("GET", resource.path(namespace), "watch", resource.qualified, params=params)
        read_timeout = timeout_seconds + WATCH_READ_GRACE_SECONDS if timeout_seconds is not None else None
        async for line in self._transport.stream_lines(call, read_timeout):
            yield _watch_event(line, call)

    async def _object(self, call: Call) -> Object:
        answer = await self._transport.request(call)
        if not isinstance(answer, dict):
            raise status_error(
                500, "InternalError", f"unexpected answer to {call.verb} {call.path}: not an object"
            )
        return answer


def _params(**values: str) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


def _watch_event(line: bytes, call: Call) -> WatchEvent:
    try:
        frame = orjson.loads(line)
    except orjson.JSONDecodeError as err:
        raise _unexpected(call, f"undecodable watch event: {line[:200]!r}") from err
    if not isinstance(frame, dict) or not isinstance(frame.get("object"), dict):
        raise _unexpected(call, f"malformed watch event: {line[:200]!r}")
    event_type, obj = str(frame.get("type", "")), frame["object"]
    if event_type == "ERROR":
        # e.g. 410 Expired "too old resource version" sent after a 200 (wire-notes §4.4).
        raise error_from_status(obj)
    return WatchEvent(event_type, obj)


def _unexpected(call: Call, message: str) -> ApiError:
    return status_error(500, "InternalError", f"{message} ({call.verb} {call.resource})")
