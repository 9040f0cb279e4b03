"""Persistent volumes end to end: the seed's StatefulSet ``pg`` (volumeClaimTemplates ``data``, ReadWriteOnce,
100Gi, no storageClassName) on three hollow nodes.

API server + controller manager (statefulset, garbage collector, PV binder, local-path provisioner, PVC and PV
protection) + scheduler + hollow nodes, driven with the real kubectl: the claims get the default
``local-path`` class, the scheduler picks a node for each pod, the provisioner creates a volume pinned to
that node, the PV controller binds it, the pods run. Deleting the StatefulSet and then the claims removes
the volumes (reclaim policy Delete).
"""

from __future__ import annotations

import json
import re
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
    start_component,
    start_controller_manager,
)

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
CONTROLLERS = (
    "serviceaccount",  # the ServiceAccount admission plugin wants the namespace's default account
    "statefulset",
    "garbage-collector",
    "persistentvolume-binder",
    "local-path-provisioner",
    "pvc-protection",
    "pv-protection",
)


def seed_statefulset() -> str:
    for block in re.findall(r"```ya?ml\n(.*?)```", SEED.read_text(), re.S):
        for doc in yaml.safe_load_all(block):
            if isinstance(doc, dict) and doc.get("kind") == "StatefulSet" and doc["metadata"]["name"] == "pg":
                return yaml.safe_dump(doc)
    raise AssertionError("the seed has no StatefulSet pg")


class Cluster:
    def __init__(self, server: APIServerProcess, components: list[ComponentProcess], cache: Path) -> None:
        self.server = server
        self.components = components
        self.cache = cache

    def logs(self) -> str:
        return "\n".join(f"--- {c.name}\n{c.log()[-3000:]}" for c in self.components)

    def run(self, *args: str) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}\n{self.logs()}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json"))

    def until(self, what: str, condition: Callable[[], bool], seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    server = start_apiserver(tmp_path / "data")
    started: list[ComponentProcess] = []
    try:
        started.append(start_controller_manager(server, CONTROLLERS))
        started.append(start_component(server, "scheduler", "--no-leader-elect"))
        started.append(start_component(server, "hollow-nodes", "--count", "3"))
        yield Cluster(server, started, tmp_path / "kubectl-cache")
    finally:
        for component in started:
            component.stop()
        server.stop()


def test_seed_statefulset_gets_provisioned_volumes_on_hollow_nodes(cluster: Cluster) -> None:
    cluster.until("the local-path StorageClass", lambda: "local-path" in cluster.run("get", "storageclass"))
    classes = cluster.run("get", "storageclass")
    assert re.search(
        r"^local-path \(default\)\s+pinnace.dev/local-path\s+Delete\s+WaitForFirstConsumer", classes, re.M
    )

    manifest = cluster.cache.parent / "pg.yaml"
    manifest.write_text(seed_statefulset())
    cluster.run("apply", "-f", str(manifest))
    claims = [f"data-pg-{i}" for i in range(3)]

    def bound() -> dict[str, Any]:
        items = cluster.json("get", "pvc")["items"]
        return {c["metadata"]["name"]: c for c in items if c.get("status", {}).get("phase") == "Bound"}

    cluster.until("data-pg-0..2 to be Bound", lambda: sorted(bound()) == claims, seconds=90)
    out = cluster.run("rollout", "status", "statefulset/pg", "--timeout=45s")
    assert "partitioned roll out complete: 3 new pods have been updated" in out

    table = cluster.run("get", "pvc")
    for name in claims:
        assert re.search(rf"^{name}\s+Bound\s+pvc-\S+\s+100Gi\s+RWO\s+local-path", table, re.M), table
    pods = {p["metadata"]["name"]: p for p in cluster.json("get", "pods", "-l", "app=pg")["items"]}
    assert {name: p["status"]["phase"] for name, p in pods.items()} == {
        f"pg-{i}": "Running" for i in range(3)
    }

    volumes = cluster.json("get", "pv")["items"]
    assert len(volumes) == 3
    for volume in volumes:
        claim = volume["spec"]["claimRef"]["name"]
        pod = pods[claim.removeprefix("data-")]
        (term,) = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert term["matchExpressions"] == [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [pod["spec"]["nodeName"]]}
        ]
        assert volume["spec"]["hostPath"]["path"] == f"/var/lib/pinnace/storage/{volume['metadata']['name']}"
        assert volume["status"]["phase"] == "Bound"
        assert volume["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    pv_table = cluster.run("get", "pv")
    assert len(re.findall(r"100Gi\s+RWO\s+Delete\s+Bound\s+default/data-pg-\d\s+local-path", pv_table)) == 3

    events = cluster.run("get", "events", "--field-selector", "involvedObject.name=data-pg-0")
    assert "ExternalProvisioning" in events
    assert re.search(
        r"ProvisioningSucceeded\s+persistentvolumeclaim/data-pg-0\s+Successfully provisioned", events
    )

    # Deleting the StatefulSet keeps the claims (retention policy Retain); deleting them frees the volumes.
    cluster.run("delete", "statefulset", "pg", "--wait=false")
    cluster.until("the pods to go", lambda: not cluster.json("get", "pods", "-l", "app=pg")["items"])
    cluster.run("delete", "pvc", *claims, "--wait=false")
    cluster.until("the claims to go", lambda: not cluster.json("get", "pvc")["items"])
    cluster.until("the volumes to go", lambda: not cluster.json("get", "pv")["items"])
