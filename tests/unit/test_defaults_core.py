"""Core (v1) defaulting beyond pods: what the user sends and what a 1.32 cluster shows back."""

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


def service(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}


def shown_service(status: Obj | None = None, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": spec,
        "status": status or {"loadBalancer": {}},
    }


PORT_80 = {"port": 80}
SHOWN_PORT_80 = {"port": 80, "protocol": "TCP", "targetPort": 80}

CASES: list[tuple[str, Obj, Obj]] = [
    (
        "a ClusterIP service with a bare port",
        service(selector={"app": "web"}, ports=[PORT_80]),
        shown_service(
            selector={"app": "web"},
            ports=[SHOWN_PORT_80],
            type="ClusterIP",
            sessionAffinity="None",
            internalTrafficPolicy="Cluster",
        ),
    ),
    (
        "a named target port and a UDP port are kept",
        service(ports=[{"port": 53, "protocol": "UDP", "targetPort": "dns"}]),
        shown_service(
            ports=[{"port": 53, "protocol": "UDP", "targetPort": "dns"}],
            type="ClusterIP",
            sessionAffinity="None",
            internalTrafficPolicy="Cluster",
        ),
    ),
    (
        "a NodePort service routes external traffic cluster-wide",
        service(type="NodePort", ports=[{"port": 80, "targetPort": 8080}]),
        shown_service(
            ports=[{"port": 80, "protocol": "TCP", "targetPort": 8080}],
            type="NodePort",
            sessionAffinity="None",
            externalTrafficPolicy="Cluster",
            internalTrafficPolicy="Cluster",
        ),
    ),
    (
        "a LoadBalancer service allocates node ports and its ingress IPs are VIPs",
        {
            **service(type="LoadBalancer", ports=[PORT_80]),
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "lb.example"}]}},
        },
        shown_service(
            status={
                "loadBalancer": {
                    "ingress": [{"ip": "203.0.113.7", "ipMode": "VIP"}, {"hostname": "lb.example"}]
                }
            },
            ports=[SHOWN_PORT_80],
            type="LoadBalancer",
            sessionAffinity="None",
            externalTrafficPolicy="Cluster",
            internalTrafficPolicy="Cluster",
            allocateLoadBalancerNodePorts=True,
        ),
    ),
    (
        "a ClusterIP service with external IPs is externally accessible",
        service(externalIPs=["198.51.100.1"], ports=[PORT_80]),
        shown_service(
            externalIPs=["198.51.100.1"],
            ports=[SHOWN_PORT_80],
            type="ClusterIP",
            sessionAffinity="None",
            externalTrafficPolicy="Cluster",
            internalTrafficPolicy="Cluster",
        ),
    ),
    (
        "ClientIP affinity gets a three-hour timeout",
        service(sessionAffinity="ClientIP", ports=[PORT_80]),
        shown_service(
            ports=[SHOWN_PORT_80],
            type="ClusterIP",
            sessionAffinity="ClientIP",
            sessionAffinityConfig={"clientIP": {"timeoutSeconds": 10800}},
            internalTrafficPolicy="Cluster",
        ),
    ),
    (
        "an affinity config without ClientIP affinity is dropped, as upstream does",
        service(sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}}, ports=[PORT_80]),
        shown_service(
            ports=[SHOWN_PORT_80], type="ClusterIP", sessionAffinity="None", internalTrafficPolicy="Cluster"
        ),
    ),
    (
        "an ExternalName service has no traffic policies",
        service(type="ExternalName", externalName="db.example"),
        shown_service(type="ExternalName", externalName="db.example", sessionAffinity="None"),
    ),
    (
        "a namespace is labelled with its name and starts Active",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}},
            "status": {"phase": "Active"},
        },
    ),
    (
        "a secret is Opaque",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"k": "dg=="},
            "type": "Opaque",
        },
    ),
    (
        "secret stringData is folded into data and never shown",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "type": "kubernetes.io/basic-auth",
            "data": {"username": "b2xk", "keep": "eA=="},
            "stringData": {"username": "admin", "password": "t0p"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "type": "kubernetes.io/basic-auth",
            "data": {"username": "YWRtaW4=", "keep": "eA==", "password": "dDBw"},
        },
    ),
    (
        "a persistent volume is retained, a filesystem, and Pending",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv1"},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
                "hostPath": {"path": "/d"},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv1"},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
                "hostPath": {"path": "/d", "type": ""},
                "persistentVolumeReclaimPolicy": "Retain",
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        },
    ),
    (
        "a claim is a Pending filesystem claim with canonical sizes",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1024Mi"}}},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        },
    ),
    (
        "endpoint ports default to TCP",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "web"},
            "subsets": [
                {"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}
            ],
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "web"},
            "subsets": [
                {
                    "addresses": [{"ip": "10.0.0.1"}],
                    "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
                }
            ],
        },
    ),
    (
        "a container limit range fills default from max and defaultRequest from default, then min",
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "lr"},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "max": {"cpu": "2", "memory": "1Gi"},
                        "min": {"ephemeral-storage": "1Mi"},
                    },
                    {"type": "Pod", "max": {"cpu": "4"}},
                ]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "lr"},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "max": {"cpu": "2", "memory": "1Gi"},
                        "min": {"ephemeral-storage": "1Mi"},
                        "default": {"cpu": "2", "memory": "1Gi"},
                        "defaultRequest": {"cpu": "2", "memory": "1Gi", "ephemeral-storage": "1Mi"},
                    },
                    {"type": "Pod", "max": {"cpu": "4"}},
                ]
            },
        },
    ),
    (
        "a node's allocatable defaults to its capacity and its pod CIDRs follow podCIDR",
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "n1"},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {"capacity": {"cpu": "4", "memory": "8053040Ki", "pods": "110"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "n1"},
            "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
            "status": {
                "capacity": {"cpu": "4", "memory": "8053040Ki", "pods": "110"},
                "allocatable": {"cpu": "4", "memory": "8053040Ki", "pods": "110"},
            },
        },
    ),
    (
        "a resource quota's amounts are canonical",
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "q"},
            "spec": {"hard": {"requests.cpu": "1000m", "requests.memory": "2048Mi", "pods": 10}},
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "q"},
            "spec": {"hard": {"requests.cpu": "1", "requests.memory": "2Gi", "pods": "10"}},
        },
    ),
]


@pytest.mark.parametrize(("given", "shown"), [pytest.param(g, s, id=i) for i, g, s in CASES])
def test_core_defaults(given: Obj, shown: Obj) -> None:
    assert defaulted(given) == shown


@pytest.mark.parametrize("given", [pytest.param(g, id=i) for i, g, _ in CASES])
def test_defaulting_twice_equals_once(given: Obj) -> None:
    once = defaulted(given)
    assert defaulted(once) == once


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, id="a ConfigMap"),
        pytest.param(
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}, id="a ServiceAccount"
        ),
        pytest.param({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {}}, id="a custom resource"),
        pytest.param({"apiVersion": "apps/v2", "kind": "Deployment", "spec": {}}, id="an unknown version"),
        pytest.param({"apiVersion": "a/b/c", "kind": "Pod"}, id="a malformed apiVersion"),
        pytest.param({"kind": "Pod", "spec": {}}, id="no apiVersion"),
        pytest.param({"apiVersion": "v1", "spec": {}}, id="no kind"),
    ],
)
def test_objects_without_defaults_are_left_alone(obj: Obj) -> None:
    assert defaulted(obj) == obj


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param({"apiVersion": "v1", "kind": "Pod", "spec": "nonsense"}, id="a spec of the wrong type"),
        pytest.param(
            {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": ["x", {"name": "c"}], "volumes": {}}},
            id="list items and lists of the wrong type",
        ),
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": [], "template": 3}},
            id="nested objects of the wrong type",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Secret", "stringData": {"k": 1}}, id="stringData of the wrong type"
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": "eighty"}]}}, id="a bad port"
        ),
    ],
)
def test_malformed_fields_are_kept_for_validation(obj: Obj) -> None:
    out = defaulted(obj)  # must not raise
    for key, value in obj.items():
        if not isinstance(value, dict):
            assert out[key] == value
