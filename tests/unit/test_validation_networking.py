"""Ingresses, IngressClasses and NetworkPolicies (networking/validation, 1.32)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import DELETE, create_message, patched, stored, update_message
from tests.unit.test_validation_names import SUBDOMAIN

INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "10m"},
    },
    "spec": {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": "www.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web-svc", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
        "tls": [{"hosts": ["www.example.com"], "secretName": "www-tls"}],
    },
}
PATH0 = "spec.rules[0].http.paths[0]"

INGRESS_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's Ingress is valid", {}, None),
    ("wildcard hosts are valid", {"spec.rules[0].host": "*.example.com"}, None),
    (
        "rules or a default backend",
        {"spec.rules": DELETE},
        'Ingress.networking.k8s.io "web" is invalid: spec: Invalid value: []networking.IngressRule(nil): either '
        "`defaultBackend` or `rules` must be specified",
    ),
    (
        "hosts are DNS names",
        {"spec.rules[0].host": "10.0.0.1"},
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
    ),
    (
        "a wildcard covers exactly one label",
        {"spec.rules[0].host": "*.*.example.com"},
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].host: Invalid value: "*.*.example.com": a wildcard '
        "DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case "
        "alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used "
        "for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ),
    (
        "paths have a pathType",
        {f"{PATH0}.pathType": DELETE},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.pathType: Required value: pathType must be specified',
    ),
    (
        "pathTypes are Exact, Prefix or ImplementationSpecific",
        {f"{PATH0}.pathType": "Regex"},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.pathType: Unsupported value: "Regex": supported values: '
        '"Exact", "ImplementationSpecific", "Prefix"',
    ),
    (
        "Prefix paths are absolute",
        {f"{PATH0}.path": "api"},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.path: Invalid value: "api": must be an absolute path',
    ),
    (
        "paths have no dot segments",
        {f"{PATH0}.path": "/a/../b"},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.path: Invalid value: "/a/../b": must not contain \'/../\'',
    ),
    (
        "ImplementationSpecific paths may be empty",
        {f"{PATH0}.pathType": "ImplementationSpecific", f"{PATH0}.path": DELETE},
        None,
    ),
    (
        "backends name a service",
        {f"{PATH0}.backend": {}},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.backend: Invalid value: "": resource or service backend is required',
    ),
    (
        "service backends have a port",
        {f"{PATH0}.backend.service.port": {}},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.backend: Required value: port name or number is required',
    ),
    (
        "but not a name and a number",
        {f"{PATH0}.backend.service.port": {"name": "http", "number": 80}},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.backend: Invalid value: "": cannot set both port name & port number',
    ),
    (
        "backend services have service names",
        {f"{PATH0}.backend.service.name": "Web"},
        f'Ingress.networking.k8s.io "web" is invalid: {PATH0}.backend.service.name: Invalid value: "Web": a DNS-1035 label',
    ),
    (
        "TLS secret names are DNS subdomains",
        {"spec.tls[0].secretName": "WWW"},
        f'Ingress.networking.k8s.io "web" is invalid: spec.tls[0].secretName: Invalid value: "WWW": {SUBDOMAIN}',
    ),
    (
        "the class annotation agrees with ingressClassName",
        {"metadata.annotations": {"kubernetes.io/ingress.class": "traefik"}},
        'Ingress.networking.k8s.io "web" is invalid: annotations.kubernetes.io/ingress.class: Invalid value: '
        '"traefik": must match `ingressClassName` when both are specified',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in INGRESS_CASES], ids=[c[0] for c in INGRESS_CASES]
)
def test_ingress_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(INGRESS, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj).startswith(expected), create_message(obj)


def test_invalid_stored_tls_secret_names_keep_validating_on_update() -> None:
    old = stored(patched(INGRESS, {"spec.tls[0].secretName": "WWW"}))
    assert validate_update(patched(old, {"metadata.labels": {"a": "b"}}), old) == []


NETWORK_POLICY: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "allow-frontend", "namespace": "prod"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [{"namespaceSelector": {"matchLabels": {"role": "frontend"}}}],
                "ports": [{"protocol": "TCP", "port": 8080}],
            }
        ],
        "egress": [
            {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"protocol": "TCP", "port": 5432}]}
        ],
    },
}

POLICY_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's NetworkPolicy is valid", {}, None),
    ("an empty pod selector selects every pod", {"spec.podSelector": {}}, None),
    (
        "port protocols",
        {"spec.ingress[0].ports[0].protocol": "ICMP"},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.ingress[0].ports[0].protocol: Unsupported '
        'value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    ),
    (
        "endPort is not below port",
        {"spec.ingress[0].ports[0].endPort": 8000},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: '
        "8080: must be greater than or equal to `port`",
    ),
    (
        "endPort needs a numeric port",
        {"spec.ingress[0].ports[0].port": "http", "spec.ingress[0].ports[0].endPort": 9000},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: '
        "9000: may not be specified when `port` is non-numeric",
    ),
    (
        "peers are not empty",
        {"spec.ingress[0].from[0]": {}},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.ingress[0].from[0]: Required value: must specify a peer',
    ),
    (
        "an ipBlock stands alone",
        {"spec.egress[0].to[0].podSelector": {}},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.egress[0].to[0]: Forbidden: may not specify '
        "both ipBlock and another peer",
    ),
    (
        "CIDRs are CIDRs",
        {"spec.egress[0].to[0].ipBlock.cidr": "10.0.0.0/33"},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.egress[0].to[0].ipBlock.cidr: Invalid value: '
        '"10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ),
    (
        "except ranges lie strictly inside the cidr",
        {"spec.egress[0].to[0].ipBlock.except": ["10.1.0.0/16", "192.168.0.0/24", "10.0.0.0/8"]},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: [spec.egress[0].to[0].ipBlock.except[1]: Invalid '
        'value: "192.168.0.0/24": must be a strict subset of `cidr`, spec.egress[0].to[0].ipBlock.except[2]: Invalid '
        'value: "10.0.0.0/8": must be a strict subset of `cidr`]',
    ),
    (
        "policy types are Ingress and Egress",
        {"spec.policyTypes": ["Ingress", "Both"]},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.policyTypes[1]: Unsupported value: "Both": '
        'supported values: "Ingress", "Egress"',
    ),
    (
        "at most two policy types",
        {"spec.policyTypes": ["Ingress", "Egress", "Ingress"]},
        'NetworkPolicy.networking.k8s.io "allow-frontend" is invalid: spec.policyTypes: Invalid value: '
        '[]networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in POLICY_CASES], ids=[c[0] for c in POLICY_CASES]
)
def test_network_policy_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(NETWORK_POLICY, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


INGRESS_CLASS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "IngressClass",
    "metadata": {"name": "nginx"},
    "spec": {"controller": "k8s.io/ingress-nginx"},
}


def test_ingress_classes() -> None:
    assert validate_create(INGRESS_CLASS) == []
    assert create_message(patched(INGRESS_CLASS, {"spec.controller": "nginx"})) == (
        'IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Invalid value: "nginx": must be a '
        'domain-prefixed path (such as "acme.io/foo")'
    )
    old = stored(INGRESS_CLASS)
    assert update_message(patched(old, {"spec.controller": "example.com/other"}), old) == (
        'IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Invalid value: "example.com/other": field is immutable'
    )
