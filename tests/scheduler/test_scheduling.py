"""Whole scheduling cycles in one process (InProcessCluster): placement, messages, events, conditions,
profiles, gates and volume pre-binding, as a user of kubectl would see them."""

from __future__ import annotations

from typing import Any

from pinnace.client.clock import FakeClock
from pinnace.scheduler.config import from_dict
from pinnace.scheduler.framework.handle import StaticListers
from pinnace.scheduler.inprocess import InProcessCluster
from pinnace.scheduler.plugins import IN_TREE_REGISTRY
from tests.scheduler.builders import node, pod, taint

SEED_ZONE = "topology.k8s.io/zone"  # the seed article's (non-standard) key


def seed_pod(name: str) -> dict[str, Any]:
    """The scheduling block of the seed article (nodeSelector, anti-affinity, toleration, spread)."""
    return pod(
        name,
        cpu="100m",
        labels={"app": "api"},
        nodeSelector={"nodepool": "general"},
        affinity={
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {"matchLabels": {"app": "api"}},
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ]
            }
        },
        tolerations=[{"key": "workload", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}],
        topologySpreadConstraints=[
            {
                "maxSkew": 1,
                "topologyKey": SEED_ZONE,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": "api"}},
            }
        ],
    )


def seed_nodes() -> list[dict[str, Any]]:
    general = {"nodepool": "general"}
    return [
        node("n1", labels={SEED_ZONE: "z1", **general}),
        node("n2", labels={SEED_ZONE: "z1", **general}, taints=[taint("workload", "batch")]),
        node("n3", labels={SEED_ZONE: "z2", **general}),
        node("n4", labels={SEED_ZONE: "z2", "nodepool": "gpu"}),
        node("n5", labels={SEED_ZONE: "z3", **general}),
        node("n6", labels={SEED_ZONE: "z3", **general}),
    ]


async def test_the_seed_block_spreads_replicas_and_leaves_the_extra_one_pending() -> None:
    c = InProcessCluster(clock=FakeClock())
    c.add_nodes(seed_nodes())
    for i in range(6):
        c.add_pod(seed_pod(f"api-{i}"))
        await c.schedule_pending()
    placed = {f"api-{i}": c.node_of("default", f"api-{i}") for i in range(6)}
    nodes = [n for n in placed.values() if n]
    assert len(nodes) == 5 and len(set(nodes)) == 5  # one per node (anti-affinity)
    assert "n4" not in nodes  # not in the general pool
    zones = {"n1": "z1", "n2": "z1", "n3": "z2", "n5": "z3", "n6": "z3"}
    per_zone = {z: sum(1 for n in nodes if zones[n] == z) for z in ("z1", "z2", "z3")}
    assert per_zone == {"z1": 2, "z2": 1, "z3": 2}  # skew at most 1 against the one-node zone
    pending = next(name for name, n in placed.items() if not n)
    expected = (
        "0/6 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) didn't match pod anti-affinity rules, 4 node(s) didn't match pod topology spread constraints. "
        "preemption: 0/6 nodes are available: 1 Preemption is not helpful for scheduling, "
        "5 No preemption victims found for incoming pod."
    )
    (event,) = [e for e in c.events_for("default", pending) if e.reason == "FailedScheduling"]
    assert (event.type, event.message) == ("Warning", expected)
    condition = c.get_pod("default", pending)["status"]["conditions"][0]  # type: ignore[index]
    assert condition["message"] == expected and condition["reason"] == "Unschedulable"
    scheduled = [e for e in c.events if e.reason == "Scheduled"]
    assert len(scheduled) == 5 and scheduled[0].message.startswith("Successfully assigned default/api-")


async def test_a_pending_pod_is_retried_when_a_node_is_added() -> None:
    clock = FakeClock()
    c = InProcessCluster(clock=clock)
    c.add_node(node("n1", cpu="1"))
    c.add_pod(pod("p", cpu="2"))
    await c.schedule_pending()
    assert c.queue.where(c.get_pod("default", "p")["metadata"]["uid"]) == "unschedulablePods"  # type: ignore[index]
    c.add_node(node("n2", cpu="4"))
    clock.advance(2)
    c.queue.flush_backoff_completed()
    await c.schedule_pending()
    assert c.node_of("default", "p") == "n2"


async def test_no_nodes_at_all() -> None:
    c = InProcessCluster(clock=FakeClock())
    c.add_pod(pod("p"))
    await c.schedule_pending()
    assert c.events_for("default", "p")[0].message == "no nodes available to schedule pods"


async def test_pods_go_to_the_profile_named_by_scheduler_name() -> None:
    config = from_dict(
        {
            "apiVersion": "kubescheduler.config.k8s.io/v1",
            "kind": "KubeSchedulerConfiguration",
            "profiles": [
                {"schedulerName": "default-scheduler"},
                {
                    "schedulerName": "bin-packer",
                    "pluginConfig": [
                        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
                    ],
                },
            ],
        },
        IN_TREE_REGISTRY,
    )
    c = InProcessCluster(config, clock=FakeClock())
    c.add_nodes([node("busy", cpu="4"), node("idle", cpu="4")])
    c.add_pod(pod("existing", cpu="3", node_name="busy"))
    c.add_pod(pod("spread", cpu="500m"))
    c.add_pod(pod("packed", cpu="500m", schedulerName="bin-packer"))
    c.add_pod(pod("ignored", cpu="500m", schedulerName="someone-else"))
    await c.schedule_pending()
    assert c.node_of("default", "spread") == "idle"
    assert c.node_of("default", "packed") == "busy"
    assert c.node_of("default", "ignored") == ""
    assert c.events_for("default", "ignored") == []


async def test_higher_priority_pods_are_scheduled_first() -> None:
    c = InProcessCluster(clock=FakeClock())
    c.add_node(node("n1", cpu="1"))
    c.add_pod(pod("low", cpu="1", priority=1))
    c.add_pod(pod("high", cpu="1", priority=1000))
    await c.schedule_pending(limit=1)
    assert c.node_of("default", "high") == "n1"


async def test_priority_class_names_resolve_without_priority_admission() -> None:
    listers = StaticListers().add("PriorityClass", {"metadata": {"name": "critical"}, "value": 1000})
    c = InProcessCluster(clock=FakeClock(), listers=listers)
    c.add_node(node("n1", cpu="1"))
    c.add_pod(pod("low", cpu="1"))
    c.add_pod(pod("high", cpu="1", priorityClassName="critical"))
    await c.schedule_pending(limit=1)
    assert c.node_of("default", "high") == "n1"


async def test_gated_pods_wait_for_their_gates() -> None:
    c = InProcessCluster(clock=FakeClock())
    c.add_node(node("n1"))
    gated = c.add_pod(pod("p", schedulingGates=[{"name": "example.com/wait"}]))
    await c.schedule_pending()
    assert c.node_of("default", "p") == ""
    assert c.events_for("default", "p") == []  # gated pods are not attempted, so no FailedScheduling
    ungated = {**gated, "spec": {k: v for k, v in gated["spec"].items() if k != "schedulingGates"}}
    c.add_pod(ungated)
    await c.schedule_pending()
    assert c.node_of("default", "p") == "n1"


async def test_wait_for_first_consumer_claim_gets_the_selected_node() -> None:
    claim = {
        "metadata": {"name": "data", "namespace": "default", "uid": "claim-uid"},
        "spec": {
            "storageClassName": "wffc",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }
    storage_class = {
        "metadata": {"name": "wffc"},
        "provisioner": "example.com/csi",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    listers = StaticListers().add("PersistentVolumeClaim", claim).add("StorageClass", storage_class)
    c = InProcessCluster(clock=FakeClock(), listers=listers)
    c.add_node(node("n1"))
    c.add_pod(pod("p", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]))
    await c.schedule_pending()
    assert c.node_of("default", "p") == "n1"
    annotations = listers.pvc("default", "data")["metadata"]["annotations"]  # type: ignore[index]
    assert annotations == {"volume.kubernetes.io/selected-node": "n1"}
