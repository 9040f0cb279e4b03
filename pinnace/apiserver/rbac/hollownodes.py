"""The hollow-nodes identity's role, reconciled with the bootstrap policy.

One hollow-nodes process plays many simulated nodes (KWOK-style), so it cannot be a node to the Node
authorizer, which lets ``system:node:<name>`` touch only its own Node. Like KWOK's ``kwok-controller``
ClusterRole, it runs as its own user, ``system:pinnace:hollow-nodes`` (outside ``system:nodes``), bound to
``pinnace:hollow-nodes``: Nodes and their status, Leases, pods (read, status, deletion once terminated),
Events.
"""

from __future__ import annotations

from typing import Any, Final

USER: Final = "system:pinnace:hollow-nodes"
ROLE: Final = "pinnace:hollow-nodes"

_META: Final = {
    "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
    "name": ROLE,
}

CLUSTER_ROLE: Final[dict[str, Any]] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": _META,
    "rules": [
        {
            "apiGroups": [""],
            "resources": ["nodes"],
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        },
        {"apiGroups": [""], "resources": ["nodes/status"], "verbs": ["patch", "update"]},
        {
            "apiGroups": [""],
            "resources": ["pods"],
            "verbs": ["delete", "get", "list", "patch", "update", "watch"],
        },
        {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch", "update"]},
        {
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        },
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch", "update"]},
    ],
}

CLUSTER_ROLE_BINDING: Final[dict[str, Any]] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRoleBinding",
    "metadata": _META,
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLE},
    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}],
}
