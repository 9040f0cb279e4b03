"""Discovery: /api, /apis, /api/v1, /apis/<group>[/<version>], legacy and aggregated.

kubectl asks for aggregated discovery first (apidiscovery.k8s.io v2, v2beta1 from 1.32) and falls
back to the legacy documents; the Python client uses only the legacy ones (wire-notes §1.2). An
aggregated answer must carry the Content-Type parameters or kubectl misreads it.
"""

from __future__ import annotations

from typing import Literal

import orjson
from aiohttp import web

from pinnace.api.discovery import AGGREGATED_DISCOVERY_V2, AGGREGATED_DISCOVERY_V2BETA1
from pinnace.api.registry import ResourceRegistry
from pinnace.apiserver import status
from pinnace.apiserver.handlers.negotiation import json_response

REGISTRY_KEY = web.AppKey("pinnace.registry", ResourceRegistry)


def _aggregated_version(request: web.Request) -> Literal["v2", "v2beta1"] | None:
    for part in request.headers.get("Accept", "").split(","):
        params = dict(piece.strip().split("=", 1) for piece in part.split(";")[1:] if "=" in piece)
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            if params.get("v") == "v2":
                return "v2"
            if params.get("v") == "v2beta1":
                return "v2beta1"
    return None


def _aggregated(request: web.Request, path: Literal["/api", "/apis"]) -> web.Response | None:
    version = _aggregated_version(request)
    if version is None:
        return None
    registry = request.app[REGISTRY_KEY]
    content_type = AGGREGATED_DISCOVERY_V2 if version == "v2" else AGGREGATED_DISCOVERY_V2BETA1
    return web.Response(
        body=orjson.dumps(registry.discovery_aggregated(path, version)),
        headers={"Content-Type": content_type, "Vary": "Accept"},
    )


async def api_versions(request: web.Request) -> web.Response:
    aggregated = _aggregated(request, "/api")
    if aggregated is not None:
        return aggregated
    host = request.host if ":" in request.host else f"{request.host}:{request.url.port or 443}"
    return json_response(request.app[REGISTRY_KEY].discovery_api_versions(host))


async def api_groups(request: web.Request) -> web.Response:
    aggregated = _aggregated(request, "/apis")
    if aggregated is not None:
        return aggregated
    return json_response(request.app[REGISTRY_KEY].discovery_api_group_list())


async def api_group(request: web.Request) -> web.Response:
    group = request.app[REGISTRY_KEY].discovery_api_group(request.match_info["group"])
    if group is None:
        raise status.path_not_found()
    return json_response(group)


async def core_resources(request: web.Request) -> web.Response:
    resources = request.app[REGISTRY_KEY].discovery_api_resource_list("", request.match_info["version"])
    if resources is None:
        raise status.path_not_found()
    return json_response(resources)


async def group_resources(request: web.Request) -> web.Response:
    registry = request.app[REGISTRY_KEY]
    resources = registry.discovery_api_resource_list(
        request.match_info["group"], request.match_info["version"]
    )
    if resources is None:
        raise status.path_not_found()
    return json_response(resources)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api", api_versions)
    app.router.add_get("/api/", api_versions)
    app.router.add_get("/apis", api_groups)
    app.router.add_get("/apis/", api_groups)
    app.router.add_get("/api/{version}", core_resources)
    app.router.add_get("/api/{version}/", core_resources)
    app.router.add_get("/apis/{group}", api_group)
    app.router.add_get("/apis/{group}/", api_group)
    app.router.add_get("/apis/{group}/{version}", group_resources)
    app.router.add_get("/apis/{group}/{version}/", group_resources)
