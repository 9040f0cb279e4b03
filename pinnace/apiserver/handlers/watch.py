"""Watch streams: newline-delimited JSON events over a chunked HTTP 200 (wire-notes §4).

    {"type":"ADDED","object":{...}}\\n
    {"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"42"}}}\\n
    {"type":"ERROR","object":{"kind":"Status",...,"reason":"Expired","code":410}}\\n

Events come from the resource's watch cache. With selectors, a change is translated the way
upstream's cacheWatcher does: an object that starts matching is ADDED, one that stops matching is
DELETED. ``sendInitialEvents`` (kubectl 1.37's watch-list) ends its initial ADDED events with a
bookmark annotated ``k8s.io/initial-events-end``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import orjson
from aiohttp import web

from pinnace.apiserver import status
from pinnace.apiserver.handlers.lists import object_filter, table
from pinnace.apiserver.handlers.negotiation import ResponseForm, response_form
from pinnace.apiserver.handlers.options import bool_param, int_param
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.watchcache import CacheEvent, Flush

Object = dict[str, Any]

# Without timeoutSeconds upstream ends watches after a jittered 30-60 minutes (--min-request-timeout).
DEFAULT_MIN_TIMEOUT_SECONDS = 1800
BOOKMARK_INTERVAL_SECONDS = 60.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"

#: Set when the server starts shutting down: open watches end cleanly at once (clients re-watch elsewhere,
#: as they do when kube-apiserver shuts down) instead of holding the shutdown for its whole grace period.
SHUTTING_DOWN_KEY = web.AppKey("pinnace.shutting_down", asyncio.Event)


def install(app: web.Application) -> None:
    shutting_down = asyncio.Event()
    app[SHUTTING_DOWN_KEY] = shutting_down

    async def on_shutdown(_app: web.Application) -> None:
        shutting_down.set()

    app.on_shutdown.append(on_shutdown)


async def _until_shutdown(request: web.Request, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` until it ends or the server starts shutting down; its exceptions propagate."""
    shutting_down = request.app.get(SHUTTING_DOWN_KEY)
    task = asyncio.ensure_future(work)
    if shutting_down is None:
        await task
        return
    waiter = asyncio.ensure_future(shutting_down.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if not task.cancelled():
        task.result()


def _check_watch_list(request: web.Request, rest: ResourceStore) -> bool:
    """Validate sendInitialEvents as upstream's ValidateListOptions does; True when asked for."""
    query = request.query
    if "sendInitialEvents" not in query:
        return False
    send = bool_param(query, "sendInitialEvents")
    causes = []
    if query.get("resourceVersionMatch") != "NotOlderThan":
        causes.append(
            status.StatusCause(
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                "sendInitialEvents",
            )
        )
    if send and not bool_param(query, "allowWatchBookmarks"):
        causes.append(
            status.StatusCause(
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
                "allowWatchBookmarks",
            )
        )
    if causes:
        raise status.invalid("ListOptions", "", causes, group="meta.k8s.io")
    return send


async def serve_watch(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    query = request.query
    send_initial = _check_watch_list(request, rest)
    bookmarks = bool_param(query, "allowWatchBookmarks")
    timeout = int_param(query, "timeoutSeconds") or int(DEFAULT_MIN_TIMEOUT_SECONDS * (1 + random.random()))
    matches = object_filter(request, rest)
    as_table = response_form(request) is ResponseForm.TABLE
    resource_version = query.get("resourceVersion", "")

    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    try:
        events = await rest.watch(info.namespace, resource_version, send_initial_events=send_initial)
    except status.StatusError as err:
        await response.prepare(request)
        await response.write(orjson.dumps({"type": "ERROR", "object": err.to_status()}) + b"\n")
        await response.write_eof()
        return response
    await response.prepare(request)
    writer = _EventWriter(request, rest, response, as_table)
    try:
        async with asyncio.timeout(timeout):
            await _until_shutdown(
                request, _pump(events, writer, matches, bookmarks=bookmarks, send_initial=send_initial)
            )
    except TimeoutError:
        pass
    except (ConnectionResetError, asyncio.CancelledError):
        # The client went away; nothing to tell it.
        raise
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    try:
        await writer.flush()
        await response.write_eof()
    except ConnectionResetError:
        pass
    return response


async def _pump(
    events: AsyncIterator[CacheEvent | int | Flush],
    writer: _EventWriter,
    matches: Any,
    *,
    bookmarks: bool,
    send_initial: bool,
) -> None:
    initial_pending = send_initial
    last_bookmark = time.monotonic()
    async for item in events:
        if isinstance(item, Flush):
            await writer.flush()
            continue
        if isinstance(item, int):
            if initial_pending:
                await writer.bookmark(item, initial_events_end=True)
                initial_pending = False
                last_bookmark = time.monotonic()
            elif bookmarks and time.monotonic() - last_bookmark >= BOOKMARK_INTERVAL_SECONDS:
                await writer.bookmark(item)
                last_bookmark = time.monotonic()
            continue
        kind = _translate(item, matches)
        if kind is None:
            continue
        obj = item.object
        if kind == "DELETED" and item.type != "DELETED" and item.prev_object is not None:
            # The object left the selection: its last matching state, at the new resourceVersion.
            previous = item.prev_object
            obj = {
                **previous,
                "metadata": {**previous.get("metadata", {}), "resourceVersion": str(item.revision)},
            }
        await writer.event(kind, obj)


def _translate(event: CacheEvent, matches: Any) -> str | None:
    """The event type a watcher with a selector sees, or None if the change is invisible to it."""
    if matches is None:
        return event.type
    current = event.type != "DELETED" and matches(event.object)
    previous = event.prev_object is not None and matches(event.prev_object)
    if event.type == "DELETED":
        return "DELETED" if matches(event.object) else None
    if current and previous:
        return "MODIFIED"
    if current:
        return "ADDED"
    if previous:
        return "DELETED"
    return None


class _EventWriter:
    def __init__(
        self, request: web.Request, rest: ResourceStore, response: web.StreamResponse, as_table: bool
    ) -> None:
        self.request = request
        self.rest = rest
        self.response = response
        self.as_table = as_table
        self.sent_columns = False
        # Lines wait here until the burst they belong to is complete: one TLS record and one send()
        # per burst instead of per event (upstream flushes when its queue runs empty, too).
        self.pending: list[bytes] = []

    async def flush(self) -> None:
        if self.pending:
            chunk = b"".join(self.pending)
            self.pending.clear()
            await self.response.write(chunk)

    def _typed(self, obj: Object) -> Object:
        # A shallow copy: the cache's object is shared and must not change; conversion copies anyway.
        return self.rest.view(dict(obj))

    async def event(self, kind: str, obj: Object) -> None:
        if self.as_table:
            obj = self._typed(obj)
            rendered = table(
                self.request,
                self.rest,
                [obj],
                {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            )
            if self.sent_columns:
                rendered.pop("columnDefinitions", None)
            self.sent_columns = True
            body: Object = rendered
        else:
            body = self._typed(obj)
        self.pending.append(orjson.dumps({"type": kind, "object": body}) + b"\n")

    async def bookmark(self, revision: int, *, initial_events_end: bool = False) -> None:
        metadata: Object = {"resourceVersion": str(revision)}
        if initial_events_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        bookmark = {
            "kind": self.rest.info.kind,
            "apiVersion": self.rest.info.api_version,
            "metadata": metadata,
        }
        self.pending.append(orjson.dumps({"type": "BOOKMARK", "object": bookmark}) + b"\n")
