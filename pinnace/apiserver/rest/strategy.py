"""Per-kind behaviour around the generic create/update/delete flow (upstream's registry strategies).

Kubernetes gives every resource a ``strategy`` (pkg/registry/<group>/<resource>/strategy.go) that
says what the server resets on create, which fields an update may touch, when ``generation`` moves,
and whether deletion is graceful. Here a strategy is data plus a few small functions, chosen by
(group, kind); kinds without an entry get the generic behaviour.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Strategy:
    """How one kind differs from the generic flow."""

    # Fields whose change bumps metadata.generation, for the kinds whose generation is tracked
    # (pinnace.api.defaults.strategy.GENERATION_TRACKED; create-time changes live there too).
    generation_fields: tuple[str, ...] = ("spec",)
    # Pods: DELETE sets deletionTimestamp and waits for the kubelet, unless the pod never got a node.
    graceful_deletion: bool = False
    # Whether PUT may create the object when it does not exist (upstream AllowCreateOnUpdate).
    allow_create_on_update: bool = False
    # Whether an update with no resourceVersion is accepted (upstream AllowUnconditionalUpdate).
    allow_unconditional_update: bool = True
    # Namespaces: spec.finalizers (the namespace controller's "kubernetes") also hold deletion back,
    # and a namespace being deleted is Terminating.
    spec_finalizers: bool = False
    # DaemonSets: the annotation apps/v1 carries DaemonSetSpec.TemplateGeneration in (see
    # update_template_generation).
    template_generation_annotation: str = ""


GENERIC = Strategy()
_WEBHOOKS = Strategy(generation_fields=("webhooks",))

STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("", "Pod"): Strategy(graceful_deletion=True),
    ("", "Namespace"): Strategy(spec_finalizers=True),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): _WEBHOOKS,
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): _WEBHOOKS,
    ("coordination.k8s.io", "Lease"): Strategy(allow_create_on_update=True),
    ("apps", "DaemonSet"): Strategy(
        template_generation_annotation="deprecated.daemonset.template.generation"
    ),
    # An EndpointSlice has no spec: everything outside metadata is its desired state (upstream also counts
    # label changes; the EndpointSlice controller's tracker relies on the generation moving).
    ("discovery.k8s.io", "EndpointSlice"): Strategy(generation_fields=("addressType", "endpoints", "ports")),
}


def strategy_for(group: str, kind: str) -> Strategy:
    return STRATEGIES.get((group, kind), GENERIC)


def generation_changed(strategy: Strategy, new: Object, old: Object) -> bool:
    return any(new.get(name) != old.get(name) for name in strategy.generation_fields)


def update_template_generation(strategy: Strategy, new: Object, old: Object) -> None:
    """``daemonSetStrategy.PrepareForUpdate``: an update cannot set the template generation; it stays as
    stored and goes up by one when the pod template changes (the DaemonSet controller labels pods with it
    and counts pods of an older generation as not updated)."""
    name = strategy.template_generation_annotation
    if not name:
        return
    stored = (old.get("metadata") or {}).get("annotations") or {}
    if name not in stored:
        return
    try:
        generation = int(stored[name])
    except ValueError:
        return
    if (new.get("spec") or {}).get("template") != (old.get("spec") or {}).get("template"):
        generation += 1
    annotations = new.setdefault("metadata", {}).get("annotations")
    if not isinstance(annotations, dict):
        annotations = new["metadata"]["annotations"] = {}
    annotations[name] = str(generation)


def keep_status(new: Object, old: Object) -> Object:
    """A main-resource update may not change status (it has its own subresource)."""
    out = dict(new)
    if "status" in old:
        out["status"] = copy.deepcopy(old["status"])
    else:
        out.pop("status", None)
    return out


# Kinds whose upstream status strategy resets only spec and labels, so a status update may change
# annotations: the deployment controller writes ``deployment.kubernetes.io/revision`` that way
# (pkg/registry/apps/deployment/strategy.go, deploymentStatusStrategy.PrepareForUpdate).
_STATUS_WRITES_ANNOTATIONS = frozenset({("apps/v1", "Deployment")})


def take_status(new: Object, old: Object) -> Object:
    """A status update changes only status: everything else stays as stored (ResetObjectMetaForStatus)."""
    out = copy.deepcopy(old)
    if "status" in new:
        out["status"] = new["status"]
    else:
        out.pop("status", None)
    if (old.get("apiVersion"), old.get("kind")) in _STATUS_WRITES_ANNOTATIONS:
        annotations = (new.get("metadata") or {}).get("annotations")
        if annotations:
            out.setdefault("metadata", {})["annotations"] = copy.deepcopy(annotations)
        else:
            out.setdefault("metadata", {}).pop("annotations", None)
    new_metadata = new.get("metadata", {})
    if "resourceVersion" in new_metadata:
        out.setdefault("metadata", {})["resourceVersion"] = new_metadata["resourceVersion"]
    return out
