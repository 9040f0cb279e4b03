"""Defaulting of the named API groups: what the user sends and what a 1.32 cluster shows back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pinnace.api.defaults import apply_defaults

Obj = dict[str, Any]


def defaulted(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    apply_defaults(out)
    return out


def obj(api_version: str, kind: str, **fields: Any) -> Obj:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **fields}


HPA_TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
CPU_80 = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}
SCALE_UP = {
    "selectPolicy": "Max",
    "stabilizationWindowSeconds": 0,
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
SCALE_DOWN = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}

WEBHOOK_DEFAULTS = {
    "failurePolicy": "Fail",
    "matchPolicy": "Equivalent",
    "namespaceSelector": {},
    "objectSelector": {},
    "timeoutSeconds": 10,
}
WEBHOOK: Obj = {
    "name": "w.example.com",
    "clientConfig": {"service": {"namespace": "ns", "name": "svc"}},
    "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}],
    "sideEffects": "None",
    "admissionReviewVersions": ["v1"],
}
SHOWN_WEBHOOK = {
    **WEBHOOK,
    **WEBHOOK_DEFAULTS,
    "clientConfig": {"service": {"namespace": "ns", "name": "svc", "port": 443}},
    "rules": [{**WEBHOOK["rules"][0], "scope": "*"}],
}

CASES: list[tuple[str, Obj, Obj]] = [
    (
        "a network policy without policy types affects ingress",
        obj(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            spec={"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]},
        ),
        obj(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            spec={
                "podSelector": {},
                "ingress": [{"ports": [{"port": 80, "protocol": "TCP"}]}],
                "policyTypes": ["Ingress"],
            },
        ),
    ),
    (
        "a network policy with egress rules affects egress too",
        obj("networking.k8s.io/v1", "NetworkPolicy", spec={"podSelector": {}, "egress": [{"to": []}]}),
        obj(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            spec={"podSelector": {}, "egress": [{"to": []}], "policyTypes": ["Ingress", "Egress"]},
        ),
    ),
    (
        "explicit policy types are kept",
        obj(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            spec={"podSelector": {}, "egress": [{}], "policyTypes": ["Egress"]},
        ),
        obj(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            spec={"podSelector": {}, "egress": [{}], "policyTypes": ["Egress"]},
        ),
    ),
    (
        "ingress class parameters are cluster-scoped",
        obj(
            "networking.k8s.io/v1",
            "IngressClass",
            spec={"controller": "c", "parameters": {"kind": "K", "name": "p"}},
        ),
        obj(
            "networking.k8s.io/v1",
            "IngressClass",
            spec={"controller": "c", "parameters": {"kind": "K", "name": "p", "scope": "Cluster"}},
        ),
    ),
    (
        "an ingress gets no defaults but shows an empty load balancer status",
        obj("networking.k8s.io/v1", "Ingress", spec={"rules": [{"host": "a.example"}]}),
        obj(
            "networking.k8s.io/v1",
            "Ingress",
            spec={"rules": [{"host": "a.example"}]},
            status={"loadBalancer": {}},
        ),
    ),
    (
        "a disruption budget shows its zero counters",
        obj(
            "policy/v1",
            "PodDisruptionBudget",
            spec={"minAvailable": 1, "selector": {"matchLabels": {"app": "a"}}},
        ),
        obj(
            "policy/v1",
            "PodDisruptionBudget",
            spec={"minAvailable": 1, "selector": {"matchLabels": {"app": "a"}}},
            status={"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0},
        ),
    ),
    (
        "an autoscaling/v2 HPA without metrics targets 80% CPU from one replica",
        obj(
            "autoscaling/v2", "HorizontalPodAutoscaler", spec={"scaleTargetRef": HPA_TARGET, "maxReplicas": 5}
        ),
        obj(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            spec={"scaleTargetRef": HPA_TARGET, "maxReplicas": 5, "minReplicas": 1, "metrics": [CPU_80]},
            status={"desiredReplicas": 0},
        ),
    ),
    (
        "an HPA behavior naming one direction is completed in both",
        obj(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            spec={
                "scaleTargetRef": HPA_TARGET,
                "maxReplicas": 5,
                "metrics": [CPU_80],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}},
            },
        ),
        obj(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            spec={
                "scaleTargetRef": HPA_TARGET,
                "maxReplicas": 5,
                "minReplicas": 1,
                "metrics": [CPU_80],
                "behavior": {
                    "scaleUp": SCALE_UP,
                    "scaleDown": {**SCALE_DOWN, "stabilizationWindowSeconds": 60},
                },
            },
            status={"desiredReplicas": 0},
        ),
    ),
    (
        "an autoscaling/v1 HPA reads back with the 80% CPU target of its v2 form",
        obj(
            "autoscaling/v1", "HorizontalPodAutoscaler", spec={"scaleTargetRef": HPA_TARGET, "maxReplicas": 3}
        ),
        obj(
            "autoscaling/v1",
            "HorizontalPodAutoscaler",
            spec={
                "scaleTargetRef": HPA_TARGET,
                "maxReplicas": 3,
                "minReplicas": 1,
                "targetCPUUtilizationPercentage": 80,
            },
            status={"currentReplicas": 0, "desiredReplicas": 0},
        ),
    ),
    (
        "role binding subjects get their API groups",
        obj(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            roleRef={"kind": "Role", "name": "r"},
            subjects=[
                {"kind": "User", "name": "jane"},
                {"kind": "ServiceAccount", "name": "sa", "namespace": "n"},
            ],
        ),
        obj(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            subjects=[
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"},
                {"kind": "ServiceAccount", "name": "sa", "namespace": "n"},
            ],
        ),
    ),
    (
        "a cluster role binding to a group",
        obj(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            subjects=[{"kind": "Group", "name": "devs"}],
        ),
        obj(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"}],
        ),
    ),
    (
        "a storage class deletes its volumes and binds immediately",
        obj("storage.k8s.io/v1", "StorageClass", provisioner="rancher.io/local-path"),
        obj(
            "storage.k8s.io/v1",
            "StorageClass",
            provisioner="rancher.io/local-path",
            reclaimPolicy="Delete",
            volumeBindingMode="Immediate",
        ),
    ),
    (
        "a CSI driver",
        obj("storage.k8s.io/v1", "CSIDriver", spec={}),
        obj(
            "storage.k8s.io/v1",
            "CSIDriver",
            spec={
                "attachRequired": True,
                "fsGroupPolicy": "ReadWriteOnceWithFSType",
                "podInfoOnMount": False,
                "requiresRepublish": False,
                "seLinuxMount": False,
                "storageCapacity": False,
                "volumeLifecycleModes": ["Persistent"],
            },
        ),
    ),
    (
        "a priority class preempts lower priorities",
        obj("scheduling.k8s.io/v1", "PriorityClass", value=1000),
        obj("scheduling.k8s.io/v1", "PriorityClass", value=1000, preemptionPolicy="PreemptLowerPriority"),
    ),
    (
        "endpoint slice ports get an empty name and TCP",
        obj("discovery.k8s.io/v1", "EndpointSlice", addressType="IPv4", ports=[{"port": 80}], endpoints=[]),
        obj(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            addressType="IPv4",
            ports=[{"port": 80, "name": "", "protocol": "TCP"}],
            endpoints=[],
        ),
    ),
    (
        "a validating webhook",
        obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", webhooks=[WEBHOOK]),
        obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", webhooks=[SHOWN_WEBHOOK]),
    ),
    (
        "a mutating webhook is also never reinvoked",
        obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", webhooks=[WEBHOOK]),
        obj(
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
            webhooks=[{**SHOWN_WEBHOOK, "reinvocationPolicy": "Never"}],
        ),
    ),
    (
        "a validating admission policy fails closed and matches equivalently",
        obj(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy",
            spec={
                "matchConstraints": {
                    "resourceRules": [{"apiGroups": ["apps"], "resources": ["deployments"]}]
                },
                "validations": [{"expression": "true"}],
            },
        ),
        obj(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy",
            spec={
                "failurePolicy": "Fail",
                "matchConstraints": {
                    "matchPolicy": "Equivalent",
                    "namespaceSelector": {},
                    "objectSelector": {},
                    "resourceRules": [{"apiGroups": ["apps"], "resources": ["deployments"], "scope": "*"}],
                },
                "validations": [{"expression": "true"}],
            },
        ),
    ),
    (
        "a custom resource definition gets its names, no conversion and its stored version",
        obj(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            spec={
                "group": "example.com",
                "names": {"kind": "Widget", "plural": "widgets"},
                "scope": "Namespaced",
                "versions": [
                    {"name": "v1beta1", "served": True, "storage": False},
                    {"name": "v1", "served": True, "storage": True},
                ],
            },
        ),
        obj(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            spec={
                "conversion": {"strategy": "None"},
                "group": "example.com",
                "names": {
                    "kind": "Widget",
                    "listKind": "WidgetList",
                    "plural": "widgets",
                    "singular": "widget",
                },
                "scope": "Namespaced",
                "versions": [
                    {"name": "v1beta1", "served": True, "storage": False},
                    {"name": "v1", "served": True, "storage": True},
                ],
            },
            status={"storedVersions": ["v1"]},
        ),
    ),
    (
        "a conversion webhook's service listens on 443",
        obj(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            spec={
                "names": {"kind": "W", "plural": "ws", "singular": "w", "listKind": "WList"},
                "conversion": {
                    "strategy": "Webhook",
                    "webhook": {
                        "clientConfig": {"service": {"name": "s", "namespace": "n"}},
                        "conversionReviewVersions": ["v1"],
                    },
                },
            },
            status={"storedVersions": ["v1"]},
        ),
        obj(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            spec={
                "names": {"kind": "W", "plural": "ws", "singular": "w", "listKind": "WList"},
                "conversion": {
                    "strategy": "Webhook",
                    "webhook": {
                        "clientConfig": {"service": {"name": "s", "namespace": "n", "port": 443}},
                        "conversionReviewVersions": ["v1"],
                    },
                },
            },
            status={"storedVersions": ["v1"]},
        ),
    ),
    (
        "a token request lasts an hour",
        obj("authentication.k8s.io/v1", "TokenRequest", spec={"audiences": ["api"]}),
        obj(
            "authentication.k8s.io/v1", "TokenRequest", spec={"audiences": ["api"], "expirationSeconds": 3600}
        ),
    ),
]


@pytest.mark.parametrize(("given", "shown"), [pytest.param(g, s, id=i) for i, g, s in CASES])
def test_group_defaults(given: Obj, shown: Obj) -> None:
    assert defaulted(given) == shown


@pytest.mark.parametrize("given", [pytest.param(g, id=i) for i, g, _ in CASES])
def test_defaulting_twice_equals_once(given: Obj) -> None:
    once = defaulted(given)
    assert defaulted(once) == once


@pytest.mark.parametrize(
    ("given", "path", "kept"),
    [
        pytest.param(
            obj("scheduling.k8s.io/v1", "PriorityClass", value=1, preemptionPolicy="Never"),
            ("preemptionPolicy",),
            "Never",
            id="a priority class that never preempts",
        ),
        pytest.param(
            obj(
                "storage.k8s.io/v1",
                "StorageClass",
                reclaimPolicy="Retain",
                volumeBindingMode="WaitForFirstConsumer",
            ),
            ("volumeBindingMode",),
            "WaitForFirstConsumer",
            id="a storage class that waits for its consumer",
        ),
        pytest.param(
            obj(
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                webhooks=[{**WEBHOOK, "timeoutSeconds": 3, "failurePolicy": "Ignore"}],
            ),
            ("webhooks", 0, "timeoutSeconds"),
            3,
            id="a webhook timeout",
        ),
        pytest.param(
            obj(
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                spec={
                    "minReplicas": 0,
                    "metrics": [CPU_80],
                    "behavior": {"scaleUp": {"selectPolicy": "Disabled"}},
                },
            ),
            ("spec", "behavior", "scaleUp", "selectPolicy"),
            "Disabled",
            id="a disabled scale-up",
        ),
        pytest.param(
            obj("autoscaling/v2", "HorizontalPodAutoscaler", spec={"minReplicas": 0, "metrics": [CPU_80]}),
            ("spec", "minReplicas"),
            0,
            id="zero min replicas (pointer field)",
        ),
        pytest.param(
            obj("discovery.k8s.io/v1", "EndpointSlice", ports=[{"name": "http", "protocol": "SCTP"}]),
            ("ports", 0, "protocol"),
            "SCTP",
            id="an SCTP slice port",
        ),
    ],
)
def test_user_values_are_kept(given: Obj, path: tuple[Any, ...], kept: Any) -> None:
    value: Any = defaulted(given)
    for key in path:
        value = value[key]
    assert value == kept
