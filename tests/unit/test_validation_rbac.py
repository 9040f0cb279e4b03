"""RBAC (rbac/validation), PriorityClasses (scheduling/validation) and Leases (coordination/validation)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from tests.unit.test_validation_builders import DELETE, create_message, patched, stored, update_message

ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "read-pods", "namespace": "dev"},
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
}
ROLE_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's Role is valid", {}, None),
    ("RBAC names only need to be path segments", {"metadata.name": "system:Read_Pods"}, None),
    (
        "but still no slashes",
        {"metadata.name": "read/pods"},
        'Role.rbac.authorization.k8s.io "read/pods" is invalid: metadata.name: Invalid value: "read/pods": may not contain \'/\'',
    ),
    (
        "rules need verbs",
        {"rules[0].verbs": []},
        'Role.rbac.authorization.k8s.io "read-pods" is invalid: rules[0].verbs: Required value: verbs must contain at least one value',
    ),
    (
        "resource rules need API groups and resources",
        {"rules[0].apiGroups": DELETE, "rules[0].resources": DELETE},
        'Role.rbac.authorization.k8s.io "read-pods" is invalid: [rules[0].apiGroups: Required value: resource rules must '
        "supply at least one api group, rules[0].resources: Required value: resource rules must supply at least one resource]",
    ),
    (
        "namespaced rules have no non-resource URLs",
        {"rules[0]": {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}},
        'Role.rbac.authorization.k8s.io "read-pods" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: '
        "namespaced rules cannot apply to non-resource URLs",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in ROLE_CASES], ids=[c[0] for c in ROLE_CASES])
def test_role_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(ROLE, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_cluster_roles_may_grant_non_resource_urls_but_not_with_resources() -> None:
    cluster_role = patched(
        ROLE,
        {
            "kind": "ClusterRole",
            "metadata.namespace": DELETE,
            "rules[0]": {"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
        },
    )
    assert validate_create(cluster_role) == []
    mixed = patched(cluster_role, {"rules[0].resources": ["pods"]})
    assert create_message(mixed) == (
        'ClusterRole.rbac.authorization.k8s.io "read-pods" is invalid: rules[0].nonResourceURLs: Invalid value: '
        '[]string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs'
    )


BINDING: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "read-pods-binding", "namespace": "dev"},
    "subjects": [{"kind": "User", "name": "alice"}],
    "roleRef": {"kind": "Role", "name": "read-pods", "apiGroup": "rbac.authorization.k8s.io"},
}
BINDING_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's RoleBinding is valid (the subject's apiGroup is defaulted)", {}, None),
    (
        "service account subjects live in the core group",
        {"subjects[0]": {"kind": "ServiceAccount", "name": "default"}},
        None,
    ),
    (
        "roleRef kinds",
        {"roleRef.kind": "Group"},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: roleRef.kind: Unsupported value: "Group": '
        'supported values: "Role", "ClusterRole"',
    ),
    (
        "roleRef needs the RBAC group",
        {"roleRef.apiGroup": DELETE},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: roleRef.apiGroup: Unsupported value: "": '
        'supported values: "rbac.authorization.k8s.io"',
    ),
    (
        "roleRef needs a name",
        {"roleRef.name": ""},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: roleRef.name: Required value',
    ),
    (
        "subject kinds",
        {"subjects[0].kind": "Team"},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: subjects[0].kind: Unsupported value: "Team": '
        'supported values: "ServiceAccount", "User", "Group"',
    ),
    (
        "user subjects are in the RBAC group",
        {"subjects[0].apiGroup": "v1"},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: subjects[0].apiGroup: Unsupported value: '
        '"v1": supported values: "rbac.authorization.k8s.io"',
    ),
    (
        "subjects have names",
        {"subjects[0].name": DELETE},
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: subjects[0].name: Required value',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in BINDING_CASES], ids=[c[0] for c in BINDING_CASES]
)
def test_role_binding_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(BINDING, changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_cluster_role_bindings_bind_cluster_roles_and_namespaced_service_accounts() -> None:
    crb = patched(
        BINDING,
        {
            "kind": "ClusterRoleBinding",
            "metadata.namespace": DELETE,
            "roleRef.kind": "Role",
            "subjects[0]": {"kind": "ServiceAccount", "name": "ci"},
        },
    )
    assert create_message(crb) == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: [roleRef.kind: Unsupported value: '
        '"Role": supported values: "ClusterRole", subjects[0].namespace: Required value]'
    )


def test_role_refs_never_change() -> None:
    old = stored(BINDING)
    assert validate_update(patched(old, {"subjects[1]": {"kind": "Group", "name": "devs"}}), old) == []
    assert update_message(patched(old, {"roleRef.name": "edit"}), old) == (
        'RoleBinding.rbac.authorization.k8s.io "read-pods-binding" is invalid: roleRef: Invalid value: rbac.RoleRef{'
        'APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"edit"}: cannot change roleRef'
    )


PRIORITY_CLASS: dict[str, Any] = {
    "apiVersion": "scheduling.k8s.io/v1",
    "kind": "PriorityClass",
    "metadata": {"name": "high-priority"},
    "value": 1000000,
    "globalDefault": False,
}


def test_priority_classes() -> None:
    assert validate_create(PRIORITY_CLASS) == []
    assert create_message(patched(PRIORITY_CLASS, {"value": 2000000000})) == (
        'PriorityClass.scheduling.k8s.io "high-priority" is invalid: value: Forbidden: maximum allowed value of a user '
        "defined priority is 1000000000"
    )
    assert create_message(patched(PRIORITY_CLASS, {"metadata.name": "system-high"})) == (
        'PriorityClass.scheduling.k8s.io "system-high" is invalid: metadata.name: Forbidden: priority class names with '
        "'system-' prefix are reserved for system use only. error: system-high is not a known system priority class"
    )
    old = stored(PRIORITY_CLASS)
    assert update_message(patched(old, {"value": 5}), old) == (
        'PriorityClass.scheduling.k8s.io "high-priority" is invalid: value: Forbidden: may not be changed in an update.'
    )


def test_leases() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-a", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 40},
    }
    assert validate_create(lease) == []
    assert create_message(patched(lease, {"spec.leaseDurationSeconds": 0})) == (
        'Lease.coordination.k8s.io "node-a" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'
    )
