"""Subresources other than status: scale, binding, eviction, and the namespace finalize call.

``status`` goes through the ordinary update path (the REST layer keeps spec and metadata); eviction
lives in :mod:`.eviction`. The streaming subresources (log, exec, attach, portforward, proxy) need the
kubelet; until it exists they answer 405 saying so.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pinnace.api.gvk import GroupVersionKind
from pinnace.api.labels import label_selector_to_string
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation, admission_skipped
from pinnace.apiserver.handlers import eviction, negotiation
from pinnace.apiserver.handlers.negotiation import json_response, read_object
from pinnace.apiserver.handlers.options import dry_run
from pinnace.apiserver.handlers.patch import apply_patch, parse_patch
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.rest import admit
from pinnace.apiserver.rest.objectmeta import rfc3339
from pinnace.apiserver.rest.resource import ResourceStore

Object = dict[str, Any]

SCALE_KIND = GroupVersionKind("autoscaling", "v1", "Scale")
BINDING_KIND = GroupVersionKind("", "v1", "Binding")


async def handle(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    if info.subresource == "scale":
        return await _scale(request, info, rest)
    if info.subresource == "binding" and info.verb == "create":
        return await _binding(request, info, rest)
    if info.subresource == "eviction" and info.verb == "create":
        return await eviction.handle(request, info)
    if info.subresource == "finalize" and info.verb == "update":
        return await _finalize(request, info, rest)
    raise status.MethodNotAllowed(
        f"{rest.info.plural}/{info.subresource} is not served by this Pinnace version yet "
        f"(it needs the kubelet or a controller that has not been built)"
    )


def to_scale(obj: Object) -> Object:
    """The autoscaling/v1 Scale view of a workload (upstream's scaleFromDeployment and friends)."""
    metadata = obj["metadata"]
    spec = obj.get("spec", {})
    selector = spec.get("selector")
    if obj.get("kind") == "ReplicationController":
        selector_text = ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))
    else:
        selector_text = label_selector_to_string(selector) if selector else ""
    scale_metadata = {
        key: metadata[key]
        for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if key in metadata
    }
    scale_status: Object = {"replicas": obj.get("status", {}).get("replicas", 0)}
    if selector_text:
        scale_status["selector"] = selector_text
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_metadata,
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": scale_status,
    }


async def _scale(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    if info.verb == "get":
        return json_response(to_scale(await rest.get(info.namespace, info.name)))
    if info.verb == "update":
        body = await read_object(request)

        def desired_scale(current: Object) -> Object:
            return body
    elif info.verb == "patch":
        media = negotiation.content_type(request)
        patch = parse_patch(media, await request.read())

        def desired_scale(current: Object) -> Object:
            scale = to_scale(current)
            scale["metadata"].pop("resourceVersion", None)
            return apply_patch(media, scale, patch)
    else:
        raise status.method_not_supported(f"{rest.info.plural}/scale", info.verb, group=rest.info.group)

    request_dry_run = dry_run(request.query.getall("dryRun", []))

    async def scaled(current: Object) -> Object:
        scale = desired_scale(current)
        # Admission sees the Scale (upstream's scale subresource); the workload's own write skips it.
        with admission_skipped(False):
            scale = await admit.admit_subresource(
                rest.hooks.admission,
                rest.info,
                "scale",
                SCALE_KIND,
                Operation.UPDATE,
                info.namespace,
                info.name,
                scale,
                to_scale(current),
                dry_run=request_dry_run,
            )
        replicas = scale.get("spec", {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise status.invalid(
                "Scale",
                info.name,
                [
                    status.StatusCause(
                        "FieldValueInvalid",
                        f"Invalid value: {replicas}: must be greater than or equal to 0",
                        "spec.replicas",
                    )
                ],
                group="autoscaling",
            )
        current.setdefault("spec", {})["replicas"] = replicas
        wanted = scale.get("metadata", {}).get("resourceVersion")
        current["metadata"].pop("resourceVersion", None)
        if wanted:
            current["metadata"]["resourceVersion"] = wanted
        return current

    with admission_skipped():
        stored, _ = await rest.update(info.namespace, info.name, scaled, dry_run=request_dry_run)
    return json_response(to_scale(stored))


async def _binding(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    """POST pods/<name>/binding: assign a pod to a node (what the scheduler's DefaultBinder calls)."""
    body = await read_object(request)
    target = body.get("target", {})
    node = target.get("name", "")
    if not node:
        raise status.invalid(
            "Binding",
            info.name,
            [status.StatusCause("FieldValueRequired", "Required value", "target.name")],
        )
    body = await admit.admit_subresource(
        rest.hooks.admission,
        rest.info,
        "binding",
        BINDING_KIND,
        Operation.CREATE,
        info.namespace,
        info.name,
        body,
    )

    def bound(current: Object) -> Object:
        spec = current.setdefault("spec", {})
        if spec.get("nodeName"):
            raise status.conflict(
                "pods", info.name, f'pod {info.name} is already assigned to node "{spec["nodeName"]}"'
            )
        if "deletionTimestamp" in current["metadata"]:
            raise status.conflict(
                "pods", info.name, f"pod {info.name} is being deleted, cannot be assigned to a host"
            )
        spec["nodeName"] = node
        annotations = body.get("metadata", {}).get("annotations") or {}
        if annotations:
            current["metadata"].setdefault("annotations", {}).update(annotations)
        return current

    # Upstream's binding storage writes spec.nodeName directly: pod update validation, which forbids
    # changing it, does not apply (pkg/registry/core/pod/storage BindingREST.assignPod), nor does admission.
    with admission_skipped():
        await rest.update(info.namespace, info.name, bound, validate=False)
        # The PodScheduled condition goes through status, as upstream's binding REST does.
        scheduled_at = rfc3339(rest.hooks.clock())
        await rest.update(
            info.namespace, info.name, lambda pod: _mark_scheduled(pod, scheduled_at), subresource="status"
        )
    return json_response(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}, code=201
    )


def _mark_scheduled(current: Object, at: str) -> Object:
    conditions = [
        c for c in current.setdefault("status", {}).get("conditions", []) if c.get("type") != "PodScheduled"
    ]
    conditions.append(
        {
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": at,
        }
    )
    current["status"]["conditions"] = conditions
    current["metadata"].pop("resourceVersion", None)
    return current


async def _finalize(request: web.Request, info: RequestInfo, rest: ResourceStore) -> web.StreamResponse:
    """PUT namespaces/<name>/finalize changes spec.finalizers only (the namespace controller's call)."""
    body = await read_object(request)
    finalizers = body.get("spec", {}).get("finalizers", [])

    def finalized(current: Object) -> Object:
        current.setdefault("spec", {})["finalizers"] = finalizers
        current["metadata"].pop("resourceVersion", None)
        return current

    stored, _ = await rest.update(info.namespace, info.name, finalized)
    return json_response(stored)
