"""DaemonSet placement, pod templates and rolling-update plans as tables (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pinnace.controllers.daemonset.placement import Placement, node_should_run_daemon_pod
from pinnace.controllers.daemonset.update import plan_rolling_update
from pinnace.controllers.daemonset.util import (
    create_pod_template,
    replace_node_name_node_affinity,
    surge_count,
    target_node_name,
    unavailable_count,
)
from tests.controllers.statefulset_support import daemon_set, node

Object = dict[str, Any]
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def with_pod_spec(**spec: Any) -> Object:
    ds = daemon_set("agent")
    ds["spec"]["template"]["spec"].update(spec)
    return ds


def term(**requirement: Any) -> Object:
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [requirement]}
        }
    }


RUNS = Placement(True, True)
NEVER = Placement(False, False)
STAYS = Placement(False, True)


@pytest.mark.parametrize(
    ("ds", "target", "expected"),
    [
        (with_pod_spec(), node("n1"), RUNS),
        (with_pod_spec(nodeName="n2"), node("n1"), NEVER),
        (with_pod_spec(nodeSelector={"disk": "ssd"}), node("n1", labels={"disk": "ssd"}), RUNS),
        (with_pod_spec(nodeSelector={"disk": "ssd"}), node("n1"), NEVER),
        (
            with_pod_spec(
                affinity=term(matchExpressions=[{"key": "zone", "operator": "In", "values": ["a"]}])
            ),
            node("n1", labels={"zone": "a"}),
            RUNS,
        ),
        (
            with_pod_spec(
                affinity=term(matchExpressions=[{"key": "zone", "operator": "NotIn", "values": ["a"]}])
            ),
            node("n1", labels={"zone": "a"}),
            NEVER,
        ),
        (
            with_pod_spec(
                affinity=term(matchFields=[{"key": "metadata.name", "operator": "In", "values": ["n1"]}])
            ),
            node("n1"),
            RUNS,
        ),
        (
            with_pod_spec(affinity=term(matchExpressions=[{"key": "zone", "operator": "In", "values": []}])),
            node("n1", labels={"zone": "a"}),
            NEVER,
        ),
        (with_pod_spec(), node("n1", taints=[{"key": "gpu", "effect": "NoSchedule"}]), STAYS),
        (with_pod_spec(), node("n1", taints=[{"key": "gpu", "effect": "NoExecute"}]), NEVER),
        (with_pod_spec(), node("n1", taints=[{"key": "gpu", "effect": "PreferNoSchedule"}]), RUNS),
        (
            with_pod_spec(tolerations=[{"key": "gpu", "operator": "Exists"}]),
            node("n1", taints=[{"key": "gpu", "effect": "NoExecute"}]),
            RUNS,
        ),
        (
            with_pod_spec(),
            node(
                "n1",
                taints=[
                    {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                    {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
                    {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
                ],
            ),
            RUNS,
        ),
        (
            with_pod_spec(),
            node("n1", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
            STAYS,
        ),
        (
            with_pod_spec(hostNetwork=True),
            node("n1", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
            RUNS,
        ),
    ],
    ids=[
        "plain node",
        "template names another node",
        "node selector matches",
        "node selector does not match",
        "required affinity In",
        "required affinity NotIn",
        "affinity on metadata.name",
        "invalid term matches nothing",
        "untolerated NoSchedule: new pods stay off, running ones stay",
        "untolerated NoExecute: off",
        "PreferNoSchedule is ignored",
        "tolerated NoExecute",
        "daemon tolerations: cordoned, not ready, memory pressure",
        "network unavailable without hostNetwork",
        "network unavailable with hostNetwork",
    ],
)
def test_node_should_run_daemon_pod(ds: Object, target: Object, expected: Placement) -> None:
    assert node_should_run_daemon_pod(target, ds) == expected


def test_daemon_tolerations_replace_a_matching_one_with_toleration_seconds() -> None:
    template = {
        "spec": {
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {"key": "custom", "operator": "Exists"},
            ]
        }
    }
    created = create_pod_template(template, 4, "abc")
    tolerations = created["spec"]["tolerations"]
    assert tolerations[0] == {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
    }
    assert tolerations[1] == {"key": "custom", "operator": "Exists"}
    assert len(tolerations) == 7
    assert created["metadata"]["labels"] == {
        "pod-template-generation": "4",
        "controller-revision-hash": "abc",
    }
    assert "tolerations" in template["spec"] and len(template["spec"]["tolerations"]) == 2  # untouched


def test_node_name_affinity_replaces_required_terms_and_keeps_the_rest() -> None:
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "Exists"}]}]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}],
        },
        "podAntiAffinity": {"x": 1},
    }
    replaced = replace_node_name_node_affinity(affinity, "n7")
    assert replaced["podAntiAffinity"] == {"x": 1}
    assert replaced["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {"weight": 1, "preference": {}}
    ]
    required = replaced["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n7"]}]}]
    }
    assert target_node_name({"spec": {"affinity": replaced}}) == "n7"
    assert target_node_name({"spec": {"nodeName": "n1", "affinity": replaced}}) == "n1"
    assert target_node_name({"spec": {}}) is None


@pytest.mark.parametrize(
    ("rolling", "nodes", "surge", "unavailable"),
    [
        ({"maxUnavailable": 1, "maxSurge": 0}, 10, 0, 1),
        ({"maxUnavailable": "25%", "maxSurge": 0}, 10, 0, 3),
        ({"maxUnavailable": 0, "maxSurge": "10%"}, 15, 2, 0),
    ],
    ids=["integers", "percent rounds up", "surge percent rounds up"],
)
def test_surge_and_unavailable_counts(rolling: Object, nodes: int, surge: int, unavailable: int) -> None:
    ds = daemon_set("agent", strategy={"type": "RollingUpdate", "rollingUpdate": rolling})
    assert (surge_count(ds, nodes), unavailable_count(ds, nodes)) == (surge, unavailable)


def daemon_pod(name: str, node_name: str, hash_: str, *, ready: bool = True) -> Object:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {
        "metadata": {"name": name, "labels": {"controller-revision-hash": hash_}},
        "spec": {"nodeName": node_name},
        "status": {"phase": "Running", "conditions": conditions},
    }


def test_plan_without_surge_replaces_unavailable_old_pods_first_and_respects_max_unavailable() -> None:
    ds = daemon_set("agent", strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}})
    nodes = [node(f"n{i}") for i in range(1, 6)]
    node_to_pods = {
        "n1": [daemon_pod("p1", "n1", "new", ready=False)],  # counts as unavailable
        "n2": [daemon_pod("p2", "n2", "old", ready=False)],  # replaced at once
        "n3": [daemon_pod("p3", "n3", "old")],
        "n4": [daemon_pod("p4", "n4", "old")],
        "n5": [daemon_pod("p5", "n5", "new")],
    }
    plan = plan_rolling_update(ds, nodes, node_to_pods, "new", NOW)
    assert plan.pods_to_delete == ["p2"]
    assert plan.nodes_needing_pods == []


def test_plan_with_surge_adds_new_pods_and_deletes_old_ones_whose_replacement_is_available() -> None:
    ds = daemon_set(
        "agent", strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    )
    nodes = [node(f"n{i}") for i in range(1, 5)]
    node_to_pods = {
        "n1": [daemon_pod("old1", "n1", "old"), daemon_pod("new1", "n1", "new")],  # new available: old goes
        "n2": [daemon_pod("old2", "n2", "old", ready=False)],  # unavailable old: surge at once
        "n3": [daemon_pod("old3", "n3", "old")],  # candidate, within maxSurge
        "n4": [daemon_pod("old4", "n4", "old")],  # beyond maxSurge this time
    }
    plan = plan_rolling_update(ds, nodes, node_to_pods, "new", NOW)
    assert plan.pods_to_delete == ["old1"]
    assert plan.nodes_needing_pods == ["n2", "n3"]
