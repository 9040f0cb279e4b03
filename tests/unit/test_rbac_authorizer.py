"""The RBAC authorizer over its index: subjects, bindings, reasons, rules for SelfSubjectRulesReview, and a
table generated from a set of grants that checks every (user, verb, resource, namespace) combination."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from pinnace.apiserver.authz import Attributes, Decision
from pinnace.apiserver.rbac.authorizer import RBACAuthorizer
from pinnace.apiserver.rbac.index import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    ROLE,
    ROLE_BINDING,
    RBACIndex,
)
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]


def role(name: str, rules: list[Object], namespace: str = "") -> Object:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"metadata": metadata, "rules": rules}


def binding(name: str, ref_kind: str, ref_name: str, subjects: list[Object], namespace: str = "") -> Object:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name}
    return {"metadata": metadata, "roleRef": ref, "subjects": subjects}


def user(name: str) -> Object:
    return {"kind": "User", "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def group(name: str) -> Object:
    return {"kind": "Group", "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def service_account(name: str, namespace: str = "") -> Object:
    return {"kind": "ServiceAccount", "name": name, **({"namespace": namespace} if namespace else {})}


def resource_request(
    who: UserInfo, verb: str, resource: str, namespace: str = "", name: str = ""
) -> Attributes:
    return Attributes(
        user=who, verb=verb, path="", resource_request=True, namespace=namespace, resource=resource, name=name
    )


ALICE = UserInfo(name="alice", groups=("system:authenticated",))
BOB = UserInfo(name="bob", groups=("system:authenticated",))
CAROL = UserInfo(name="carol", groups=("ops", "system:authenticated"))
BUILDER = UserInfo(
    name="system:serviceaccount:dev:builder",
    groups=("system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"),
)
PODS_READ = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}


def seeded() -> RBACIndex:
    """The seed's Role and RoleBinding for alice in dev."""
    index = RBACIndex()
    index.reset(ROLE, [role("read-pods", [PODS_READ], "dev")])
    index.reset(ROLE_BINDING, [binding("read-pods-binding", "Role", "read-pods", [user("alice")], "dev")])
    index.reset(CLUSTER_ROLE, [])
    index.reset(CLUSTER_ROLE_BINDING, [])
    return index


async def test_the_seed_role_binding_grants_alice_pods_in_dev_only() -> None:
    authorizer = RBACAuthorizer(seeded())
    allowed = await authorizer.authorize(resource_request(ALICE, "list", "pods", "dev"))
    assert allowed == (
        Decision.ALLOW,
        'RBAC: allowed by RoleBinding "read-pods-binding/dev" of Role "read-pods" to User "alice"',
    )
    # RBAC never denies; it has no opinion, and an empty reason keeps upstream's Forbidden message.
    assert await authorizer.authorize(resource_request(ALICE, "list", "pods", "default")) == (
        Decision.NO_OPINION,
        "",
    )
    assert await authorizer.authorize(resource_request(ALICE, "delete", "pods", "dev", "x")) == (
        Decision.NO_OPINION,
        "",
    )
    assert (await authorizer.authorize(resource_request(BOB, "list", "pods", "dev")))[
        0
    ] is Decision.NO_OPINION


async def test_changes_to_bindings_and_roles_apply_at_once() -> None:
    index = seeded()
    authorizer = RBACAuthorizer(index)
    bound = binding("read-pods-binding", "Role", "read-pods", [user("alice")], "dev")
    index.apply(ROLE_BINDING, True, bound)
    assert (await authorizer.authorize(resource_request(ALICE, "get", "pods", "dev")))[
        0
    ] is Decision.NO_OPINION
    index.apply(ROLE_BINDING, False, {**bound, "subjects": [user("bob")]})
    assert (await authorizer.authorize(resource_request(BOB, "get", "pods", "dev")))[0] is Decision.ALLOW
    index.apply(ROLE, False, role("read-pods", [{**PODS_READ, "verbs": ["get"]}], "dev"))
    assert (await authorizer.authorize(resource_request(BOB, "list", "pods", "dev")))[
        0
    ] is Decision.NO_OPINION


async def test_a_missing_role_is_the_reason_of_a_denial() -> None:
    index = seeded()
    index.apply(CLUSTER_ROLE_BINDING, False, binding("gone", "ClusterRole", "nothing-here", [user("bob")]))
    index.apply(ROLE_BINDING, False, binding("odd", "Secret", "x", [user("bob")], "dev"))
    decision, reason = await RBACAuthorizer(index).authorize(resource_request(BOB, "get", "pods", "dev"))
    assert decision is Decision.NO_OPINION
    assert reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "nothing-here" not found, '
        'unsupported role reference kind: "Secret"]'
    )


@pytest.mark.parametrize(
    ("subject", "binding_namespace", "who", "applies"),
    [
        pytest.param(user("alice"), "dev", ALICE, True, id="a User by name"),
        pytest.param(user("Alice"), "dev", ALICE, False, id="names are case-sensitive"),
        pytest.param(group("ops"), "dev", CAROL, True, id="a Group the user is in"),
        pytest.param(group("ops"), "dev", ALICE, False, id="a Group the user is not in"),
        pytest.param(service_account("builder", "dev"), "dev", BUILDER, True, id="a ServiceAccount"),
        pytest.param(
            service_account("builder"),
            "dev",
            BUILDER,
            True,
            id="a ServiceAccount defaults to the binding's namespace",
        ),
        pytest.param(
            service_account("builder", "prod"), "dev", BUILDER, False, id="another namespace's account"
        ),
        pytest.param(
            user("system:serviceaccount:dev:builder"), "dev", BUILDER, True, id="a User named as the account"
        ),
        pytest.param(
            group("system:serviceaccounts:dev"), "dev", BUILDER, True, id="the namespace's accounts"
        ),
        pytest.param({"kind": "Robot", "name": "alice"}, "dev", ALICE, False, id="an unknown kind"),
    ],
)
async def test_subjects(subject: Object, binding_namespace: str, who: UserInfo, applies: bool) -> None:
    index = seeded()
    index.reset(ROLE_BINDING, [binding("b", "Role", "read-pods", [subject], binding_namespace)])
    decision, _ = await RBACAuthorizer(index).authorize(
        resource_request(who, "get", "pods", binding_namespace)
    )
    assert (decision is Decision.ALLOW) is applies


async def test_a_cluster_role_binding_without_a_service_account_namespace_applies_to_nobody() -> None:
    index = seeded()
    index.apply(CLUSTER_ROLE, False, role("reader", [PODS_READ]))
    index.apply(
        CLUSTER_ROLE_BINDING, False, binding("b", "ClusterRole", "reader", [service_account("builder")])
    )
    decision, _ = await RBACAuthorizer(index).authorize(resource_request(BUILDER, "get", "pods", "dev"))
    assert decision is Decision.NO_OPINION


async def test_rules_for_lists_resource_and_url_rules_and_resolution_errors() -> None:
    index = seeded()
    index.apply(CLUSTER_ROLE, False, role("discovery", [{"nonResourceURLs": ["/api"], "verbs": ["get"]}]))
    index.apply(
        CLUSTER_ROLE_BINDING, False, binding("d", "ClusterRole", "discovery", [group("system:authenticated")])
    )
    index.apply(ROLE_BINDING, False, binding("broken", "Role", "missing", [user("alice")], "dev"))
    rules = await RBACAuthorizer(index).rules_for(ALICE, "dev")
    assert rules.resource_rules == (
        {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]},
    )
    assert rules.non_resource_rules == ({"verbs": ["get"], "nonResourceURLs": ["/api"]},)
    assert rules.errors == ('role.rbac.authorization.k8s.io "missing" not found',)
    assert not rules.incomplete


# --- every combination, generated from a set of grants ------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A grant as a person states it: these subjects may do these verbs on these resources, in this
    namespace (None: everywhere)."""

    subjects: tuple[Object, ...]
    verbs: tuple[str, ...]
    resources: tuple[str, ...]
    namespace: str | None


GRANTS = (
    Grant((user("alice"),), ("get", "list", "watch"), ("pods",), "dev"),
    Grant((service_account("builder"),), ("create", "update", "delete"), ("pods", "configmaps"), "dev"),
    Grant((group("ops"),), ("get", "list"), ("configmaps", "pods"), None),
    Grant((group("ops"),), ("*",), ("secrets",), "prod"),
    Grant((group("system:serviceaccounts:dev"),), ("get",), ("*",), "dev"),
    Grant((user("bob"), group("ops")), ("delete",), ("pods",), "prod"),
)
USERS = (ALICE, BOB, CAROL, BUILDER)
VERBS = ("get", "list", "watch", "create", "update", "delete", "deletecollection")
RESOURCES = ("pods", "configmaps", "secrets", "services")
NAMESPACES = ("dev", "prod", "default", "")


def index_of(grants: tuple[Grant, ...]) -> RBACIndex:
    """Each grant as a role and a binding: a Role and RoleBinding in a namespace, or a ClusterRole and
    ClusterRoleBinding for everywhere; every other grant in a namespace reuses a ClusterRole."""
    roles, cluster_roles, bindings, cluster_bindings = [], [], [], []
    for i, grant in enumerate(grants):
        rule = {"apiGroups": [""], "resources": list(grant.resources), "verbs": list(grant.verbs)}
        if grant.namespace is None:
            cluster_roles.append(role(f"grant-{i}", [rule]))
            cluster_bindings.append(binding(f"grant-{i}", "ClusterRole", f"grant-{i}", list(grant.subjects)))
        elif i % 2:
            cluster_roles.append(role(f"grant-{i}", [rule]))
            bindings.append(
                binding(f"grant-{i}", "ClusterRole", f"grant-{i}", list(grant.subjects), grant.namespace)
            )
        else:
            roles.append(role(f"grant-{i}", [rule], grant.namespace))
            bindings.append(
                binding(f"grant-{i}", "Role", f"grant-{i}", list(grant.subjects), grant.namespace)
            )
    index = RBACIndex()
    index.reset(ROLE, roles)
    index.reset(CLUSTER_ROLE, cluster_roles)
    index.reset(ROLE_BINDING, bindings)
    index.reset(CLUSTER_ROLE_BINDING, cluster_bindings)
    return index


def holds(who: UserInfo, subject: Object, namespace: str | None) -> bool:
    if subject["kind"] == "User":
        return bool(who.name == subject["name"])
    if subject["kind"] == "Group":
        return subject["name"] in who.groups
    account_namespace = subject.get("namespace") or namespace
    return who.name == f"system:serviceaccount:{account_namespace}:{subject['name']}"


def granted(who: UserInfo, verb: str, resource: str, namespace: str) -> bool:
    return any(
        (grant.namespace is None or grant.namespace == namespace)
        and any(holds(who, subject, grant.namespace) for subject in grant.subjects)
        and (verb in grant.verbs or "*" in grant.verbs)
        and (resource in grant.resources or "*" in grant.resources)
        for grant in GRANTS
    )


async def test_every_combination_is_allowed_or_denied_exactly_as_the_grants_say() -> None:
    authorizer = RBACAuthorizer(index_of(GRANTS))
    wrong = []
    combinations = list(itertools.product(USERS, VERBS, RESOURCES, NAMESPACES))
    for who, verb, resource, namespace in combinations:
        decision, _ = await authorizer.authorize(resource_request(who, verb, resource, namespace))
        if (decision is Decision.ALLOW) != granted(who, verb, resource, namespace):
            wrong.append((who.name, verb, resource, namespace or "<cluster>", decision.value))
    assert wrong == []
    # The table is not trivially all-allowed or all-denied.
    allowed = sum(granted(*combination) for combination in combinations)
    assert 0 < allowed < len(combinations) // 2


# --- compiled grants decide as the rules do, one by one ------------------------------------------------


def naive_reason(index: RBACIndex, attributes: Attributes) -> str | None:
    """Upstream's loop: the first visited rule that allows."""
    for visit in index.visit_rules_for(attributes.user, attributes.namespace):
        if visit.rule is not None and visit.rule.allows(attributes):
            return f"RBAC: allowed by {visit.source}"
    return None


async def test_compiled_grants_agree_with_rule_by_rule_matching() -> None:
    rules = [
        {"apiGroups": ["", "apps"], "resources": ["pods", "deployments/scale"], "verbs": ["get", "list"]},
        {"apiGroups": ["*"], "resources": ["*/status"], "verbs": ["update"]},
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cfg", "other"], "verbs": ["*"]},
        {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["watch"]},
    ]
    urls = [
        {"nonResourceURLs": ["/healthz", "/apis/*"], "verbs": ["get"]},
        {"nonResourceURLs": ["*"], "verbs": ["post"]},
    ]
    index = RBACIndex()
    index.reset(ROLE, [role("r", rules, "dev")])
    index.reset(CLUSTER_ROLE, [role("c", rules[1:]), role("u", urls)])
    index.reset(ROLE_BINDING, [binding("rb", "Role", "r", [user("alice")], "dev")])
    index.reset(
        CLUSTER_ROLE_BINDING,
        [
            binding("cb", "ClusterRole", "c", [group("system:authenticated")]),
            binding("ub", "ClusterRole", "u", [user("alice")]),
        ],
    )
    authorizer = RBACAuthorizer(index)
    checked = 0
    for verb, group_name, (resource, subresource), name, namespace in itertools.product(
        ("get", "list", "watch", "update", "delete"),
        ("", "apps", "batch"),
        (
            ("pods", ""),
            ("deployments", "scale"),
            ("deployments", "status"),
            ("configmaps", ""),
            ("jobs", "status"),
        ),
        ("", "cfg", "nope"),
        ("dev", "prod"),
    ):
        attributes = Attributes(
            user=ALICE, verb=verb, path="", resource_request=True, api_group=group_name,
            namespace=namespace, resource=resource, subresource=subresource, name=name,
        )  # fmt: skip
        decision, reason = await authorizer.authorize(attributes)
        expected = naive_reason(index, attributes)
        assert (decision is Decision.ALLOW, reason if expected else None) == (expected is not None, expected)
        checked += 1
    for verb, path in itertools.product(
        ("get", "post", "put"), ("/healthz", "/healthz/x", "/apis/apps", "/apis", "/x")
    ):
        attributes = Attributes(user=ALICE, verb=verb, path=path)
        decision, reason = await authorizer.authorize(attributes)
        expected = naive_reason(index, attributes)
        assert (decision is Decision.ALLOW, reason if expected else None) == (expected is not None, expected)
    assert checked == 450
