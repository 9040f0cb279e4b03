"""The Node and Lease a hollow node writes: what `kubectl get/describe node` shows a user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pinnace.hollow.config import HollowConfig, validate
from pinnace.hollow.ipam import node_addresses
from pinnace.hollow.nodeobjects import (
    build_lease,
    build_node,
    node_conditions,
    node_labels,
    renewed,
    status_needs_post,
)

NOW = datetime(2025, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def config(**overrides: object) -> HollowConfig:
    return HollowConfig(kubeconfig=Path("k"), **{"count": 4, **overrides})  # type: ignore[arg-type]


def test_the_node_looks_like_a_kubelet_registered_it() -> None:
    cfg = config(zones=("a", "b"), region="r1")
    node = build_node(cfg, 1, node_addresses(cfg.node_cidr, cfg.cluster_cidr, 1), NOW)
    assert node["metadata"]["name"] == "hollow-node-1"
    assert node["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": "hollow-node-1",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "hollow.large",
        "node.pinnace.dev/hollow": "true",
        "topology.kubernetes.io/zone": "b",
        "topology.kubernetes.io/region": "r1",
    }
    assert "simulated" in node["metadata"]["annotations"]["node.pinnace.dev/hollow"]
    assert node["spec"] == {"podCIDR": "10.128.1.0/24", "podCIDRs": ["10.128.1.0/24"]}  # and no taints
    status = node["status"]
    assert status["capacity"] == {
        "cpu": "32",
        "ephemeral-storage": "1Ti",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "256Gi",
        "pods": "110",
    }
    assert status["allocatable"] == status["capacity"]
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "198.18.0.2"},
        {"type": "Hostname", "address": "hollow-node-1"},
    ]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    info = status["nodeInfo"]
    assert info["kubeletVersion"] == "v1.32.0-pinnace-hollow"
    assert info["containerRuntimeVersion"].startswith("hollow://")
    assert (info["operatingSystem"], info["architecture"]) == ("linux", "amd64")


def test_conditions_have_the_kubelets_order_reasons_and_messages() -> None:
    conditions = node_conditions(NOW)
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    assert {c["lastHeartbeatTime"] for c in conditions} == {"2025-01-01T12:00:00Z"}


def test_a_heartbeat_keeps_transition_times_unless_the_status_changed() -> None:
    first = node_conditions(NOW)
    first[3] = {**first[3], "status": "Unknown"}  # the node lifecycle controller's doing
    later = node_conditions(NOW + timedelta(minutes=5), first)
    assert later[0]["lastTransitionTime"] == "2025-01-01T12:00:00Z"
    assert later[0]["lastHeartbeatTime"] == "2025-01-01T12:05:00Z"
    assert later[3]["lastTransitionTime"] == "2025-01-01T12:05:00Z"


def test_zones_are_given_out_round_robin_across_processes() -> None:
    cfg = config(zones=("a", "b", "c"), start_index=4)
    assert [node_labels(cfg, i)["topology.kubernetes.io/zone"] for i in range(4)] == ["b", "c", "a", "b"]
    assert node_labels(cfg, 0)["kubernetes.io/hostname"] == "hollow-node-4"


def test_the_lease_is_the_kubelets_node_lease() -> None:
    lease = build_lease("hollow-node-0", "uid-0", NOW, 40)
    assert lease == {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": "hollow-node-0",
            "namespace": "kube-node-lease",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": "hollow-node-0", "uid": "uid-0"}
            ],
        },
        "spec": {
            "holderIdentity": "hollow-node-0",
            "leaseDurationSeconds": 40,
            "renewTime": "2025-01-01T12:00:00.123456Z",
        },
    }


def test_a_renewal_keeps_the_resource_version_and_moves_only_renew_time() -> None:
    stored = build_lease("n", "u", NOW, 40)
    stored["metadata"]["resourceVersion"] = "17"
    later = renewed(stored, "n", "u", NOW + timedelta(seconds=10), 40)
    assert later["metadata"]["resourceVersion"] == "17"
    assert later["spec"]["renewTime"] == "2025-01-01T12:00:10.123456Z"
    assert stored["spec"]["renewTime"] == "2025-01-01T12:00:00.123456Z"  # the original is not changed


def test_status_needs_a_post_only_when_someone_else_changed_it() -> None:
    cfg = config()
    addresses = node_addresses(cfg.node_cidr, cfg.cluster_cidr, 0)
    node = build_node(cfg, 0, addresses, NOW)
    assert not status_needs_post(node, cfg, 0, addresses)
    node["status"]["conditions"][3]["status"] = "Unknown"
    assert status_needs_post(node, cfg, 0, addresses)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"count": -1}, "--count must not be negative"),
        ({"cpu": "lots"}, "--cpu"),
        ({"memory": "1Xi"}, "--memory"),
        ({"node_cidr": "10.0.0.0/30"}, "--node-cidr 10.0.0.0/30 has too few addresses for 4 nodes"),
        ({"cluster_cidr": "10.0.0.0/23"}, "has too few /24 pod CIDRs for 4 nodes"),
        ({"cluster_cidr": "10.0.0.0/25"}, "is smaller than one /24"),
        ({"node_cidr": "fd00::/64"}, "only IPv4 is simulated"),
        ({"node_cidr": "10.0.0.1/8"}, "--node-cidr"),
    ],
)
def test_bad_options_are_refused_naming_the_flag(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(config(**overrides))
