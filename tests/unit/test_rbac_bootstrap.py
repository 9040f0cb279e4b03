"""The bootstrap policy data, its reconciliation (union mode, as kube-apiserver runs it at start) and
ClusterRole aggregation."""

from __future__ import annotations

from typing import Any

from pinnace.apiserver.rbac.aggregation import aggregated_rules
from pinnace.apiserver.rbac.bootstrap import load_policy
from pinnace.apiserver.rbac.reconciliation import Operation, reconcile_binding, reconcile_cluster_role

Object = dict[str, Any]


def by_name(items: tuple[Object, ...]) -> dict[str, Object]:
    return {item["metadata"]["name"]: item for item in items}


def test_the_policy_has_upstreams_roles_and_bindings() -> None:
    policy = load_policy()
    roles, bindings = by_name(policy.cluster_roles), by_name(policy.cluster_role_bindings)
    for name in (
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:discovery",
        "system:basic-user",
        "system:public-info-viewer",
        "system:kube-controller-manager",
        "system:kube-scheduler",
        "system:node",
        "system:node-proxier",
        "system:controller:deployment-controller",
    ):
        assert name in roles, name
        assert roles[name]["metadata"]["annotations"] == {
            "rbac.authorization.kubernetes.io/autoupdate": "true"
        }
    assert roles["view"]["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
    }
    assert "rules" not in roles["view"]
    subjects = {name: [(s["kind"], s["name"]) for s in b.get("subjects", [])] for name, b in bindings.items()}
    assert subjects["cluster-admin"] == [("Group", "system:masters")]
    assert subjects["system:kube-controller-manager"] == [("User", "system:kube-controller-manager")]
    assert subjects["system:kube-scheduler"] == [("User", "system:kube-scheduler")]
    assert subjects["system:discovery"] == [("Group", "system:authenticated")]
    assert subjects["system:basic-user"] == [("Group", "system:authenticated")]
    assert subjects["system:public-info-viewer"] == [
        ("Group", "system:authenticated"),
        ("Group", "system:unauthenticated"),
    ]
    assert subjects["system:controller:deployment-controller"] == [
        ("ServiceAccount", "deployment-controller")
    ]
    # Pinnace's controller manager runs every controller as one user: it holds what they hold together.
    assert subjects["pinnace:controller-manager"] == [("User", "system:kube-controller-manager")]
    assert not any(name.startswith("system:openshift:") for name in (*roles, *bindings))


EXPECTED_ROLE = {
    "metadata": {
        "name": "r",
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
    },
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
}


def test_a_missing_role_is_created() -> None:
    result = reconcile_cluster_role(None, EXPECTED_ROLE)
    assert result.operation is Operation.CREATE
    assert result.obj == EXPECTED_ROLE


def test_an_existing_role_gains_missing_rules_and_metadata_but_keeps_its_own() -> None:
    existing = {
        "metadata": {"name": "r", "labels": {"kubernetes.io/bootstrapping": "mine", "team": "a"}},
        "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
            {"verbs": ["get"], "nonResourceURLs": ["/x"]},
        ],
    }
    result = reconcile_cluster_role(existing, EXPECTED_ROLE)
    assert result.operation is Operation.UPDATE
    assert result.obj["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "mine", "team": "a"}
    assert result.obj["metadata"]["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    assert result.obj["rules"] == [
        *existing["rules"],
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
    ]


def test_an_up_to_date_role_is_left_alone_and_autoupdate_false_protects() -> None:
    assert reconcile_cluster_role(EXPECTED_ROLE, EXPECTED_ROLE).operation is Operation.NONE
    protected = {
        "metadata": {"name": "r", "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "false"}},
        "rules": [],
    }
    assert reconcile_cluster_role(protected, EXPECTED_ROLE).protected


def test_aggregation_selectors_are_added_and_removed_as_the_policy_says() -> None:
    selector = {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}
    expected = {"metadata": {"name": "view"}, "aggregationRule": {"clusterRoleSelectors": [selector]}}
    existing = {
        "metadata": {"name": "view"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
    }
    result = reconcile_cluster_role(existing, expected)
    assert result.obj["aggregationRule"]["clusterRoleSelectors"] == [{"matchLabels": {"a": "b"}}, selector]
    result = reconcile_cluster_role(existing, {"metadata": {"name": "view"}})
    assert result.operation is Operation.UPDATE and "aggregationRule" not in result.obj


def test_bindings_gain_missing_subjects_and_are_recreated_for_another_role() -> None:
    expected = {
        "metadata": {"name": "b"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}
        ],
    }
    # A subject without its defaulted apiGroup is the same subject.
    same = {**expected, "subjects": [{"kind": "Group", "name": "system:authenticated"}]}
    assert reconcile_binding(same, expected).operation is Operation.NONE
    other = {**expected, "subjects": [{"kind": "User", "name": "alice"}]}
    result = reconcile_binding(other, expected)
    assert result.operation is Operation.UPDATE
    assert result.obj["subjects"] == [{"kind": "User", "name": "alice"}, *expected["subjects"]]
    moved = {**expected, "roleRef": {**expected["roleRef"], "name": "edit"}}
    assert reconcile_binding(moved, expected).operation is Operation.RECREATE


def cluster_role(name: str, labels: dict[str, str], rules: list[Object], aggregate: str = "") -> Object:
    role: Object = {"metadata": {"name": name, "labels": labels}, "rules": rules}
    if aggregate:
        role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {aggregate: "true"}}]}
    return role


def test_aggregation_gathers_rules_by_selector_and_name_once_each() -> None:
    pods = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    secrets = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": []}
    roles = {
        "view": cluster_role("view", {}, [], aggregate="to-view"),
        "b-part": cluster_role("b-part", {"to-view": "true"}, [secrets, pods]),
        "a-part": cluster_role("a-part", {"to-view": "true"}, [pods]),
        "other": cluster_role("other", {"to-view": "false"}, [{"verbs": ["*"]}]),
    }
    # Name order (a-part first), each rule once, empty lists as absent (upstream's semantic equality).
    assert aggregated_rules(roles["view"], roles) == [
        pods,
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
    ]
    assert aggregated_rules(roles["a-part"], roles) is None


def test_the_bootstrap_aggregated_roles_fill_from_their_parts() -> None:
    roles = by_name(load_policy().cluster_roles)
    view = aggregated_rules(roles["view"], roles)
    edit = aggregated_rules(roles["edit"], roles)
    assert view is not None and edit is not None
    assert {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]} in view
    # edit aggregates view's parts only through view's rules, which the policy leaves empty until aggregated.
    assert any("secrets" in rule.get("resources", []) for rule in edit)
