"""The Endpoints controller against a FakeClient: what ``kubectl get endpoints -o yaml`` would show."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.client import resources as r
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers import endpoints
from pinnace.controllers.endpointsubsets import repack_subsets, truncate
from tests.controllers.endpoints_support import NAMESPACE, node, pod, service
from tests.controllers.lifecycle_support import Harness, running


def stored(h: Harness, name: str = "web") -> Object | None:
    for obj in h.client.objects(r.ENDPOINTS, NAMESPACE):
        if obj["metadata"]["name"] == name:
            return obj
    return None


def ips(subset: Object, field: str = "addresses") -> list[str]:
    return [address["ip"] for address in subset.get(field) or []]


def seeded(*objects: tuple[Any, Object]) -> FakeClient:
    client = FakeClient()
    client.seed(r.NODES, node())
    for resource, obj in objects:
        client.seed(resource, obj)
    return client


async def test_ready_and_not_ready_pods_become_addresses_with_the_resolved_port() -> None:
    client = seeded(
        (r.SERVICES, service()),
        (r.PODS, pod("web-1", "10.1.0.1")),
        (r.PODS, pod("web-2", "10.1.0.2", ready=False)),
        (r.PODS, pod("other", "10.1.0.3", app="other")),
        (r.PODS, pod("no-ip", None)),
        (r.PODS, pod("done", "10.1.0.4", phase="Succeeded")),
    )
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        found = stored(h)
        assert found is not None
        (subset,) = found["subsets"]
        assert ips(subset) == ["10.1.0.1"]
        assert ips(subset, "notReadyAddresses") == ["10.1.0.2"]
        assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        address = subset["addresses"][0]
        assert address["nodeName"] == "n1"
        assert address["targetRef"] == {
            "kind": "Pod",
            "namespace": NAMESPACE,
            "name": "web-1",
            "uid": next(
                p["metadata"]["uid"]
                for p in client.objects(r.PODS, NAMESPACE)
                if p["metadata"]["name"] == "web-1"
            ),
        }
        assert found["metadata"]["labels"] == {}
        assert "endpoints.kubernetes.io/last-change-trigger-time" in found["metadata"]["annotations"]


async def test_a_named_target_port_resolves_per_pod() -> None:
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"}]
    client = seeded(
        (r.SERVICES, service(ports=ports)),
        (r.PODS, pod("a", "10.1.0.1", container_ports=[{"name": "web", "containerPort": 8080}])),
        (r.PODS, pod("b", "10.1.0.2", container_ports=[{"name": "web", "containerPort": 9090}])),
        (r.PODS, pod("c", "10.1.0.3", container_ports=[{"name": "metrics", "containerPort": 9100}])),
    )
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        found = stored(h)
        assert found is not None
        by_port = {subset["ports"][0]["port"]: ips(subset) for subset in found["subsets"]}
        assert by_port == {8080: ["10.1.0.1"], 9090: ["10.1.0.2"]}


async def test_publish_not_ready_addresses_makes_every_pod_ready() -> None:
    client = seeded(
        (r.SERVICES, service(publishNotReadyAddresses=True)),
        (r.PODS, pod("a", "10.1.0.1", ready=False)),
    )
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        found = stored(h)
        assert found is not None
        assert ips(found["subsets"][0]) == ["10.1.0.1"]


async def test_headless_service_without_ports_and_its_label() -> None:
    client = seeded(
        (r.SERVICES, service(cluster_ip="None", ports=[], labels={"tier": "db"})),
        (r.PODS, pod("a", "10.1.0.1", hostname="a", subdomain="web")),
    )
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        found = stored(h)
        assert found is not None
        assert found["subsets"] == [
            {
                "addresses": [
                    {
                        "ip": "10.1.0.1",
                        "hostname": "a",
                        "nodeName": "n1",
                        "targetRef": found["subsets"][0]["addresses"][0]["targetRef"],
                    }
                ]
            }
        ]
        assert found["metadata"]["labels"] == {"tier": "db", "service.kubernetes.io/headless": ""}


async def test_pod_changes_move_addresses_and_service_deletion_removes_the_endpoints() -> None:
    client = seeded((r.SERVICES, service()), (r.PODS, pod("a", "10.1.0.1", ready=False)))
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        ready = {"conditions": [{"type": "Ready", "status": "True"}]}
        await h.client.patch(r.PODS, "a", {"status": ready}, NAMESPACE, subresource="status")

        def has_ready_address() -> bool:
            found = stored(h)
            return found is not None and ips(found["subsets"][0]) == ["10.1.0.1"]

        await h.until(has_ready_address)
        await h.client.patch(r.PODS, "a", {"metadata": {"labels": {"app": "gone"}}}, NAMESPACE)
        await h.until(lambda: (stored(h) or {}).get("subsets") == [])
        await h.client.delete(r.SERVICES, "web", NAMESPACE)
        await h.until(lambda: stored(h) is None)


async def test_services_without_selector_and_external_names_are_left_alone() -> None:
    client = seeded(
        (r.SERVICES, service("manual", selector="none")),  # type: ignore[arg-type]
        (r.SERVICES, service("ext", type="ExternalName", externalName="example.com")),
        (r.ENDPOINTS, {"metadata": {"name": "manual", "namespace": NAMESPACE}, "subsets": []}),
    )
    async with running(endpoints.new_controller, client=client) as h:
        await h.settle()
        writes = [
            a.verb for a in h.client.actions if a.resource == "endpoints" and a.verb not in ("list", "watch")
        ]
        assert writes == []


async def test_leftover_endpoints_without_a_service_are_deleted_at_start() -> None:
    client = seeded((r.ENDPOINTS, {"metadata": {"name": "orphan", "namespace": NAMESPACE}}))
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h, "orphan") is None)


async def test_an_unchanged_service_is_not_rewritten() -> None:
    client = seeded((r.SERVICES, service()), (r.PODS, pod("a", "10.1.0.1")))
    async with running(endpoints.new_controller, client=client) as h:
        await h.until(lambda: stored(h) is not None)
        await h.settle()
        writes = [a for a in h.client.actions if a.resource == "endpoints" and a.verb in ("create", "update")]
        await h.client.patch(r.SERVICES, "web", {"metadata": {"annotations": {"x": "y"}}}, NAMESPACE)
        await h.settle()
        after = [a for a in h.client.actions if a.resource == "endpoints" and a.verb in ("create", "update")]
        assert len(after) == len(writes) == 1


def _address(ip: str, uid: str) -> Object:
    return {"ip": ip, "targetRef": {"kind": "Pod", "name": uid, "uid": uid}}


@pytest.mark.parametrize(
    ("subsets", "expected"),
    [
        pytest.param(
            [
                {"addresses": [_address("10.0.0.2", "b")], "ports": [{"port": 80, "protocol": "TCP"}]},
                {"addresses": [_address("10.0.0.1", "a")], "ports": [{"port": 80, "protocol": "TCP"}]},
            ],
            [
                {
                    "addresses": [_address("10.0.0.1", "a"), _address("10.0.0.2", "b")],
                    "ports": [{"port": 80, "protocol": "TCP"}],
                }
            ],
            id="addresses on one port are merged and sorted",
        ),
        pytest.param(
            [
                {"addresses": [_address("10.0.0.1", "a")], "ports": [{"port": 80, "protocol": "TCP"}]},
                {
                    "notReadyAddresses": [_address("10.0.0.1", "a")],
                    "ports": [{"port": 80, "protocol": "TCP"}],
                },
            ],
            [{"notReadyAddresses": [_address("10.0.0.1", "a")], "ports": [{"port": 80, "protocol": "TCP"}]}],
            id="not ready trumps ready",
        ),
        pytest.param(
            [
                {"addresses": [_address("10.0.0.1", "a")], "ports": [{"name": "a", "port": 80}]},
                {"addresses": [_address("10.0.0.1", "a")], "ports": [{"name": "b", "port": 81}]},
                {"addresses": [_address("10.0.0.2", "b")], "ports": [{"name": "a", "port": 80}]},
            ],
            [
                {"addresses": [_address("10.0.0.1", "a")], "ports": [{"name": "b", "port": 81}]},
                {
                    "addresses": [_address("10.0.0.1", "a"), _address("10.0.0.2", "b")],
                    "ports": [{"name": "a", "port": 80}],
                },
            ],
            id="addresses offering different ports split",
        ),
        pytest.param(
            [{"addresses": [_address("10.0.0.1", "a")]}],
            [{"addresses": [_address("10.0.0.1", "a")]}],
            id="port-less subsets survive",
        ),
    ],
)
def test_repack_subsets(subsets: list[Object], expected: list[Object]) -> None:
    packed = repack_subsets(subsets)
    assert sorted(packed, key=repr) == sorted(expected, key=repr)
    assert repack_subsets(list(reversed(subsets))) == packed  # one canonical order


def test_truncation_keeps_ready_addresses_first() -> None:
    ready = [_address(f"10.0.{i // 250}.{i % 250}", f"r{i}") for i in range(900)]
    not_ready = [_address(f"10.9.{i // 250}.{i % 250}", f"n{i}") for i in range(300)]
    subsets = [{"addresses": ready, "notReadyAddresses": not_ready, "ports": [{"port": 80}]}]
    assert truncate(subsets)
    assert len(subsets[0]["addresses"]) == 900
    assert len(subsets[0]["notReadyAddresses"]) == 100
    assert not truncate([{"addresses": ready}])
