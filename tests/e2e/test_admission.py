"""Built-in admission with real kubectl against a real API server and controller manager (the serviceaccount
and resourcequota controllers, which admission relies on): Pod Security on the seed's restricted
namespace, warn mode, a pod's service account volume and default tolerations, LimitRange defaults and a
ResourceQuota refusal, each answered with upstream's wording."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import (
    APIServerProcess,
    ComponentProcess,
    kubectl,
    start_apiserver,
    start_controller_manager,
)
from tests.e2e.test_seed_manifests import DOCUMENTS

pytestmark = pytest.mark.e2e

RESTRICTED_NS = next(doc for doc in DOCUMENTS if doc["kind"] == "Namespace")


class Cluster:
    def __init__(self, server: APIServerProcess, cache: Path) -> None:
        self.server = server
        self.cache = cache

    def kubectl(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        if stdin:
            path = self.cache / f"stdin-{time.monotonic_ns()}.yaml"
            path.write_text(stdin)
            args = tuple(str(path) if a == "-" else a for a in args)
        done = kubectl(self.server.kubeconfig, self.cache, *args)
        return done.returncode, done.stdout, done.stderr

    def ok(self, *args: str, stdin: str = "") -> str:
        code, out, err = self.kubectl(*args, stdin=stdin)
        assert code == 0, f"kubectl {' '.join(args)}: {err}"
        return out

    def wait_for(self, *args: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            code, out, err = self.kubectl(*args)
            if code == 0 and out.strip():
                return out
            if time.monotonic() > deadline:
                pytest.fail(f"kubectl {' '.join(args)} never answered: {err}")
            time.sleep(0.2)

    def namespace(self, name: str, **labels: str) -> None:
        self.ok("create", "namespace", name)
        if labels:
            self.ok("label", "namespace", name, *(f"{k}={v}" for k, v in labels.items()))
        # The serviceaccount controller creates the namespace's default account, which pods need.
        self.wait_for("get", "serviceaccount", "default", "-n", name, "-o", "name")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data = tmp_path_factory.mktemp("admission")
    server = start_apiserver(data / "data", disable_admission_plugins=())
    manager: ComponentProcess | None = None
    try:
        manager = start_controller_manager(server, ("serviceaccount", "resourcequota"))
        cache = data / "cache"
        cache.mkdir()
        yield Cluster(server, cache)
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


def test_the_seeds_restricted_namespace_refuses_a_privileged_pod_listing_each_violation(
    cluster: Cluster,
) -> None:
    cluster.ok("apply", "-f", "-", stdin=yaml.safe_dump(RESTRICTED_NS))
    cluster.wait_for("get", "serviceaccount", "default", "-n", "restricted-ns", "-o", "name")
    code, _, err = cluster.kubectl("run", "priv", "--image=nginx", "--privileged", "-n", "restricted-ns")
    assert code == 1
    assert err.strip() == (
        'Error from server (Forbidden): pods "priv" is forbidden: violates PodSecurity "restricted:latest": '
        'privileged (container "priv" must not set securityContext.privileged=true), '
        'allowPrivilegeEscalation != false (container "priv" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "priv" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "priv" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "priv" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")'
    )


def test_warn_mode_admits_and_kubectl_prints_the_warnings(cluster: Cluster) -> None:
    cluster.namespace("warned", **{"pod-security.kubernetes.io/warn": "baseline"})
    code, out, err = cluster.kubectl("run", "priv", "--image=nginx", "--privileged", "-n", "warned")
    assert code == 0 and out.strip() == "pod/priv created"
    assert err.strip() == (
        'Warning: would violate PodSecurity "baseline:latest": privileged (container "priv" must not set '
        "securityContext.privileged=true)"
    )
    # Enforcing baseline now would refuse that pod: labelling the namespace says so.
    _, out, err = cluster.kubectl(
        "label", "namespace", "warned", "pod-security.kubernetes.io/enforce=baseline"
    )
    assert out.strip() == "namespace/warned labeled"
    assert err.strip().splitlines() == [
        'Warning: existing pods in namespace "warned" violate the new PodSecurity enforce level "baseline:latest"',
        "Warning: priv: privileged",
    ]


def test_a_pod_gets_its_service_account_volume_tolerations_and_priority(cluster: Cluster) -> None:
    cluster.namespace("plain")
    cluster.ok("run", "web", "--image=nginx", "-n", "plain")
    spec = yaml.safe_load(cluster.ok("get", "pod", "web", "-n", "plain", "-o", "yaml"))["spec"]
    volume = spec["volumes"][0]
    assert volume["name"].startswith("kube-api-access-")
    assert volume["projected"]["defaultMode"] == 420
    assert volume["projected"]["sources"][0] == {
        "serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}
    }
    assert spec["containers"][0]["volumeMounts"] == [
        {
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": volume["name"],
            "readOnly": True,
        }
    ]
    assert spec["serviceAccountName"] == "default"
    assert spec["tolerations"] == [
        {
            "effect": "NoExecute",
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "tolerationSeconds": 300,
        },
        {
            "effect": "NoExecute",
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "tolerationSeconds": 300,
        },
    ]
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"


def test_a_limit_range_defaults_requests_and_limits(cluster: Cluster) -> None:
    cluster.namespace("limited")
    limit_range = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "defaults", "namespace": "limited"},
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": "500m", "memory": "256Mi"},
                    "defaultRequest": {"cpu": "100m"},
                    "max": {"cpu": "1"},
                }
            ]
        },
    }
    cluster.ok("apply", "-f", "-", stdin=json.dumps(limit_range))
    cluster.ok("run", "web", "--image=nginx", "-n", "limited")
    pod = json.loads(cluster.ok("get", "pod", "web", "-n", "limited", "-o", "json"))
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "256Mi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web"
    )
    assert pod["status"]["qosClass"] == "Burstable"
    code, _, err = cluster.kubectl(
        "run",
        "big",
        "--image=nginx",
        "-n",
        "limited",
        "--overrides",
        json.dumps(
            {
                "spec": {
                    "containers": [{"name": "big", "image": "nginx", "resources": {"limits": {"cpu": "2"}}}]
                }
            }
        ),
    )
    assert code == 1
    assert err.strip() == (
        'Error from server (Forbidden): pods "big" is forbidden: maximum cpu usage per Container is 1, '
        "but limit is 2"
    )


def test_a_resource_quota_refuses_the_pod_past_its_limit(cluster: Cluster) -> None:
    cluster.namespace("quota")
    cluster.ok("create", "quota", "q", "--hard=pods=1", "-n", "quota")
    # The resourcequota controller computes usage; until then admission cannot tell.
    cluster.wait_for("get", "quota", "q", "-n", "quota", "-o", "jsonpath={.status.used.pods}")
    cluster.ok("run", "first", "--image=nginx", "-n", "quota")
    code, _, err = cluster.kubectl("run", "second", "--image=nginx", "-n", "quota")
    assert code == 1
    assert err.strip() == (
        'Error from server (Forbidden): pods "second" is forbidden: exceeded quota: q, requested: pods=1, '
        "used: pods=1, limited: pods=1"
    )


def test_the_clusters_own_namespaces_cannot_be_deleted(cluster: Cluster) -> None:
    code, _, err = cluster.kubectl("delete", "namespace", "kube-system")
    assert code == 1
    assert err.strip() == (
        'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted'
    )
