"""Per-kind behaviour around the generic create/update/delete flow (upstream's registry strategies).

Kubernetes gives every resource a ``strategy`` (pkg/registry/<group>/<resource>/strategy.go) that
says what the server resets on create, which fields an update may touch, when ``generation`` moves,
and whether deletion is graceful. Here a strategy is data plus a few small functions, chosen by
(group, kind); kinds without an entry get the generic behaviour.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]


def _reset_status(obj: Object) -> None:
    obj.pop("status", None)


def _pod_initial_status(obj: Object) -> None:
    """New pods are Pending, with their QoS class (pkg/registry/core/pod/strategy.go PrepareForCreate)."""
    obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec", {}))}


def _phase_pending(obj: Object) -> None:
    obj["status"] = {"phase": "Pending"}


def _service_initial_status(obj: Object) -> None:
    obj["status"] = {"loadBalancer": {}}


def _namespace_initial_status(obj: Object) -> None:
    """Active, and held by the namespace controller's finalizer (pkg/registry/core/namespace/strategy.go)."""
    obj["status"] = {"phase": "Active"}
    finalizers = obj.setdefault("spec", {}).setdefault("finalizers", [])
    if "kubernetes" not in finalizers:
        finalizers.append("kubernetes")


@dataclass(frozen=True, slots=True)
class Strategy:
    """How one kind differs from the generic flow."""

    # What create does to the status the client sent (None: keep it, e.g. a kubelet registering a Node).
    initial_status: Callable[[Object], None] | None = _reset_status
    # Whether metadata.generation is set to 1 on create and bumped when one of `generation_fields` changes.
    tracks_generation: bool = False
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


GENERIC = Strategy(initial_status=None)
_WORKLOAD = Strategy(tracks_generation=True)

STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("", "Pod"): Strategy(initial_status=_pod_initial_status, graceful_deletion=True),
    ("", "Service"): Strategy(initial_status=_service_initial_status),
    ("", "Namespace"): Strategy(initial_status=_namespace_initial_status, spec_finalizers=True),
    ("", "PersistentVolume"): Strategy(initial_status=_phase_pending),
    ("", "PersistentVolumeClaim"): Strategy(initial_status=_phase_pending),
    ("", "ReplicationController"): _WORKLOAD,
    ("", "Node"): Strategy(initial_status=None, allow_create_on_update=False),
    ("", "ResourceQuota"): Strategy(),
    ("apps", "Deployment"): _WORKLOAD,
    ("apps", "ReplicaSet"): _WORKLOAD,
    ("apps", "StatefulSet"): _WORKLOAD,
    ("apps", "DaemonSet"): _WORKLOAD,
    ("batch", "Job"): _WORKLOAD,
    ("batch", "CronJob"): _WORKLOAD,
    ("autoscaling", "HorizontalPodAutoscaler"): Strategy(),
    ("policy", "PodDisruptionBudget"): _WORKLOAD,
    ("networking.k8s.io", "Ingress"): _WORKLOAD,
    ("networking.k8s.io", "NetworkPolicy"): Strategy(initial_status=None, tracks_generation=True),
    ("networking.k8s.io", "IngressClass"): Strategy(initial_status=None, tracks_generation=True),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): Strategy(
        initial_status=None, tracks_generation=True, generation_fields=("webhooks",)
    ),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): Strategy(
        initial_status=None, tracks_generation=True, generation_fields=("webhooks",)
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): _WORKLOAD,
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): Strategy(
        initial_status=None, tracks_generation=True
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _WORKLOAD,
    ("certificates.k8s.io", "CertificateSigningRequest"): Strategy(),
    ("coordination.k8s.io", "Lease"): Strategy(initial_status=None, allow_create_on_update=True),
}


def strategy_for(group: str, kind: str) -> Strategy:
    return STRATEGIES.get((group, kind), GENERIC)


def generation_changed(strategy: Strategy, new: Object, old: Object) -> bool:
    return any(new.get(name) != old.get(name) for name in strategy.generation_fields)


def keep_status(new: Object, old: Object) -> Object:
    """A main-resource update may not change status (it has its own subresource)."""
    out = dict(new)
    if "status" in old:
        out["status"] = copy.deepcopy(old["status"])
    else:
        out.pop("status", None)
    return out


def take_status(new: Object, old: Object) -> Object:
    """A status update changes only status: everything else stays as stored (ResetObjectMetaForStatus)."""
    out = copy.deepcopy(old)
    if "status" in new:
        out["status"] = new["status"]
    else:
        out.pop("status", None)
    new_metadata = new.get("metadata", {})
    if "resourceVersion" in new_metadata:
        out.setdefault("metadata", {})["resourceVersion"] = new_metadata["resourceVersion"]
    return out


# --- QoS (pkg/apis/core/helper/qos/qos.go) ---------------------------------------------------------

_QOS_RESOURCES = ("cpu", "memory")


def pod_qos_class(spec: Object) -> str:
    """Guaranteed, Burstable or BestEffort from the containers' cpu and memory requests and limits."""
    containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
    requests: dict[str, list[str]] = {}
    limits: dict[str, list[str]] = {}
    guaranteed = True
    for container in containers:
        resources = container.get("resources", {})
        container_requests = {k: v for k, v in resources.get("requests", {}).items() if k in _QOS_RESOURCES}
        container_limits = {k: v for k, v in resources.get("limits", {}).items() if k in _QOS_RESOURCES}
        for name, value in container_requests.items():
            requests.setdefault(name, []).append(str(value))
        for name, value in container_limits.items():
            limits.setdefault(name, []).append(str(value))
        if set(container_limits) != set(_QOS_RESOURCES):
            guaranteed = False
        # Requests default to limits, so a request that differs from its limit breaks Guaranteed.
        for name, value in container_requests.items():
            if name in container_limits and str(container_limits[name]) != str(value):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
