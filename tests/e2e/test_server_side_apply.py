"""Server-side apply as users run it: kubectl 1.27, 1.32 and 1.37, and the official Python client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes import utils as k8s_utils

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver
from tests.e2e.test_seed_manifests import DOCUMENTS

pytestmark = pytest.mark.e2e

VERSIONS = ["1.27", "1.32", "1.37"]
SEED_NAMESPACES = sorted({doc["metadata"].get("namespace") for doc in DOCUMENTS} - {None})

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
{extra}"""
ENV = "        env:\n        - name: MODE\n          value: fast\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("ssa"))
    try:
        yield started
    finally:
        started.stop()


class Kubectl:
    def __init__(self, server: APIServerProcess, cache: Path, version: str | None) -> None:
        self.server, self.cache, self.version = server, cache, version

    def run(self, *args: str, ok: bool = True) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args, version=self.version)
        if ok:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
            return result.stdout.strip()
        assert result.returncode != 0, f"kubectl {' '.join(args)} succeeded: {result.stdout}"
        return result.stderr.strip()

    def get(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "-o", "json"))


def python_client(server: APIServerProcess) -> k8s_client.ApiClient:
    api_client: k8s_client.ApiClient = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(server.kubeconfig)
    )
    return api_client


def namespace_named(name: str) -> k8s_client.V1Namespace:
    return k8s_client.V1Namespace(metadata=k8s_client.V1ObjectMeta(name=name))


def entries_of(obj: Any) -> list[tuple[str, str]]:
    """(manager, operation) of a Python client object's managed fields."""
    assert obj.metadata is not None and obj.metadata.managed_fields is not None
    return [(e.manager, e.operation) for e in obj.metadata.managed_fields]


def managers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (entry["manager"], entry["operation"]) for entry in obj["metadata"].get("managedFields", [])
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_the_seed_is_server_side_applied_and_reapplied(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    k = Kubectl(server, tmp_path / "cache", version)
    for name in SEED_NAMESPACES:
        if not k.run("get", "namespace", name, "--ignore-not-found", "-o", "name"):
            k.run("create", "namespace", name)
    manifest = tmp_path / "seed.yaml"
    manifest.write_text(yaml.safe_dump_all(DOCUMENTS))
    out = k.run("apply", "--server-side", "-f", str(manifest))
    assert out.count(" serverside-applied") == len(DOCUMENTS), out
    again = k.run("apply", "--server-side", "-f", str(manifest))
    assert again.count(" serverside-applied") == len(DOCUMENTS), again
    deployment = k.get("deploy", "web", "--show-managed-fields")
    assert ("kubectl", "Apply") in managers(deployment)


@pytest.mark.parametrize("version", VERSIONS)
def test_apply_change_remove_conflict_and_force(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    k = Kubectl(server, tmp_path / "cache", version)
    namespace = f"ssa-{version.replace('.', '-')}"
    k.run("create", "namespace", namespace)
    manifest = tmp_path / "web.yaml"

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=2, extra=ENV))
    assert k.run("apply", "--server-side", "-f", str(manifest)) == "deployment.apps/web serverside-applied"
    first = k.get("deploy", "web", "-n", namespace)
    assert k.run("apply", "--server-side", "-f", str(manifest)) == "deployment.apps/web serverside-applied"
    unchanged = k.get("deploy", "web", "-n", namespace)
    assert unchanged["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"], (
        "nothing to write"
    )

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=3, extra=ENV))
    k.run("apply", "--server-side", "-f", str(manifest))
    assert k.get("deploy", "web", "-n", namespace)["spec"]["replicas"] == 3

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=3, extra=""))
    k.run("apply", "--server-side", "-f", str(manifest))
    container = k.get("deploy", "web", "-n", namespace)["spec"]["template"]["spec"]["containers"][0]
    assert "env" not in container, "a field removed from the file is removed from the object"

    other = tmp_path / "other.yaml"
    other.write_text(DEPLOYMENT.format(namespace=namespace, replicas=5, extra=""))
    refused = k.run("apply", "--server-side", "--field-manager=other", "-f", str(other), ok=False)
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas' in refused
    assert "--force-conflicts" in refused
    forced = k.run("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", str(other))
    assert forced == "deployment.apps/web serverside-applied"

    shown = yaml.safe_load(
        k.run("get", "deploy", "web", "-n", namespace, "-o", "yaml", "--show-managed-fields")
    )
    assert managers(shown) == [("kubectl", "Apply"), ("other", "Apply")]
    assert shown["spec"]["replicas"] == 5
    by_manager = {entry["manager"]: entry["fieldsV1"] for entry in shown["metadata"]["managedFields"]}
    assert (
        "f:replicas" in by_manager["other"]["f:spec"] and "f:replicas" not in by_manager["kubectl"]["f:spec"]
    )
    hidden = k.get("deploy", "web", "-n", namespace)
    assert "managedFields" not in hidden["metadata"], "kubectl hides them unless asked"


@pytest.mark.parametrize("version", VERSIONS)
def test_client_side_apply_then_server_side_apply_migrates_ownership(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    k = Kubectl(server, tmp_path / "cache", version)
    namespace = f"csa-{version.replace('.', '-')}"
    k.run("create", "namespace", namespace)
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=2, extra=ENV))
    assert k.run("apply", "-f", str(manifest)) == "deployment.apps/web created"
    created = k.get("deploy", "web", "-n", namespace, "--show-managed-fields")
    assert managers(created) == [("kubectl-client-side-apply", "Update")]

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=4, extra=ENV))
    applied = k.run("apply", "--server-side", "-f", str(manifest))
    assert applied == "deployment.apps/web serverside-applied", "no conflict with kubectl's own CSA fields"
    migrated = k.get("deploy", "web", "-n", namespace, "--show-managed-fields")
    assert ("kubectl-client-side-apply", "Update") not in managers(migrated)
    assert ("kubectl", "Apply") in managers(migrated)
    assert migrated["spec"]["replicas"] == 4

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=4, extra=""))
    k.run("apply", "--server-side", "-f", str(manifest))
    container = k.get("deploy", "web", "-n", namespace)["spec"]["template"]["spec"]["containers"][0]
    assert "env" not in container, "kubectl now owns what client-side apply set, so it can remove it"


def test_python_client_applies_with_its_content_type(server: APIServerProcess) -> None:
    api_client = python_client(server)
    core = k8s_client.CoreV1Api(api_client)
    core.create_namespace(namespace_named("py-ssa"))
    apps = k8s_client.AppsV1Api(api_client)
    body = yaml.safe_load(DEPLOYMENT.format(namespace="py-ssa", replicas=2, extra=""))
    created = apps.patch_namespaced_deployment(
        "web", "py-ssa", body, field_manager="py", _content_type="application/apply-patch+yaml"
    )
    assert created.spec.replicas == 2
    assert entries_of(created) == [("py", "Apply")]
    body["spec"]["replicas"] = 6
    with pytest.raises(k8s_client.ApiException) as refused:
        apps.patch_namespaced_deployment(
            "web", "py-ssa", body, field_manager="other", _content_type="application/apply-patch+yaml"
        )
    assert refused.value.status == 409
    assert json.loads(str(refused.value.body))["message"] == (
        'Apply failed with 1 conflict: conflict with "py": .spec.replicas'
    )
    forced = apps.patch_namespaced_deployment(
        "web", "py-ssa", body, field_manager="other", force=True, _content_type="application/apply-patch+yaml"
    )
    assert forced.spec.replicas == 6


def test_python_utils_create_and_apply_the_seed_yaml(server: APIServerProcess, tmp_path: Path) -> None:
    api_client = python_client(server)
    core = k8s_client.CoreV1Api(api_client)
    for name in ("utils", "utils-ssa"):
        core.create_namespace(namespace_named(name))
    # Namespaced documents without a namespace go to the one given (the others, and the seed's
    # Namespace, are applied by the kubectl tests of this module).
    documents = [
        doc for doc in DOCUMENTS if doc["metadata"].get("namespace") is None and doc["kind"] != "Namespace"
    ]
    manifest = tmp_path / "seed.yaml"
    manifest.write_text(yaml.safe_dump_all(documents))
    created = k8s_utils.create_from_yaml(  # type: ignore[no-untyped-call]
        api_client, str(manifest), namespace="utils"
    )
    assert len(created) == len(documents)
    for _ in range(2):  # created by server-side apply, then applied again unchanged
        applied = k8s_utils.create_from_yaml(  # type: ignore[no-untyped-call]
            api_client, str(manifest), namespace="utils-ssa", apply=True
        )
        assert len(applied) == len(documents)
    deployment = k8s_client.AppsV1Api(api_client).read_namespaced_deployment("web", "utils-ssa")
    assert entries_of(deployment) == [("python-client", "Apply")]


KUSTOMIZATION = """\
namespace: {namespace}
namePrefix: dev-
commonLabels:
  team: blue
resources:
- deployment.yaml
configMapGenerator:
- name: settings
  literals:
  - MODE=fast
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_kubectl_apply_k_applies_a_kustomization(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    k = Kubectl(server, tmp_path / "cache", version)
    namespace = f"kust-{version.replace('.', '-')}"
    k.run("create", "namespace", namespace)
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / "deployment.yaml").write_text(DEPLOYMENT.format(namespace=namespace, replicas=1, extra=""))
    (directory / "kustomization.yaml").write_text(KUSTOMIZATION.format(namespace=namespace))
    out = k.run("apply", "-k", str(directory))
    lines = sorted(out.splitlines())
    assert len(lines) == 2 and lines[1] == "deployment.apps/dev-web created", out
    assert lines[0].startswith("configmap/dev-settings-") and lines[0].endswith(" created")
    deployment = k.get("deploy", "dev-web", "-n", namespace)
    assert deployment["metadata"]["labels"] == {"team": "blue"}
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "web", "team": "blue"}
    again = k.run("apply", "-k", str(directory))
    assert sorted(again.splitlines())[1] == "deployment.apps/dev-web unchanged"
