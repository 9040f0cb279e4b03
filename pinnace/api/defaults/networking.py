"""Defaults of ``networking.k8s.io/v1``: NetworkPolicy, IngressClass, Ingress.

Reproduces ``kubernetes/pkg/apis/networking/v1/defaults.go`` (``SetDefaults_NetworkPolicyPort``,
``SetDefaults_NetworkPolicy``, ``SetDefaults_IngressClass``). An Ingress has no defaults (``pathType`` is
required, not defaulted); Go writes its value-typed ``status.loadBalancer`` as ``{}``.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, child, default_unset, ensure_child, items
from pinnace.api.gvk import GroupVersionKind


def default_network_policy(policy: Obj) -> None:
    """Every policy affects Ingress; one with egress rules affects Egress too. Ports default to TCP."""
    spec = ensure_child(policy, "spec")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in items(spec, direction):
            for port in items(rule, "ports"):
                default_unset(port, "protocol", "TCP")


def default_ingress_class(ingress_class: Obj) -> None:
    """Parameters without a scope are cluster-scoped."""
    parameters = child(child(ingress_class, "spec"), "parameters")
    if parameters is not None:
        default_unset(parameters, "scope", "Cluster")


def default_ingress(ingress: Obj) -> None:
    ensure_child(ensure_child(ingress, "status"), "loadBalancer")


DEFAULTERS = {
    GroupVersionKind("networking.k8s.io", "v1", "NetworkPolicy"): default_network_policy,
    GroupVersionKind("networking.k8s.io", "v1", "IngressClass"): default_ingress_class,
    GroupVersionKind("networking.k8s.io", "v1", "Ingress"): default_ingress,
}
