"""Rule coverage and escalation prevention: upstream's ``Covers``, ``CompactRules`` and the 403 messages of
the policy-based role and binding storage."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.apiserver import status
from pinnace.apiserver.authz import Attributes, Decision
from pinnace.apiserver.rbac.covers import compact_rules, compact_string, covers
from pinnace.apiserver.rbac.escalation import EscalationPolicy, only_gc_fields_changed
from pinnace.apiserver.rbac.index import CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, RBACIndex
from pinnace.apiserver.rbac.rules import PolicyRule
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

ALICE = UserInfo(name="alice", groups=("system:authenticated",))
ADMIN = UserInfo(name="admin", groups=("system:masters", "system:authenticated"))


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def rule(verbs: str, resources: str, groups: str = "", names: str = "") -> PolicyRule:
    return PolicyRule(
        verbs=_split(verbs), api_groups=(groups,), resources=_split(resources), resource_names=_split(names)
    )


@pytest.mark.parametrize(
    ("owner", "servant", "missing"),
    [
        pytest.param([rule("get,list", "pods")], [rule("get", "pods")], [], id="a subset of verbs"),
        pytest.param(
            [rule("get", "pods")],
            [rule("get,list", "pods")],
            ['{APIGroups:[""], Resources:["pods"], Verbs:["list"]}'],
            id="a verb more",
        ),
        pytest.param(
            [rule("*", "*")], [rule("delete", "secrets,pods/exec")], [], id="wildcards cover everything"
        ),
        pytest.param([rule("get", "*/scale")], [rule("get", "deployments/scale")], [], id="*/subresource"),
        pytest.param(
            [rule("get", "*/scale")],
            [rule("get", "deployments")],
            ['{APIGroups:[""], Resources:["deployments"], Verbs:["get"]}'],
            id="*/subresource does not cover the resource",
        ),
        pytest.param([rule("get", "pods")], [rule("get", "pods", names="web")], [], id="all names cover one"),
        pytest.param(
            [rule("get", "pods", names="web")],
            [rule("get", "pods")],
            ['{APIGroups:[""], Resources:["pods"], Verbs:["get"]}'],
            id="one name does not cover all",
        ),
        pytest.param(
            [PolicyRule(verbs=("get",), non_resource_urls=("/apis/*",))],
            [PolicyRule(verbs=("get",), non_resource_urls=("/apis/apps", "/healthz"))],
            ['{NonResourceURLs:["/healthz"], Verbs:["get"]}'],
            id="URL prefixes",
        ),
    ],
)
def test_covers(owner: list[PolicyRule], servant: list[PolicyRule], missing: list[str]) -> None:
    covered, left = covers(owner, servant)
    assert covered is (not missing)
    assert sorted(compact_string(r) for r in compact_rules(left)) == sorted(missing)


def test_compacted_missing_rules_join_verbs_per_resource() -> None:
    _, left = covers([], [rule("get,list,watch", "pods,secrets", names="a")])
    assert sorted(compact_string(r) for r in compact_rules(left)) == [
        '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get" "list" "watch"]}',
        '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get" "list" "watch"]}',
    ]


class AllowVerbs:
    """An authorizer that allows the listed (verb, resource) pairs to everyone."""

    def __init__(self, *allowed: tuple[str, str]) -> None:
        self.allowed = set(allowed)
        self.asked: list[Attributes] = []

    async def authorize(self, attributes: Attributes) -> tuple[Decision, str]:
        self.asked.append(attributes)
        ok = (attributes.verb, attributes.resource) in self.allowed
        return (Decision.ALLOW if ok else Decision.NO_OPINION), ""


def index_with_alice_reading_pods() -> RBACIndex:
    index = RBACIndex()
    pods = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
    index.reset(ROLE, [{"metadata": {"name": "read-pods", "namespace": "dev"}, "rules": [pods]}])
    index.reset(
        ROLE_BINDING,
        [
            {
                "metadata": {"name": "read-pods-binding", "namespace": "dev"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-pods"},
                "subjects": [{"kind": "User", "name": "alice"}],
            }
        ],
    )
    index.reset(CLUSTER_ROLE, [{"metadata": {"name": "edit"}, "rules": [{**pods, "verbs": ["*"]}]}])
    index.reset(CLUSTER_ROLE_BINDING, [])
    return index


def role(rules: list[Object], name: str = "r") -> Object:
    return {"metadata": {"name": name, "namespace": "dev"}, "rules": rules}


async def test_a_role_with_rules_the_writer_holds_is_allowed() -> None:
    policy = EscalationPolicy(AllowVerbs(), index_with_alice_reading_pods())
    pods = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    await policy.check_role(ROLE, ALICE, "dev", "", role([pods]), None)


async def test_a_role_with_rules_the_writer_lacks_is_forbidden_with_upstreams_message() -> None:
    policy = EscalationPolicy(AllowVerbs(), index_with_alice_reading_pods())
    secrets = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}
    with pytest.raises(status.Forbidden) as raised:
        await policy.check_role(ROLE, ALICE, "dev", "", role([secrets], "secret-reader"), None)
    assert raised.value.message == (
        'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    )
    # Rules held in dev are not held in another namespace.
    pods = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    with pytest.raises(status.Forbidden):
        await policy.check_role(ROLE, ALICE, "prod", "", role([pods]), None)


async def test_escalate_or_system_masters_may_grant_anything() -> None:
    secrets = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}
    authorizer = AllowVerbs(("escalate", "roles"))
    await EscalationPolicy(authorizer, index_with_alice_reading_pods()).check_role(
        ROLE, ALICE, "dev", "r", role([secrets]), role([])
    )
    asked = authorizer.asked[0]
    assert (asked.verb, asked.api_group, asked.resource, asked.namespace, asked.name) == (
        "escalate",
        "rbac.authorization.k8s.io",
        "roles",
        "dev",
        "r",
    )
    await EscalationPolicy(AllowVerbs(), RBACIndex()).check_role(
        ROLE, ADMIN, "dev", "", role([secrets]), None
    )


async def test_an_aggregation_rule_needs_full_authority() -> None:
    index = index_with_alice_reading_pods()
    index.apply(
        CLUSTER_ROLE_BINDING,
        False,
        {
            "metadata": {"name": "alice-edit"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "User", "name": "alice"}],
        },
    )
    aggregated = {
        "metadata": {"name": "mine"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]},
    }
    with pytest.raises(status.Forbidden) as raised:
        await EscalationPolicy(AllowVerbs(), index).check_role(CLUSTER_ROLE, ALICE, "", "", aggregated, None)
    assert raised.value.message == (
        'clusterroles.rbac.authorization.k8s.io "mine" is forbidden: '
        "must have cluster-admin privileges to use the aggregationRule"
    )


def role_binding(ref_kind: str, ref_name: str) -> Object:
    return {
        "metadata": {"name": "b", "namespace": "dev"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name},
        "subjects": [{"kind": "User", "name": "bob"}],
    }


async def test_binding_a_role_needs_its_rules_or_the_bind_verb() -> None:
    index = index_with_alice_reading_pods()
    # alice holds read-pods: she may bind it.
    await EscalationPolicy(AllowVerbs(), index).check_binding(
        "rolebindings", ALICE, "dev", role_binding("Role", "read-pods"), None
    )
    with pytest.raises(status.Forbidden) as raised:
        await EscalationPolicy(AllowVerbs(), index).check_binding(
            "rolebindings", ALICE, "dev", role_binding("ClusterRole", "edit"), None
        )
    assert raised.value.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "alice" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    # With bind on clusterroles, she may bind edit although she does not hold it.
    authorizer = AllowVerbs(("bind", "clusterroles"))
    await EscalationPolicy(authorizer, index).check_binding(
        "rolebindings", ALICE, "dev", role_binding("ClusterRole", "edit"), None
    )
    asked = authorizer.asked[0]
    assert (asked.verb, asked.resource, asked.name, asked.namespace) == (
        "bind",
        "clusterroles",
        "edit",
        "dev",
    )


async def test_binding_a_missing_role_is_forbidden() -> None:
    with pytest.raises(status.Forbidden) as raised:
        await EscalationPolicy(AllowVerbs(), index_with_alice_reading_pods()).check_binding(
            "rolebindings", ALICE, "dev", role_binding("Role", "nope"), None
        )
    assert raised.value.message == (
        'rolebindings.rbac.authorization.k8s.io "b" is forbidden: role.rbac.authorization.k8s.io "nope" not found'
    )


def test_only_the_garbage_collectors_fields_changed() -> None:
    old = {"metadata": {"name": "r", "resourceVersion": "4"}, "rules": []}
    new = {
        "metadata": {
            "name": "r",
            "resourceVersion": "4",
            "finalizers": ["x"],
            "ownerReferences": [{"uid": "u"}],
        },
        "rules": [],
    }
    assert only_gc_fields_changed(new, old)
    assert not only_gc_fields_changed({**new, "rules": [{"verbs": ["*"]}]}, old)
    assert not only_gc_fields_changed(new, None)
