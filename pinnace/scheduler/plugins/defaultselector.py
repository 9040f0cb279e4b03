"""The selector of a pod's "siblings" for default spreading (``plugins/helper/spread.go``: DefaultSelector).

The AND of the selectors of the Services that select the pod, and of the selector of its controlling
ReplicationController, ReplicaSet or StatefulSet. Empty when nothing selects the pod (then no default
spreading applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pinnace.api.labels import (
    LabelSelector,
    SelectorParseError,
    from_label_selector_object,
    selector_from_set,
)
from pinnace.scheduler.framework.handle import Listers
from pinnace.scheduler.framework.types import PodInfo


def controller_of(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """``metav1.GetControllerOf``: the owner reference with ``controller: true``."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            ref_: Mapping[str, Any] = ref
            return ref_
    return None


def default_selector(pod: PodInfo, listers: Listers) -> LabelSelector:
    label_set: dict[str, str] = {}
    for service in listers.services(pod.namespace):
        selector = (service.get("spec") or {}).get("selector")
        if not selector:
            continue
        if selector_from_set(selector).matches(pod.labels):
            label_set.update(selector)
    selector = selector_from_set(label_set)
    owner = controller_of(pod.pod)
    if owner is None:
        return selector
    api_version, kind, name = owner.get("apiVersion"), owner.get("kind"), str(owner.get("name") or "")
    if api_version == "v1" and kind == "ReplicationController":
        rc = listers.replication_controller(pod.namespace, name)
        if rc is not None:
            label_set.update((rc.get("spec") or {}).get("selector") or {})
            selector = selector_from_set(label_set)
    elif api_version == "apps/v1" and kind in ("ReplicaSet", "StatefulSet"):
        lookup = listers.replica_set if kind == "ReplicaSet" else listers.stateful_set
        owner_obj = lookup(pod.namespace, name)
        if owner_obj is not None:
            try:
                other = from_label_selector_object((owner_obj.get("spec") or {}).get("selector"))
            except SelectorParseError:
                return selector
            if not other.matches_nothing:
                selector = selector.add(*other.requirements)
    return selector
