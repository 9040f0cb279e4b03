"""OpenAPI v3 with real kubectl: explain reads upstream's descriptions, create -f validates on the server.

Needs ``pinnace.apiserver.handlers.openapi.add_routes(app, load_documents())`` wired into ``create_app``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver

pytestmark = pytest.mark.e2e

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  {replicas}: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: nginx
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("openapi"))
    try:
        yield started
    finally:
        started.stop()


def test_index_lists_every_document_by_hash(server: APIServerProcess, tmp_path: Path) -> None:
    result = kubectl(server.kubeconfig, tmp_path, "get", "--raw", "/openapi/v3", version="1.32")
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)["paths"]
    url = paths["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    document = kubectl(server.kubeconfig, tmp_path, "get", "--raw", url, version="1.32")
    assert document.returncode == 0, document.stderr
    assert "io.k8s.api.apps.v1.Deployment" in json.loads(document.stdout)["components"]["schemas"]


def test_explain_prints_upstream_descriptions(server: APIServerProcess, tmp_path: Path) -> None:
    result = kubectl(server.kubeconfig, tmp_path, "explain", "deployment.spec.strategy", version="1.32")
    assert result.returncode == 0, result.stderr
    assert "FIELD: strategy <DeploymentStrategy>" in result.stdout
    assert "The deployment strategy to use to replace existing pods with new ones." in result.stdout
    assert "rollingUpdate\t<RollingUpdateDeployment>" in result.stdout


def test_explain_recursive(server: APIServerProcess, tmp_path: Path) -> None:
    result = kubectl(
        server.kubeconfig, tmp_path, "explain", "pods.spec.containers", "--recursive", version="1.32"
    )
    assert result.returncode == 0, result.stderr
    assert "FIELD: containers <[]Container>" in result.stdout
    assert "name\t<string> -required-" in result.stdout


@pytest.mark.parametrize("version", ["1.27", "1.32", "1.37"])
def test_create_validates_strictly_on_the_server(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    name = "web-" + version.replace(".", "-")
    good = tmp_path / "good.yaml"
    good.write_text(DEPLOYMENT.format(name=name, replicas="replicas"))
    result = kubectl(server.kubeconfig, tmp_path / "cache", "create", "-f", str(good), version=version)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"deployment.apps/{name} created"

    bad = tmp_path / "bad.yaml"
    bad.write_text(DEPLOYMENT.format(name=name + "-bad", replicas="replicaz"))
    result = kubectl(server.kubeconfig, tmp_path / "cache", "create", "-f", str(bad), version=version)
    assert result.returncode == 1
    assert 'strict decoding error: unknown field "spec.replicaz"' in result.stderr
