"""What :class:`~pinnace.client.fake.FakeClient` does to objects, as pure functions over dicts.

Patching (the same libraries the API server uses: ``jsonpatch`` for RFC 6902,
:mod:`pinnace.api.strategicpatch` for strategic merge patch, and RFC 7386 merge patch here), selector
matching (:mod:`pinnace.api.labels`, :mod:`pinnace.api.fieldsets`), and the parts of the generic registry
store's update rules a controller's tests can observe: the status subresource split, generation bumps,
deletion state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jsonpatch

from pinnace.api.fields import parse_field_selector
from pinnace.api.fieldsets import UnsupportedFieldError, field_labels
from pinnace.api.gvk import GroupVersionResource
from pinnace.api.labels import (
    SelectorParseError,
    label_selector_to_string,
    parse_label_selector,
    selector_from_set,
)
from pinnace.api.registry import builtin_registry
from pinnace.api.strategicpatch import StrategicPatchError, apply_strategic_merge_patch
from pinnace.client.clock import rfc3339
from pinnace.client.errors import ApiError, status_error
from pinnace.client.interface import Object, WatchEvent
from pinnace.client.keys import key_of
from pinnace.client.resources import Resource

Matcher = Callable[[Object], bool]

# Pods deleted without an explicit grace period wait this long unless their spec says otherwise.
DEFAULT_POD_GRACE_SECONDS = 30

# Kinds whose metadata.generation the API server does not track (their strategies never set it in 1.32).
_UNTRACKED_GENERATION = frozenset({"Pod", "Node", "Namespace", "Event"})


def has_subresource(resource: Resource, subresource: str) -> bool:
    info = builtin_registry().by_gvr(GroupVersionResource(resource.group, resource.version, resource.plural))
    return info is not None and subresource in info.subresources


def has_status_subresource(resource: Resource) -> bool:
    return has_subresource(resource, "status")


SCALE = Resource("autoscaling", "v1", "scales", "Scale", True)


def scale_of(resource: Resource, obj: Object) -> Object:
    """The autoscaling/v1 ``Scale`` of a Deployment, ReplicaSet, StatefulSet or ReplicationController (what
    ``GET .../scale`` answers; ``status.selector`` as the label selector's string)."""
    if not has_subresource(resource, "scale"):
        raise status_error(404, "NotFound", "the server could not find the requested resource")
    spec, status, metadata = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"]
    selector = spec.get("selector") or {}
    # ReplicationControllers select with a plain map; the others with a metav1.LabelSelector.
    if resource.kind == "ReplicationController":
        selector_text = str(selector_from_set(selector))
    else:
        selector_text = label_selector_to_string(selector)
    kept = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: metadata[k] for k in kept if k in metadata},
        "spec": {"replicas": int(spec.get("replicas", 1))},
        "status": {"replicas": int(status.get("replicas") or 0), "selector": selector_text},
    }


def scaled(resource: Resource, current: Object, scale: Object) -> Object:
    """The object with the replicas a written ``Scale`` asks for."""
    if not has_subresource(resource, "scale"):
        raise status_error(404, "NotFound", "the server could not find the requested resource")
    result = copy.deepcopy(current)
    result.setdefault("spec", {})["replicas"] = int((scale.get("spec") or {}).get("replicas") or 0)
    return result


def tracks_generation(resource: Resource, obj: Object) -> bool:
    return resource.kind not in _UNTRACKED_GENERATION and "spec" in obj


def selector_matcher(resource: Resource, label_selector: str, field_selector: str) -> Matcher:
    """A predicate for ``labelSelector``/``fieldSelector``; ``BadRequest`` for what the server rejects."""
    try:
        labels = parse_label_selector(label_selector)
        supported = field_labels(resource.group, resource.kind, namespaced=resource.namespaced)
        fields = supported.transform(parse_field_selector(field_selector))
    except (SelectorParseError, UnsupportedFieldError) as err:
        raise status_error(400, "BadRequest", str(err)) from err

    def matches(obj: Object) -> bool:
        metadata_labels = (obj.get("metadata") or {}).get("labels") or {}
        return labels.matches(metadata_labels) and fields.matches(supported.field_set(obj))

    return matches


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(resource: Resource, current: Object, patch: Any, patch_type: str) -> Object:
    """The object ``patch`` makes of ``current`` (server-side apply is approximated by a merge patch)."""
    try:
        if patch_type == "json":
            result = jsonpatch.apply_patch(current, patch)
        elif patch_type == "strategic":
            result = apply_strategic_merge_patch(current, patch, resource.api_version, resource.kind)
        elif patch_type in ("merge", "apply"):
            result = merge_patch(current, patch)
        else:
            raise status_error(415, "UnsupportedMediaType", f"unsupported patch type {patch_type!r}")
    except StrategicPatchError as err:
        raise status_error(err.code, "Invalid" if err.code == 422 else "BadRequest", str(err)) from err
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
        raise status_error(
            422, "Invalid", f"the server rejected our request due to an error in our request: {err}"
        ) from err
    if not isinstance(result, dict):
        raise status_error(400, "BadRequest", "the patch did not produce an object")
    return result


def conflict(resource: Resource, name: str, detail: str) -> ApiError:
    """409 Conflict worded as upstream's ``errors.NewConflict``."""
    return status_error(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource.qualified} "{name}": {detail}',
        {"name": name, "group": resource.group, "kind": resource.plural},
    )


STALE = "the object has been modified; please apply your changes to the latest version and try again"


def not_found(resource: Resource, name: str) -> ApiError:
    return status_error(
        404,
        "NotFound",
        f'{resource.qualified} "{name}" not found',
        {"name": name, "group": resource.group, "kind": resource.plural},
    )


def merge_for_update(resource: Resource, current: Object, new: Object, subresource: str) -> Object:
    """What the store keeps when ``new`` is written over ``current`` through ``subresource``.

    As upstream's strategies: ``status`` writes only status; the main resource of a kind with a status
    subresource keeps the old status; metadata the server owns (uid, creationTimestamp, deletion state,
    generation) cannot be changed by a client; generation moves when spec does.
    """
    if subresource == "status":
        result = copy.deepcopy(current)
        if "status" in new:
            result["status"] = copy.deepcopy(new["status"])
        else:
            result.pop("status", None)
        if resource.group == "apps" and resource.kind == "Deployment":
            # Upstream's deployment status strategy resets only spec and labels: annotations go through
            # (the controller writes deployment.kubernetes.io/revision this way).
            annotations = (new.get("metadata") or {}).get("annotations")
            if annotations:
                result["metadata"]["annotations"] = copy.deepcopy(annotations)
            else:
                result["metadata"].pop("annotations", None)
        return result
    result = copy.deepcopy(new)
    result["apiVersion"], result["kind"] = current.get("apiVersion"), current.get("kind")
    if subresource == "finalize":  # namespaces: only spec.finalizers changes
        result = copy.deepcopy(current)
        result.setdefault("spec", {})["finalizers"] = list((new.get("spec") or {}).get("finalizers") or [])
        return result
    if has_status_subresource(resource):
        if "status" in current:
            result["status"] = copy.deepcopy(current["status"])
        else:
            result.pop("status", None)
    metadata = result.setdefault("metadata", {})
    old_metadata = current["metadata"]
    for field in (
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
        "name",
    ):
        if field in old_metadata:
            metadata[field] = old_metadata[field]
        else:
            metadata.pop(field, None)
    if "generation" in old_metadata and result.get("spec") != current.get("spec"):
        metadata["generation"] = int(old_metadata["generation"]) + 1
    if "deletionTimestamp" in old_metadata:
        added = set(metadata.get("finalizers") or []) - set(old_metadata.get("finalizers") or [])
        if added:
            raise status_error(
                422,
                "Invalid",
                f'{resource.kind} "{metadata.get("name")}" is invalid: metadata.finalizers: Forbidden: '
                "no new finalizers can be added if the object is being deleted",
            )
    return result


def same_content(a: Object, b: Object) -> bool:
    """Equal but for resourceVersion and managedFields: an update that would change nothing."""
    return _without_volatile(a) == _without_volatile(b)


def _without_volatile(obj: Object) -> Object:
    stripped = dict(obj)
    metadata = dict(stripped.get("metadata") or {})
    metadata.pop("resourceVersion", None)
    metadata.pop("managedFields", None)
    stripped["metadata"] = metadata
    return stripped


def finished_deleting(resource: Resource, obj: Object) -> bool:
    """An object being deleted goes once nothing holds it: no finalizers (nor, for a namespace,
    ``spec.finalizers``) and no grace period left to wait for."""
    metadata = obj.get("metadata") or {}
    if "deletionTimestamp" not in metadata or metadata.get("finalizers"):
        return False
    if resource.kind == "Namespace" and (obj.get("spec") or {}).get("finalizers"):
        return False
    return int(metadata.get("deletionGracePeriodSeconds") or 0) == 0


def precondition_failure(
    resource: Resource, current: Object, preconditions: dict[str, str]
) -> ApiError | None:
    """The Conflict a DeleteOptions precondition (uid, resourceVersion) that does not hold causes."""
    metadata = current["metadata"]
    for field_name, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = preconditions.get(field_name)
        if wanted and wanted != metadata.get(field_name):
            return conflict(
                resource,
                str(metadata.get("name")),
                f"Precondition failed: {label} in precondition: {wanted}, {label} in "
                f"object meta: {metadata.get(field_name)}",
            )
    return None


def grace_period(resource: Resource, obj: Object, requested: int | None) -> int:
    """Only pods that reached a node and have not finished wait for a grace period (pod strategy's
    ``CheckGracefulDelete``)."""
    if resource.kind != "Pod":
        return 0
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(0, requested)
    return int(spec.get("terminationGracePeriodSeconds", DEFAULT_POD_GRACE_SECONDS))


def mark_for_deletion(
    resource: Resource, current: Object, policy: str, grace: int | None, now: datetime
) -> Object | None:
    """The object as it stays while its deletion waits (registry ``BeforeDelete`` plus the propagation
    policy's finalizer), or None when it goes at once."""
    finalizers = list(current["metadata"].get("finalizers") or [])
    extra = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}.get(policy)
    if extra and extra not in finalizers:
        finalizers.append(extra)
    period = grace_period(resource, current, grace)
    namespace_held = resource.kind == "Namespace" and bool((current.get("spec") or {}).get("finalizers"))
    if not finalizers and period == 0 and not namespace_held:
        return None
    marked = copy.deepcopy(current)
    metadata = marked["metadata"]
    if finalizers:
        metadata["finalizers"] = finalizers
    if resource.kind == "Namespace":
        marked.setdefault("status", {})["phase"] = "Terminating"
    existing = metadata.get("deletionGracePeriodSeconds")
    # A second DELETE may only shorten the grace period, never lengthen it.
    if "deletionTimestamp" not in metadata or (existing is not None and period < int(existing)):
        metadata["deletionTimestamp"] = rfc3339(now + timedelta(seconds=period))
        metadata["deletionGracePeriodSeconds"] = period
    return marked


def deleted_status(resource: Resource, name: str, uid: str) -> Object:
    """What DELETE answers when the object is gone at once (for kinds that do not return it)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": resource.group, "kind": resource.plural, "uid": uid},
    }


_BINDING = Resource("", "v1", "pods/binding", "Binding", True)


def bind(pod: Object, binding: Object, now: datetime) -> Object:
    """The pod as ``pods/binding`` leaves it (``BindingREST.setPodNodeAndMetadata``): ``spec.nodeName`` and a
    true ``PodScheduled`` condition; ``Conflict`` when the pod is already bound."""
    name = str(pod["metadata"].get("name"))
    assigned = (pod.get("spec") or {}).get("nodeName")
    if assigned:
        raise conflict(_BINDING, name, f'pod {name} is already assigned to node "{assigned}"')
    bound = copy.deepcopy(pod)
    bound.setdefault("spec", {})["nodeName"] = str((binding.get("target") or {}).get("name") or "")
    status = bound.setdefault("status", {})
    conditions = [c for c in status.get("conditions", []) if c.get("type") != "PodScheduled"]
    conditions.append(
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": rfc3339(now)}
    )
    status["conditions"] = conditions
    return bound


def watch_event(
    change: str, obj: Object, previous: Object | None, namespace: str, matches: Matcher
) -> WatchEvent | None:
    """The event a watcher with this namespace and selector sees for a change, as the watch cache decides:
    an object that starts matching is ADDED, one that stops matching is DELETED."""
    if namespace and key_of(obj).namespace != namespace:
        return None
    now = change != "DELETED" and matches(obj)
    before = previous is not None and matches(previous)
    if change == "DELETED":
        return WatchEvent("DELETED", copy.deepcopy(obj)) if before else None
    if now:
        return WatchEvent("MODIFIED" if before else "ADDED", copy.deepcopy(obj))
    if before:
        return WatchEvent("DELETED", copy.deepcopy(obj))
    return None
