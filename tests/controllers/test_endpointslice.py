"""The EndpointSlice controller against a FakeClient: the slices ``kubectl get endpointslices -o yaml``
would show, and how few writes it takes to get there."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.client import resources as r
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import endpointslice
from pinnace.controllers.endpointslice.controller import EndpointSliceController
from pinnace.controllers.endpointslice.slices import address_types_for_service
from tests.controllers.endpoints_support import NAMESPACE, node, pod, service
from tests.controllers.lifecycle_support import Harness, running

MANAGED = {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}


def slices(h: Harness, service_name: str = "web") -> list[Object]:
    return [
        s
        for s in h.client.objects(r.ENDPOINTSLICES, NAMESPACE)
        if s["metadata"].get("labels", {}).get("kubernetes.io/service-name") == service_name
    ]


def endpoint_ips(h: Harness, service_name: str = "web") -> list[str]:
    return sorted(
        ip for s in slices(h, service_name) for e in s.get("endpoints") or [] for ip in e["addresses"]
    )


def writes(h: Harness) -> list[str]:
    return [
        a.verb for a in h.client.actions if a.resource == "endpointslices" and a.verb not in ("list", "watch")
    ]


def cluster(*objects: tuple[Any, Object], zone: str = "") -> FakeClient:
    client = FakeClient()
    client.seed(r.NODES, node("n1", zone=zone))
    for resource, obj in objects:
        client.seed(resource, obj)
    return client


async def test_a_slice_with_conditions_node_zone_ports_and_owner() -> None:
    client = cluster(
        (r.SERVICES, service(labels={"tier": "web"})),
        (r.PODS, pod("web-1", "10.1.0.1")),
        (r.PODS, pod("web-2", "10.1.0.2", ready=False)),
        zone="zone-a",
    )
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1", "10.1.0.2"])
        (found,) = slices(h)
        (svc,) = h.client.objects(r.SERVICES, NAMESPACE)
        metadata = found["metadata"]
        assert metadata["name"].startswith("web-")
        assert metadata["labels"] == {"tier": "web", "kubernetes.io/service-name": "web", **MANAGED}
        assert metadata["ownerReferences"] == [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "name": "web",
                "uid": svc["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert "endpoints.kubernetes.io/last-change-trigger-time" in metadata["annotations"]
        assert found["addressType"] == "IPv4"
        assert found["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        by_name = {e["targetRef"]["name"]: e for e in found["endpoints"]}
        assert by_name["web-1"]["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert by_name["web-2"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
        assert by_name["web-1"]["nodeName"] == "n1"
        assert by_name["web-1"]["zone"] == "zone-a"


async def test_a_service_without_endpoints_gets_one_placeholder_slice() -> None:
    client = cluster((r.SERVICES, service()))
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: len(slices(h)) == 1)
        (found,) = slices(h)
        assert found["endpoints"] == [] and found["ports"] == []
        await h.settle(3)
        assert writes(h) == ["create"]


async def test_terminating_pods_are_serving_but_not_ready() -> None:
    terminating = pod("web-1", "10.1.0.1")
    terminating["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    client = cluster((r.SERVICES, service()), (r.PODS, terminating))
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1"])
        (endpoint,) = slices(h)[0]["endpoints"]
        assert endpoint["conditions"] == {"ready": False, "serving": True, "terminating": True}


async def test_readiness_changes_update_the_slice_in_place() -> None:
    client = cluster((r.SERVICES, service()), (r.PODS, pod("web-1", "10.1.0.1", ready=False)))
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1"])
        name = slices(h)[0]["metadata"]["name"]
        ready = {"conditions": [{"type": "Ready", "status": "True"}]}
        await h.client.patch(r.PODS, "web-1", {"status": ready}, NAMESPACE, subresource="status")
        await h.until(lambda: slices(h)[0]["endpoints"][0]["conditions"]["ready"] is True)
        assert [s["metadata"]["name"] for s in slices(h)] == [name]
        assert writes(h) == ["create", "update"]


async def test_slices_hold_at_most_max_endpoints_and_scale_down_empties_whole_slices() -> None:
    pods = [(r.PODS, pod(f"web-{i:02d}", f"10.1.0.{i + 1}")) for i in range(7)]
    client = cluster((r.SERVICES, service()), *pods)

    def build(ctx: Any) -> EndpointSliceController:
        return EndpointSliceController(ctx, max_endpoints_per_slice=3)

    async with running(build, client=client) as h:
        await h.until(lambda: len(endpoint_ips(h)) == 7)
        assert sorted(len(s["endpoints"]) for s in slices(h)) == [1, 3, 3]
        for i in range(7):
            await h.client.delete(r.PODS, f"web-{i:02d}", NAMESPACE, grace_period_seconds=0)
        await h.until(lambda: len(slices(h)) == 1 and slices(h)[0]["endpoints"] == [])


async def test_pods_on_a_missing_node_are_skipped_and_reported() -> None:
    client = cluster(
        (r.SERVICES, service()),
        (r.PODS, pod("web-1", "10.1.0.1")),
        (r.PODS, pod("web-2", "10.1.0.2", node="ghost")),
    )
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1"])
        await h.until(lambda: bool(h.events("FailedToUpdateEndpointSlices")))
        (event, *_) = h.events("FailedToUpdateEndpointSlices")
        assert event["message"] == (
            "Error updating Endpoint Slices for Service default/web: "
            "skipping Pod web-2 for Service default/web: Node ghost Not Found"
        )


async def test_a_slice_deleted_by_someone_else_is_recreated() -> None:
    client = cluster((r.SERVICES, service()), (r.PODS, pod("web-1", "10.1.0.1")))
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1"])
        await h.client.delete(r.ENDPOINTSLICES, slices(h)[0]["metadata"]["name"], NAMESPACE)
        await h.until(lambda: endpoint_ips(h) == ["10.1.0.1"], seconds=5)


async def test_services_without_selector_get_no_slices() -> None:
    client = cluster((r.SERVICES, service("manual", selector="none")))  # type: ignore[arg-type]
    async with running(endpointslice.new_controller, client=client) as h:
        await h.settle()
        assert writes(h) == []


async def test_dual_stack_service_gets_a_slice_per_family() -> None:
    dual = pod("web-1", "10.1.0.1")
    dual["status"]["podIPs"] = [{"ip": "10.1.0.1"}, {"ip": "fd00::1"}]
    client = cluster((r.SERVICES, service(families=("IPv4", "IPv6"))), (r.PODS, dual))
    async with running(endpointslice.new_controller, client=client) as h:
        await h.until(lambda: len(endpoint_ips(h)) == 2)
        by_type = {s["addressType"]: s["endpoints"][0]["addresses"] for s in slices(h)}
        assert by_type == {"IPv4": ["10.1.0.1"], "IPv6": ["fd00::1"]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"ipFamilies": ["IPv6"], "clusterIP": "fd00::a"}, ["IPv6"], id="families decide"),
        pytest.param({"clusterIP": "10.0.0.1"}, ["IPv4"], id="old servers: by cluster IP"),
        pytest.param({"clusterIP": "None"}, ["IPv4", "IPv6"], id="old servers, headless: both"),
    ],
)
def test_address_types(spec: Object, expected: list[str]) -> None:
    assert address_types_for_service({"metadata": {"name": "s"}, "spec": spec}) == expected
