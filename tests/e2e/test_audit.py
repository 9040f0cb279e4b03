"""Audit logging as an operator meets it: the seed's policy, a real API server and real kubectl.

The seed's Policy (Metadata for create, update, patch and delete) is taken from the seed article as written.
Writes appear in the log as upstream writes them; reads do not; a request the user has no right to is logged
with the ``forbid`` decision; the ``Audit-Id`` kubectl receives is the event's ``auditID``; stopping the
server leaves every event in the file.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pinnace.apiserver.kubeconfig import build_kubeconfig, write_kubeconfig
from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate
from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
VERSIONS = ("1.32", "1.37")


def seed_audit_policy() -> str:
    for block in re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S):
        if "audit.k8s.io/v1" in block and "kind: Policy" in block:
            return str(block)
    raise AssertionError("the seed has no audit Policy")


@dataclass
class Audited:
    server: APIServerProcess
    log: Path
    mallory: Path
    cache: Path

    def kubectl(
        self, *args: str, version: str = "1.32", kubeconfig: Path | None = None
    ) -> tuple[int, str, str]:
        config = kubeconfig or self.server.kubeconfig
        result = kubectl(config, self.cache / config.stem, *args, version=version)
        return result.returncode, result.stdout, result.stderr

    def events(self) -> list[dict[str, Any]]:
        text = self.log.read_text() if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    def wait_for(
        self, found: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Events matching ``found`` once there is one (the writer thread is asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [event for event in self.events() if found(event)]
            if matching:
                return matching
            assert time.monotonic() < deadline, f"no such event in {self.events()}"
            time.sleep(0.1)


def user_kubeconfig(server: APIServerProcess, user: str, path: Path) -> Path:
    minted = mint_client_certificate(ClusterPKI.at(server.data_dir), user, days=1)
    write_kubeconfig(
        build_kubeconfig(
            server_url=server.url,
            ca_pem=server.ca_cert.read_bytes(),
            cert_pem=minted.cert_pem,
            key_pem=minted.key_pem,
        ),
        path,
    )
    return path


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Audited]:
    base = tmp_path_factory.mktemp("audit")
    policy = base / "audit-policy.yaml"
    policy.write_text(seed_audit_policy())
    log = base / "logs" / "audit.log"
    server = start_apiserver(base / "data", audit_policy_file=policy, audit_log_path=str(log))
    try:
        yield Audited(server, log, user_kubeconfig(server, "mallory", base / "mallory.yaml"), base / "cache")
    finally:
        server.stop()


def on_configmap(name: str, verb: str) -> Callable[[dict[str, Any]], bool]:
    def found(event: dict[str, Any]) -> bool:
        ref = event.get("objectRef", {})
        return (
            event["verb"] == verb
            and ref.get("resource") == "configmaps"
            and ref.get("name") == name
            and event["stage"] == "ResponseComplete"
        )

    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_kubectl_create_writes_a_metadata_event(audited: Audited, version: str) -> None:
    name = f"x-{version.replace('.', '-')}"
    code, out, err = audited.kubectl("create", "configmap", name, "--from-literal=a=b", version=version)
    assert code == 0, err
    assert out.strip() == f"configmap/{name} created"
    (event,) = audited.wait_for(on_configmap(name, "create"))
    assert event["kind"] == "Event" and event["apiVersion"] == "audit.k8s.io/v1"
    assert event["level"] == "Metadata"
    assert event["requestURI"].startswith("/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create")
    assert event["user"]["username"] == "kubernetes-admin"
    assert "system:masters" in event["user"]["groups"]
    assert event["sourceIPs"] == ["127.0.0.1"]
    assert event["userAgent"].startswith("kubectl")
    # kubectl sends this body as protobuf: the name still comes from the object, as upstream logs it.
    assert event["objectRef"] == {
        "resource": "configmaps",
        "namespace": "default",
        "name": name,
        "apiVersion": "v1",
    }
    assert event["responseStatus"] == {"metadata": {}, "code": 201}
    assert event["annotations"]["authorization.k8s.io/decision"] == "allow"
    assert "requestObject" not in event and "responseObject" not in event
    received = [
        e for e in audited.events() if e["auditID"] == event["auditID"] and e["stage"] == "RequestReceived"
    ]
    assert len(received) == 1
    assert received[0]["requestReceivedTimestamp"] == event["requestReceivedTimestamp"]


def test_reads_write_nothing(audited: Audited) -> None:
    assert audited.kubectl("create", "configmap", "read-me")[0] == 0
    audited.wait_for(on_configmap("read-me", "create"))
    code, out, err = audited.kubectl("get", "configmap", "read-me")
    assert code == 0, err
    assert "read-me" in out
    assert audited.kubectl("get", "configmaps", "-o", "name")[0] == 0
    # A write after the reads: once it is logged, the reads would have been too.
    assert audited.kubectl("delete", "configmap", "read-me")[0] == 0
    (deleted,) = audited.wait_for(on_configmap("read-me", "delete"))
    assert deleted["responseStatus"]["code"] == 200
    assert not [event for event in audited.events() if event["verb"] in ("get", "list", "watch")]


def test_a_forbidden_request_is_logged_with_decision_forbid(audited: Audited) -> None:
    code, _, err = audited.kubectl(
        "create", "configmap", "nope", "--from-literal=a=b", kubeconfig=audited.mallory
    )
    assert code != 0
    assert (
        'configmaps is forbidden: User "mallory" cannot create resource "configmaps" in API group "" in the '
        'namespace "default"' in err
    )

    def by_mallory(event: dict[str, Any]) -> bool:
        return event["user"].get("username") == "mallory" and event["stage"] == "ResponseComplete"

    (event,) = audited.wait_for(by_mallory)
    assert event["verb"] == "create"
    assert event["annotations"]["authorization.k8s.io/decision"] == "forbid"
    assert "authorization.k8s.io/reason" in event["annotations"]
    assert event["responseStatus"]["code"] == 403
    assert event["responseStatus"]["reason"] == "Forbidden"
    assert "name" not in event["objectRef"]  # the request never reached the handler


def test_the_audit_id_kubectl_receives_is_the_events(audited: Audited) -> None:
    code, _, err = audited.kubectl("label", "configmap", "x-1-32", "audited=yes", "-v=8")
    assert code == 0, err
    # kubectl -v=8 prints response headers; the PATCH is the last request.
    audit_ids = re.findall(r"Audit-Id: ([0-9a-f-]{36})", err)
    assert audit_ids, err
    (event,) = audited.wait_for(lambda e: e["auditID"] == audit_ids[-1] and e["stage"] == "ResponseComplete")
    assert event["verb"] == "patch"
    assert event["objectRef"]["name"] == "x-1-32"


def test_events_are_flushed_when_the_server_stops(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(seed_audit_policy())
    log = tmp_path / "audit.log"
    server = start_apiserver(tmp_path / "data", audit_policy_file=policy, audit_log_path=str(log))
    try:
        result = kubectl(server.kubeconfig, tmp_path / "cache", "create", "namespace", "last", version="1.32")
        assert result.returncode == 0, result.stderr
    finally:
        assert server.stop() == 0
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["verb"], e["objectRef"].get("name"), e["stage"]) for e in events][-2:] == [
        ("create", None, "RequestReceived"),
        ("create", "last", "ResponseComplete"),
    ]


def test_a_bad_policy_stops_the_start(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n")
    with pytest.raises(BaseException, match="API server exited"):
        start_apiserver(tmp_path / "data", audit_policy_file=policy, audit_log_path=str(tmp_path / "a.log"))
    log = (tmp_path / "data" / "apiserver.log").read_text()
    assert (
        'loading audit policy file: rules[0].level: Unsupported value: "Loud": supported values: "None", '
        f'"Metadata", "Request", "RequestResponse": from file {policy}'
    ) in log
