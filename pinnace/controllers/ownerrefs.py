"""ownerReferences: who controls an object, and the reference a controller stamps on what it creates."""

from __future__ import annotations

from typing import Any

Object = dict[str, Any]


def controller_ref(obj: Object) -> Object | None:
    """The ownerReference with ``controller: true``, if any (upstream's ``metav1.GetControllerOf``)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def is_controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == (owner.get("metadata") or {}).get("uid")


def new_controller_ref(owner: Object, api_version: str, kind: str) -> Object:
    """The reference a controller puts on what it creates: controller and blockOwnerDeletion both true
    (upstream's ``metav1.NewControllerRef``), so foreground deletion of the owner waits for it."""
    metadata = owner["metadata"]
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": metadata["name"],
        "uid": metadata["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


#: An informer index of objects by the uid of their controller; orphans are filed under
#: :func:`orphan_index_value` of their namespace (upstream's ``controllerUIDIndex`` plus the orphan key that
#: ``FilterPodsByOwner`` looks up), so a controller finds its dependents and the orphans it may adopt
#: without scanning the namespace.
CONTROLLER_UID_INDEX = "controllerUID"


def orphan_index_value(namespace: str) -> str:
    # A uid never contains "/", so this cannot collide with a controller's uid.
    return f"orphan/{namespace}"


def index_by_controller_uid(obj: Object) -> list[str]:
    ref = controller_ref(obj)
    if ref is not None and ref.get("uid"):
        return [str(ref["uid"])]
    return [orphan_index_value(str((obj.get("metadata") or {}).get("namespace") or ""))]
