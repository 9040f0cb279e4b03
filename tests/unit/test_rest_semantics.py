"""Object semantics of the REST layer over a real SQLite store: what each verb does to stored state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pinnace.apiserver import apis, status
from pinnace.apiserver.admission.install import install
from pinnace.apiserver.admission.options import AdmissionOptions
from pinnace.apiserver.rest.resource import DeleteOptions, ListOptions, ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.apiserver.watchcache import CacheEvent
from pinnace.storage import open_store

Object = dict[str, Any]
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[ResourceStores]:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    built = apis.build_stores(store, apis.served_registry())
    built.start()
    await built.wait_ready()
    await apis.ensure_default_namespaces(built)
    yield built
    await built.stop()
    await store.close()


def rest(stores: ResourceStores, group: str, resource: str, version: str = "v1") -> ResourceStore:
    found = stores.get(group, version, resource)
    assert found is not None
    return found


def deployment(name: str = "web", replicas: int = 1) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def pod(name: str, node: str = "") -> Object:
    spec: Object = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


async def test_create_fills_server_fields_and_initial_status(stores: ResourceStores) -> None:
    created = await rest(stores, "apps", "deployments").create("default", deployment())
    metadata = created["metadata"]
    assert metadata["namespace"] == "default" and metadata["generation"] == 1
    assert metadata["uid"] and metadata["creationTimestamp"].endswith("Z")
    assert int(metadata["resourceVersion"]) > 0
    new_pod = await rest(stores, "", "pods").create("default", pod("p"))
    assert new_pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


async def test_generate_name_gets_a_five_character_suffix(stores: ResourceStores) -> None:
    body = deployment("")
    body["metadata"] = {"generateName": "web-"}
    created = await rest(stores, "apps", "deployments").create("default", body)
    name = created["metadata"]["name"]
    assert name.startswith("web-") and len(name) == len("web-") + 5


async def test_generation_moves_with_spec_changes_only(stores: ResourceStores) -> None:
    deployments = rest(stores, "apps", "deployments")
    await deployments.create("default", deployment())

    def relabel(obj: Object) -> Object:
        obj["metadata"]["labels"] = {"team": "a"}
        return obj

    def rescale(obj: Object) -> Object:
        obj["spec"]["replicas"] = 3
        return obj

    labelled, _ = await deployments.update("default", "web", relabel)
    assert labelled["metadata"]["generation"] == 1
    scaled, _ = await deployments.update("default", "web", rescale)
    assert scaled["metadata"]["generation"] == 2


async def test_a_daemon_set_template_generation_moves_with_template_changes_only(
    stores: ResourceStores,
) -> None:
    daemonsets = rest(stores, "apps", "daemonsets")
    body = deployment("agent")
    body["kind"] = "DaemonSet"
    del body["spec"]["replicas"]
    await daemonsets.create("default", body)
    key = "deprecated.daemonset.template.generation"

    def forge(obj: Object) -> Object:
        obj["metadata"]["annotations"][key] = "41"  # an update cannot set it
        obj["spec"]["minReadySeconds"] = 5
        return obj

    def new_image(obj: Object) -> Object:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
        obj["metadata"]["annotations"].pop(key)
        return obj

    forged, _ = await daemonsets.update("default", "agent", forge)
    assert forged["metadata"]["annotations"][key] == "1"
    assert forged["metadata"]["generation"] == 2
    updated, _ = await daemonsets.update("default", "agent", new_image)
    assert updated["metadata"]["annotations"][key] == "2"
    assert updated["metadata"]["generation"] == 3


async def test_main_resource_updates_ignore_status_and_status_updates_ignore_spec(
    stores: ResourceStores,
) -> None:
    deployments = rest(stores, "apps", "deployments")
    await deployments.create("default", deployment())

    def both(obj: Object) -> Object:
        obj["spec"]["replicas"] = 5
        obj["status"] = {"replicas": 5}
        return obj

    via_main, _ = await deployments.update("default", "web", both)
    assert via_main["spec"]["replicas"] == 5 and via_main["status"].get("replicas") is None
    via_status, _ = await deployments.update(
        "default", "web", lambda obj: {**both(obj), "spec": {}}, subresource="status"
    )
    assert via_status["status"]["replicas"] == 5 and via_status["spec"]["replicas"] == 5


async def test_a_stale_resource_version_is_a_conflict_with_upstream_wording(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    created = await configmaps.create("default", {"metadata": {"name": "c"}, "data": {"a": "1"}})
    await configmaps.update("default", "c", lambda obj: {**obj, "data": {"a": "2"}})
    stale = created["metadata"]["resourceVersion"]
    with pytest.raises(status.Conflict) as caught:
        await configmaps.update(
            "default", "c", lambda obj: {**obj, "metadata": {**obj["metadata"], "resourceVersion": stale}}
        )
    assert str(caught.value) == (
        'Operation cannot be fulfilled on configmaps "c": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


async def test_an_update_that_changes_nothing_keeps_the_resource_version(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    created = await configmaps.create("default", {"metadata": {"name": "same"}, "data": {"a": "1"}})
    unchanged, _ = await configmaps.update("default", "same", lambda obj: obj)
    assert unchanged["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_finalizers_hold_deletion_until_removed(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    await configmaps.create("default", {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    pending = await configmaps.delete("default", "held", DeleteOptions())
    assert not pending.finished and pending.object["metadata"]["deletionTimestamp"]
    still_there = await configmaps.get("default", "held")
    assert still_there["metadata"]["deletionGracePeriodSeconds"] == 0

    def release(obj: Object) -> Object:
        obj["metadata"]["finalizers"] = []
        return obj

    await configmaps.update("default", "held", release)
    with pytest.raises(status.NotFound):
        await configmaps.get("default", "held")


async def test_bound_pods_are_deleted_gracefully_and_unbound_ones_at_once(stores: ResourceStores) -> None:
    pods = rest(stores, "", "pods")
    await pods.create("default", pod("bound", node="node-1"))
    await pods.create("default", pod("unbound"))
    graceful = await pods.delete("default", "bound", DeleteOptions())
    assert not graceful.finished
    assert graceful.object["metadata"]["deletionGracePeriodSeconds"] == 30
    shorter = await pods.delete("default", "bound", DeleteOptions(grace_period_seconds=5))
    assert shorter.object["metadata"]["deletionGracePeriodSeconds"] == 5
    assert (await pods.delete("default", "unbound", DeleteOptions())).finished
    forced = await pods.delete("default", "bound", DeleteOptions(grace_period_seconds=0))
    assert forced.finished


async def test_delete_preconditions_are_checked(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    await configmaps.create("default", {"metadata": {"name": "guarded"}})
    with pytest.raises(status.Conflict, match="Precondition failed: UID in precondition: wrong"):
        await configmaps.delete("default", "guarded", DeleteOptions(precondition_uid="wrong"))
    assert (await configmaps.delete("default", "guarded", DeleteOptions(dry_run=True))).finished
    assert await configmaps.get("default", "guarded"), "a dry-run delete stores nothing"


async def test_objects_cannot_be_created_in_missing_or_terminating_namespaces(stores: ResourceStores) -> None:
    # The NamespaceLifecycle admission plugin refuses them; it runs in the REST layer's admission chain.
    install(stores, AdmissionOptions(enable_plugins=("NamespaceLifecycle",)))
    configmaps = rest(stores, "", "configmaps")
    with pytest.raises(status.NotFound, match='namespaces "ghost" not found'):
        await configmaps.create("ghost", {"metadata": {"name": "c"}})
    namespaces = stores.namespaces
    await namespaces.create("", {"metadata": {"name": "leaving"}})
    result = await namespaces.delete("", "leaving", DeleteOptions())
    assert not result.finished and result.object["status"]["phase"] == "Terminating"
    with pytest.raises(status.Forbidden, match="because it is being terminated"):
        await configmaps.create("leaving", {"metadata": {"name": "c"}})


async def test_paginated_lists_continue_at_the_first_page_revision(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    for index in range(5):
        await configmaps.create("default", {"metadata": {"name": f"c{index}"}})
    first = await configmaps.list(ListOptions(namespace="default", limit=2))
    assert [o["metadata"]["name"] for o in first.items] == ["c0", "c1"]
    assert first.continue_token and first.remaining == 3
    await configmaps.create("default", {"metadata": {"name": "c2a"}})
    second = await configmaps.list(
        ListOptions(namespace="default", limit=10, continue_token=first.continue_token)
    )
    assert [o["metadata"]["name"] for o in second.items] == ["c2", "c3", "c4"]
    assert second.resource_version == first.resource_version and not second.continue_token


async def test_a_garbled_continue_token_is_a_bad_request(stores: ResourceStores) -> None:
    with pytest.raises(status.BadRequest, match="continue key is not valid"):
        await rest(stores, "", "configmaps").list(
            ListOptions(namespace="default", limit=1, continue_token="%%%")
        )


async def test_services_get_cluster_ips_and_node_ports_that_are_released_on_delete(
    stores: ResourceStores,
) -> None:
    services = rest(stores, "", "services")
    body = {
        "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    created = await services.create("default", body)
    spec = created["spec"]
    assert spec["clusterIP"].startswith("10.") and spec["clusterIPs"] == [spec["clusterIP"]]
    assert 30000 <= spec["ports"][0]["nodePort"] <= 32767
    assert spec["ports"][0]["targetPort"] == 80 and spec["ipFamilies"] == ["IPv4"]
    taken = {"metadata": {"name": "copy"}, "spec": {"clusterIP": spec["clusterIP"], "ports": [{"port": 80}]}}
    with pytest.raises(status.Invalid, match="provided IP is already allocated"):
        await services.create("default", taken)
    await services.delete("default", "web", DeleteOptions())
    reused = await services.create("default", taken)
    assert reused["spec"]["clusterIP"] == spec["clusterIP"], "the deleted Service's IP was released"


async def test_the_kubernetes_service_takes_the_first_service_ip(stores: ResourceStores) -> None:
    await apis.ensure_kubernetes_service(stores, 6443)
    service = await rest(stores, "", "services").get("default", "kubernetes")
    assert service["spec"]["clusterIP"] == "10.96.0.1"
    assert service["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]


async def test_watch_from_a_list_revision_sees_later_changes(stores: ResourceStores) -> None:
    configmaps = rest(stores, "", "configmaps")
    listed = await configmaps.list(ListOptions(namespace="default"))
    events = await configmaps.watch("default", str(listed.resource_version), send_initial_events=False)
    await configmaps.create("default", {"metadata": {"name": "later"}})
    async for item in events:
        if isinstance(item, CacheEvent):
            assert (item.type, item.object["metadata"]["name"]) == ("ADDED", "later")
            break


async def test_an_hpa_written_as_v1_reads_as_v2_and_back(stores: ResourceStores) -> None:
    v1 = rest(stores, "autoscaling", "horizontalpodautoscalers", "v1")
    v2 = rest(stores, "autoscaling", "horizontalpodautoscalers", "v2")
    created = await v1.create(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 80,
            },
        },
    )
    assert (
        created["apiVersion"] == "autoscaling/v1" and created["spec"]["targetCPUUtilizationPercentage"] == 80
    )
    as_v2 = await v2.get("default", "web")
    assert as_v2["apiVersion"] == "autoscaling/v2"
    assert as_v2["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
        }
    ]
    listed = await v1.list(ListOptions(namespace="default"))
    assert listed.items[0]["spec"]["targetCPUUtilizationPercentage"] == 80


async def test_events_written_through_either_api_share_one_storage(stores: ResourceStores) -> None:
    modern = rest(stores, "events.k8s.io", "events")
    await modern.create(
        "default",
        {
            "metadata": {"name": "e1"},
            "eventTime": "2026-11-25T12:00:00.000000Z",
            "reportingController": "example.com/ctl",
            "reportingInstance": "ctl-1",
            "action": "Scale",
            "reason": "Scaled",
            "note": "scaled to 3",
            "type": "Normal",
            "regarding": {"kind": "Deployment", "name": "web", "namespace": "default"},
        },
    )
    core_event = await rest(stores, "", "events").get("default", "e1")
    assert core_event["apiVersion"] == "v1"
    assert (core_event["message"], core_event["involvedObject"]["name"]) == ("scaled to 3", "web")
    assert core_event["reportingComponent"] == "example.com/ctl"
