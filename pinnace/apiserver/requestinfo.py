"""What a request asks for, from its method, path and query (apiserver/pkg/endpoints/request/requestinfo.go).

    GET    /apis/apps/v1/namespaces/default/deployments/web/scale
           -> resource request: verb get, group apps, version v1, namespace default,
              resource deployments, name web, subresource scale

Both authorization and the resource handlers read this one parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from multidict import MultiMapping

_VERB_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete", "GET": "get"}
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True, slots=True)
class RequestInfo:
    resource_request: bool
    path: str
    verb: str
    api_prefix: str = ""  # "api" or "apis"
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


def parse_request_info(method: str, path: str, query: MultiMapping[str]) -> RequestInfo:
    """Upstream's RequestInfoFactory.NewRequestInfo, for the /api and /apis prefixes."""
    non_resource = RequestInfo(resource_request=False, path=path, verb=method.lower())
    segments = [unquote(segment) for segment in path.strip("/").split("/")] if path.strip("/") else []
    if not segments or segments[0] not in ("api", "apis"):
        return non_resource
    prefix, rest = segments[0], segments[1:]
    if prefix == "api":
        if not rest:
            return non_resource
        group, version, rest = "", rest[0], rest[1:]
    else:
        if len(rest) < 2:
            return non_resource  # /apis and /apis/<group> are discovery
        group, version, rest = rest[0], rest[1], rest[2:]
    if not rest:
        return non_resource  # /api/v1, /apis/<group>/<version>: discovery
    verb = _VERB_BY_METHOD.get(method.upper(), method.lower())
    # The deprecated /watch/ path prefix: GET /api/v1/watch/pods
    if rest[0] == "watch" and method.upper() == "GET":
        verb, rest = "watch", rest[1:]
    namespace = ""
    if rest[0] == "namespaces":
        if len(rest) > 1:
            namespace = rest[1]
            # /namespaces/<name> and /namespaces/<name>/status|finalize address the namespace itself.
            if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
                rest = rest[2:]
    parts = tuple(rest)
    resource = parts[0] if parts else ""
    name = parts[1] if len(parts) > 1 else ""
    subresource = parts[2] if len(parts) > 2 else ""
    if verb == "get" and not name:
        verb = "watch" if _truthy(query.get("watch")) else "list"
    elif verb == "delete" and not name:
        verb = "deletecollection"
    if resource == "namespaces" and name and not namespace:
        namespace = name
    return RequestInfo(
        resource_request=True,
        path=path,
        verb=verb,
        api_prefix=prefix,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=parts,
    )
