"""Garbage collection, namespace deletion, default ServiceAccounts and the root CA ConfigMap, driven with
kubectl against a real API server and controller manager.

Only this area's controllers run (no Deployment or ReplicaSet controller, no scheduler, no kubelet): the
Deployment → ReplicaSet → Pod chains are written by hand with ownerReferences, as those controllers would
write them, and pods stay unscheduled, so deleting one takes effect at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import (
    APIServerProcess,
    ComponentProcess,
    kubectl,
    start_apiserver,
    start_controller_manager,
)

pytestmark = pytest.mark.e2e

CONTROLLERS = ("garbage-collector", "namespace", "serviceaccount", "root-ca-cert-publisher", "resourcequota")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("lifecycle")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    try:
        manager = start_controller_manager(server, CONTROLLERS)
        yield Cluster(server, manager, data_dir / "kubectl-cache")
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


class Cluster:
    def __init__(self, server: APIServerProcess, manager: ComponentProcess, cache: Path) -> None:
        self.server = server
        self.manager = manager
        self.cache = cache

    def run(self, *args: str, check: bool = True, timeout: float = 60.0) -> tuple[int, str]:
        result = kubectl(self.server.kubeconfig, self.cache, *args, timeout=timeout)
        if check:
            assert result.returncode == 0, (
                f"kubectl {' '.join(args)}: {result.stderr}\n{self.manager.log()[-4000:]}"
            )
        return result.returncode, result.stdout + result.stderr

    def create(self, *objects: dict[str, Any]) -> None:
        path = self.cache.parent / "manifest.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        self.run("create", "-f", str(path))

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        result = kubectl(
            self.server.kubeconfig,
            self.cache,
            "get",
            kind,
            name,
            "-n",
            namespace,
            "-o",
            "json",
            "--ignore-not-found",
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else None

    def uid(self, kind: str, name: str, namespace: str) -> str:
        found = self.get(kind, name, namespace)
        assert found is not None, f"{kind}/{name} not found"
        return str(found["metadata"]["uid"])

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if not self.manager.alive():
                pytest.fail(f"the controller manager exited:\n{self.manager.log()[-4000:]}")
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}\n{self.manager.log()[-4000:]}")


def owner_ref(kind: str, api_version: str, name: str, uid: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def web_chain(cluster: Cluster, namespace: str, *, hold_pod: bool = False) -> None:
    """Deployment web → ReplicaSet web-5d4f → pods web-5d4f-a and -b, as the workload controllers make them."""
    cluster.run("create", "namespace", namespace)
    labels = {"app": "web"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
    cluster.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template},
        }
    )
    deployment = owner_ref("Deployment", "apps/v1", "web", cluster.uid("deployment", "web", namespace))
    cluster.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-5d4f", "namespace": namespace, "ownerReferences": [deployment]},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template},
        }
    )
    replicaset = owner_ref(
        "ReplicaSet", "apps/v1", "web-5d4f", cluster.uid("replicaset", "web-5d4f", namespace)
    )
    pods = []
    for suffix in ("a", "b"):
        metadata: dict[str, Any] = {
            "name": f"web-5d4f-{suffix}",
            "namespace": namespace,
            "labels": labels,
            "ownerReferences": [replicaset],
        }
        if hold_pod and suffix == "a":
            metadata["finalizers"] = ["example.com/hold"]
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]})
    cluster.create(*pods)


def test_delete_deployment_removes_its_replicasets_and_pods(cluster: Cluster) -> None:
    web_chain(cluster, "gc-background")
    cluster.run("delete", "deployment", "web", "-n", "gc-background")
    cluster.wait(
        lambda: (
            cluster.get("replicaset", "web-5d4f", "gc-background") is None
            and cluster.get("pod", "web-5d4f-a", "gc-background") is None
            and cluster.get("pod", "web-5d4f-b", "gc-background") is None
        ),
        "the ReplicaSet and its pods to be collected",
    )


def test_cascade_orphan_leaves_the_dependents(cluster: Cluster) -> None:
    web_chain(cluster, "gc-orphan")
    cluster.run("delete", "deployment", "web", "-n", "gc-orphan", "--cascade=orphan")
    assert cluster.get("deployment", "web", "gc-orphan") is None
    replicaset = cluster.get("replicaset", "web-5d4f", "gc-orphan")
    assert replicaset is not None
    assert not replicaset["metadata"].get("ownerReferences")
    time.sleep(1.0)  # give the collector a chance to do something wrong
    pod = cluster.get("pod", "web-5d4f-a", "gc-orphan")
    assert pod is not None and pod["metadata"]["ownerReferences"][0]["name"] == "web-5d4f"


def test_cascade_foreground_removes_children_first(cluster: Cluster) -> None:
    web_chain(cluster, "gc-foreground", hold_pod=True)
    cluster.run("delete", "deployment", "web", "-n", "gc-foreground", "--cascade=foreground", "--wait=false")

    def pod_a_terminating() -> bool:
        pod = cluster.get("pod", "web-5d4f-a", "gc-foreground")
        return pod is not None and "deletionTimestamp" in pod["metadata"]

    cluster.wait(pod_a_terminating, "the held pod to be deleted")
    cluster.wait(lambda: cluster.get("pod", "web-5d4f-b", "gc-foreground") is None, "the other pod to go")
    # While a child remains, the owners stay, marked for deletion and waiting for their dependents.
    deployment = cluster.get("deployment", "web", "gc-foreground")
    assert deployment is not None
    assert deployment["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert "deletionTimestamp" in deployment["metadata"]
    replicaset = cluster.get("replicaset", "web-5d4f", "gc-foreground")
    assert replicaset is not None and replicaset["metadata"]["finalizers"] == ["foregroundDeletion"]

    cluster.run(
        "patch",
        "pod",
        "web-5d4f-a",
        "-n",
        "gc-foreground",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
    )
    cluster.wait(
        lambda: (
            cluster.get("deployment", "web", "gc-foreground") is None
            and cluster.get("replicaset", "web-5d4f", "gc-foreground") is None
        ),
        "the owners to go once their children are gone",
    )


def test_a_new_namespace_gets_the_default_service_account_and_the_root_ca(cluster: Cluster) -> None:
    cluster.run("create", "namespace", "fresh")
    cluster.wait(lambda: cluster.get("serviceaccount", "default", "fresh") is not None, "the default SA")
    cluster.wait(
        lambda: cluster.get("configmap", "kube-root-ca.crt", "fresh") is not None, "kube-root-ca.crt"
    )
    config_map = cluster.get("configmap", "kube-root-ca.crt", "fresh")
    assert config_map is not None
    assert config_map["data"]["ca.crt"] == cluster.server.ca_cert.read_text()
    assert config_map["metadata"]["annotations"]["kubernetes.io/description"].startswith(
        "Contains a CA bundle that can be used to verify the kube-apiserver"
    )
    # Both come back when deleted.
    cluster.run("delete", "serviceaccount", "default", "-n", "fresh")
    cluster.run("delete", "configmap", "kube-root-ca.crt", "-n", "fresh")
    cluster.wait(
        lambda: cluster.get("serviceaccount", "default", "fresh") is not None, "the default SA again"
    )
    cluster.wait(
        lambda: cluster.get("configmap", "kube-root-ca.crt", "fresh") is not None, "kube-root-ca.crt again"
    )


def test_delete_namespace_empties_and_removes_it(cluster: Cluster) -> None:
    cluster.run("create", "namespace", "doomed")
    cluster.run("create", "deployment", "web", "--image=nginx", "-n", "doomed")
    cluster.run("create", "configmap", "settings", "--from-literal=a=b", "-n", "doomed")
    cluster.run("create", "service", "clusterip", "web", "--tcp=80:80", "-n", "doomed")
    cluster.wait(lambda: cluster.get("serviceaccount", "default", "doomed") is not None, "the default SA")

    code, output = cluster.run("delete", "namespace", "doomed", "--timeout=60s", timeout=70.0)
    assert 'namespace "doomed" deleted' in output
    code, output = cluster.run("get", "namespace", "doomed", check=False)
    assert code != 0 and 'namespaces "doomed" not found' in output
    code, output = cluster.run("get", "deployments,configmaps,services,serviceaccounts", "-n", "doomed")
    assert "No resources found in doomed namespace." in output


def test_resource_quota_status_shows_usage(cluster: Cluster) -> None:
    cluster.run("create", "namespace", "quota")
    cluster.run("create", "quota", "compute", "--hard=pods=4,requests.cpu=2,configmaps=10", "-n", "quota")
    cluster.run(
        "run",
        "web",
        "--image=nginx",
        "--overrides",
        '{"spec":{"containers":[{"name":"web","image":"nginx","resources":{"requests":{"cpu":"250m"}}}]}}',
        "-n",
        "quota",
    )

    def used() -> dict[str, str]:
        found = cluster.get("resourcequota", "compute", "quota") or {}
        return dict((found.get("status") or {}).get("used") or {})

    # kube-root-ca.crt is the namespace's one ConfigMap.
    cluster.wait(
        lambda: used() == {"configmaps": "1", "pods": "1", "requests.cpu": "250m"}, "the quota's usage"
    )
    _, described = cluster.run("describe", "quota", "compute", "-n", "quota")
    assert "requests.cpu  250m  2" in described
