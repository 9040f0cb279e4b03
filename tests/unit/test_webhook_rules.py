"""Rule matching as ``rules.Matcher`` does it: operations, groups, versions, resources with subresources
and wildcards, scope; and equivalent resources under matchPolicy Equivalent."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.webhook.rules import Match, Rule, match_rules
from tests.unit.admission_fakes import attributes

PODS = GroupVersionResource("", "v1", "pods")
NAMESPACES = GroupVersionResource("", "v1", "namespaces")
NODES = GroupVersionResource("", "v1", "nodes")


def rule(resources: list[str], **fields: Any) -> Rule:
    return Rule.of(
        {
            "operations": fields.get("operations", ["*"]),
            "apiGroups": fields.get("apiGroups", ["*"]),
            "apiVersions": fields.get("apiVersions", ["*"]),
            "resources": resources,
            "scope": fields.get("scope", "*"),
        }
    )


@pytest.mark.parametrize(
    ("rule_", "resource", "subresource", "operation", "namespace", "matches"),
    [
        (rule(["pods"]), PODS, "", Operation.CREATE, "ns", True),
        (rule(["pods"]), PODS, "status", Operation.UPDATE, "ns", False),
        (rule(["pods/status"]), PODS, "status", Operation.UPDATE, "ns", True),
        (rule(["pods/*"]), PODS, "exec", Operation.CONNECT, "ns", True),
        (rule(["pods/*"]), PODS, "", Operation.CREATE, "ns", True),
        (rule(["*"]), PODS, "", Operation.CREATE, "ns", True),
        (rule(["*"]), PODS, "status", Operation.UPDATE, "ns", False),
        (rule(["*/*"]), PODS, "status", Operation.UPDATE, "ns", True),
        (
            rule(["*/scale"]),
            GroupVersionResource("apps", "v1", "deployments"),
            "scale",
            Operation.UPDATE,
            "ns",
            True,
        ),
        (rule(["pods"], operations=["CREATE"]), PODS, "", Operation.DELETE, "ns", False),
        (rule(["pods"], apiGroups=["apps"]), PODS, "", Operation.CREATE, "ns", False),
        (rule(["pods"], apiVersions=["v2"]), PODS, "", Operation.CREATE, "ns", False),
        (rule(["pods"], scope="Cluster"), PODS, "", Operation.CREATE, "ns", False),
        (rule(["nodes"], scope="Cluster"), NODES, "", Operation.CREATE, "", True),
        (rule(["namespaces"], scope="Namespaced"), NAMESPACES, "", Operation.CREATE, "ns", False),
        (rule(["namespaces"], scope="Cluster"), NAMESPACES, "", Operation.CREATE, "ns", True),
    ],
    ids=[
        "resource",
        "resource does not cover its subresources",
        "resource/subresource",
        "resource/*",
        "resource/* also matches the resource (rules.go compares the empty subresource with *)",
        "* is every resource",
        "* is no subresource",
        "*/* is every subresource",
        "*/scale",
        "other operation",
        "other group",
        "other version",
        "namespaced request, cluster scope",
        "cluster-scoped request, cluster scope",
        "a Namespace is not namespaced",
        "a Namespace is cluster-scoped",
    ],
)
def test_rule_matching(
    rule_: Rule,
    resource: GroupVersionResource,
    subresource: str,
    operation: Operation,
    namespace: str,
    matches: bool,
) -> None:
    attrs = attributes(
        {"metadata": {"name": "x"}},
        resource=resource,
        subresource=subresource,
        operation=operation,
        namespace=namespace,
    )
    assert rule_.matches(attrs) is matches


def test_an_equivalent_resource_in_another_version_matches_only_under_equivalent() -> None:
    hpa_v2 = GroupVersionResource("autoscaling", "v2", "horizontalpodautoscalers")
    attrs = attributes(
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "x"}},
        resource=hpa_v2,
        kind=GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler"),
    )
    v1_only = [rule(["horizontalpodautoscalers"], apiVersions=["v1"])]
    assert match_rules(v1_only, attrs, equivalent=False) is None
    assert match_rules(v1_only, attrs, equivalent=True) == Match(
        GroupVersionResource("autoscaling", "v1", "horizontalpodautoscalers"),
        GroupVersionKind("autoscaling", "v1", "HorizontalPodAutoscaler"),
    )
