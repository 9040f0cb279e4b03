"""pods/eviction over a real SQLite store: which evictions a PodDisruptionBudget lets through, and what
they leave behind (upstream's pkg/registry/core/pod/storage/eviction.go and its tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pinnace.apiserver import apis, status
from pinnace.apiserver.handlers.eviction import check_eviction_type, eviction_delete_options
from pinnace.apiserver.rest.deletion import DeleteOptions
from pinnace.apiserver.rest.eviction import Backoff, EvictionREST, UnknownFailure
from pinnace.apiserver.rest.resource import ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.storage import open_store

Object = dict[str, Any]
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
NS = "default"
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


@dataclass
class Cluster:
    pods: ResourceStore
    budgets: ResourceStore
    eviction: EvictionREST
    sleeps: list[float]


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    stores: ResourceStores = apis.build_stores(store, apis.served_registry())
    stores.start()
    try:
        await stores.wait_ready()
        await apis.ensure_default_namespaces(stores)
        pods = stores.get("", "v1", "pods")
        budgets = stores.get("policy", "v1", "poddisruptionbudgets")
        assert pods is not None and budgets is not None
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        eviction = EvictionREST(
            pods, budgets, clock=lambda: NOW, backoff=Backoff(steps=3, duration=0.5), sleep=sleep
        )
        yield Cluster(pods, budgets, eviction, sleeps)
    finally:
        await stores.stop()
        await store.close()


# --- builders ------------------------------------------------------------------------------


async def make_pod(
    cluster: Cluster, name: str = "web-0", *, phase: str = "Running", ready: bool = True, node: str = "node1"
) -> Object:
    spec: Object = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    await cluster.pods.create(NS, {"metadata": {"name": name, "labels": {"app": "web"}}, "spec": spec})

    def running(pod: Object) -> Object:
        pod["status"]["phase"] = phase
        pod["status"]["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
        return pod

    updated, _ = await cluster.pods.update(NS, name, running, subresource="status")
    return updated


async def make_budget(
    cluster: Cluster,
    name: str = "pdb1",
    *,
    allowed: int,
    desired: int = 1,
    current: int = 1,
    observed: bool = True,
    policy: str = "",
    selector: Object | None = None,
) -> Object:
    spec: Object = {"minAvailable": desired, "selector": selector or {"matchLabels": {"app": "web"}}}
    if policy:
        spec["unhealthyPodEvictionPolicy"] = policy
    created = await cluster.budgets.create(NS, {"metadata": {"name": name}, "spec": spec})
    generation = created["metadata"]["generation"]

    def with_status(budget: Object) -> Object:
        budget["status"] = {
            "observedGeneration": generation if observed else generation - 1,
            "disruptionsAllowed": allowed,
            "currentHealthy": current,
            "desiredHealthy": desired,
            "expectedPods": current,
        }
        return budget

    updated, _ = await cluster.budgets.update(NS, name, with_status, subresource="status")
    return updated


async def pod_or_none(cluster: Cluster, name: str = "web-0") -> Object | None:
    try:
        return await cluster.pods.get(NS, name)
    except status.NotFound:
        return None


def condition(pod: Object, kind: str) -> Object | None:
    return next((c for c in pod["status"].get("conditions", []) if c["type"] == kind), None)


# --- refusals ------------------------------------------------------------------------------


async def test_a_budget_with_no_disruptions_left_refuses_with_upstreams_429(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=0, desired=1, current=1)
    with pytest.raises(status.TooManyRequests) as raised:
        await cluster.eviction.create(NS, "web-0", DeleteOptions())
    assert raised.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": VIOLATION,
        "reason": "TooManyRequests",
        "details": {
            "causes": [
                {
                    "reason": "DisruptionBudget",
                    "message": "The disruption budget pdb1 needs 1 healthy pods and has 1 currently",
                }
            ]
        },
        "code": 429,
    }
    pod = await pod_or_none(cluster)
    assert pod is not None and "deletionTimestamp" not in pod["metadata"]
    assert condition(pod, "DisruptionTarget") is None


async def test_a_budget_whose_generation_is_not_observed_asks_to_retry_in_ten_seconds(
    cluster: Cluster,
) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=1, observed=False)
    with pytest.raises(status.TooManyRequests) as raised:
        await cluster.eviction.create(NS, "web-0", DeleteOptions())
    assert raised.value.retry_after_seconds == 10
    assert raised.value.to_status()["details"] == {
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget pdb1 is still being processed by the server.",
            }
        ],
        "retryAfterSeconds": 10,
    }


async def test_more_than_one_matching_budget_is_a_reasonless_500(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, "pdb1", allowed=1)
    await make_budget(
        cluster, "pdb2", allowed=1, selector={"matchExpressions": [{"key": "app", "operator": "Exists"}]}
    )
    with pytest.raises(UnknownFailure) as raised:
        await cluster.eviction.create(NS, "web-0", DeleteOptions())
    assert raised.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        "code": 500,
    }


async def test_a_negative_disruption_count_is_forbidden(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=-1)
    with pytest.raises(status.Forbidden) as raised:
        await cluster.eviction.create(NS, "web-0", DeleteOptions())
    assert raised.value.message == (
        'poddisruptionbudget.policy "pdb1" is forbidden: pdb disruptions allowed is negative'
    )


async def test_a_missing_pod_is_not_found(cluster: Cluster) -> None:
    with pytest.raises(status.NotFound, match='pods "ghost" not found'):
        await cluster.eviction.create(NS, "ghost", DeleteOptions())


# --- accepted evictions --------------------------------------------------------------------


async def test_an_allowed_eviction_spends_the_budget_and_deletes_the_pod_gracefully(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=1, desired=1, current=2)
    assert await cluster.eviction.create(NS, "web-0", DeleteOptions()) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    budget = await cluster.budgets.get(NS, "pdb1")
    assert budget["status"]["disruptionsAllowed"] == 0
    assert budget["status"]["disruptedPods"] == {"web-0": "2026-11-25T12:00:00Z"}
    assert budget["status"]["conditions"] == [
        {
            "type": "DisruptionAllowed",
            "status": "False",
            "observedGeneration": 1,
            "lastTransitionTime": "2026-11-25T12:00:00Z",
            "reason": "InsufficientPods",
            "message": "",
        }
    ]
    pod = await pod_or_none(cluster)
    assert pod is not None, "a bound pod waits for its kubelet for its grace period"
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 30
    assert condition(pod, "DisruptionTarget") == {
        "type": "DisruptionTarget",
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": "2026-11-25T12:00:00Z",
        "reason": "EvictionByEvictionAPI",
        "message": "Eviction API: evicting",
    }


async def test_a_second_eviction_finds_the_budget_spent(cluster: Cluster) -> None:
    await make_pod(cluster, "web-0")
    await make_pod(cluster, "web-1")
    await make_budget(cluster, allowed=1, desired=2, current=3)
    await cluster.eviction.create(NS, "web-0", DeleteOptions())
    with pytest.raises(status.TooManyRequests):
        await cluster.eviction.create(NS, "web-1", DeleteOptions())


async def test_grace_period_zero_deletes_at_once(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=1)
    await cluster.eviction.create(NS, "web-0", DeleteOptions(grace_period_seconds=0))
    assert await pod_or_none(cluster) is None


async def test_without_a_budget_a_running_pod_is_evicted(cluster: Cluster) -> None:
    await make_pod(cluster)
    await cluster.eviction.create(NS, "web-0", DeleteOptions(grace_period_seconds=0))
    assert await pod_or_none(cluster) is None


@pytest.mark.parametrize(
    ("phase", "node"),
    [("Pending", ""), ("Succeeded", "node1"), ("Failed", "node1")],
    ids=["a pending pod", "a succeeded pod", "a failed pod"],
)
async def test_pods_that_disrupt_nothing_are_deleted_without_the_budget(
    cluster: Cluster, phase: str, node: str
) -> None:
    await make_pod(cluster, phase=phase, node=node)
    await make_budget(cluster, allowed=0)
    await cluster.eviction.create(NS, "web-0", DeleteOptions())
    assert await pod_or_none(cluster) is None
    assert (await cluster.budgets.get(NS, "pdb1"))["status"]["disruptionsAllowed"] == 0


async def test_a_pod_already_being_deleted_is_deleted_without_the_budget(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=0)
    await cluster.pods.delete(NS, "web-0", DeleteOptions())
    await cluster.eviction.create(NS, "web-0", DeleteOptions(grace_period_seconds=0))
    assert await pod_or_none(cluster) is None


@pytest.mark.parametrize(
    ("policy", "desired", "current", "evicted"),
    [
        ("", 2, 2, True),
        ("IfHealthyBudget", 2, 2, True),
        ("IfHealthyBudget", 2, 1, False),
        ("IfHealthyBudget", 0, 0, False),
        ("AlwaysAllow", 2, 1, True),
    ],
    ids=[
        "unset policy while the application is healthy",
        "IfHealthyBudget while the application is healthy",
        "IfHealthyBudget while the application is disrupted",
        "IfHealthyBudget with nothing desired",
        "AlwaysAllow whatever the application",
    ],
)
async def test_unready_pods_follow_the_unhealthy_pod_eviction_policy(
    cluster: Cluster, policy: str, desired: int, current: int, evicted: bool
) -> None:
    await make_pod(cluster, ready=False)
    await make_budget(cluster, allowed=0, desired=desired, current=current, policy=policy)
    if evicted:
        await cluster.eviction.create(NS, "web-0", DeleteOptions(grace_period_seconds=0))
        assert await pod_or_none(cluster) is None
    else:
        with pytest.raises(status.TooManyRequests):
            await cluster.eviction.create(NS, "web-0", DeleteOptions())
    budget = await cluster.budgets.get(NS, "pdb1")
    assert "disruptedPods" not in budget["status"], "an unhealthy pod spends no disruption"


async def test_budgets_of_other_pods_do_not_apply(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=0, selector={"matchLabels": {"app": "db"}})
    await cluster.eviction.create(NS, "web-0", DeleteOptions(grace_period_seconds=0))
    assert await pod_or_none(cluster) is None


async def test_a_dry_run_checks_the_budget_and_changes_nothing(cluster: Cluster) -> None:
    before = await make_pod(cluster)
    await make_budget(cluster, allowed=1)
    await cluster.eviction.create(NS, "web-0", DeleteOptions(dry_run=True))
    pod = await pod_or_none(cluster)
    assert pod == before
    assert (await cluster.budgets.get(NS, "pdb1"))["status"]["disruptionsAllowed"] == 1
    await make_budget(cluster, "pdb2", allowed=0, selector={"matchLabels": {"app": "web"}})
    with pytest.raises(UnknownFailure):
        await cluster.eviction.create(NS, "web-0", DeleteOptions(dry_run=True))


async def test_a_uid_precondition_that_does_not_hold_is_a_conflict(cluster: Cluster) -> None:
    await make_pod(cluster)
    with pytest.raises(status.Conflict) as raised:
        await cluster.eviction.create(NS, "web-0", DeleteOptions(precondition_uid="other"))
    uid = (await cluster.pods.get(NS, "web-0"))["metadata"]["uid"]
    assert raised.value.message == (
        f'Operation cannot be fulfilled on Pod "web-0": the UID in the precondition (other) does not '
        f"match the UID in record ({uid}). The object might have been deleted and then recreated"
    )


async def test_a_resource_version_precondition_follows_the_condition_write(cluster: Cluster) -> None:
    pod = await make_pod(cluster)
    version = pod["metadata"]["resourceVersion"]
    await cluster.eviction.create(
        NS, "web-0", DeleteOptions(precondition_resource_version=version, grace_period_seconds=0)
    )
    assert await pod_or_none(cluster) is None


async def test_a_budget_changed_under_the_eviction_is_read_again(cluster: Cluster) -> None:
    await make_pod(cluster)
    await make_budget(cluster, allowed=2, desired=1, current=3)
    original_update = cluster.budgets.update
    calls = 0

    async def racing_update(
        namespace: str, name: str, transform: Callable[[Object], Awaitable[Object] | Object], **kwargs: Any
    ) -> tuple[Object, bool]:
        nonlocal calls
        calls += 1
        if calls == 1:
            # Another eviction spends a disruption between this one's read and its write.
            def spent(budget: Object) -> Object:
                budget["status"]["disruptionsAllowed"] = 1
                budget["status"]["disruptedPods"] = {"web-9": "2026-11-25T11:59:59Z"}
                return budget

            await original_update(namespace, name, spent, subresource="status")
        return await original_update(namespace, name, transform, **kwargs)

    cluster.budgets.update = racing_update  # type: ignore[method-assign]
    await cluster.eviction.create(NS, "web-0", DeleteOptions())
    budget = await cluster.budgets.get(NS, "pdb1")
    assert budget["status"]["disruptionsAllowed"] == 0
    assert set(budget["status"]["disruptedPods"]) == {"web-9", "web-0"}
    assert cluster.sleeps == [0.5], "one conflict, one pause, one fresh read"


# --- the request body ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"apiVersion": "policy/v1", "kind": "Eviction"},
        {"apiVersion": "policy/v1beta1", "kind": "Eviction"},
        {},
    ],
    ids=["policy/v1", "policy/v1beta1 as upstream still accepts", "no type at all"],
)
def test_eviction_bodies_of_both_versions_are_accepted(body: Object) -> None:
    check_eviction_type(body)


def test_other_bodies_are_a_bad_request() -> None:
    with pytest.raises(status.BadRequest, match='Pod in version "v1" cannot be handled as a Eviction'):
        check_eviction_type({"apiVersion": "v1", "kind": "Pod"})


@pytest.mark.parametrize(
    ("body", "query", "expected"),
    [
        ({}, [], DeleteOptions()),
        ({"deleteOptions": None}, ["All"], DeleteOptions(dry_run=True)),
        ({"deleteOptions": {"dryRun": ["All"]}}, [], DeleteOptions(dry_run=True)),
        (
            {
                "deleteOptions": {
                    "gracePeriodSeconds": 0,
                    "preconditions": {"uid": "u", "resourceVersion": "7"},
                }
            },
            [],
            DeleteOptions(grace_period_seconds=0, precondition_uid="u", precondition_resource_version="7"),
        ),
    ],
    ids=["nothing", "dryRun from the query", "dryRun from the body", "grace period and preconditions"],
)
def test_delete_options_come_from_the_body_with_the_querys_dry_run(
    body: Object, query: list[str], expected: DeleteOptions
) -> None:
    assert eviction_delete_options(body, query) == expected


def test_dry_run_options_that_disagree_are_refused() -> None:
    with pytest.raises(UnknownFailure) as raised:
        eviction_delete_options({"deleteOptions": {"dryRun": ["All", "All"]}}, ["All"])
    assert raised.value.message == (
        "Non-matching dry-run options in request and content: [All] and [All All]"
    )
