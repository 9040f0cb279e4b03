"""Which requests a policy rule matches, and what the first matching rule decides (upstream checker.go)."""

from __future__ import annotations

import pytest
from multidict import MultiDict

from pinnace.apiserver.audit.checker import PolicyRuleEvaluator, RequestAuditConfig, rule_matches
from pinnace.apiserver.audit.policy import GroupResources, Policy, PolicyRule
from pinnace.apiserver.audit.types import Level, Stage
from pinnace.apiserver.requestinfo import RequestInfo, parse_request_info
from pinnace.apiserver.user import UserInfo

ALICE = UserInfo(name="alice", groups=("dev", "system:authenticated"))
BOB = UserInfo(name="bob", groups=("ops", "system:authenticated"))


def request(method: str, path: str, query: str = "") -> RequestInfo:
    pairs = [item.partition("=") for item in query.split("&") if item]
    return parse_request_info(method, path, MultiDict([(key, value) for key, _, value in pairs]))


def rule(**fields: object) -> PolicyRule:
    return PolicyRule(level="Metadata", **fields)  # type: ignore[arg-type]


PODS = GroupResources("", ("pods",))
MATCHES = [
    # (rule, user, method, path, matches)
    pytest.param(rule(), ALICE, "GET", "/api/v1/pods", True, id="an empty rule matches everything"),
    pytest.param(
        rule(), None, "GET", "/healthz", True, id="an empty rule matches an unauthenticated request"
    ),
    pytest.param(rule(users=("alice",)), ALICE, "GET", "/api", True, id="users by name"),
    pytest.param(rule(users=("alice",)), BOB, "GET", "/api", False, id="another user"),
    pytest.param(rule(users=("alice",)), None, "GET", "/api", False, id="users never match no user"),
    pytest.param(rule(user_groups=("ops", "x")), BOB, "GET", "/api", True, id="any group of the user"),
    pytest.param(rule(user_groups=("ops",)), ALICE, "GET", "/api", False, id="no group in common"),
    pytest.param(rule(user_groups=("ops",)), None, "GET", "/api", False, id="groups never match no user"),
    pytest.param(rule(verbs=("create",)), ALICE, "POST", "/api/v1/namespaces/d/pods", True, id="verb create"),
    pytest.param(
        rule(verbs=("get",)), ALICE, "GET", "/api/v1/namespaces/d/pods", False, id="list is not get"
    ),
    pytest.param(rule(verbs=("watch",)), ALICE, "GET", "/api/v1/pods", False, id="a list is not a watch"),
    pytest.param(
        rule(verbs=("watch",)), ALICE, "GET", "/api/v1/pods?watch=true", True, id="watch from the query"
    ),
    pytest.param(
        rule(verbs=("deletecollection",)),
        ALICE,
        "DELETE",
        "/api/v1/namespaces/d/pods",
        True,
        id="deletecollection",
    ),
    pytest.param(rule(verbs=("get",)), ALICE, "GET", "/healthz", True, id="non-resource verbs are methods"),
    pytest.param(rule(namespaces=("d",)), ALICE, "GET", "/api/v1/namespaces/d/pods", True, id="namespace"),
    pytest.param(
        rule(namespaces=("d",)), ALICE, "GET", "/api/v1/namespaces/e/pods", False, id="other namespace"
    ),
    pytest.param(rule(namespaces=("",)), ALICE, "GET", "/api/v1/nodes", True, id='"" is cluster scope'),
    pytest.param(
        rule(namespaces=("d",)), ALICE, "GET", "/healthz", False, id="namespaces only match resources"
    ),
    pytest.param(rule(resources=(PODS,)), ALICE, "GET", "/api/v1/namespaces/d/pods/p", True, id="a resource"),
    pytest.param(
        rule(resources=(PODS,)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/pods/p/log",
        False,
        id="not its subresource",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("pods/log",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/pods/p/log",
        True,
        id="resource/subresource",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("pods/*",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/pods/p/status",
        True,
        id="resource/* matches a subresource",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("pods/*",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/pods/p",
        True,
        id="resource/* matches the resource itself",
    ),
    pytest.param(
        rule(resources=(GroupResources("apps", ("*/scale",)),)),
        ALICE,
        "PUT",
        "/apis/apps/v1/namespaces/d/deployments/web/scale",
        True,
        id="*/subresource",
    ),
    pytest.param(
        rule(resources=(GroupResources("apps", ("*/scale",)),)),
        ALICE,
        "PUT",
        "/apis/apps/v1/namespaces/d/deployments/web",
        False,
        id="*/subresource needs the subresource",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("*",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/pods/p/log",
        True,
        id="* matches subresources too",
    ),
    pytest.param(
        rule(
            resources=(
                GroupResources(
                    "",
                ),
            )
        ),
        ALICE,
        "GET",
        "/api/v1/secrets",
        True,
        id="a group without resources",
    ),
    pytest.param(
        rule(resources=(PODS,)), ALICE, "GET", "/apis/apps/v1/deployments", False, id="another group"
    ),
    pytest.param(
        rule(resources=(GroupResources("*", ("deployments",)),)),
        ALICE,
        "GET",
        "/apis/apps/v1/deployments",
        True,
        id="group *",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("configmaps",), ("x",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/configmaps/x",
        True,
        id="a resource name",
    ),
    pytest.param(
        rule(resources=(GroupResources("", ("configmaps",), ("x",)),)),
        ALICE,
        "GET",
        "/api/v1/namespaces/d/configmaps",
        False,
        id="resource names do not match a list",
    ),
    pytest.param(
        rule(resources=(PODS,)), ALICE, "GET", "/api", False, id="resources never match non-resource"
    ),
    pytest.param(rule(non_resource_urls=("/healthz",)), None, "GET", "/healthz", True, id="an exact URL"),
    pytest.param(
        rule(non_resource_urls=("/healthz",)), None, "GET", "/healthz/ping", False, id="not a prefix"
    ),
    pytest.param(rule(non_resource_urls=("/healthz*",)), None, "GET", "/healthz/ping", True, id="a * suffix"),
    pytest.param(rule(non_resource_urls=("*",)), None, "GET", "/version", True, id="* is every URL"),
    pytest.param(
        rule(non_resource_urls=("*",)), ALICE, "GET", "/api/v1/pods", False, id="URLs never match resources"
    ),
]


@pytest.mark.parametrize(("policy_rule", "user", "method", "path", "matches"), MATCHES)
def test_rule_matching(
    policy_rule: PolicyRule, user: UserInfo | None, method: str, path: str, matches: bool
) -> None:
    target, _, query = path.partition("?")
    assert rule_matches(policy_rule, user, request(method, target, query)) is matches


def test_the_first_matching_rule_decides_and_stages_are_united() -> None:
    policy = Policy(
        rules=(
            PolicyRule(level="None", users=("system:kube-proxy",)),
            PolicyRule(level="RequestResponse", verbs=("create",), omit_stages=("ResponseStarted",)),
            PolicyRule(level="Metadata", omit_managed_fields=False),
        ),
        omit_stages=("RequestReceived",),
        omit_managed_fields=True,
    )
    evaluator = PolicyRuleEvaluator(policy)
    proxy = UserInfo(name="system:kube-proxy")
    create = request("POST", "/api/v1/namespaces/d/pods")
    assert evaluator.evaluate(proxy, create) == RequestAuditConfig(
        Level.NONE, frozenset({Stage.REQUEST_RECEIVED}), True
    )
    assert evaluator.evaluate(ALICE, create) == RequestAuditConfig(
        Level.REQUEST_RESPONSE, frozenset({Stage.REQUEST_RECEIVED, Stage.RESPONSE_STARTED}), True
    )
    assert evaluator.evaluate(ALICE, request("GET", "/api")) == RequestAuditConfig(
        Level.METADATA, frozenset({Stage.REQUEST_RECEIVED}), False
    )


def test_no_matching_rule_means_level_none() -> None:
    evaluator = PolicyRuleEvaluator(Policy(rules=(PolicyRule(level="Metadata", verbs=("delete",)),)))
    assert evaluator.evaluate(ALICE, request("GET", "/api/v1/pods")).level is Level.NONE


def test_levels_are_ordered() -> None:
    assert Level.NONE.less(Level.METADATA)
    assert Level.METADATA.less(Level.REQUEST)
    assert Level.REQUEST.less(Level.REQUEST_RESPONSE)
    assert not Level.REQUEST.less(Level.REQUEST)
