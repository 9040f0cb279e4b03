#!/usr/bin/env python3
"""Generate ``pinnace/apiserver/rbac/data/bootstrap-policy.json``: the ClusterRoles and ClusterRoleBindings
that every cluster starts with (upstream ``plugin/pkg/auth/authorizer/rbac/bootstrappolicy``).

Upstream writes its bootstrap policy as Go and checks it against golden files in the package's
``testdata/``. This reads those golden files, so nothing in Pinnace is typed by hand:

- ``cluster-roles.yaml`` and ``cluster-role-bindings.yaml``: the roles (cluster-admin, admin, edit, view
  with their ``aggregate-to-*`` parts, system:discovery, system:basic-user, system:public-info-viewer,
  system:kube-controller-manager, system:kube-scheduler, system:node, system:node-proxier, ...) and their
  bindings;
- ``controller-roles.yaml``: the ``system:controller:*`` role of each controller. Their bindings are made
  as upstream's ``ControllerRoleBindings()`` makes them: each role bound to the ServiceAccount of the
  same name (without ``system:controller:``) in kube-system.

Pinnace's controller manager runs every controller as one user, ``system:kube-controller-manager``
(upstream's ``--use-service-account-credentials=false``), so the output adds one ClusterRole,
``pinnace:controller-manager``, holding the rules of all controller roles (duplicates dropped) and those
of Pinnace's own controllers (``PINNACE_CONTROLLER_RULES``), bound to that user. The generator strips
``creationTimestamp: null`` and ``rules: null``, and drops any role or binding named ``system:openshift:*``
(a fork's additions, should the files come from one).

    python hack/gen_bootstrap_policy.py --testdata DIR [--check]

DIR holds the three files. The current package data came from the stored copies of
kubernetes/kubernetes (cluster-roles.yaml at 025f2834a128, controller-roles.yaml at 008b3652959c) and of
openshift/kubernetes (cluster-role-bindings.yaml at 95e062fd30e8, whose upstream items match 1.32's);
the full repository was too large to fetch at the v1.32 tag, so they are the versions the search index
held: see docs/security.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "pinnace" / "apiserver" / "rbac" / "data" / "bootstrap-policy.json"
FILES = ("cluster-roles.yaml", "cluster-role-bindings.yaml", "controller-roles.yaml")
CONTROLLER_PREFIX = "system:controller:"
FORK_PREFIX = "system:openshift:"
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
BOOTSTRAPPING = {"kubernetes.io/bootstrapping": "rbac-defaults"}
PINNACE_CONTROLLER_MANAGER = "pinnace:controller-manager"
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"

Object = dict[str, Any]

# Rules Pinnace's own controllers need beyond upstream's controller roles, added to the manager's role:
# the local-path provisioner creates the default ``local-path`` StorageClass when it is missing.
PINNACE_CONTROLLER_RULES: tuple[Object, ...] = (
    {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["create"]},
)


def _items(path: Path) -> list[Object]:
    document = yaml.safe_load(path.read_text())
    items: list[Object] = []
    for item in document.get("items") or ():
        metadata = item.setdefault("metadata", {})
        if str(metadata.get("name", "")).startswith(FORK_PREFIX):
            continue
        metadata.pop("creationTimestamp", None)
        if item.get("rules", ...) is None:
            del item["rules"]
        items.append(item)
    return items


def _controller_binding(role: Object) -> Object:
    name = role["metadata"]["name"]
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"annotations": dict(AUTOUPDATE), "labels": dict(BOOTSTRAPPING), "name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [
            {"kind": "ServiceAccount", "name": name[len(CONTROLLER_PREFIX) :], "namespace": "kube-system"}
        ],
    }


def _controller_manager(controller_roles: list[Object]) -> tuple[Object, Object]:
    rules: list[Object] = []
    for role in controller_roles:
        for rule in role.get("rules") or ():
            if rule not in rules:
                rules.append(rule)
    for rule in PINNACE_CONTROLLER_RULES:
        if rule not in rules:
            rules.append(dict(rule))
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "annotations": dict(AUTOUPDATE),
            "labels": dict(BOOTSTRAPPING),
            "name": PINNACE_CONTROLLER_MANAGER,
        },
        "rules": rules,
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "annotations": dict(AUTOUPDATE),
            "labels": dict(BOOTSTRAPPING),
            "name": PINNACE_CONTROLLER_MANAGER,
        },
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": PINNACE_CONTROLLER_MANAGER,
        },
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": CONTROLLER_MANAGER_USER}
        ],
    }
    return role, binding


def generate(testdata: Path) -> Object:
    cluster_roles = _items(testdata / "cluster-roles.yaml")
    cluster_role_bindings = _items(testdata / "cluster-role-bindings.yaml")
    controller_roles = _items(testdata / "controller-roles.yaml")
    manager_role, manager_binding = _controller_manager(controller_roles)
    return {
        "clusterRoles": [*cluster_roles, *controller_roles, manager_role],
        "clusterRoleBindings": [
            *cluster_role_bindings,
            *(_controller_binding(role) for role in controller_roles),
            manager_binding,
        ],
    }


def render(policy: Object) -> str:
    return json.dumps(policy, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--testdata", type=Path, required=True, help="upstream bootstrappolicy/testdata")
    parser.add_argument("--check", action="store_true", help="fail if the package data is out of date")
    args = parser.parse_args()
    missing = [name for name in FILES if not (args.testdata / name).exists()]
    if missing:
        raise SystemExit(f"{args.testdata} lacks {', '.join(missing)}")
    text = render(generate(args.testdata))
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT} is out of date; run {Path(__file__).name} without --check", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
