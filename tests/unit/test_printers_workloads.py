"""Workload rows (apps, batch, autoscaling) as a Kubernetes 1.32 server prints them (printers.go)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.api.printers import Cell, printer_for
from pinnace.api.printers.autoscaling import format_hpa_metrics

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
MIN, HOUR, DAY = 60, 3600, 86400


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, *, age: float = 3 * DAY, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ago(age), **extra}


def row(group: str, kind: str, obj: dict[str, Any]) -> list[Cell]:
    printer = printer_for(group, kind)
    cells = printer.cells(obj, NOW)
    assert len(cells) == len(printer.columns)
    return cells


def template(*containers: tuple[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": n, "image": i} for n, i in containers], **spec},
    }


WEB = ("web", "nginx:1.27")

# --- apps ---------------------------------------------------------------------------------------------------


def deployment(selector: dict[str, Any] | None, **status: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"replicas": 3, "template": template(WEB)}
    if selector is not None:
        spec["selector"] = selector
    return {"metadata": meta("web"), "spec": spec, "status": status}


APPS_CASES = [
    pytest.param(
        "Deployment",
        deployment(
            {"matchLabels": {"app": "web"}},
            replicas=3,
            updatedReplicas=3,
            readyReplicas=2,
            availableReplicas=2,
        ),
        ["web", "2/3", 3, 2, "3d", "web", "nginx:1.27", "app=web"],
        id="a deployment with two of three replicas ready",
    ),
    pytest.param(
        "Deployment",
        deployment(
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                ],
            }
        ),
        ["web", "0/3", 0, 0, "3d", "web", "nginx:1.27", "app=web,!canary,tier in (backend,frontend)"],
        id="a deployment selector prints requirements sorted by key, values sorted",
    ),
    pytest.param(
        "Deployment",
        deployment({"matchExpressions": [{"key": "tier", "operator": "Near", "values": ["x"]}]}),
        ["web", "0/3", 0, 0, "3d", "web", "nginx:1.27", "<invalid>"],
        id="an unusable deployment selector is <invalid>",
    ),
    pytest.param(
        "Deployment",
        {"metadata": meta("bare"), "spec": {"template": template(WEB)}},
        ["bare", "0/1", 0, 0, "3d", "web", "nginx:1.27", ""],
        id="a deployment without replicas or selector reads one replica and an empty selector",
    ),
    pytest.param(
        "ReplicaSet",
        {
            "metadata": meta("web-7d4b9c8f6"),
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d4b9c8f6"}},
                "template": template(WEB, ("log", "fluent-bit:3.0")),
            },
            "status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2},
        },
        [
            "web-7d4b9c8f6",
            3,
            3,
            2,
            "3d",
            "web,log",
            "nginx:1.27,fluent-bit:3.0",
            "app=web,pod-template-hash=7d4b9c8f6",
        ],
        id="a replica set",
    ),
    pytest.param(
        "ReplicaSet",
        {
            "metadata": meta("any"),
            "spec": {"replicas": 0, "selector": {}, "template": template()},
            "status": {},
        },
        ["any", 0, 0, 0, "3d", "", "", "<none>"],
        id="a scaled-down replica set with an empty selector",
    ),
    pytest.param(
        "StatefulSet",
        {
            "metadata": meta("db"),
            "spec": {"replicas": 3, "serviceName": "db", "template": template(("postgres", "postgres:16"))},
            "status": {"replicas": 2, "readyReplicas": 1},
        },
        ["db", "1/3", "3d", "postgres", "postgres:16"],
        id="a stateful set with one of three ready",
    ),
    pytest.param(
        "DaemonSet",
        {
            "metadata": meta("kube-proxy", age=90 * DAY),
            "spec": {
                "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                "template": template(
                    ("kube-proxy", "registry.k8s.io/kube-proxy:v1.32.0"),
                    nodeSelector={"kubernetes.io/os": "linux"},
                ),
            },
            "status": {
                "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3,
                "numberReady": 2,
                "updatedNumberScheduled": 3,
                "numberAvailable": 2,
            },
        },
        [
            "kube-proxy",
            3,
            3,
            2,
            3,
            2,
            "kubernetes.io/os=linux",
            "90d",
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.32.0",
            "k8s-app=kube-proxy",
        ],
        id="a daemon set with its node selector",
    ),
    pytest.param(
        "ControllerRevision",
        {
            "metadata": meta(
                "db-5d8f9c7b6",
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": "StatefulSet",
                        "name": "db",
                        "uid": "u1",
                        "controller": True,
                    }
                ],
            ),
            "data": {},
            "revision": 2,
        },
        ["db-5d8f9c7b6", "statefulset.apps/db", 2, "3d"],
        id="a controller revision names its controller as kind.group/name",
    ),
    pytest.param(
        "ControllerRevision",
        {"metadata": meta("orphan"), "revision": 1},
        ["orphan", "<none>", 1, "3d"],
        id="an orphaned controller revision",
    ),
]


@pytest.mark.parametrize(("kind", "obj", "expected"), APPS_CASES)
def test_apps_rows(kind: str, obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("apps", kind, obj) == expected


# --- batch --------------------------------------------------------------------------------------------------

JOB_SELECTOR = {"matchLabels": {"batch.kubernetes.io/controller-uid": "8c5e1f2a"}}
JOB_WIDE = ["pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=8c5e1f2a"]


def job(
    *, completions: int | None = 1, parallelism: int = 1, deleting: bool = False, **status: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "parallelism": parallelism,
        "selector": JOB_SELECTOR,
        "template": {
            "spec": {"containers": [{"name": "pi", "image": "perl:5.34.0"}], "restartPolicy": "Never"}
        },
    }
    if completions is not None:
        spec["completions"] = completions
    metadata = meta("pi", age=5 * MIN)
    if deleting:
        metadata["deletionTimestamp"] = ago(1)
    return {"metadata": metadata, "spec": spec, "status": status}


def conditions(*types: str) -> list[dict[str, str]]:
    return [{"type": t, "status": "True"} for t in types]


BATCH_CASES = [
    pytest.param(
        "Job",
        job(
            succeeded=1,
            startTime=ago(5 * MIN),
            completionTime=ago(5 * MIN - 12),
            conditions=conditions("SuccessCriteriaMet", "Complete"),
        ),
        ["pi", "Complete", "1/1", "12s", "5m", *JOB_WIDE],
        id="a completed job took twelve seconds",
    ),
    pytest.param(
        "Job",
        job(completions=None, parallelism=3, active=3, startTime=ago(90)),
        ["pi", "Running", "0/1 of 3", "90s", "5m", *JOB_WIDE],
        id="a running work-queue job with parallelism three",
    ),
    pytest.param(
        "Job",
        job(completions=5, active=1, succeeded=2, startTime=ago(4 * MIN)),
        ["pi", "Running", "2/5", "4m", "5m", *JOB_WIDE],
        id="a running job with five completions",
    ),
    pytest.param(
        "Job",
        job(failed=7, startTime=ago(4 * MIN), conditions=conditions("FailureTarget", "Failed")),
        ["pi", "Failed", "0/1", "4m", "5m", *JOB_WIDE],
        id="a failed job",
    ),
    pytest.param(
        "Job",
        job(failed=6, startTime=ago(4 * MIN), conditions=conditions("FailureTarget")),
        ["pi", "FailureTarget", "0/1", "4m", "5m", *JOB_WIDE],
        id="a job about to fail",
    ),
    pytest.param(
        "Job",
        job(conditions=conditions("Suspended")),
        ["pi", "Suspended", "0/1", "", "5m", *JOB_WIDE],
        id="a suspended job that never started has no duration",
    ),
    pytest.param(
        "Job",
        job(deleting=True, active=1, startTime=ago(MIN), conditions=conditions("Suspended")),
        ["pi", "Terminating", "0/1", "60s", "5m", *JOB_WIDE],
        id="a job being deleted is Terminating before Suspended",
    ),
    pytest.param(
        "CronJob",
        {
            "metadata": meta("backup"),
            "spec": {
                "schedule": "*/5 * * * *",
                "suspend": False,
                "jobTemplate": {
                    "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "busybox:1.36"}]}}}
                },
            },
            "status": {
                "active": [{"kind": "Job", "name": "backup-28930000"}],
                "lastScheduleTime": ago(3 * MIN),
            },
        },
        ["backup", "*/5 * * * *", "<none>", "False", 1, "3m", "3d", "b", "busybox:1.36", "<none>"],
        id="a cron job with one active job",
    ),
    pytest.param(
        "CronJob",
        {
            "metadata": meta("report", age=20 * DAY),
            "spec": {
                "schedule": "0 6 * * 1",
                "timeZone": "Europe/Berlin",
                "suspend": True,
                "jobTemplate": {},
            },
        },
        ["report", "0 6 * * 1", "Europe/Berlin", "True", 0, "<none>", "20d", "", "", "<none>"],
        id="a suspended cron job with a time zone that never ran",
    ),
]


@pytest.mark.parametrize(("kind", "obj", "expected"), BATCH_CASES)
def test_batch_rows(kind: str, obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("batch", kind, obj) == expected


# --- autoscaling --------------------------------------------------------------------------------------------


def cpu_target(utilization: int) -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}},
    }


def hpa_v2(
    metrics: list[dict[str, Any]], current: list[dict[str, Any]] | None, **spec: Any
) -> dict[str, Any]:
    status: dict[str, Any] = {"currentReplicas": 3, "desiredReplicas": 3}
    if current is not None:
        status["currentMetrics"] = current
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": metrics,
            **spec,
        },
        "status": status,
    }


CPU_AT_50 = {
    "type": "Resource",
    "resource": {"name": "cpu", "current": {"averageUtilization": 50, "averageValue": "250m"}},
}

HPA_CASES = [
    pytest.param(
        hpa_v2([cpu_target(80)], [CPU_AT_50]),
        ["web", "Deployment/web", "cpu: 50%/80%", "2", 10, 3, "3d"],
        id="an autoscaling/v2 HPA at half its CPU utilization target",
    ),
    pytest.param(
        hpa_v2([cpu_target(80)], None),
        ["web", "Deployment/web", "cpu: <unknown>/80%", "2", 10, 3, "3d"],
        id="an HPA before its first measurement",
    ),
    pytest.param(
        hpa_v2([], None),
        ["web", "Deployment/web", "<none>", "2", 10, 3, "3d"],
        id="an HPA without metrics",
    ),
    pytest.param(
        {
            "apiVersion": "autoscaling/v1",
            "metadata": meta("web"),
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 80,
            },
            "status": {"currentReplicas": 1, "currentCPUUtilizationPercentage": 42},
        },
        ["web", "Deployment/web", "cpu: 42%/80%", "1", 5, 1, "3d"],
        id="an autoscaling/v1 HPA reads its CPU fields as a metric; minReplicas defaults to 1",
    ),
    pytest.param(
        {
            "metadata": meta(
                "web",
                annotations={
                    "autoscaling.alpha.kubernetes.io/metrics": json.dumps(
                        [{"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "500Mi"}}]
                    ),
                    "autoscaling.alpha.kubernetes.io/current-metrics": json.dumps(
                        [
                            {
                                "type": "Resource",
                                "resource": {"name": "memory", "currentAverageValue": "300Mi"},
                            },
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "currentAverageUtilization": 42,
                                    "currentAverageValue": "210m",
                                },
                            },
                        ]
                    ),
                },
            ),
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 80,
            },
            "status": {"currentReplicas": 2, "currentCPUUtilizationPercentage": 42},
        },
        ["web", "Deployment/web", "memory: 300Mi/500Mi, cpu: 42%/80%", "1", 5, 2, "3d"],
        id="an autoscaling/v1 HPA brings its other metrics back from the annotations",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), HPA_CASES)
def test_horizontal_pod_autoscaler_rows(obj: dict[str, Any], expected: list[Cell]) -> None:
    assert row("autoscaling", "HorizontalPodAutoscaler", obj) == expected


def target(kind: str, name: str, **values: Any) -> dict[str, Any]:
    field = kind[0].lower() + kind[1:]
    return {"type": kind, field: {"name": name, "metric": {"name": name}, "target": values}}


def current(kind: str, **values: Any) -> dict[str, Any]:
    field = kind[0].lower() + kind[1:]
    return {"type": kind, field: {"current": values}}


@pytest.mark.parametrize(
    ("specs", "statuses", "expected"),
    [
        pytest.param(
            [target("Resource", "memory", type="AverageValue", averageValue="512Mi")],
            [current("Resource", averageValue="0.25Gi")],
            "memory: 256Mi/512Mi",
            id="an average-value resource target with canonical quantities",
        ),
        pytest.param(
            [target("Pods", "packets-per-second", averageValue="1k")],
            [current("Pods", averageValue="866m")],
            "866m/1k",
            id="a pods metric",
        ),
        pytest.param(
            [target("Object", "requests-per-second", type="Value", value="10k")],
            [current("Object", value="2k")],
            "2k/10k",
            id="an object metric value",
        ),
        pytest.param(
            [target("External", "queue_messages_ready", type="AverageValue", averageValue="30")],
            [],
            "<unknown>/30 (avg)",
            id="an external average-value metric before its first measurement",
        ),
        pytest.param(
            [target("ContainerResource", "cpu", type="Utilization")],
            [current("ContainerResource", averageUtilization=60)],
            "cpu: 60%/<auto>",
            id="a container resource without a utilization target shows <auto>",
        ),
        pytest.param(
            [
                cpu_target(80),
                target("Resource", "memory", averageValue="500Mi"),
                target("Pods", "packets-per-second", averageValue="1k"),
                {"type": "Imaginary"},
            ],
            [CPU_AT_50, current("Resource", averageValue="300Mi")],
            "cpu: 50%/80%, memory: 300Mi/500Mi + 2 more...",
            id="past two metrics the rest are counted",
        ),
        pytest.param([{"type": "Imaginary"}], [], "<unknown type>", id="an unknown metric type"),
    ],
)
def test_hpa_targets(specs: list[dict[str, Any]], statuses: list[dict[str, Any]], expected: str) -> None:
    assert format_hpa_metrics(specs, statuses) == expected
