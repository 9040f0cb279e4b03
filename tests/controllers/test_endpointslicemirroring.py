"""The EndpointSlice mirroring controller against a FakeClient: Endpoints a user writes for a Service
without selector show up as EndpointSlices."""

from __future__ import annotations

from typing import Any

from pinnace.client import resources as r
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import endpointslicemirroring
from tests.controllers.endpoints_support import NAMESPACE, service
from tests.controllers.lifecycle_support import Harness, running


def endpoints(name: str = "db", *, labels: dict[str, str] | None = None, **extra: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": labels or {"team": "data"},
            "annotations": {"note": "external", "endpoints.kubernetes.io/last-change-trigger-time": "x"},
        },
        "subsets": [
            {
                "addresses": [{"ip": "192.0.2.10", "hostname": "db-0"}, {"ip": "not-an-ip"}],
                "notReadyAddresses": [{"ip": "192.0.2.11", "nodeName": "n1"}],
                "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
            }
        ],
        **extra,
    }


def mirrored(h: Harness, name: str = "db") -> list[Object]:
    return [
        s
        for s in h.client.objects(r.ENDPOINTSLICES, NAMESPACE)
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == name
    ]


def writes(h: Harness) -> list[str]:
    return [
        a.verb for a in h.client.actions if a.resource == "endpointslices" and a.verb not in ("list", "watch")
    ]


def selectorless(name: str = "db") -> Object:
    return service(name, selector="none", ports=[{"name": "pg", "port": 5432, "protocol": "TCP"}])  # type: ignore[arg-type]


async def test_user_written_endpoints_are_mirrored() -> None:
    client = FakeClient()
    client.seed(r.SERVICES, selectorless())
    (source,) = client.seed(r.ENDPOINTS, endpoints())
    async with running(endpointslicemirroring.new_controller, client=client) as h:
        await h.until(lambda: len(mirrored(h)) == 1)
        (found,) = mirrored(h)
        metadata = found["metadata"]
        assert metadata["name"].startswith("db-")
        assert metadata["labels"] == {
            "team": "data",
            "kubernetes.io/service-name": "db",
            "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
        }
        assert metadata["annotations"] == {"note": "external"}
        assert metadata["ownerReferences"][0]["kind"] == "Endpoints"
        assert metadata["ownerReferences"][0]["uid"] == source["metadata"]["uid"]
        assert found["addressType"] == "IPv4"
        assert found["ports"] == [{"name": "pg", "port": 5432, "protocol": "TCP"}]
        by_ip = {e["addresses"][0]: e for e in found["endpoints"]}
        assert by_ip["192.0.2.10"] == {
            "addresses": ["192.0.2.10"],
            "conditions": {"ready": True},
            "hostname": "db-0",
        }
        assert by_ip["192.0.2.11"] == {
            "addresses": ["192.0.2.11"],
            "conditions": {"ready": False},
            "nodeName": "n1",
        }
        await h.until(lambda: bool(h.events("InvalidIPAddress")))
        assert h.events("InvalidIPAddress")[0]["message"] == (
            "Skipped 1 invalid IP addresses when mirroring to EndpointSlices"
        )
        await h.settle(3)
        assert writes(h) == ["create"]


async def test_changes_update_the_slice_and_opting_out_removes_it() -> None:
    client = FakeClient()
    client.seed(r.SERVICES, selectorless())
    client.seed(r.ENDPOINTS, endpoints())
    async with running(endpointslicemirroring.new_controller, client=client) as h:
        await h.until(lambda: len(mirrored(h)) == 1)
        name = mirrored(h)[0]["metadata"]["name"]
        subsets = [
            {"addresses": [{"ip": "192.0.2.20"}], "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}
        ]
        await h.client.patch(r.ENDPOINTS, "db", {"subsets": subsets}, NAMESPACE)
        await h.until(lambda: [e["addresses"] for e in mirrored(h)[0]["endpoints"]] == [["192.0.2.20"]])
        assert mirrored(h)[0]["metadata"]["name"] == name
        await h.client.patch(
            r.ENDPOINTS,
            "db",
            {"metadata": {"labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}}},
            NAMESPACE,
        )
        await h.until(lambda: mirrored(h) == [])


async def test_services_with_a_selector_are_not_mirrored() -> None:
    client = FakeClient()
    client.seed(r.SERVICES, service("db"))
    client.seed(r.ENDPOINTS, endpoints())
    async with running(endpointslicemirroring.new_controller, client=client) as h:
        await h.settle()
        assert writes(h) == []


async def test_endpoints_without_a_service_are_not_mirrored_and_slices_go_with_the_service() -> None:
    client = FakeClient()
    client.seed(r.ENDPOINTS, endpoints())
    async with running(endpointslicemirroring.new_controller, client=client) as h:
        await h.settle()
        assert writes(h) == []
        await h.client.create(r.SERVICES, selectorless())
        await h.until(lambda: len(mirrored(h)) == 1)
        await h.client.delete(r.SERVICES, "db", NAMESPACE)
        await h.until(lambda: mirrored(h) == [])
