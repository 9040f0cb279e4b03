"""ResourceQuota admission: refusals with upstream's messages, and usage charged to the quota at once."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Operation
from pinnace.apiserver.admission.plugins.resourcequota import RESOURCE_QUOTAS, ResourceQuota
from tests.unit.admission_fakes import FakeObjects, attributes, context, pod

SERVICES = GroupVersionResource("", "v1", "services")
SERVICE_KIND = GroupVersionKind("", "v1", "Service")
CONFIGMAPS = GroupVersionResource("", "v1", "configmaps")
CONFIGMAP_KIND = GroupVersionKind("", "v1", "ConfigMap")


def quota(name: str, hard: dict[str, str], used: dict[str, str] | None, **spec: Any) -> dict[str, Any]:
    quota_status: dict[str, Any] = {"hard": hard}
    if used is not None:
        quota_status["used"] = used
    return {
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"hard": hard, **spec},
        "status": quota_status,
    }


def plugin(objects: FakeObjects, config: dict[str, Any] | None = None) -> ResourceQuota:
    return ResourceQuota(context(objects, config))


def with_requests(cpu: str = "", memory: str = "") -> dict[str, Any]:
    body = pod()
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    body["spec"]["containers"][0]["resources"] = {"requests": requests, "limits": dict(requests)}
    return body


async def test_a_pod_past_the_limit_is_refused_with_upstreams_message() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"pods": "2"}, {"pods": "2"})))
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).validate(attributes(pod()))
    assert refused.value.message == (
        'pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
    )
    assert objects.status_updates == []


async def test_an_admitted_pod_is_charged_to_every_quota_it_falls_under() -> None:
    objects = FakeObjects(
        (
            RESOURCE_QUOTAS,
            quota("counts", {"pods": "5", "count/pods": "5"}, {"pods": "1", "count/pods": "1"}),
        ),
        (RESOURCE_QUOTAS, quota("compute", {"requests.cpu": "2"}, {"requests.cpu": "500m"})),
        (RESOURCE_QUOTAS, quota("secrets", {"secrets": "1"}, {"secrets": "1"})),
    )
    await plugin(objects).validate(attributes(with_requests(cpu="250m", memory="64Mi")))
    used = {u["metadata"]["name"]: u["status"]["used"] for u in objects.status_updates}
    assert used == {"counts": {"count/pods": "2", "pods": "2"}, "compute": {"requests.cpu": "750m"}}


async def test_a_dry_run_is_checked_but_charges_nothing() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"pods": "2"}, {"pods": "1"})))
    await plugin(objects).validate(attributes(pod(), dry_run=True))
    assert objects.status_updates == []


async def test_a_quota_without_usage_yet_refuses_until_the_controller_has_counted() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"pods": "2", "requests.cpu": "1"}, None)))
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).validate(attributes(with_requests(cpu="100m")))
    assert (
        refused.value.message
        == 'pods "p" is forbidden: status unknown for quota: q, resources: pods,requests.cpu'
    )


async def test_a_compute_quota_needs_every_container_to_state_what_it_limits() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"limits.cpu": "2", "requests.memory": "1Gi"}, {})))
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).validate(attributes(pod()))
    assert refused.value.message == (
        'pods "p" is forbidden: failed quota: q: must specify limits.cpu for: c; requests.memory for: c'
    )


async def test_scoped_quotas_count_only_the_pods_in_their_scope() -> None:
    objects = FakeObjects(
        (RESOURCE_QUOTAS, quota("best-effort", {"pods": "0"}, {"pods": "0"}, scopes=["BestEffort"]))
    )
    await plugin(objects).validate(attributes(with_requests(cpu="100m")))
    best_effort = pod()
    best_effort["status"] = {"qosClass": "BestEffort"}
    with pytest.raises(status.Forbidden, match="exceeded quota: best-effort"):
        await plugin(objects).validate(attributes(best_effort))


async def test_updates_are_charged_the_difference() -> None:
    objects = FakeObjects(
        (
            RESOURCE_QUOTAS,
            quota("q", {"services.nodeports": "2"}, {"services.nodeports": "1", "services": "1"}),
        )
    )
    old = {
        "metadata": {"name": "s", "namespace": "ns", "resourceVersion": "5"},
        "spec": {"type": "NodePort", "ports": [{"port": 1}]},
    }
    new = {
        "metadata": {"name": "s", "namespace": "ns"},
        "spec": {"type": "NodePort", "ports": [{"port": 1}, {"port": 2}, {"port": 3}]},
    }
    attrs = attributes(new, operation=Operation.UPDATE, old=old, resource=SERVICES, kind=SERVICE_KIND)
    with pytest.raises(status.Forbidden) as refused:
        await plugin(objects).validate(attrs)
    assert refused.value.message == (
        'services "s" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=1, '
        "limited: services.nodeports=2"
    )


async def test_object_counts_charge_creates_only() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"configmaps": "1"}, {"configmaps": "1"})))
    cm = {"metadata": {"name": "c", "namespace": "ns"}}
    with pytest.raises(status.Forbidden, match="exceeded quota: q, requested: configmaps=1"):
        await plugin(objects).validate(attributes(cm, resource=CONFIGMAPS, kind=CONFIGMAP_KIND))
    await plugin(objects).validate(
        attributes(cm, operation=Operation.UPDATE, old=cm, resource=CONFIGMAPS, kind=CONFIGMAP_KIND)
    )


async def test_a_conflicting_charge_is_decided_again_on_the_fresh_quota() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"pods": "3"}, {"pods": "1"})))
    objects.conflicts = 1
    await plugin(objects).validate(attributes(pod()))
    assert objects.live_reads == [("ns", "q")]
    assert [u["status"]["used"] for u in objects.status_updates] == [{"pods": "2"}]


async def test_limited_resources_need_a_covering_quota() -> None:
    config = {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "ResourceQuotaConfiguration",
        "limitedResources": [{"resource": "pods", "matchContains": ["cpu"]}],
    }
    with pytest.raises(status.Forbidden) as refused:
        await plugin(FakeObjects(), config).validate(attributes(with_requests(cpu="1")))
    assert (
        refused.value.message
        == 'pods "p" is forbidden: insufficient quota to consume: cpu,limits.cpu,requests.cpu'
    )


async def test_subresources_and_cluster_scoped_objects_are_not_counted() -> None:
    objects = FakeObjects((RESOURCE_QUOTAS, quota("q", {"pods": "0"}, {"pods": "0"})))
    await plugin(objects).validate(attributes(pod(), subresource="status"))
    await plugin(objects).validate(attributes(pod(), namespace=""))


async def test_quotas_the_cache_has_not_seen_are_read_live_and_remembered() -> None:
    objects = FakeObjects()
    objects.put(RESOURCE_QUOTAS, quota("q", {"pods": "1"}, {"pods": "1"}), cached=False)
    quota_plugin = plugin(objects)
    for _ in range(2):
        with pytest.raises(status.Forbidden, match="exceeded quota: q"):
            await quota_plugin.validate(attributes(pod()))
    assert objects.live_lists == ["ns"]
