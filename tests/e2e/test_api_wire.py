"""The API on the wire: status codes, Status bodies, content negotiation and watch framing, as upstream sends them."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import APIServerProcess, start_apiserver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("wire"))
    try:
        yield started
    finally:
        started.stop()


class Admin:
    """Raw HTTPS requests with the admin client certificate from the kubeconfig."""

    def __init__(self, server: APIServerProcess, directory: Path) -> None:
        user = yaml.safe_load(server.kubeconfig.read_text())["users"][0]["user"]
        cert, key = directory / "admin.crt", directory / "admin.key"
        cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
        key.write_bytes(base64.b64decode(user["client-key-data"]))
        self.context = ssl.create_default_context(cafile=str(server.ca_cert))
        self.context.load_cert_chain(str(cert), str(key))
        self.url = server.url

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, dict(err.headers), err.read()

    def json(self, method: str, path: str, obj: Any = None, **headers: str) -> tuple[int, Any]:
        body = json.dumps(obj).encode() if obj is not None else None
        code, _, raw = self.request(method, path, body, {"Content-Type": "application/json", **headers})
        return code, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def admin(server: APIServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Admin:
    return Admin(server, tmp_path_factory.mktemp("admin"))


CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "reason", "message"),
    [
        pytest.param(
            "GET", "/api/v1/namespaces/default/widgets", None, 404, "NotFound",
            "the server could not find the requested resource", id="an unknown resource is 404",
        ),
        pytest.param(
            "POST", CONFIGMAPS + "/named", {"metadata": {"name": "named"}}, 405, "MethodNotAllowed", None,
            id="create on an object path is 405",
        ),
        pytest.param(
            "POST", CONFIGMAPS, "{not json", 400, "BadRequest", None, id="malformed JSON is 400",
        ),
        pytest.param(
            "POST", CONFIGMAPS, {"metadata": {}}, 422, "Invalid",
            'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
            id="a nameless object is 422 with the field",
        ),
        pytest.param(
            "PUT", CONFIGMAPS + "/a", {"metadata": {"name": "b"}}, 400, "BadRequest",
            "the name of the object (b) does not match the name on the URL (a)", id="a renaming PUT is 400",
        ),
        pytest.param(
            "GET", CONFIGMAPS + "?labelSelector=a%20in%20", None, 400, "BadRequest", None,
            id="a broken label selector is 400",
        ),
        pytest.param(
            "GET", "/api/v1/pods?fieldSelector=spec.bogus%3D1", None, 400, "BadRequest",
            "field label not supported: spec.bogus", id="an unsupported field label is 400",
        ),
    ],
)  # fmt: skip
def test_errors_are_status_objects(
    admin: Admin, method: str, path: str, body: Any, code: int, reason: str, message: str | None
) -> None:
    raw = (
        body.encode() if isinstance(body, str) else (json.dumps(body).encode() if body is not None else None)
    )
    status, headers, payload = admin.request(method, path, raw, {"Content-Type": "application/json"})
    assert status == code
    assert headers["Content-Type"].startswith("application/json")
    status_object = json.loads(payload)
    assert (
        status_object["kind"],
        status_object["status"],
        status_object["reason"],
        status_object["code"],
    ) == (
        "Status",
        "Failure",
        reason,
        code,
    )
    if message is not None:
        assert status_object["message"] == message


def test_bodies_over_3_mib_are_refused_with_413(admin: Admin) -> None:
    big = {"metadata": {"name": "big"}, "data": {"blob": "x" * (3 * 1024 * 1024 + 1)}}
    code, status_object = admin.json("POST", CONFIGMAPS, big)
    assert code == 413 and status_object["reason"] == "RequestEntityTooLarge"
    assert admin.json("GET", CONFIGMAPS + "/big")[0] == 404


def test_a_strategic_merge_patch_merges_and_server_side_apply_is_served(admin: Admin) -> None:
    admin.json("POST", CONFIGMAPS, {"metadata": {"name": "smp"}, "data": {"keep": "1"}})
    code, _, payload = admin.request(
        "PATCH",
        CONFIGMAPS + "/smp",
        b'{"data":{"a":"b"}}',
        {"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert code == 200 and json.loads(payload)["data"] == {"keep": "1", "a": "b"}
    code, _, payload = admin.request(
        "PATCH", CONFIGMAPS + "/smp?fieldManager=me", b"{}", {"Content-Type": "application/apply-patch+yaml"}
    )
    assert code == 400 and json.loads(payload)["message"] == "invalid object type: /, Kind="
    applied = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smp\ndata:\n  a: b\n"
    code, _, payload = admin.request(
        "PATCH",
        CONFIGMAPS + "/smp?fieldManager=me",
        applied,
        {"Content-Type": "application/apply-patch+yaml"},
    )
    assert code == 200 and json.loads(payload)["data"] == {"keep": "1", "a": "b"}


def test_single_get_as_table_and_list_as_partial_metadata(admin: Admin) -> None:
    admin.json("POST", CONFIGMAPS, {"metadata": {"name": "shown", "labels": {"k": "v"}}, "data": {"a": "1"}})
    table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    code, table = admin.json("GET", CONFIGMAPS + "/shown", Accept=table_accept)
    assert code == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["shown", 1]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    code, partial = admin.json(
        "GET", CONFIGMAPS, Accept="application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    )
    assert partial["kind"] == "PartialObjectMetadataList"
    assert {"metadata"} <= set(partial["items"][0]) and "data" not in partial["items"][0]


def test_lists_omit_item_types_but_single_objects_carry_them(admin: Admin) -> None:
    admin.json("POST", CONFIGMAPS, {"metadata": {"name": "typed"}})
    _, listed = admin.json("GET", CONFIGMAPS)
    assert (listed["kind"], listed["apiVersion"]) == ("ConfigMapList", "v1")
    assert listed["metadata"]["resourceVersion"].isdigit()
    assert all("kind" not in item for item in listed["items"])
    _, single = admin.json("GET", CONFIGMAPS + "/typed")
    assert (single["kind"], single["apiVersion"]) == ("ConfigMap", "v1")


def test_aggregated_discovery_carries_its_content_type_parameters(admin: Admin) -> None:
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    code, headers, payload = admin.request("GET", "/apis", headers={"Accept": accept})
    assert code == 200
    assert headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    document = json.loads(payload)
    assert document["kind"] == "APIGroupDiscoveryList" and document["items"][0]["metadata"]["name"] == "apps"
    code, _, legacy = admin.request("GET", "/apis", headers={"Accept": "application/json"})
    assert json.loads(legacy)["kind"] == "APIGroupList"


def watch_lines(admin: Admin, path: str) -> list[dict[str, Any]]:
    code, _, payload = admin.request("GET", path)
    assert code == 200
    return [json.loads(line) for line in payload.splitlines() if line]


def test_a_watch_from_before_the_cache_is_an_expired_error_event(tmp_path: Path) -> None:
    # After a restart the watch cache starts at the current revision: older ones cannot be replayed.
    first = start_apiserver(tmp_path / "data")
    first.stop()
    restarted = start_apiserver(tmp_path / "data")
    try:
        events = watch_lines(
            Admin(restarted, tmp_path), CONFIGMAPS + "?watch=true&resourceVersion=1&timeoutSeconds=2"
        )
    finally:
        restarted.stop()
    assert [e["type"] for e in events] == ["ERROR"]
    assert (events[0]["object"]["reason"], events[0]["object"]["code"]) == ("Expired", 410)
    assert events[0]["object"]["message"].startswith("too old resource version: 1")


def test_watch_list_ends_initial_events_with_an_annotated_bookmark(admin: Admin) -> None:
    admin.json("POST", CONFIGMAPS, {"metadata": {"name": "initial"}})
    path = (
        CONFIGMAPS
        + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
        + "&timeoutSeconds=2&fieldSelector=metadata.name%3Dinitial"
    )
    events = watch_lines(admin, path)
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    bookmark = events[1]["object"]
    assert (bookmark["kind"], bookmark["apiVersion"]) == ("ConfigMap", "v1")
    assert bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_send_initial_events_without_its_companions_is_invalid(admin: Admin) -> None:
    code, status_object = admin.json("GET", CONFIGMAPS + "?watch=true&sendInitialEvents=true")
    assert code == 422 and status_object["reason"] == "Invalid"


def test_binding_assigns_a_pod_to_a_node_once(admin: Admin) -> None:
    pods = "/api/v1/namespaces/default/pods"
    admin.json(
        "POST",
        pods,
        {"metadata": {"name": "bind-me"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    )
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "bind-me"},
        "target": {"kind": "Node", "name": "node-1"},
    }
    code, _ = admin.json("POST", pods + "/bind-me/binding", binding)
    assert code == 201
    _, pod = admin.json("GET", pods + "/bind-me")
    assert pod["spec"]["nodeName"] == "node-1"
    assert [(c["type"], c["status"]) for c in pod["status"]["conditions"]] == [("PodScheduled", "True")]
    code, again = admin.json(
        "POST", pods + "/bind-me/binding", {**binding, "target": {"kind": "Node", "name": "node-2"}}
    )
    assert code == 409 and 'pod bind-me is already assigned to node "node-1"' in again["message"]


def test_a_replaced_object_is_not_updated_through_its_predecessors_uid(admin: Admin) -> None:
    """A uid in the body is a precondition (PUT: 409) or an immutable field (PATCH: 422); without one the
    stored uid is kept."""
    code, first = admin.json("POST", CONFIGMAPS, {"metadata": {"name": "uidcheck"}, "data": {"a": "1"}})
    assert code == 201
    old_uid = first["metadata"]["uid"]
    assert admin.json("DELETE", CONFIGMAPS + "/uidcheck")[0] == 200
    code, second = admin.json("POST", CONFIGMAPS, {"metadata": {"name": "uidcheck"}, "data": {"a": "2"}})
    assert code == 201
    new_uid = second["metadata"]["uid"]

    stale = {"metadata": {"name": "uidcheck", "uid": old_uid}, "data": {"a": "3"}}
    code, answer = admin.json("PUT", CONFIGMAPS + "/uidcheck", stale)
    assert (code, answer["reason"]) == (409, "Conflict")
    assert answer["message"] == (
        'Operation cannot be fulfilled on configmaps "uidcheck": StorageError: invalid object, Code: 4, '
        "Key: /registry/configmaps/default/uidcheck, ResourceVersion: 0, AdditionalErrorMsg: Precondition "
        f"failed: UID in precondition: {old_uid}, UID in object meta: {new_uid}"
    )

    code, answer = admin.json(
        "PATCH",
        CONFIGMAPS + "/uidcheck",
        {"metadata": {"uid": old_uid}, "data": {"a": "3"}},
        **{"Content-Type": "application/merge-patch+json"},
    )
    assert (code, answer["reason"]) == (422, "Invalid")
    assert f'metadata.uid: Invalid value: "{old_uid}": field is immutable' in answer["message"]

    code, answer = admin.json(
        "PUT", CONFIGMAPS + "/uidcheck", {"metadata": {"name": "uidcheck"}, "data": {"a": "4"}}
    )
    assert (code, answer["metadata"]["uid"], answer["data"]) == (200, new_uid, {"a": "4"})


def test_removing_the_last_owner_reference_leaves_no_empty_list(admin: Admin) -> None:
    owner = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "owner",
        "uid": "6c1d3a0e-0000-4000-8000-000000000001",
    }
    body = {"metadata": {"name": "owned", "ownerReferences": [owner]}}
    assert admin.json("POST", CONFIGMAPS, body)[0] == 201
    patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": owner["uid"]}]}}
    code, answer = admin.json(
        "PATCH", CONFIGMAPS + "/owned", patch, **{"Content-Type": "application/strategic-merge-patch+json"}
    )
    assert code == 200, answer
    assert "ownerReferences" not in answer["metadata"]
