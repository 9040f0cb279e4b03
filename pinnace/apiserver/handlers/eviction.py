"""``POST /api/v1/namespaces/<ns>/pods/<name>/eviction``: what ``kubectl drain`` and controllers call.

The body is a policy/v1 ``Eviction`` (JSON, YAML or protobuf), or a policy/v1beta1 one, which upstream's
EvictionREST still accepts (``AcceptsGroupVersion``); both carry the same ``metadata`` and
``deleteOptions``. Its DeleteOptions (grace period, preconditions, dryRun) go to
:class:`~pinnace.apiserver.rest.eviction.EvictionREST`; an accepted eviction answers 201 with a Success
Status, as upstream's create handler does for a storage that returns a ``metav1.Status``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDict

from pinnace.api.gvk import GroupVersionKind
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation, admission_skipped
from pinnace.apiserver.handlers import options
from pinnace.apiserver.handlers.negotiation import json_response, read_object
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.rest import admit
from pinnace.apiserver.rest.deletion import DeleteOptions
from pinnace.apiserver.rest.eviction import EvictionREST, UnknownFailure
from pinnace.apiserver.rest.stores import ResourceStores

EVICTION_KEY = web.AppKey("pinnace.eviction", EvictionREST)

Object = dict[str, Any]

# Upstream's EvictionREST.AcceptsGroupVersion.
ACCEPTED_API_VERSIONS = ("policy/v1", "policy/v1beta1")


def install(app: web.Application, stores: ResourceStores) -> None:
    """Serve evictions if both pods and PodDisruptionBudgets are served."""
    pods = stores.get("", "v1", "pods")
    budgets = stores.get("policy", "v1", "poddisruptionbudgets")
    if pods is not None and budgets is not None:
        app[EVICTION_KEY] = EvictionREST(pods, budgets)


async def handle(request: web.Request, info: RequestInfo) -> web.StreamResponse:
    eviction = request.app.get(EVICTION_KEY)
    if eviction is None:
        raise status.MethodNotAllowed("pods/eviction is not served: PodDisruptionBudgets are not served")
    query_dry_run = request.query.getall("dryRun", [])
    options.dry_run(query_dry_run)  # 400 for a value other than All, before the body is looked at
    body = await read_object(request)
    check_eviction_type(body)
    metadata = body.get("metadata") or {}
    namespace = metadata.get("namespace")
    if namespace and namespace != info.namespace:
        raise status.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    if metadata.get("name", "") != info.name:
        raise status.bad_request("name in URL does not match name in Eviction object")
    delete_options = eviction_delete_options(body, query_dry_run)
    pods = eviction.pods
    body = await admit.admit_subresource(
        pods.hooks.admission,
        pods.info,
        "eviction",
        GroupVersionKind.from_api_version(body.get("apiVersion") or "policy/v1", "Eviction"),
        Operation.CREATE,
        info.namespace,
        info.name,
        body,
        dry_run=delete_options.dry_run,
    )
    # The eviction's own writes (the budget's status, the pod's condition and deletion) are made below the
    # handlers upstream, without admission.
    with admission_skipped():
        result = await eviction.create(info.namespace, info.name, delete_options)
    return json_response(result, code=201)


def check_eviction_type(body: Object) -> None:
    api_version, kind = body.get("apiVersion") or "policy/v1", body.get("kind") or "Eviction"
    if kind != "Eviction" or api_version not in ACCEPTED_API_VERSIONS:
        version = api_version.rsplit("/", 1)[-1]
        raise status.bad_request(
            f'{kind} in version "{version}" cannot be handled as a Eviction: '
            f"the eviction subresource accepts {' and '.join(ACCEPTED_API_VERSIONS)} Evictions"
        )


def eviction_delete_options(body: Object, query_dry_run: list[str]) -> DeleteOptions:
    """The Eviction's DeleteOptions, with the request's dryRun pushed in (upstream's propagateDryRun)."""
    delete_options: Object = dict(body.get("deleteOptions") or {})
    body_dry_run = list(delete_options.get("dryRun") or [])
    if not body_dry_run:
        delete_options["dryRun"] = query_dry_run
    elif query_dry_run and query_dry_run != body_dry_run:
        # Upstream returns a plain error here, which the API renders as a reasonless 500.
        raise UnknownFailure(
            "Non-matching dry-run options in request and content: "
            f"[{' '.join(query_dry_run)}] and [{' '.join(body_dry_run)}]"
        )
    # The request's query holds CreateOptions, not DeleteOptions: only the body's options count.
    return options.delete_options(delete_options, MultiDict())
