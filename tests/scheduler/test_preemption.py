"""DefaultPreemption (default_preemption_test.go): victims, PDB-aware choice, candidate order, eligibility,
and what the user sees (nominatedNodeName, events, conditions, messages)."""

from __future__ import annotations

from typing import Any

from pinnace.client.clock import FakeClock
from pinnace.scheduler.framework.handle import StaticListers
from pinnace.scheduler.framework.types import new_pod_info
from pinnace.scheduler.inprocess import InProcessCluster
from pinnace.scheduler.plugins.defaultpreemption import filter_pods_with_pdb_violation
from tests.scheduler.builders import node, pod


def low(name: str, node_name: str, cpu: str, priority: int = 0, **kw: Any) -> dict[str, Any]:
    return pod(name, cpu=cpu, node_name=node_name, priority=priority, **kw)


def pdb(name: str, labels: dict[str, str], allowed: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"matchLabels": labels}},
        "status": {"disruptionsAllowed": allowed},
    }


def setup(
    nodes: list[dict[str, Any]], existing: list[dict[str, Any]], listers: StaticListers | None = None
) -> InProcessCluster:
    c = InProcessCluster(clock=FakeClock(), listers=listers)
    c.add_nodes(nodes)
    for p in existing:
        c.add_pod(p)
    return c


async def schedule_after_backoff(c: InProcessCluster) -> None:
    await c.schedule_pending()
    c.clock.advance(2)  # type: ignore[attr-defined]
    c.queue.flush_backoff_completed()
    await c.schedule_pending()


async def test_a_pdb_protected_pod_is_spared_when_another_node_can_be_freed() -> None:
    listers = StaticListers().add("PodDisruptionBudget", pdb("keep", {"app": "protected"}, 0))
    c = setup(
        [node("n1", cpu="2"), node("n2", cpu="2")],
        [low("low-1", "n1", "1500m", labels={"app": "protected"}), low("low-2", "n2", "1500m")],
        listers,
    )
    c.add_pod(pod("high", cpu="1", priority=100))
    await c.schedule_pending()
    assert c.get_pod("default", "low-2") is None
    assert c.get_pod("default", "low-1") is not None
    high = c.get_pod("default", "high")
    assert high is not None
    assert high["status"]["nominatedNodeName"] == "n2"
    preempted = [e for e in c.events if e.reason == "Preempted"]
    assert [(e.object_key, e.message) for e in preempted] == [
        ("default/low-2", f"Preempted by pod {high['metadata']['uid']} on node n2")
    ]
    failed = c.events_for("default", "high")[0]
    assert (failed.reason, failed.message) == (
        "FailedScheduling",
        "0/2 nodes are available: 2 Insufficient cpu.",
    )
    assert ("patch", "pods", "default", "low-2/status") in c.actions  # DisruptionTarget first, then delete
    c.clock.advance(2)  # type: ignore[attr-defined]
    c.queue.flush_backoff_completed()
    await c.schedule_pending()
    assert c.node_of("default", "high") == "n2"


async def test_the_node_with_lower_priority_victims_wins() -> None:
    c = setup(
        [node("n1", cpu="2"), node("n2", cpu="2")],
        [low("a", "n1", "1500m", priority=5), low("b", "n2", "1500m", priority=1)],
    )
    c.add_pod(pod("high", cpu="1", priority=100))
    await schedule_after_backoff(c)
    assert c.get_pod("default", "b") is None and c.get_pod("default", "a") is not None
    assert c.node_of("default", "high") == "n2"


async def test_fewer_victims_win() -> None:
    c = setup(
        [node("n1", cpu="2"), node("n2", cpu="2")],
        [low("a1", "n1", "800m"), low("a2", "n1", "800m"), low("b1", "n2", "1800m")],
    )
    c.add_pod(pod("high", cpu="1500m", priority=100))
    await schedule_after_backoff(c)
    assert {name for (_, name) in c.pods} == {"a1", "a2", "high"}
    assert c.node_of("default", "high") == "n2"


async def test_as_many_victims_as_possible_are_reprieved() -> None:
    c = setup(
        [node("n1", cpu="3")],
        [low("a", "n1", "1", priority=1), low("b", "n1", "1", priority=2), low("c", "n1", "1", priority=3)],
    )
    c.add_pod(pod("high", cpu="1", priority=100))
    await schedule_after_backoff(c)
    # Only the least important pod had to go.
    assert {name for (_, name) in c.pods} == {"b", "c", "high"}


async def test_preemption_policy_never_does_not_preempt() -> None:
    c = setup([node("n1", cpu="1")], [low("a", "n1", "1")])
    c.add_pod(pod("high", cpu="1", priority=100, preemptionPolicy="Never"))
    await c.schedule_pending()
    assert c.get_pod("default", "a") is not None
    message = c.events_for("default", "high")[0].message
    assert (
        message
        == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    )


async def test_equal_priority_pods_are_never_victims() -> None:
    c = setup([node("n1", cpu="1"), node("n2", cpu="1", unschedulable=True)], [low("a", "n1", "1")])
    c.add_pod(pod("same", cpu="1"))
    await c.schedule_pending()
    assert c.events_for("default", "same")[0].message == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: "
        "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
    )
    pod_condition = c.get_pod("default", "same")["status"]["conditions"][0]  # type: ignore[index]
    assert (pod_condition["type"], pod_condition["status"], pod_condition["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )


def test_pdb_violation_spends_the_budget_pod_by_pod() -> None:
    pods = [new_pod_info(pod(f"p{i}", labels={"app": "web"})) for i in range(3)]
    other = new_pod_info(pod("other", labels={"app": "db"}))
    violating, non_violating = filter_pods_with_pdb_violation([*pods, other], [pdb("web", {"app": "web"}, 1)])
    assert [p.name for p in non_violating] == ["p0", "other"]
    assert [p.name for p in violating] == ["p1", "p2"]
    disrupted = pdb("web", {"app": "web"}, 0)
    disrupted["status"]["disruptedPods"] = {"p0": "2025-01-01T00:00:00Z"}
    violating, _ = filter_pods_with_pdb_violation(pods, [disrupted])
    assert [p.name for p in violating] == ["p1", "p2"]
