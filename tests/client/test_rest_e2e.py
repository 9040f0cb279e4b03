"""RestClient against a real API server process: CRUD, error mapping, subresources, selectors, watch."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from pinnace.client import resources as r
from pinnace.client.config import load_kubeconfig
from pinnace.client.errors import AlreadyExists, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from pinnace.client.rest import RestClient
from tests.e2e.conftest import APIServerProcess, start_apiserver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def apiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    server = start_apiserver(tmp_path_factory.mktemp("apiserver"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client(apiserver: APIServerProcess) -> AsyncIterator[RestClient]:
    rest = RestClient(load_kubeconfig(apiserver.kubeconfig, user_agent="pinnace-client-tests"))
    try:
        yield rest
    finally:
        await rest.close()


def configmap(name: str, ns: str = "default", **labels: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
    }


def pod(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


async def test_crud_and_error_mapping(client: RestClient) -> None:
    created = await client.create(r.CONFIGMAPS, configmap("crud"))
    assert created["metadata"]["uid"]
    with pytest.raises(AlreadyExists, match='configmaps "crud" already exists'):
        await client.create(r.CONFIGMAPS, configmap("crud"))
    created["data"] = {"k": "v"}
    updated = await client.update(r.CONFIGMAPS, created)
    assert updated["data"] == {"k": "v"}
    with pytest.raises(Conflict, match="the object has been modified"):
        await client.update(r.CONFIGMAPS, created)  # stale resourceVersion
    merged = await client.patch(r.CONFIGMAPS, "crud", {"data": {"m": "1"}}, "default")
    assert merged["data"] == {"k": "v", "m": "1"}
    ops = [{"op": "remove", "path": "/data/k"}]
    assert (await client.patch(r.CONFIGMAPS, "crud", ops, "default", patch_type="json"))["data"] == {"m": "1"}
    answer = await client.delete(r.CONFIGMAPS, "crud", "default")
    assert answer["status"] == "Success"
    with pytest.raises(NotFound, match='configmaps "crud" not found'):
        await client.get(r.CONFIGMAPS, "crud", "default")
    with pytest.raises(Invalid) as invalid:
        await client.create(r.PODS, {"metadata": {"name": "bad", "namespace": "default"}, "spec": {}})
    assert invalid.value.code == 422 and invalid.value.details["causes"]


async def test_strategic_and_status_and_dry_run(client: RestClient) -> None:
    await client.create(r.PODS, pod("smp"))
    patch = {"spec": {"containers": [{"name": "c", "image": "busybox:2"}]}}
    patched = await client.patch(r.PODS, "smp", patch, "default", patch_type="strategic")
    assert patched["spec"]["containers"][0]["image"] == "busybox:2"
    patched["status"] = {"phase": "Running"}
    patched["spec"]["activeDeadlineSeconds"] = 5
    status = await client.update(r.PODS, patched, subresource="status")
    assert status["status"]["phase"] == "Running" and "activeDeadlineSeconds" not in status["spec"]
    await client.create(r.CONFIGMAPS, configmap("dry"), dry_run=True)
    with pytest.raises(NotFound):
        await client.get(r.CONFIGMAPS, "dry", "default")
    await client.delete(r.PODS, "smp", "default", grace_period_seconds=0)


async def test_binding_and_finalizers(client: RestClient) -> None:
    await client.create(r.PODS, pod("bind-me"))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "bind-me"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"},
    }
    await client.create(r.PODS, binding, "default", subresource="binding", name="bind-me")
    assert (await client.get(r.PODS, "bind-me", "default"))["spec"]["nodeName"] == "node-1"
    await client.delete(r.PODS, "bind-me", "default", grace_period_seconds=0)

    held = configmap("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]  # type: ignore[index]
    await client.create(r.CONFIGMAPS, held)
    marked = await client.delete(r.CONFIGMAPS, "held", "default", propagation_policy="Foreground")
    assert marked["metadata"]["deletionTimestamp"]
    assert set(marked["metadata"]["finalizers"]) == {"example.com/hold", "foregroundDeletion"}
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: nope"):
        await client.delete(r.CONFIGMAPS, "held", "default", preconditions={"uid": "nope"})
    await client.patch(r.CONFIGMAPS, "held", {"metadata": {"finalizers": None}}, "default")
    with pytest.raises(NotFound):
        await client.get(r.CONFIGMAPS, "held", "default")


async def test_list_selectors_and_paging(client: RestClient) -> None:
    await client.create(r.NAMESPACES, {"metadata": {"name": "paging"}})
    for i in range(5):
        await client.create(
            r.CONFIGMAPS, configmap(f"c{i}", "paging", parity="even" if i % 2 == 0 else "odd")
        )
    odd = await client.list(r.CONFIGMAPS, "paging", label_selector="parity=odd")
    assert [i["metadata"]["name"] for i in odd["items"]] == ["c1", "c3"]
    names: list[str] = []
    token, pages = "", 0
    while True:
        page = await client.list(r.CONFIGMAPS, "paging", limit=2, continue_token=token)
        names += [i["metadata"]["name"] for i in page["items"]]
        pages += 1
        token = page["metadata"].get("continue", "")
        if not token:
            break
    assert (names, pages) == ([f"c{i}" for i in range(5)], 3)
    by_name = await client.list(r.CONFIGMAPS, "paging", field_selector="metadata.name=c4")
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["c4"]


async def test_watch_from_a_list_and_server_side_timeout(client: RestClient) -> None:
    await client.create(r.NAMESPACES, {"metadata": {"name": "watching"}})
    start = (await client.list(r.CONFIGMAPS, "watching"))["metadata"]["resourceVersion"]
    created = await client.create(r.CONFIGMAPS, configmap("w", "watching"))
    created["data"] = {"a": "b"}
    await client.update(r.CONFIGMAPS, created)
    await client.delete(r.CONFIGMAPS, "w", "watching")
    stream = client.watch(r.CONFIGMAPS, "watching", resource_version=start, timeout_seconds=1)
    async with contextlib.aclosing(stream):
        events = [(e.type, e.object["metadata"]["name"]) async for e in stream if e.type != "BOOKMARK"]
    # The stream ended by itself once timeoutSeconds ran out.
    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


async def test_identity_is_the_client_certificate(apiserver: APIServerProcess) -> None:
    config = load_kubeconfig(apiserver.kubeconfig)
    assert config.cert_data and config.key_data and config.ca_data
    anonymous = RestClient(config.with_overrides(cert_data=None, key_data=None))
    try:
        with pytest.raises((Unauthorized, Forbidden)):
            await anonymous.list(r.SECRETS, "kube-system")
    finally:
        await anonymous.close()


async def test_scale_subresource(client: RestClient) -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "scaled", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "scaled"}},
            "template": {
                "metadata": {"labels": {"app": "scaled"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    await client.create(r.DEPLOYMENTS, body)
    scale = await client.get(r.DEPLOYMENTS, "scaled", "default", subresource="scale")
    assert (scale["kind"], scale["spec"]["replicas"], scale["status"]["selector"]) == (
        "Scale",
        2,
        "app=scaled",
    )
    await client.patch(r.DEPLOYMENTS, "scaled", {"spec": {"replicas": 4}}, "default", subresource="scale")
    assert (await client.get(r.DEPLOYMENTS, "scaled", "default"))["spec"]["replicas"] == 4
