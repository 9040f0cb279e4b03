"""The Node authorizer with real kubectl: a kubelet identity (``system:node:n1`` in ``system:nodes``) reads
the pods bound to its node and the secrets they use, and nothing of another node's, with upstream's
Forbidden message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinnace.apiserver.kubeconfig import build_kubeconfig, write_kubeconfig
from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate
from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e


def pod(name: str, node: str, secret: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "nodeName": node,
            "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "1d"]}],
            "volumes": [{"name": "s", "secret": {"secretName": secret}}],
        },
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    server = start_apiserver(tmp_path_factory.mktemp("node-authz") / "data")
    try:
        yield server
    finally:
        server.stop()


def node_kubeconfig(server: APIServerProcess, node: str, path: Path) -> Path:
    minted = mint_client_certificate(ClusterPKI.at(server.data_dir), f"system:node:{node}", ["system:nodes"])
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


@pytest.mark.parametrize("version", ["1.32", "1.37"])
def test_a_node_reads_only_what_its_pods_need(server: APIServerProcess, tmp_path: Path, version: str) -> None:
    admin_cache = tmp_path / "admin"
    manifests = tmp_path / "objects.json"
    suffix = version.replace(".", "")
    items = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"s1-{suffix}"},
            "stringData": {"a": "b"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"s2-{suffix}"},
            "stringData": {"a": "b"},
        },
        pod(f"p1-{suffix}", "n1", f"s1-{suffix}"),
        pod(f"p2-{suffix}", "n2", f"s2-{suffix}"),
    ]
    manifests.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    created = kubectl(server.kubeconfig, admin_cache, "create", "-n", "default", "-f", str(manifests))
    assert created.returncode == 0, created.stderr
    n1 = node_kubeconfig(server, "n1", tmp_path / "n1.yaml")

    def as_n1(*args: str) -> tuple[int, str, str]:
        result = kubectl(n1, tmp_path / "n1", *args, version=version)
        return result.returncode, result.stdout, result.stderr

    deadline = time.monotonic() + 10
    while as_n1("get", "pod", f"p1-{suffix}", "-n", "default")[0] != 0:
        assert time.monotonic() < deadline, as_n1("get", "pod", f"p1-{suffix}", "-n", "default")[2]
        time.sleep(0.2)
    code, _out, err = as_n1("get", "pod", f"p2-{suffix}", "-n", "default")
    assert code != 0
    assert (
        f'pods "p2-{suffix}" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" '
        "in the namespace \"default\": no relationship found between node 'n1' and this object"
    ) in err
    assert as_n1("get", "secret", f"s1-{suffix}", "-n", "default")[0] == 0
    code, _out, err = as_n1("get", "secret", f"s2-{suffix}", "-n", "default")
    assert code != 0 and "no relationship found between node 'n1' and this object" in err
    code, _out, err = as_n1("get", "pods", "-n", "default")
    assert code != 0 and "can only list/watch pods with spec.nodeName field selector" in err
    code, out, err = as_n1("get", "pods", "-A", "--field-selector", "spec.nodeName=n1", "-o", "name")
    assert code == 0, err
    assert f"pod/p1-{suffix}" in out.split() and f"pod/p2-{suffix}" not in out.split()
    assert as_n1("get", "node", "n2")[0] != 0  # not its own Node (and n2 does not exist either)
    assert as_n1("auth", "can-i", "create", "nodes")[1].strip() == "yes"
