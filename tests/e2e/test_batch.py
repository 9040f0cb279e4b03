"""Jobs and CronJobs with real kubectl against a real API server and controller manager.

There is no kubelet here: the tests play it by moving pods to ``Succeeded``/``Failed`` through the status
subresource (``kubectl patch --subresource=status``). The controller manager runs with
``--job-backoff-base 0.2`` so that a failing Job retries in fractions of a second instead of 10 s, 20 s...
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import APIServerProcess, ComponentProcess, kubectl, start_apiserver, start_component

pytestmark = pytest.mark.e2e

# The garbage collector finishes the foreground deletions the TTL controller starts.
CONTROLLERS = "job,cronjob,ttl-after-finished,garbage-collector"


class Cluster:
    def __init__(self, server: APIServerProcess, manager: ComponentProcess, cache: Path) -> None:
        self.server = server
        self.manager = manager
        self.cache = cache

    def run(self, *args: str) -> str:
        result = kubectl(self.server.kubeconfig, self.cache, *args)
        assert result.returncode == 0, (
            f"kubectl {' '.join(args)}: {result.stderr}\n{self.manager.log()[-4000:]}"
        )
        return result.stdout

    def create(self, body: dict[str, Any]) -> None:
        path = self.cache.parent / f"{body['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(body))
        self.run("create", "-f", str(path))

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json"))

    def job_pods(self, job: str, *, active: bool) -> list[dict[str, Any]]:
        pods = self.json("get", "pods", "-l", f"batch.kubernetes.io/job-name={job}")["items"]
        if active:
            pods = [p for p in pods if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")]
        return list(pods)

    def finish(self, pod: str, phase: str) -> None:
        patch = json.dumps({"status": {"phase": phase}})
        self.run("patch", "pod", pod, "--subresource=status", "--type=merge", "-p", patch)

    def until(self, what: str, condition: Callable[[], bool], seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.manager.log()[-4000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("batch")
    server = start_apiserver(data_dir)
    manager: ComponentProcess | None = None
    try:
        manager = start_component(
            server,
            "controller-manager",
            "--controllers",
            CONTROLLERS,
            "--no-leader-elect",
            "--job-backoff-base",
            "0.2",
        )
        yield Cluster(server, manager, data_dir / "kubectl-cache")
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


def job(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "exit 1"]}],
                }
            },
            **spec,
        },
    }


def test_job_whose_pods_fail_ends_failed_after_backoff_limit_plus_one_attempts(cluster: Cluster) -> None:
    cluster.create(job("crash", backoffLimit=2))
    failed: set[str] = set()
    for attempt in range(1, 4):
        cluster.until(f"attempt {attempt}", lambda: len(cluster.job_pods("crash", active=True)) == 1)
        (pod,) = cluster.job_pods("crash", active=True)
        cluster.finish(pod["metadata"]["name"], "Failed")
        failed.add(pod["metadata"]["name"])
    cluster.run("wait", "--for=condition=failed", "job/crash", "--timeout=20s")
    status = cluster.json("get", "job", "crash")["status"]
    assert status["failed"] == 3
    reasons = {c["type"]: c.get("reason") for c in status["conditions"]}
    assert reasons == {"FailureTarget": "BackoffLimitExceeded", "Failed": "BackoffLimitExceeded"}
    pods = cluster.job_pods("crash", active=False)
    assert {p["metadata"]["name"] for p in pods} == failed  # three attempts, no fourth
    assert all(not p["metadata"].get("finalizers") for p in pods)
    events = cluster.json("get", "events", "--field-selector", "involvedObject.name=crash")["items"]
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in {
        (e["type"], e["reason"], e["message"]) for e in events
    }


def test_job_whose_pods_succeed_completes(cluster: Cluster) -> None:
    cluster.create(job("ok", completions=2, parallelism=2))
    cluster.until("two pods", lambda: len(cluster.job_pods("ok", active=True)) == 2)
    for pod in cluster.job_pods("ok", active=True):
        assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
        cluster.finish(pod["metadata"]["name"], "Succeeded")
    cluster.run("wait", "--for=condition=complete", "job/ok", "--timeout=20s")
    status = cluster.json("get", "job", "ok")["status"]
    assert status["succeeded"] == 2
    assert status["completionTime"]
    table = cluster.run("get", "job", "ok")
    assert "Complete" in table and "2/2" in table


def test_create_job_from_cronjob(cluster: Cluster) -> None:
    cluster.run(
        "create", "cronjob", "nightly", "--image=busybox", "--schedule=*/1 * * * *", "--", "sh", "-c", "date"
    )
    cluster.run("create", "job", "nightly-manual", "--from=cronjob/nightly")
    made = cluster.json("get", "job", "nightly-manual")
    assert made["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert made["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    cluster.until("its pod", lambda: len(cluster.job_pods("nightly-manual", active=True)) == 1)
    (pod,) = cluster.job_pods("nightly-manual", active=True)
    assert pod["spec"]["containers"][0]["command"] == ["sh", "-c", "date"]
    cluster.finish(pod["metadata"]["name"], "Succeeded")
    cluster.run("wait", "--for=condition=complete", "job/nightly-manual", "--timeout=20s")


def test_finished_job_with_ttl_is_deleted_with_its_pods(cluster: Cluster) -> None:
    cluster.create(job("brief", ttlSecondsAfterFinished=0))
    cluster.until("its pod", lambda: len(cluster.job_pods("brief", active=True)) == 1)
    (pod,) = cluster.job_pods("brief", active=True)
    cluster.finish(pod["metadata"]["name"], "Succeeded")
    cluster.run("wait", "--for=delete", "job/brief", "--timeout=20s")
    assert cluster.job_pods("brief", active=False) == []
