"""Warning headers (RFC 7234 ``Warning: 299 - "<text>"``) and the filter that warns about deprecated APIs.

Upstream records warnings on the request while it is served and writes them as headers with the response,
whatever the response turns out to be (apiserver/pkg/warning, endpoints/filters/warning.go): a deprecated
API's warning reaches a client on a 404 or 422 too, and on a watch, whose headers go out before the first
event. Here the same: :func:`add_warning` records on the request, and an ``on_response_prepare`` hook writes
the headers just before any response's headers are sent. kubectl prints each as ``Warning: <text>``.

:func:`deprecation_filter` is upstream's installer step that attaches
``deprecation.WarningMessage`` to every route of a resource whose kind is deprecated in the running release
(apiserver/pkg/endpoints/installer.go). It runs after authorization, so 401 and 403 answers carry no
warning, as upstream's do not.
"""

from __future__ import annotations

from contextvars import ContextVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from pinnace.api.deprecation import DeprecationTable, Release
from pinnace.api.gvk import GroupVersionResource
from pinnace.api.registry import ResourceRegistry
from pinnace.apiserver.requestinfo import parse_request_info

WARNINGS_KEY = web.RequestKey("pinnace.warnings", list[str])

# The request being served in this task, for code far from the handler (admission plugins): upstream's
# ``warning.AddWarning(ctx, ...)`` reaches the request through its context the same way.
_current_request: ContextVar[web.Request | None] = ContextVar("pinnace.warnings.request", default=None)


def add_warning(request: web.Request, text: str) -> None:
    """Record a warning for the response; the same text twice is sent once (upstream de-duplicates)."""
    recorded = request.get(WARNINGS_KEY)
    if recorded is None:
        recorded = request[WARNINGS_KEY] = []
    if text not in recorded:
        recorded.append(text)


def current_request() -> web.Request | None:
    """The request this task serves (set for every request of an app :func:`install` set up)."""
    return _current_request.get()


def add_warning_to_current_request(text: str) -> None:
    """:func:`add_warning` for the request this task serves; outside a request it does nothing."""
    request = _current_request.get()
    if request is not None:
        add_warning(request, text)


@web.middleware
async def _remember_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = _current_request.set(request)
    try:
        return await handler(request)
    finally:
        _current_request.reset(token)


def warning_header(text: str) -> str:
    """``299 - "<text>"`` with ``\\`` and ``"`` escaped (apiserver/pkg/warning's quoted-string form)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'


async def write_warning_headers(request: web.Request, response: web.StreamResponse) -> None:
    for text in request.get(WARNINGS_KEY, ()):
        response.headers.add("Warning", warning_header(text))


def deprecation_filter(registry: ResourceRegistry, table: DeprecationTable, current: Release) -> Middleware:
    """Warns on every request to a resource or subresource whose kind is deprecated by ``current``."""

    @web.middleware
    async def warn_deprecated(request: web.Request, handler: Handler) -> web.StreamResponse:
        info = parse_request_info(request.method, request.path, request.query)
        if info.resource_request:
            resource = registry.by_gvr(GroupVersionResource(info.api_group, info.api_version, info.resource))
            if resource is not None:
                # A subresource registers its own kind (deployments/scale: autoscaling/v1 Scale).
                sub = resource.subresources.get(info.subresource) if info.subresource else None
                kind = sub.kind if sub is not None else resource.gvk
                text = table.warning(kind, current)
                if text is not None:
                    add_warning(request, text)
        return await handler(request)

    return warn_deprecated


def install(app: web.Application) -> None:
    """Write recorded warnings on every response of ``app``, and let code that has no request at hand add
    warnings to the current one (:func:`add_warning_to_current_request`)."""
    app.on_response_prepare.append(write_warning_headers)
    app.middlewares.append(_remember_request)
