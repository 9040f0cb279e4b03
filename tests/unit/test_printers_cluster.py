"""Rows of the remaining groups (networking, rbac, storage, policy, scheduling, coordination, discovery,
certificates, admissionregistration) as a Kubernetes 1.32 server prints them (printers.go)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.api.printers import Cell, printer_for

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
DAY = 86400


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "creationTimestamp": ago(3 * DAY), **extra}


def ingress(spec: dict[str, Any], lb: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"metadata": meta("shop"), "spec": spec, "status": {"loadBalancer": {"ingress": lb or []}}}


CASES = [
    pytest.param(
        "networking.k8s.io",
        "Ingress",
        ingress(
            {
                "ingressClassName": "nginx",
                "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}],
                "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            },
            [{"ip": "203.0.113.20"}],
        ),
        ["shop", "nginx", "shop.example.com,api.example.com", "203.0.113.20", "80, 443", "3d"],
        id="an ingress with hosts, TLS and an address",
    ),
    pytest.param(
        "networking.k8s.io",
        "Ingress",
        ingress(
            {
                "rules": [
                    {"host": "a.example"},
                    {},
                    {"host": "c.example"},
                    {"host": "d.example"},
                    {"host": "e"},
                ]
            },
            [
                {"hostname": "k8s-shop-1234567890.elb.example.com"},
                {"hostname": "k8s-shop-1234567890.elb.example.com"},
            ],
        ),
        [
            "shop",
            "<none>",
            "a.example,c.example,d.example + 2 more...",
            "k8s-shop-1234567890.elb.example.com",
            "80",
            "3d",
        ],
        id="past three hosts the rest are counted; long addresses are not clipped server-side",
    ),
    pytest.param(
        "networking.k8s.io",
        "Ingress",
        ingress({"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}),
        ["shop", "<none>", "*", "", "80", "3d"],
        id="an ingress without rules matches every host and has no address yet",
    ),
    pytest.param(
        "networking.k8s.io",
        "IngressClass",
        {
            "metadata": meta("external-lb"),
            "spec": {
                "controller": "example.com/ingress-controller",
                "parameters": {
                    "apiGroup": "k8s.example.com",
                    "kind": "IngressParameters",
                    "name": "external-lb",
                },
            },
        },
        [
            "external-lb",
            "example.com/ingress-controller",
            "IngressParameters.k8s.example.com/external-lb",
            "3d",
        ],
        id="an ingress class with parameters",
    ),
    pytest.param(
        "networking.k8s.io",
        "IngressClass",
        {"metadata": meta("nginx"), "spec": {"controller": "k8s.io/ingress-nginx"}},
        ["nginx", "k8s.io/ingress-nginx", "<none>", "3d"],
        id="an ingress class without parameters",
    ),
    pytest.param(
        "networking.k8s.io",
        "NetworkPolicy",
        {"metadata": meta("db-ingress"), "spec": {"podSelector": {"matchLabels": {"role": "db"}}}},
        ["db-ingress", "role=db", "3d"],
        id="a network policy selecting pods",
    ),
    pytest.param(
        "networking.k8s.io",
        "NetworkPolicy",
        {"metadata": meta("default-deny"), "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        ["default-deny", "<none>", "3d"],
        id="a network policy selecting every pod",
    ),
    pytest.param(
        "rbac.authorization.k8s.io",
        "RoleBinding",
        {
            "metadata": meta("read-pods"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [
                {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"},
                {"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"},
                {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
            ],
        },
        ["read-pods", "ClusterRole/view", "3d", "jane", "devs", "kube-system/default, tools/ci"],
        id="a role binding lists users, groups and service accounts",
    ),
    pytest.param(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        {
            "metadata": meta("cluster-admin"),
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "system:masters"}],
        },
        ["cluster-admin", "ClusterRole/cluster-admin", "3d", "", "system:masters", ""],
        id="a cluster role binding",
    ),
    pytest.param(
        "storage.k8s.io",
        "StorageClass",
        {
            "metadata": meta(
                "local-path", annotations={"storageclass.kubernetes.io/is-default-class": "true"}
            ),
            "provisioner": "rancher.io/local-path",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
        ["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", False, "3d"],
        id="the default storage class",
    ),
    pytest.param(
        "storage.k8s.io",
        "StorageClass",
        {
            "metadata": meta(
                "fast", annotations={"storageclass.beta.kubernetes.io/is-default-class": "false"}
            ),
            "provisioner": "ebs.csi.aws.com",
            "allowVolumeExpansion": True,
        },
        ["fast", "ebs.csi.aws.com", "Delete", "Immediate", True, "3d"],
        id="a storage class with upstream's fallbacks for policy and binding mode",
    ),
    pytest.param(
        "storage.k8s.io",
        "CSIDriver",
        {"metadata": meta("ebs.csi.aws.com"), "spec": {"volumeLifecycleModes": ["Persistent"]}},
        ["ebs.csi.aws.com", True, False, False, "<unset>", False, "Persistent", "3d"],
        id="a CSI driver with defaults",
    ),
    pytest.param(
        "storage.k8s.io",
        "CSIDriver",
        {
            "metadata": meta("secrets-store.csi.k8s.io"),
            "spec": {
                "attachRequired": False,
                "podInfoOnMount": True,
                "tokenRequests": [{"audience": "vault"}, {"audience": "aws"}],
                "requiresRepublish": True,
                "volumeLifecycleModes": ["Ephemeral"],
            },
        },
        ["secrets-store.csi.k8s.io", False, True, False, "vault,aws", True, "Ephemeral", "3d"],
        id="a CSI driver with token requests",
    ),
    pytest.param(
        "storage.k8s.io",
        "CSINode",
        {"metadata": meta("node-1"), "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": "i-1"}]}},
        ["node-1", 1, "3d"],
        id="a CSI node counts its drivers",
    ),
    pytest.param(
        "storage.k8s.io",
        "CSIStorageCapacity",
        {"metadata": meta("csisc-7x2k"), "storageClassName": "fast", "capacity": "102400Mi"},
        ["csisc-7x2k", "fast", "100Gi"],
        id="a CSI storage capacity",
    ),
    pytest.param(
        "storage.k8s.io",
        "CSIStorageCapacity",
        {"metadata": meta("csisc-none"), "storageClassName": "fast"},
        ["csisc-none", "fast", "<unset>"],
        id="a CSI storage capacity without a capacity",
    ),
    pytest.param(
        "storage.k8s.io",
        "VolumeAttachment",
        {
            "metadata": meta("csi-5c0f"),
            "spec": {
                "attacher": "ebs.csi.aws.com",
                "nodeName": "node-1",
                "source": {"persistentVolumeName": "pv-1"},
            },
            "status": {"attached": True},
        },
        ["csi-5c0f", "ebs.csi.aws.com", "pv-1", "node-1", True, "3d"],
        id="an attached volume",
    ),
    pytest.param(
        "scheduling.k8s.io",
        "PriorityClass",
        {
            "metadata": meta("system-cluster-critical"),
            "value": 2000000000,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        ["system-cluster-critical", 2000000000, False, "3d", "PreemptLowerPriority"],
        id="a priority class",
    ),
    pytest.param(
        "scheduling.k8s.io",
        "PriorityClass",
        {"metadata": meta("batch-low"), "value": -10, "globalDefault": True, "preemptionPolicy": "Never"},
        ["batch-low", -10, True, "3d", "Never"],
        id="a non-preempting global default priority class",
    ),
    pytest.param(
        "coordination.k8s.io",
        "Lease",
        {
            "metadata": meta("kube-scheduler"),
            "spec": {"holderIdentity": "cp-1_4f2a9c", "leaseDurationSeconds": 15},
        },
        ["kube-scheduler", "cp-1_4f2a9c", "3d"],
        id="a held lease",
    ),
    pytest.param(
        "coordination.k8s.io",
        "Lease",
        {"metadata": meta("released"), "spec": {}},
        ["released", "", "3d"],
        id="a released lease",
    ),
    pytest.param(
        "discovery.k8s.io",
        "EndpointSlice",
        {
            "metadata": meta("web-x7k2p"),
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.1.5"]}, {"addresses": ["10.244.2.7"]}],
        },
        ["web-x7k2p", "IPv4", "8080", "10.244.1.5,10.244.2.7", "3d"],
        id="an endpoint slice",
    ),
    pytest.param(
        "discovery.k8s.io",
        "EndpointSlice",
        {
            "metadata": meta("big"),
            "addressType": "IPv4",
            "ports": [{"name": "a", "port": 1}, {"name": "named"}, {}, {"port": 4}],
            "endpoints": [{"addresses": ["10.0.0.1", "10.0.0.2"]}, {"addresses": ["10.0.0.3", "10.0.0.4"]}],
        },
        ["big", "IPv4", "1,named,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "3d"],
        id="an endpoint slice past three ports and addresses",
    ),
    pytest.param(
        "discovery.k8s.io",
        "EndpointSlice",
        {"metadata": meta("empty"), "addressType": "IPv6", "endpoints": None},
        ["empty", "IPv6", "<unset>", "<unset>", "3d"],
        id="an empty endpoint slice",
    ),
    pytest.param(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        {
            "metadata": meta("csr-8k2lp"),
            "spec": {
                "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                "username": "system:node:node-1",
                "expirationSeconds": 86400,
            },
            "status": {
                "conditions": [{"type": "Approved", "status": "True"}],
                "certificate": "LS0tLS1CRUdJTg==",
            },
        },
        [
            "csr-8k2lp",
            "3d",
            "kubernetes.io/kube-apiserver-client-kubelet",
            "system:node:node-1",
            "24h",
            "Approved,Issued",
        ],
        id="an approved and issued CSR",
    ),
    pytest.param(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        {"metadata": meta("csr-new"), "spec": {"username": "jane"}},
        ["csr-new", "3d", "<none>", "jane", "<none>", "Pending"],
        id="a pending CSR",
    ),
    pytest.param(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        {
            "metadata": meta("csr-no"),
            "spec": {"signerName": "example.com/signer", "username": "bob"},
            "status": {"conditions": [{"type": "Approved"}, {"type": "Denied"}, {"type": "Failed"}]},
        },
        ["csr-no", "3d", "example.com/signer", "bob", "<none>", "Denied,Failed"],
        id="a denied CSR takes precedence over approval",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        {
            "metadata": meta("policy-webhook"),
            "webhooks": [{"name": "a.example.com"}, {"name": "b.example.com"}],
        },
        ["policy-webhook", 2, "3d"],
        id="a validating webhook configuration counts its webhooks",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        {"metadata": meta("inject")},
        ["inject", 0, "3d"],
        id="a mutating webhook configuration without webhooks",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        {
            "metadata": meta("replica-limit"),
            "spec": {
                "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
                "validations": [{"expression": "object.spec.replicas <= 5"}],
            },
        },
        ["replica-limit", 1, "v1/ConfigMap", "3d"],
        id="a validating admission policy with a param kind",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        {
            "metadata": meta("replica-limit-prod"),
            "spec": {"policyName": "replica-limit", "paramRef": {"name": "limits", "namespace": "prod"}},
        },
        ["replica-limit-prod", "replica-limit", "prod/limits", "3d"],
        id="a policy binding with a namespaced param",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        {"metadata": meta("b"), "spec": {"policyName": "p", "paramRef": {"name": "limits"}}},
        ["b", "p", "*/limits", "3d"],
        id="a policy binding with a param in every namespace",
    ),
    pytest.param(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        {
            "metadata": meta("b"),
            "spec": {
                "policyName": "p",
                "paramRef": {
                    "selector": {
                        "matchLabels": {"tier": "gold", "env": "prod"},
                        "matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]}],
                    }
                },
            },
        },
        [
            "b",
            "p",
            "&LabelSelector{MatchLabels:map[string]string{env: prod,tier: gold,},"
            "MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:team,Operator:In,"
            "Values:[a b],},},}",
            "3d",
        ],
        id="a policy binding with a param selector shows it in Go struct syntax",
    ),
    pytest.param(
        "policy",
        "PodDisruptionBudget",
        {"metadata": meta("web-pdb"), "spec": {"minAvailable": 2}, "status": {"disruptionsAllowed": 1}},
        ["web-pdb", "2", "N/A", 1, "3d"],
        id="a pod disruption budget with a minimum",
    ),
    pytest.param(
        "policy",
        "PodDisruptionBudget",
        {"metadata": meta("zk-pdb"), "spec": {"maxUnavailable": "25%"}, "status": {}},
        ["zk-pdb", "N/A", "25%", 0, "3d"],
        id="a pod disruption budget with a percentage",
    ),
]


@pytest.mark.parametrize(("group", "kind", "obj", "expected"), CASES)
def test_rows(group: str, kind: str, obj: dict[str, Any], expected: list[Cell]) -> None:
    printer = printer_for(group, kind)
    cells = printer.cells(obj, NOW)
    assert len(cells) == len(printer.columns)
    assert cells == expected
