"""Services, ConfigMaps, Secrets, Namespaces, PersistentVolumeClaims and Nodes (core/validation)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import (
    DELETE,
    create_message,
    patched,
    service,
    stored,
    update_message,
)
from tests.unit.test_validation_names import DNS1035

SVC = service()
DUPLICATE_PORT = (
    'core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, '
    'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
)

SERVICE_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "service names are RFC 1035 labels",
        {"metadata.name": "1web"},
        f'Service "1web" is invalid: metadata.name: Invalid value: "1web": {DNS1035}',
    ),
    ("services need ports", {"spec.ports": []}, 'Service "web-svc" is invalid: spec.ports: Required value'),
    ("headless services need none", {"spec.ports": [], "spec.clusterIP": "None"}, None),
    (
        "ExternalName services need none",
        {"spec.ports": DELETE, "spec.type": "ExternalName", "spec.externalName": "db.example.com."},
        None,
    ),
    (
        "ExternalName services need an externalName",
        {"spec.type": "ExternalName"},
        'Service "web-svc" is invalid: spec.externalName: Required value',
    ),
    (
        "several ports need names",
        {"spec.ports": [{"port": 80}, {"port": 443}]},
        'Service "web-svc" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]',
    ),
    (
        "port names are unique",
        {"spec.ports": [{"name": "http", "port": 80}, {"name": "http", "port": 8080}]},
        'Service "web-svc" is invalid: spec.ports[1].name: Duplicate value: "http"',
    ),
    (
        "ports are 1 to 65535",
        {"spec.ports[0].port": 0},
        'Service "web-svc" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ),
    (
        "protocols",
        {"spec.ports[0].protocol": "TPC"},
        'Service "web-svc" is invalid: spec.ports[0].protocol: Unsupported value: "TPC": supported values: "SCTP", "TCP", "UDP"',
    ),
    (
        "target ports are numbers or IANA names",
        {"spec.ports[0].targetPort": "web_http"},
        'Service "web-svc" is invalid: spec.ports[0].targetPort: Invalid value: "web_http": must contain only '
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
    ),
    (
        "protocol and port pairs are unique",
        {"spec.ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]},
        f'Service "web-svc" is invalid: spec.ports[1]: Duplicate value: {DUPLICATE_PORT}',
    ),
    (
        "types",
        {"spec.type": "Internal"},
        'Service "web-svc" is invalid: spec.type: Unsupported value: "Internal": supported values: "ClusterIP", '
        '"ExternalName", "LoadBalancer", "NodePort"',
    ),
    (
        "ClusterIP services have no node ports",
        {"spec.ports[0].nodePort": 30080},
        "Service \"web-svc\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ),
    ("NodePort services may pick one", {"spec.type": "NodePort", "spec.ports[0].nodePort": 30080}, None),
    (
        "cluster IPs are IP addresses",
        {"spec.clusterIP": "10.96.0.300"},
        'Service "web-svc" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, '
        "(e.g. 10.9.8.7 or 2001:db8::ffff)",
    ),
    (
        "LoadBalancers are not headless",
        {"spec.type": "LoadBalancer", "spec.clusterIP": "None"},
        'Service "web-svc" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for '
        "LoadBalancer services",
    ),
    (
        "selectors are labels",
        {"spec.selector": {"app": "web app"}},
        'Service "web-svc" is invalid: spec.selector: Invalid value: "web app": a valid label must be an empty string',
    ),
    (
        "session affinity",
        {"spec.sessionAffinity": "Cookie"},
        'Service "web-svc" is invalid: spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"',
    ),
    (
        "externalTrafficPolicy only for reachable services",
        {"spec.externalTrafficPolicy": "Local"},
        'Service "web-svc" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
        "externally-accessible services",
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in SERVICE_CASES], ids=[c[0] for c in SERVICE_CASES]
)
def test_service_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(SVC, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj).startswith(expected), create_message(obj)


ALLOCATED = stored(
    patched(
        SVC, {"spec.clusterIP": "10.96.0.10", "spec.clusterIPs": ["10.96.0.10"], "spec.ipFamilies": ["IPv4"]}
    )
)


def test_a_service_update_may_omit_its_allocated_cluster_ip() -> None:
    assert validate_update(stored(SVC), ALLOCATED) == []


def test_cluster_ips_never_change() -> None:
    new = patched(ALLOCATED, {"spec.clusterIP": "10.96.0.11", "spec.clusterIPs": ["10.96.0.11"]})
    assert update_message(new, ALLOCATED) == (
        'Service "web-svc" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    )


CONFIG_MAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "app-config", "namespace": "default"},
    "data": {"LOG_LEVEL": "info"},
}


def test_config_map_keys() -> None:
    assert create_message(patched(CONFIG_MAP, {"data": {"a/b": "x"}})) == (
        'ConfigMap "app-config" is invalid: data[a/b]: Invalid value: "a/b": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
        "validation is '[-._a-zA-Z0-9]+')"
    )
    both = patched(CONFIG_MAP, {"binaryData": {"LOG_LEVEL": base64.b64encode(b"x").decode()}})
    assert create_message(both) == (
        'ConfigMap "app-config" is invalid: data[LOG_LEVEL]: Invalid value: "LOG_LEVEL": duplicate of key present in binaryData'
    )


def test_config_maps_hold_at_most_one_mebibyte() -> None:
    big = patched(CONFIG_MAP, {"data": {"a": "x" * (512 * 1024), "b": "y" * (512 * 1024 + 1)}})
    # Upstream reports this at field.NewPath(""), which prints as "[]".
    assert (
        create_message(big)
        == 'ConfigMap "app-config" is invalid: []: Too long: may not be more than 1048576 bytes'
    )


def test_immutable_config_maps_keep_their_data() -> None:
    old = stored(patched(CONFIG_MAP, {"immutable": True}))
    assert update_message(patched(old, {"data.LOG_LEVEL": "debug"}), old) == (
        'ConfigMap "app-config" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    assert update_message(patched(old, {"immutable": False}), old) == (
        'ConfigMap "app-config" is invalid: immutable: Forbidden: field is immutable when `immutable` is set'
    )
    assert validate_update(patched(old, {"metadata.labels": {"team": "a"}}), old) == []


SECRET: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "app-secret", "namespace": "default"},
    "type": "Opaque",
    "stringData": {"DB_PASSWORD": "s3cr3t"},
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, None, id="stringData is merged into data"),
        pytest.param(
            {"stringData": {"db password": "x"}},
            'Secret "app-secret" is invalid: data[db password]: Invalid value: "db password": a valid config key',
            id="stringData keys are config keys too",
        ),
        pytest.param(
            {"data": {"token": "abc!"}},
            'Secret "app-secret" is invalid: data[token]: Invalid value: "<secret contents redacted>": illegal base64 '
            "data at input byte 3",
            id="data is base64 (upstream fails to decode it with this message)",
        ),
        pytest.param(
            {"type": "kubernetes.io/tls"},
            'Secret "app-secret" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
            id="TLS secrets need a certificate and a key",
        ),
        pytest.param(
            {"type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "{"}},
            'Secret "app-secret" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ',
            id="docker config secrets hold JSON",
        ),
        pytest.param(
            {"stringData": {"big": "x" * (1024 * 1024 + 1)}},
            'Secret "app-secret" is invalid: data: Too long: may not be more than 1048576 bytes',
            id="secrets hold at most one mebibyte",
        ),
    ],
)
def test_secret_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(SECRET, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj).startswith(expected), create_message(obj)


def test_secret_type_is_immutable() -> None:
    old = stored(patched(SECRET, {"type": DELETE}))
    assert validate_update(patched(old, {"type": "Opaque"}), old) == []
    new = patched(old, {"type": "kubernetes.io/basic-auth", "stringData": {"username": "u"}})
    assert (
        update_message(new, old)
        == 'Secret "app-secret" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable'
    )


def test_namespace_spec_finalizers() -> None:
    ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "restricted-ns"},
        "spec": {"finalizers": ["kubernetes"]},
    }
    assert validate_create(ns) == []
    assert create_message(patched(ns, {"spec.finalizers": ["cleanup"]})) == (
        'Namespace "restricted-ns" is invalid: spec.finalizers: Invalid value: "cleanup": name is neither a standard '
        "finalizer name nor is it fully qualified"
    )


PVC: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "data-pg-0", "namespace": "default"},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}},
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"spec.accessModes": DELETE, "spec.resources": DELETE},
            'PersistentVolumeClaim "data-pg-0" is invalid: [spec.accessModes: Required value: at least 1 access mode '
            "is required, spec.resources[storage]: Required value]",
            id="claims need an access mode and a size",
        ),
        pytest.param(
            {"spec.accessModes": ["ReadWriteAll"]},
            'PersistentVolumeClaim "data-pg-0" is invalid: spec.accessModes: Unsupported value: "ReadWriteAll": '
            'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
            id="access modes",
        ),
        pytest.param(
            {"spec.resources.requests.storage": "0"},
            'PersistentVolumeClaim "data-pg-0" is invalid: spec.resources[storage]: Invalid value: "0": must be greater than zero',
            id="sizes are positive",
        ),
    ],
)
def test_persistent_volume_claims(changes: dict[str, Any], expected: str) -> None:
    assert validate_create(PVC) == []
    assert create_message(patched(PVC, changes)) == expected


def test_a_bound_claim_may_only_grow() -> None:
    old = stored(patched(PVC, {"spec.volumeName": "pv-1", "status": {"phase": "Bound"}}))
    assert validate_update(patched(old, {"spec.resources.requests.storage": "200Gi"}), old) == []
    smaller = patched(old, {"spec.resources.requests.storage": "50Gi"})
    assert update_message(smaller, old) == (
        'PersistentVolumeClaim "data-pg-0" is invalid: spec.resources.requests.storage: Forbidden: field can not be '
        "less than previous value"
    )


def test_node_taints_are_reported_under_metadata_like_upstream() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "node-a"},
        "spec": {"taints": [{"key": "workload", "value": "batch"}]},
    }
    assert create_message(node) == 'Node "node-a" is invalid: metadata.taints[0].effect: Required value'
