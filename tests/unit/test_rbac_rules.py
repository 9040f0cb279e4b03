"""RBAC rule matching (upstream ``RuleAllows`` and ``evaluation_helpers.go``), as tables."""

from __future__ import annotations

import pytest

from pinnace.apiserver.authz import Attributes
from pinnace.apiserver.rbac.rules import PolicyRule, rule_allows
from pinnace.apiserver.user import UserInfo

ALICE = UserInfo(name="alice", groups=("system:authenticated",))


def request(
    verb: str,
    resource: str,
    *,
    group: str = "",
    subresource: str = "",
    name: str = "",
    namespace: str = "dev",
) -> Attributes:
    return Attributes(
        user=ALICE,
        verb=verb,
        path="",
        resource_request=True,
        api_group=group,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
    )


def url(verb: str, path: str) -> Attributes:
    return Attributes(user=ALICE, verb=verb, path=path)


def rule(
    verbs: tuple[str, ...] = ("get",),
    groups: tuple[str, ...] = ("",),
    resources: tuple[str, ...] = ("pods",),
    names: tuple[str, ...] = (),
) -> PolicyRule:
    return PolicyRule(verbs=verbs, api_groups=groups, resources=resources, resource_names=names)


@pytest.mark.parametrize(
    ("policy", "attributes", "allowed"),
    [
        pytest.param(rule(), request("get", "pods"), True, id="exact verb, group and resource"),
        pytest.param(rule(), request("list", "pods"), False, id="another verb"),
        pytest.param(rule(verbs=("*",)), request("deletecollection", "pods"), True, id="verb wildcard"),
        pytest.param(rule(), request("get", "pods", group="apps"), False, id="another group"),
        pytest.param(rule(groups=("*",)), request("get", "pods", group="apps"), True, id="group wildcard"),
        pytest.param(
            rule(groups=("apps",), resources=("deployments",)),
            request("get", "deployments", group=""),
            False,
            id="the core group is the empty string, not any group",
        ),
        pytest.param(rule(), request("get", "services"), False, id="another resource"),
        pytest.param(rule(resources=("*",)), request("get", "services"), True, id="resource wildcard"),
        pytest.param(
            rule(resources=("*",)),
            request("get", "pods", subresource="log"),
            True,
            id="* covers subresources",
        ),
        pytest.param(
            rule(),
            request("get", "pods", subresource="log"),
            False,
            id="a resource does not cover its subresource",
        ),
        pytest.param(
            rule(resources=("pods/log",)),
            request("get", "pods", subresource="log"),
            True,
            id="resource/subresource",
        ),
        pytest.param(
            rule(resources=("pods/log",)),
            request("get", "pods"),
            False,
            id="a subresource does not cover the resource",
        ),
        pytest.param(
            rule(resources=("*/scale",), groups=("*",)),
            request("get", "deployments", group="apps", subresource="scale"),
            True,
            id="*/subresource matches any resource's subresource",
        ),
        pytest.param(
            rule(resources=("*/scale",), groups=("*",)),
            request("get", "deployments", group="apps", subresource="status"),
            False,
            id="*/subresource matches only that subresource",
        ),
        pytest.param(
            rule(resources=("*/scale",), groups=("*",)),
            request("get", "deployments", group="apps"),
            False,
            id="*/subresource does not match the resource itself",
        ),
        pytest.param(
            rule(names=("web",)), request("get", "pods", name="web"), True, id="a listed resource name"
        ),
        pytest.param(
            rule(names=("web",)), request("get", "pods", name="db"), False, id="another resource name"
        ),
        pytest.param(
            rule(verbs=("list",), names=("web",)),
            request("list", "pods"),
            False,
            id="resourceNames never match a request without a name (list)",
        ),
        pytest.param(
            rule(verbs=("create",), names=("web",)),
            request("create", "pods"),
            False,
            id="resourceNames never match a create (its URL has no name)",
        ),
        pytest.param(rule(), url("get", "/api"), False, id="a resource rule never matches a URL"),
    ],
)
def test_resource_rules(policy: PolicyRule, attributes: Attributes, allowed: bool) -> None:
    assert rule_allows(attributes, policy) is allowed


@pytest.mark.parametrize(
    ("urls", "verbs", "attributes", "allowed"),
    [
        pytest.param(("/healthz",), ("get",), url("get", "/healthz"), True, id="exact path"),
        pytest.param(("/healthz",), ("get",), url("get", "/healthz/ping"), False, id="exact path only"),
        pytest.param(("/healthz",), ("get",), url("post", "/healthz"), False, id="another verb"),
        pytest.param(("/apis/*",), ("get",), url("get", "/apis/apps/v1"), True, id="a * suffix is a prefix"),
        pytest.param(
            ("/apis/*",), ("get",), url("get", "/apis/"), True, id="the prefix itself with its slash"
        ),
        pytest.param(("/apis/*",), ("get",), url("get", "/apis"), False, id="not the path without its slash"),
        pytest.param(("/apis*",), ("get",), url("get", "/apisx"), True, id="the * need not follow a slash"),
        pytest.param(("*",), ("*",), url("delete", "/anything"), True, id="everything"),
        pytest.param(
            ("/api",), ("get",), request("get", "pods"), False, id="a URL rule never matches a resource"
        ),
    ],
)
def test_non_resource_rules(
    urls: tuple[str, ...], verbs: tuple[str, ...], attributes: Attributes, allowed: bool
) -> None:
    assert rule_allows(attributes, PolicyRule(verbs=verbs, non_resource_urls=urls)) is allowed


def test_a_rule_reads_and_writes_its_api_form() -> None:
    raw = {"apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"], "verbs": ["get"]}
    assert PolicyRule.from_dict(raw).to_dict() == raw
    assert PolicyRule.from_dict({"verbs": None, "nonResourceURLs": ["/x"]}).to_dict() == {
        "verbs": [],
        "nonResourceURLs": ["/x"],
    }
