"""Defaults of ``rbac.authorization.k8s.io/v1``: RoleBinding and ClusterRoleBinding.

Reproduces ``kubernetes/pkg/apis/rbac/v1/defaults.go``: a binding's ``roleRef.apiGroup`` defaults to the RBAC
group; a subject's ``apiGroup`` to the RBAC group for User and Group and to ``""`` (core) for ServiceAccount.
Role and ClusterRole have no defaults.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_zero, ensure_child, items
from pinnace.api.gvk import GroupVersionKind

GROUP_NAME = "rbac.authorization.k8s.io"


def default_binding(binding: Obj) -> None:
    default_zero(ensure_child(binding, "roleRef"), "apiGroup", GROUP_NAME)
    for subject in items(binding, "subjects"):
        # ServiceAccount subjects default to "" (the core group), which Go omits on the wire (omitempty):
        # nothing to write for them.
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = GROUP_NAME


DEFAULTERS = {
    GroupVersionKind(GROUP_NAME, "v1", "RoleBinding"): default_binding,
    GroupVersionKind(GROUP_NAME, "v1", "ClusterRoleBinding"): default_binding,
}
