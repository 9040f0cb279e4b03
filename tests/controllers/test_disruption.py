"""The disruption controller against a FakeClient: the PodDisruptionBudget status ``kubectl get pdb`` and
``kubectl describe pdb`` show, as pods come, go, turn Ready and get evicted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import disruption
from pinnace.controllers.podutil import format_time
from tests.controllers.lifecycle_support import Harness, running

NS = "default"


def budget(name: str = "web", **spec: Any) -> Object:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
    }


def pod(name: str, *, ready: bool = True, owner: Object | None = None, **metadata: Any) -> Object:
    meta: Object = {"name": name, "namespace": NS, "labels": {"app": "web"}, **metadata}
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def replica_set(name: str, replicas: int, owner: Object | None = None) -> Object:
    body: Object = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}},
    }
    if owner is not None:
        body["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "controller": True}
        ]  # fmt: skip
    return body


def status_of(h: Harness, name: str = "web") -> Object:
    for obj in h.client.objects(r.PODDISRUPTIONBUDGETS, NS):
        if obj["metadata"]["name"] == name:
            return dict(obj.get("status") or {})
    raise AssertionError(f"no budget {name}")


def condition(status: Object) -> tuple[str, str]:
    (found,) = [c for c in status.get("conditions") or [] if c["type"] == "DisruptionAllowed"]
    return found["status"], found["reason"]


async def test_min_available_over_ready_pods_allows_the_surplus() -> None:
    client = FakeClient()
    client.seed(r.PODDISRUPTIONBUDGETS, budget(minAvailable=1))
    client.seed(r.PODS, pod("a"), pod("b"), pod("c", ready=False))
    async with running(disruption.new_controller, client=client) as h:
        await h.until(lambda: status_of(h).get("observedGeneration") == 1)
        status = status_of(h)
        assert {
            k: status[k] for k in ("currentHealthy", "desiredHealthy", "expectedPods", "disruptionsAllowed")
        } == {
            "currentHealthy": 2,
            "desiredHealthy": 1,
            "expectedPods": 3,
            "disruptionsAllowed": 1,
        }
        assert condition(status) == ("True", "SufficientPods")

        await h.client.patch(r.PODS, "b", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}, NS,
                             subresource="status")  # fmt: skip
        await h.until(lambda: status_of(h)["disruptionsAllowed"] == 0)
        assert condition(status_of(h)) == ("False", "InsufficientPods")


@pytest.mark.parametrize(
    ("spec", "desired", "expected", "allowed"),
    [
        pytest.param(
            {"minAvailable": "50%"}, 2, 4, 1, id="minAvailable percent of the deployment's replicas"
        ),
        pytest.param({"maxUnavailable": 1}, 3, 4, 0, id="maxUnavailable against the scale"),
        pytest.param({"maxUnavailable": "50%"}, 2, 4, 1, id="maxUnavailable percent rounds up"),
    ],
)
async def test_percentages_and_max_unavailable_use_the_controllers_scale(
    spec: Object, desired: int, expected: int, allowed: int
) -> None:
    client = FakeClient()
    (deployment,) = client.seed(
        r.DEPLOYMENTS,
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": NS},
         "spec": {"replicas": 4}},
    )  # fmt: skip
    (rs,) = client.seed(r.REPLICASETS, replica_set("web-1", 3, owner=deployment))
    client.seed(r.PODS, pod("a", owner=rs), pod("b", owner=rs), pod("c", owner=rs))
    client.seed(r.PODDISRUPTIONBUDGETS, budget(**spec))
    async with running(disruption.new_controller, client=client) as h:
        await h.until(lambda: "expectedPods" in status_of(h))
        status = status_of(h)
        assert (status["desiredHealthy"], status["expectedPods"], status["disruptionsAllowed"]) == (
            desired,
            expected,
            allowed,
        )


async def test_pods_without_a_known_controller_fail_safe() -> None:
    client = FakeClient()
    ghost = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "ghost", "uid": "ghost"}}
    client.seed(r.PODS, pod("a", owner=ghost), pod("b", owner=ghost))
    client.seed(r.PODDISRUPTIONBUDGETS, budget(maxUnavailable=1))
    async with running(disruption.new_controller, client=client) as h:
        await h.until(lambda: bool(status_of(h).get("conditions")))
        status = status_of(h)
        assert status["disruptionsAllowed"] == 0
        (cond,) = status["conditions"]
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "False",
            "SyncFailed",
            'found no controllers for pod "a"',
        )
        await h.until(lambda: bool(h.events("CalculateExpectedPodCountFailed")))


async def test_unmanaged_pods_with_a_percentage_are_reported() -> None:
    client = FakeClient()
    client.seed(r.PODS, pod("a"), pod("b"))
    client.seed(r.PODDISRUPTIONBUDGETS, budget(minAvailable="50%"))
    async with running(disruption.new_controller, client=client) as h:
        await h.until(lambda: bool(h.events("UnmanagedPods")))
        assert "selector: app=web" in h.events("UnmanagedPods")[0]["message"]


async def test_a_budget_matching_no_pods_allows_nothing() -> None:
    client = FakeClient()
    client.seed(r.PODDISRUPTIONBUDGETS, budget(minAvailable=0))
    async with running(disruption.new_controller, client=client) as h:
        await h.until(lambda: "expectedPods" in status_of(h))
        assert status_of(h)["disruptionsAllowed"] == 0
        await h.until(lambda: bool(h.events("NoPods")))
        assert h.events("NoPods")[0]["message"] == "No matching pods found"


async def test_evicted_pods_count_as_gone_for_two_minutes_then_expire() -> None:
    clock = FakeClock()
    client = FakeClient(clock=clock)
    evicted_at = format_time(clock.now())
    seeded = budget(minAvailable=1)
    client.seed(r.PODS, pod("a"), pod("b"), pod("c"))
    client.seed(r.PODDISRUPTIONBUDGETS, seeded)
    async with running(disruption.new_controller, client=client, clock=clock) as h:
        await h.until(lambda: status_of(h).get("disruptionsAllowed") == 2)
        # What the eviction subresource writes: one disruption spent, the pod recorded.
        current = status_of(h)
        current.update(disruptionsAllowed=1, disruptedPods={"a": evicted_at})
        await h.client.patch(r.PODDISRUPTIONBUDGETS, "web", {"status": current}, NS, subresource="status")
        await h.until(lambda: status_of(h).get("currentHealthy") == 2)
        assert status_of(h)["disruptedPods"] == {"a": evicted_at}
        assert status_of(h)["disruptionsAllowed"] == 1

        # Never deleted: after two minutes the entry goes, with a NotDeleted Warning on the pod.
        clock.advance(timedelta(minutes=2, seconds=1).total_seconds())
        await h.until(lambda: "disruptedPods" not in status_of(h))
        assert status_of(h)["currentHealthy"] == 3
        await h.until(lambda: bool(h.events("NotDeleted")))
        (event,) = h.events("NotDeleted")
        assert event["involvedObject"]["name"] == "a"
        assert event["message"] == "Pod was expected by PDB default/default to be deleted but it wasn't"


async def test_a_pod_being_deleted_leaves_the_disrupted_map_at_once() -> None:
    clock = FakeClock()
    client = FakeClient(clock=clock)
    client.seed(r.PODS, pod("a", deletionTimestamp=format_time(clock.now()), finalizers=["x/y"]), pod("b"))
    seeded = budget(minAvailable=1)
    seeded["status"] = {"disruptedPods": {"a": format_time(clock.now())}}
    client.seed(r.PODDISRUPTIONBUDGETS, seeded)
    async with running(disruption.new_controller, client=client, clock=clock) as h:
        await h.until(lambda: status_of(h).get("observedGeneration") == 1)
        status = status_of(h)
        assert "disruptedPods" not in status
        assert (status["currentHealthy"], status["disruptionsAllowed"]) == (1, 0)


async def test_a_stale_disruption_target_condition_is_reset() -> None:
    clock = FakeClock()
    client = FakeClient(clock=clock)
    marked = pod("a")
    marked["status"]["conditions"].append(
        {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "EvictionByEvictionAPI",
            "message": "Eviction API: evicting",
            "lastTransitionTime": format_time(clock.now()),
        }
    )
    client.seed(r.PODS, marked)
    async with running(disruption.new_controller, client=client, clock=clock) as h:
        await h.settle()
        clock.advance(100)
        await h.settle()
        assert _disruption_target(h)["status"] == "True"
        clock.advance(20)
        await h.until(lambda: _disruption_target(h)["status"] == "False")
        assert "reason" not in _disruption_target(h)


def _disruption_target(h: Harness) -> Object:
    (found,) = h.client.objects(r.PODS, NS)
    (cond,) = [c for c in found["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    return dict(cond)
