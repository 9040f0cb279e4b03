"""ResourceQuota usage: what each object costs, scopes, and the status the controller writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pinnace.api.quota.evaluators import (
    PersistentVolumeClaimEvaluator,
    PodEvaluator,
    ServiceEvaluator,
)
from pinnace.api.quota.resourcelist import render
from pinnace.client import resources as r
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import resourcequota
from pinnace.controllers.context import ControllerContext
from tests.controllers.lifecycle_support import running

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def container(
    requests: dict[str, str] | None = None, limits: dict[str, str] | None = None, **extra: Any
) -> Object:
    resources: Object = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": "c", "image": "i", "resources": resources, **extra}


def pod(name: str = "p", *containers: Object, init: tuple[Object, ...] = (), **spec: Any) -> Object:
    status = spec.pop("status", {})
    metadata = spec.pop("metadata", {})
    body: Object = {"containers": list(containers) or [container()], **spec}
    if init:
        body["initContainers"] = list(init)
    return {"metadata": {"name": name, "namespace": "q", **metadata}, "spec": body, "status": status}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (pod(), {"count/pods": "1", "pods": "1"}),
        (
            pod("p", container({"cpu": "250m", "memory": "64Mi"}, {"cpu": "500m", "memory": "128Mi"})),
            {
                "count/pods": "1",
                "pods": "1",
                "cpu": "250m",
                "requests.cpu": "250m",
                "limits.cpu": "500m",
                "memory": "64Mi",
                "requests.memory": "64Mi",
                "limits.memory": "128Mi",
            },
        ),
        (
            pod(
                "p",
                container({"cpu": "100m"}),
                container({"cpu": "200m", "example.com/gpu": "1", "hugepages-2Mi": "4Mi"}),
            ),
            {
                "count/pods": "1",
                "pods": "1",
                "cpu": "300m",
                "requests.cpu": "300m",
                "requests.example.com/gpu": "1",
                "hugepages-2Mi": "4Mi",
                "requests.hugepages-2Mi": "4Mi",
            },
        ),
        (
            # An init container needing more than the app containers raises the pod's request; a sidecar
            # (restartable init container) adds to it.
            pod(
                "p",
                container({"memory": "100Mi"}),
                init=(container({"memory": "300Mi"}), container({"memory": "50Mi"}, restartPolicy="Always")),
            ),
            {
                "count/pods": "1",
                "pods": "1",
                "memory": "300Mi",
                "requests.memory": "300Mi",
            },
        ),
        (pod("p", container({"cpu": "1"}), status={"phase": "Succeeded"}), {"count/pods": "1"}),
        (
            pod(
                "p",
                container({"cpu": "1"}),
                metadata={"deletionTimestamp": "2024-12-31T23:00:00Z", "deletionGracePeriodSeconds": 30},
            ),
            {"count/pods": "1"},
        ),
    ],
    ids=[
        "no resources",
        "requests and limits",
        "sum over containers, extended resources and hugepages",
        "init containers and sidecars",
        "a finished pod counts only as an object",
        "a pod stuck past its grace period counts only as an object",
    ],
)
def test_pod_usage(obj: Object, expected: dict[str, str]) -> None:
    assert render(PodEvaluator(r.PODS).usage(obj, NOW)) == dict(sorted(expected.items()))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "ClusterIP", "ports": [{"port": 80}]}, {"nodeports": "0", "loadbalancers": "0"}),
        (
            {"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]},
            {"nodeports": "2", "loadbalancers": "0"},
        ),
        ({"type": "LoadBalancer", "ports": [{"port": 80}]}, {"nodeports": "1", "loadbalancers": "1"}),
        (
            {"type": "LoadBalancer", "ports": [{"port": 80}], "allocateLoadBalancerNodePorts": False},
            {"nodeports": "0", "loadbalancers": "1"},
        ),
    ],
    ids=["ClusterIP", "NodePort counts its ports", "LoadBalancer", "LoadBalancer without node ports"],
)
def test_service_usage(spec: Object, expected: dict[str, str]) -> None:
    used = render(ServiceEvaluator(r.SERVICES).usage({"spec": spec}, NOW))
    assert used == {
        "count/services": "1",
        "services": "1",
        "services.loadbalancers": expected["loadbalancers"],
        "services.nodeports": expected["nodeports"],
    }


def test_claim_usage_by_storage_class_and_the_larger_of_request_and_allocation() -> None:
    claim = {
        "spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"allocatedResources": {"storage": "2Gi"}},
    }
    assert render(PersistentVolumeClaimEvaluator(r.PERSISTENTVOLUMECLAIMS).usage(claim, NOW)) == {
        "count/persistentvolumeclaims": "1",
        "fast.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
        "fast.storageclass.storage.k8s.io/requests.storage": "2Gi",
        "persistentvolumeclaims": "1",
        "requests.storage": "2Gi",
    }


@pytest.mark.parametrize(
    ("scope", "obj", "matches"),
    [
        ({"scopeName": "Terminating"}, pod(activeDeadlineSeconds=60), True),
        ({"scopeName": "Terminating"}, pod(), False),
        ({"scopeName": "NotTerminating"}, pod(), True),
        ({"scopeName": "BestEffort"}, pod(), True),
        ({"scopeName": "BestEffort"}, pod("p", container({"cpu": "1"})), False),
        ({"scopeName": "NotBestEffort"}, pod("p", container(limits={"memory": "1Gi"})), True),
        (
            {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]},
            pod(priorityClassName="high"),
            True,
        ),
        ({"scopeName": "PriorityClass", "operator": "NotIn", "values": ["high"]}, pod(), True),
        ({"scopeName": "PriorityClass", "operator": "Exists"}, pod(), False),
    ],
    ids=[
        "Terminating: activeDeadlineSeconds",
        "Terminating: none",
        "NotTerminating",
        "BestEffort",
        "BestEffort: with requests",
        "NotBestEffort",
        "PriorityClass In",
        "PriorityClass NotIn without a class",
        "PriorityClass Exists without a class",
    ],
)
def test_pod_scopes(scope: Object, obj: Object, matches: bool) -> None:
    assert PodEvaluator(r.PODS).matches_scope(scope, obj) is matches


def quota(name: str, hard: dict[str, str], **spec: Any) -> Object:
    return {"metadata": {"name": name, "namespace": "q"}, "spec": {"hard": hard, **spec}}


def status_of(client: FakeClient, name: str) -> Object:
    (found,) = [o for o in client.objects(r.RESOURCEQUOTAS, "q") if o["metadata"]["name"] == name]
    return dict(found.get("status") or {})


async def test_status_tracks_usage_as_objects_come_and_go() -> None:
    client = FakeClient()
    hard = {
        "pods": "10",
        "requests.cpu": "2",
        "limits.memory": "1Gi",
        "services": "5",
        "services.nodeports": "2",
        "configmaps": "10",
        "count/deployments.apps": "3",
        "secrets": "4",
    }
    client.seed(r.RESOURCEQUOTAS, quota("compute", hard))
    client.seed(r.CONFIGMAPS, {"metadata": {"name": "kube-root-ca.crt", "namespace": "q"}})
    client.seed(r.CONFIGMAPS, {"metadata": {"name": "elsewhere", "namespace": "other"}})

    def build(ctx: ControllerContext) -> resourcequota.ResourceQuotaController:
        return resourcequota.ResourceQuotaController(ctx, resync_seconds=10.0)

    async with running(build, client=client) as h:
        await h.until(lambda: "used" in status_of(h.client, "compute"))
        assert status_of(h.client, "compute") == {
            "hard": hard,
            "used": {
                "configmaps": "1",
                "count/deployments.apps": "0",
                "limits.memory": "0",
                "pods": "0",
                "requests.cpu": "0",
                "secrets": "0",
                "services": "0",
                "services.nodeports": "0",
            },
        }
        await h.client.create(r.PODS, pod("a", container({"cpu": "500m"}, {"cpu": "1", "memory": "256Mi"})))
        await h.client.create(r.PODS, pod("b", container({"cpu": "250m"}, {"memory": "128Mi"})))
        await h.client.create(
            r.SERVICES,
            {
                "metadata": {"name": "s", "namespace": "q"},
                "spec": {"type": "NodePort", "ports": [{"port": 80}]},
            },
        )
        await h.until(lambda: status_of(h.client, "compute")["used"]["services.nodeports"] == "1")
        await h.until(lambda: status_of(h.client, "compute")["used"]["pods"] == "2")
        used = status_of(h.client, "compute")["used"]
        assert (used["requests.cpu"], used["limits.memory"], used["services"]) == ("750m", "384Mi", "1")

        # A pod that finishes stops counting; a deleted one too.
        await h.client.patch(r.PODS, "a", {"status": {"phase": "Succeeded"}}, "q", subresource="status")
        await h.until(lambda: status_of(h.client, "compute")["used"]["pods"] == "1")
        await h.client.delete(r.PODS, "b", "q")
        await h.until(lambda: status_of(h.client, "compute")["used"]["requests.cpu"] == "0")

        # Object counts of other kinds are refreshed by the periodic resync.
        await h.client.create(
            r.DEPLOYMENTS, {"metadata": {"name": "web", "namespace": "q"}, "spec": {"replicas": 1}}
        )
        await h.until(
            lambda: status_of(h.client, "compute")["used"]["count/deployments.apps"] == "1", seconds=20.0
        )


async def test_scoped_quotas_count_only_matching_pods() -> None:
    client = FakeClient()
    client.seed(
        r.RESOURCEQUOTAS,
        quota("best-effort", {"pods": "5"}, scopes=["BestEffort"]),
        quota("not-best-effort", {"pods": "5", "requests.memory": "1Gi"}, scopes=["NotBestEffort"]),
        quota("terminating", {"pods": "5"}, scopes=["Terminating"]),
    )
    client.seed(
        r.PODS,
        pod("plain"),
        pod("sized", container({"memory": "100Mi"})),
        pod("job", activeDeadlineSeconds=30),
    )
    async with running(resourcequota.new_controller, client=client) as h:
        await h.until(
            lambda: all(
                "used" in status_of(h.client, n) for n in ("best-effort", "not-best-effort", "terminating")
            )
        )
        assert status_of(h.client, "best-effort")["used"] == {"pods": "2"}
        assert status_of(h.client, "not-best-effort")["used"] == {"pods": "1", "requests.memory": "100Mi"}
        assert status_of(h.client, "terminating")["used"] == {"pods": "1"}


async def test_changing_hard_limits_rewrites_the_status() -> None:
    client = FakeClient()
    client.seed(r.RESOURCEQUOTAS, quota("q1", {"pods": "1"}))
    async with running(resourcequota.new_controller, client=client) as h:
        await h.until(lambda: status_of(h.client, "q1").get("hard") == {"pods": "1"})
        writes = len(h.client.actions_of("update", "resourcequotas"))
        await h.settle()
        assert len(h.client.actions_of("update", "resourcequotas")) == writes  # no churn
        await h.client.patch(r.RESOURCEQUOTAS, "q1", {"spec": {"hard": {"pods": "3", "secrets": "2"}}}, "q")
        await h.until(lambda: status_of(h.client, "q1").get("hard") == {"pods": "3", "secrets": "2"})
        assert status_of(h.client, "q1")["used"] == {"pods": "0", "secrets": "0"}
