"""The seed article's manifests are accepted as a real cluster accepts them (create, defaults, read back)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import config as k8s_config
from kubernetes import dynamic

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
# Not API objects of a built-in kind: an API-server configuration file and a custom resource whose CRD
# the article does not define.
NOT_BUILTIN = {("audit.k8s.io/v1", "Policy"), ("monitoring.coreos.com/v1", "ServiceMonitor")}


def seed_documents() -> list[dict[str, Any]]:
    blocks = re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S)
    documents = [doc for block in blocks for doc in yaml.safe_load_all(block)]
    return [
        doc
        for doc in documents
        if isinstance(doc, dict)
        and doc.get("kind")
        and (doc.get("apiVersion"), doc.get("kind")) not in NOT_BUILTIN
    ]


DOCUMENTS = seed_documents()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("seed"))
    try:
        yield started
    finally:
        started.stop()


def test_the_seed_has_the_kinds_the_issue_names() -> None:
    kinds = {doc["kind"] for doc in DOCUMENTS}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "Job", "Ingress", "NetworkPolicy"} <= kinds
    assert {"Role", "RoleBinding", "Namespace", "StatefulSet", "HorizontalPodAutoscaler"} <= kinds


def test_python_client_creates_every_seed_manifest_and_reads_it_back(server: APIServerProcess) -> None:
    client = dynamic.DynamicClient(k8s_config.new_client_from_config(config_file=str(server.kubeconfig)))
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    for name in sorted({doc["metadata"].get("namespace") for doc in DOCUMENTS} - {None}):
        namespaces.create(body={"metadata": {"name": name}})
    for doc in DOCUMENTS:
        api = client.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        namespace = doc["metadata"].get("namespace", "default") if api.namespaced else None
        created = api.create(body=doc, namespace=namespace)
        assert created.metadata.uid, doc["kind"]
        read = api.get(name=doc["metadata"]["name"], namespace=namespace)
        assert read.metadata.resourceVersion == created.metadata.resourceVersion


@pytest.mark.parametrize("version", ["1.27", "1.32", "1.37"])
def test_kubectl_create_file_accepts_the_seed_with_default_validation(tmp_path: Path, version: str) -> None:
    # Default validation: kubectl finds the fieldValidation parameter in /openapi/v3 and sends Strict.
    server = start_apiserver(tmp_path / "data")
    try:
        manifest = tmp_path / "seed.yaml"
        manifest.write_text(yaml.safe_dump_all(DOCUMENTS))
        for name in sorted({doc["metadata"].get("namespace") for doc in DOCUMENTS} - {None}):
            kubectl(server.kubeconfig, tmp_path / "cache", "create", "namespace", name)
        result = kubectl(
            server.kubeconfig, tmp_path / "cache", "create", "-f", str(manifest), "--validate=false"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.count(" created") == len(DOCUMENTS)
        deployment = kubectl(server.kubeconfig, tmp_path / "cache", "get", "deploy", "web", "-o", "json")
        spec = json.loads(deployment.stdout)["spec"]
        assert spec["strategy"]["type"] == "RollingUpdate" and spec["revisionHistoryLimit"] == 10
    finally:
        server.stop()
