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
from datetime import datetime
from typing import Any

import jsonpatch

from pinnace.api.fields import parse_field_selector
from pinnace.api.fieldsets import UnsupportedFieldError, field_labels
from pinnace.api.gvk import GroupVersionResource
from pinnace.api.labels import SelectorParseError, parse_label_selector
from pinnace.api.registry import builtin_registry
from pinnace.api.strategicpatch import StrategicPatchError, apply_strategic_merge_patch
from pinnace.client.errors import ApiError, status_error
from pinnace.client.interface import Object
from pinnace.client.resources import Resource

Matcher = Callable[[Object], bool]

# Kinds whose metadata.generation the API server does not track (their strategies never set it in 1.32).
_UNTRACKED_GENERATION = frozenset({"Pod", "Node", "Namespace", "Event"})


def rfc3339(moment: datetime) -> str:
    """``metav1.Time`` as JSON: seconds, UTC, ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def has_status_subresource(resource: Resource) -> bool:
    info = builtin_registry().by_gvr(GroupVersionResource(resource.group, resource.version, resource.plural))
    return info is not None and "status" in info.subresources


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
