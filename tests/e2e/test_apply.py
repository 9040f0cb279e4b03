"""kubectl apply and friends: client-side apply over strategic merge patch, as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import APIServerProcess, kubectl, start_apiserver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    started = start_apiserver(tmp_path_factory.mktemp("apply"))
    try:
        yield started
    finally:
        started.stop()


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
  labels:
    app: web
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
        image: {image}
        ports:
        - containerPort: 80
{extra}"""


@pytest.mark.parametrize("version", ["1.27", "1.32", "1.37"])
def test_apply_creates_then_reports_unchanged_configured_and_removes_fields(
    server: APIServerProcess, tmp_path: Path, version: str
) -> None:
    def run(*args: str) -> str:
        result = kubectl(server.kubeconfig, tmp_path / "cache", *args, version=version)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    namespace = f"apply-{version.replace('.', '-')}"
    run("create", "namespace", namespace)
    manifest = tmp_path / "web.yaml"
    env = "        env:\n        - name: MODE\n          value: fast\n"

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=2, image="nginx:1.26", extra=env))
    assert run("apply", "-f", str(manifest)) == "deployment.apps/web created"
    assert run("apply", "-f", str(manifest)) == "deployment.apps/web unchanged"

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=3, image="nginx:1.27", extra=env))
    assert run("apply", "-f", str(manifest)) == "deployment.apps/web configured"
    deployment = json.loads(run("get", "deploy", "web", "-n", namespace, "-o", "json"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (deployment["spec"]["replicas"], container["image"]) == (3, "nginx:1.27")
    assert container["env"] == [{"name": "MODE", "value": "fast"}]
    assert deployment["metadata"]["generation"] == 2

    manifest.write_text(DEPLOYMENT.format(namespace=namespace, replicas=3, image="nginx:1.27", extra=""))
    assert run("apply", "-f", str(manifest)) == "deployment.apps/web configured"
    deployment = json.loads(run("get", "deploy", "web", "-n", namespace, "-o", "json"))
    assert "env" not in deployment["spec"]["template"]["spec"]["containers"][0], (
        "a field removed from the file goes"
    )


def test_patch_set_image_scale_and_rollout_commands(server: APIServerProcess, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = kubectl(server.kubeconfig, tmp_path / "cache", *args)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    run("create", "deployment", "shop", "--image=nginx:1.26")
    assert run("set", "image", "deployment/shop", "nginx=nginx:1.27") == "deployment.apps/shop image updated"
    assert run("scale", "deployment/shop", "--replicas=4") == "deployment.apps/shop scaled"
    assert run("rollout", "pause", "deployment/shop") == "deployment.apps/shop paused"
    assert run("rollout", "resume", "deployment/shop") == "deployment.apps/shop resumed"
    assert run("rollout", "restart", "deployment/shop") == "deployment.apps/shop restarted"
    patched = run("patch", "deployment", "shop", "-p", '{"metadata":{"labels":{"tier":"front"}}}')
    assert patched == "deployment.apps/shop patched"
    shop = json.loads(run("get", "deploy", "shop", "-o", "json"))
    template = shop["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert shop["spec"]["replicas"] == 4 and "paused" not in shop["spec"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert shop["metadata"]["labels"]["tier"] == "front"


def test_explain_prints_upstream_descriptions(server: APIServerProcess, tmp_path: Path) -> None:
    result = kubectl(server.kubeconfig, tmp_path / "cache", "explain", "deployment.spec.strategy")
    assert result.returncode == 0, result.stderr
    assert "The deployment strategy to use to replace existing pods with new ones." in result.stdout


def test_diff_shows_the_change_and_stores_nothing(server: APIServerProcess, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: differ\n  namespace: default\ndata:\n  a: '1'\n"
    )
    created = kubectl(server.kubeconfig, tmp_path / "cache", "apply", "-f", str(manifest))
    assert created.returncode == 0, created.stderr
    manifest.write_text(manifest.read_text().replace("a: '1'", "a: '2'"))
    diff = kubectl(server.kubeconfig, tmp_path / "cache", "diff", "-f", str(manifest))
    assert diff.returncode == 1, diff.stderr  # kubectl diff exits 1 when there are differences
    assert '-  a: "1"' in diff.stdout and '+  a: "2"' in diff.stdout
    stored = kubectl(server.kubeconfig, tmp_path / "cache", "get", "cm", "differ", "-o", "jsonpath={.data.a}")
    assert stored.stdout == "1", "diff is a dry run"


def test_edit_saves_what_the_editor_changed(server: APIServerProcess, tmp_path: Path) -> None:
    created = kubectl(
        server.kubeconfig, tmp_path / "cache", "create", "configmap", "edited", "--from-literal=a=1"
    )
    assert created.returncode == 0, created.stderr
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i \'s/^  a: "1"$/  a: "changed"/\' "$1"\n')
    editor.chmod(0o755)
    env = {"KUBE_EDITOR": str(editor)}
    result = kubectl(server.kubeconfig, tmp_path / "cache", "edit", "configmap", "edited", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "configmap/edited edited"
    stored = kubectl(server.kubeconfig, tmp_path / "cache", "get", "cm", "edited", "-o", "jsonpath={.data.a}")
    assert stored.stdout == "changed"


def test_server_dry_run_answers_without_storing(server: APIServerProcess, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = kubectl(server.kubeconfig, tmp_path / "cache", *args)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    assert (
        run("create", "configmap", "ghost", "--dry-run=server") == "configmap/ghost created (server dry run)"
    )
    assert run("get", "cm", "-o", "name", "--field-selector=metadata.name=ghost") == ""
    run("create", "configmap", "real", "--from-literal=a=1")
    patched = run(
        "patch", "cm", "real", "--dry-run=server", "-p", '{"data":{"a":"2"}}', "-o", "jsonpath={.data.a}"
    )
    assert patched == "2"
    assert run("get", "cm", "real", "-o", "jsonpath={.data.a}") == "1"
    assert run("delete", "cm", "real", "--dry-run=server") == 'configmap "real" deleted (server dry run)'
    assert run("get", "cm", "real", "-o", "name") == "configmap/real"


def test_status_and_scale_subresources_are_patchable(server: APIServerProcess, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = kubectl(server.kubeconfig, tmp_path / "cache", *args)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    run("create", "deployment", "sub", "--image=nginx")
    run(
        "patch",
        "deployment",
        "sub",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"replicas":7}}',
    )
    deployment = json.loads(run("get", "deploy", "sub", "-o", "json"))
    assert deployment["status"]["replicas"] == 7 and deployment["spec"]["replicas"] == 1
    run("patch", "deployment", "sub", "--subresource=scale", "--type=merge", "-p", '{"spec":{"replicas":3}}')
    scale = json.loads(run("get", "deployment", "sub", "--subresource=scale", "-o", "json"))
    assert (scale["kind"], scale["spec"]["replicas"], scale["status"]["selector"]) == ("Scale", 3, "app=sub")
