"""The variables an admission CEL expression sees (``k8s.io/apiserver/pkg/admission/plugin/cel``:
``activation.go``, ``condition.go``).

``object`` and ``oldObject`` (null when absent), ``request`` (the AdmissionRequest without its objects),
``params`` (a policy's parameter object, or null), ``namespaceObject`` (the request's Namespace with
metadata, spec and status only, or null for cluster-scoped requests) and ``variables`` (a policy's
variables, computed on first use). The function namespaces of :data:`pinnace.apiserver.cel.NAMESPACES`
(``sets``, ``math``, ...) are bound too. ``authorizer`` is not provided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver.admission.attributes import Attributes
from pinnace.apiserver.cel import NAMESPACES, Lazy, to_cel
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

OBJECT = "object"
OLD_OBJECT = "oldObject"
PARAMS = "params"
REQUEST = "request"
NAMESPACE_OBJECT = "namespaceObject"
VARIABLES = "variables"


def user_info(user: UserInfo | None) -> Object:
    """``authenticationv1.UserInfo`` as JSON: empty fields left out (they are ``omitempty``)."""
    if user is None:
        return {}
    out: Object = {"username": user.name}
    if user.uid:
        out["uid"] = user.uid
    if user.groups:
        out["groups"] = list(user.groups)
    if user.extra:
        out["extra"] = {key: list(values) for key, values in user.extra}
    return out


def admission_request(
    attributes: Attributes, resource: GroupVersionResource, kind: GroupVersionKind
) -> Object:
    """``CreateAdmissionRequest``: the request as CEL's ``request`` sees it, ``kind``/``resource`` being
    the ones the rule matched (an equivalent version under matchPolicy Equivalent)."""
    request: Object = {
        "kind": {"group": kind.group, "version": kind.version, "kind": kind.kind},
        "resource": {"group": resource.group, "version": resource.version, "resource": resource.resource},
        "requestKind": {
            "group": attributes.kind.group,
            "version": attributes.kind.version,
            "kind": attributes.kind.kind,
        },
        "requestResource": {
            "group": attributes.resource.group,
            "version": attributes.resource.version,
            "resource": attributes.resource.resource,
        },
        "operation": str(attributes.operation),
        "userInfo": user_info(attributes.user),
        "dryRun": attributes.dry_run,
    }
    if attributes.subresource:
        request["subResource"] = attributes.subresource
        request["requestSubResource"] = attributes.subresource
    if attributes.name:
        request["name"] = attributes.name
    if attributes.namespace:
        request["namespace"] = attributes.namespace
    if attributes.options is not None:
        request["options"] = attributes.options
    return request


def namespace_object(namespace: Object | None) -> Object | None:
    """``CreateNamespaceObject``: the Namespace's metadata (without managedFields and owner references),
    spec and status."""
    if namespace is None:
        return None
    metadata = namespace.get("metadata") or {}
    kept = (
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "finalizers",
    )
    out: Object = {"metadata": {key: metadata[key] for key in kept if key in metadata}}
    for key in ("spec", "status"):
        if key in namespace:
            out[key] = namespace[key]
    return out


@dataclass(frozen=True, slots=True)
class Inputs:
    """What one evaluation is about; objects are JSON dicts in the version the rule matched."""

    object: Object | None
    old_object: Object | None
    request: Object
    params: Object | None = None
    namespace: Object | None = None


def new_activation(inputs: Inputs, *, variables: Lazy | None = None) -> dict[str, Any]:
    """The activation for ``inputs`` (converted to CEL values once; share it across expressions)."""
    activation: dict[str, Any] = dict(NAMESPACES)
    activation[OBJECT] = to_cel(inputs.object)
    activation[OLD_OBJECT] = to_cel(inputs.old_object)
    activation[REQUEST] = to_cel(inputs.request)
    activation[PARAMS] = to_cel(inputs.params)
    activation[NAMESPACE_OBJECT] = to_cel(namespace_object(inputs.namespace))
    activation[VARIABLES] = variables if variables is not None else Lazy({})
    return activation


def with_variables(activation: Mapping[str, Any], variables: Lazy) -> dict[str, Any]:
    return {**activation, VARIABLES: variables}
