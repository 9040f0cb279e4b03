"""Server-side apply and managedFields through the HTTP handlers and the REST layer, over a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from pinnace.apiserver import apis
from pinnace.apiserver.filters import status_middleware
from pinnace.apiserver.handlers import resources
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.storage import open_store

Object = dict[str, Any]
Client = TestClient[web.Request, web.Application]
APPLY = "application/apply-patch+yaml"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
KUBECTL_AGENT = "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9"


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


@pytest.fixture
async def client(stores: ResourceStores) -> AsyncIterator[Client]:
    app = web.Application(middlewares=[status_middleware])
    app[resources.STORES_KEY] = stores
    resources.add_routes(app)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def manifest(replicas: int = 2, image: str = "nginx", **extra: Any) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image, **extra}]},
            },
        },
    }


async def apply(
    client: Client, body: Object | str, query: str = "fieldManager=kubectl"
) -> tuple[int, Object]:
    text = body if isinstance(body, str) else json.dumps(body)
    response = await client.patch(f"{DEPLOYMENTS}/web?{query}", data=text, headers={"Content-Type": APPLY})
    return response.status, await response.json()


def managers(obj: Object) -> list[tuple[str, str]]:
    return [(e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields", [])]


async def test_apply_creates_the_object_then_updates_it(client: Client) -> None:
    code, created = await apply(client, manifest())
    assert code == 201 and created["spec"]["replicas"] == 2
    assert created["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] == (
        "/dev/termination-log"
    ), "defaulted like any write"
    assert managers(created) == [("kubectl", "Apply")]
    code, updated = await apply(client, manifest(replicas=3))
    assert code == 200 and updated["spec"]["replicas"] == 3
    assert updated["metadata"]["generation"] == 2


async def test_yaml_bodies_are_applied(client: Client) -> None:
    body = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n"
    body += "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
    body += "    spec:\n      containers:\n      - {name: c, image: nginx}\n"
    code, created = await apply(client, body)
    assert code == 201 and created["spec"]["replicas"] == 4


async def test_a_conflict_is_409_with_upstreams_message_and_causes(client: Client) -> None:
    response = await client.post(
        f"{DEPLOYMENTS}?fieldManager=kubectl-client-side-apply", json=manifest(replicas=1)
    )
    assert response.status == 201
    code, failure = await apply(client, manifest(replicas=5), "fieldManager=other")
    assert code == 409
    assert failure == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: '
        ".spec.replicas",
        "reason": "Conflict",
        "details": {
            "causes": [
                {
                    "reason": "FieldManagerConflict",
                    "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
                    "field": ".spec.replicas",
                }
            ]
        },
        "code": 409,
    }
    code, forced = await apply(client, manifest(replicas=5), "fieldManager=other&force=true")
    assert code == 200 and forced["spec"]["replicas"] == 5


async def test_a_field_removed_from_the_configuration_is_removed_from_the_object(client: Client) -> None:
    await apply(client, manifest(env=[{"name": "MODE", "value": "fast"}]))
    code, updated = await apply(client, manifest())
    assert code == 200
    assert "env" not in updated["spec"]["template"]["spec"]["containers"][0]


async def test_every_write_records_its_manager_from_the_parameter_or_the_user_agent(client: Client) -> None:
    response = await client.post(DEPLOYMENTS, json=manifest(), headers={"User-Agent": KUBECTL_AGENT})
    created = await response.json()
    assert managers(created) == [("kubectl", "Update")]
    patched = await client.patch(
        f"{DEPLOYMENTS}/web?fieldManager=kubectl-scale",
        json={"spec": {"replicas": 7}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    body = await patched.json()
    assert set(managers(body)) == {("kubectl", "Update"), ("kubectl-scale", "Update")}
    put = body | {"metadata": {**body["metadata"], "labels": {"team": "a"}}}
    replaced = await client.put(f"{DEPLOYMENTS}/web?fieldManager=kubectl-replace", json=put)
    assert {m for m, _ in managers(await replaced.json())} == {"kubectl", "kubectl-scale", "kubectl-replace"}


async def test_status_apply_goes_through_the_status_subresource(client: Client) -> None:
    await apply(client, manifest())
    status_config = {**manifest(), "status": {"replicas": 9}}
    response = await client.patch(
        f"{DEPLOYMENTS}/web/status?fieldManager=ctrl",
        data=json.dumps(status_config),
        headers={"Content-Type": APPLY},
    )
    body = await response.json()
    assert response.status == 200 and body["status"]["replicas"] == 9
    entry = next(e for e in body["metadata"]["managedFields"] if e["manager"] == "ctrl")
    assert (entry["subresource"], entry["fieldsV1"]) == ("status", {"f:status": {"f:replicas": {}}})
    missing = await client.patch(
        f"{DEPLOYMENTS}/absent/status?fieldManager=ctrl",
        data=json.dumps({**status_config, "metadata": {"name": "absent"}}),
        headers={"Content-Type": APPLY},
    )
    assert missing.status == 404, "an apply through /status does not create"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        ),
        (
            "fieldManager=" + "x" * 129,
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
        ),
        (
            "fieldManager=a%01",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\x01": '
            "invalid character U+0001 (at position 1)",
        ),
    ],
    ids=["no manager", "a manager too long", "a manager with a control character"],
)
async def test_apply_options_are_validated(client: Client, query: str, message: str) -> None:
    code, failure = await apply(client, manifest(), query)
    assert (code, failure["reason"], failure["message"]) == (422, "Invalid", message)


async def test_force_on_a_non_apply_patch_is_forbidden(client: Client) -> None:
    await apply(client, manifest())
    response = await client.patch(
        f"{DEPLOYMENTS}/web?force=true",
        json={"spec": {"replicas": 1}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    failure = await response.json()
    assert response.status == 422
    assert failure["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'
    )


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            manifest() | {"kind": "StatefulSet"},
            400,
            "invalid object type: apps/v1, Kind=StatefulSet",
        ),
        (
            manifest() | {"metadata": {"name": "other"}},
            400,
            "the name of the object (other) does not match the name on the URL (web)",
        ),
        (
            manifest() | {"spec": {"replica": 1}},
            500,
            "failed to create typed patch object (/web; apps/v1, Kind=Deployment): "
            ".spec.replica: field not declared in schema",
        ),
        ("- a list", 400, None),
    ],
    ids=["another kind", "another name", "an unknown field", "not an object"],
)
async def test_bad_configurations_are_refused(
    client: Client, body: Object | str, code: int, message: str | None
) -> None:
    got, failure = await apply(client, body)
    assert got == code
    if message is not None:
        assert failure["message"] == message


async def test_dry_run_apply_stores_nothing(client: Client) -> None:
    code, created = await apply(client, manifest(), "fieldManager=kubectl&dryRun=All")
    assert code == 201 and managers(created) == [("kubectl", "Apply")]
    response = await client.get(f"{DEPLOYMENTS}/web")
    assert response.status == 404


async def test_managed_fields_can_be_cleared_and_stay_cleared(client: Client) -> None:
    await apply(client, manifest())
    cleared = await client.patch(
        f"{DEPLOYMENTS}/web?fieldManager=x",
        json={"metadata": {"managedFields": [{}]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert "managedFields" not in (await cleared.json())["metadata"]
    relabelled = await client.patch(
        f"{DEPLOYMENTS}/web?fieldManager=x",
        json={"metadata": {"labels": {"a": "b"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert "managedFields" not in (await relabelled.json())["metadata"], "untracked objects stay untracked"
