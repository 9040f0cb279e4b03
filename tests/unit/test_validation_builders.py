"""Builders shared by the validation tests, and the check that every baseline they build is valid.

Each builder returns a fresh, minimal, valid object as a user would write it (no server defaults); tests
derive invalid variants with :func:`patched`, which sets (or, with :data:`DELETE`, removes) fields addressed
by field paths in upstream's syntax: ``spec.template.spec.containers[0].image``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from pinnace.api.validation import FieldError, invalid_status_message, validate_create, validate_update
from pinnace.api.validation.dispatch import group_kind

DELETE = object()
_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in _SEGMENT.findall(path):
        steps.append(name if name else (int(index) if index.isdigit() else index))
    return steps


def patched(obj: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``obj`` with ``{"a.b[0].c": value}`` applied; missing maps are created and an index
    one past the end appends."""
    out = copy.deepcopy(obj)
    for path, value in changes.items():
        steps = _steps(path)
        node: Any = out
        for step in steps[:-1]:
            if isinstance(step, int):
                node = node[step]
            else:
                node = node.setdefault(step, {})
        last = steps[-1]
        if value is DELETE:
            del node[last]
        elif isinstance(node, list) and last == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[last] = copy.deepcopy(value)
    return out


def message(obj: dict[str, Any], errors: list[FieldError]) -> str:
    """The 422 message the API server would send for ``obj``."""
    group, kind = group_kind(obj)
    return invalid_status_message(kind, group, obj.get("metadata", {}).get("name", ""), errors)


def create_message(obj: dict[str, Any]) -> str:
    return message(obj, validate_create(obj))


def update_message(new: dict[str, Any], old: dict[str, Any]) -> str:
    return message(new, validate_update(new, old))


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as read back from the store: with a uid, a resourceVersion and a creation time."""
    return patched(
        obj,
        {
            "metadata.uid": "3f7c1e2a-9b1d-4f6e-8c3a-5d2b7e9f0a11",
            "metadata.resourceVersion": "1000",
            "metadata.creationTimestamp": "2025-03-31T11:20:23Z",
        },
    )


def container(name: str = "web", image: str = "nginx:1.27-alpine", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **fields}


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [container()], **spec},
    }


def template(labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"labels": labels or {"app": "web"}}, "spec": {"containers": [container()], **spec}}


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template(), **spec},
    }


def workload(kind: str, **spec: Any) -> dict[str, Any]:
    obj = deployment(**spec)
    obj["kind"] = kind
    if kind == "DaemonSet":
        del obj["spec"]["replicas"]
    return obj


def service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web-svc", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}], **spec},
    }


def job(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "data-migration", "namespace": "default"},
        "spec": {
            "backoffLimit": 2,
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [container("migrator", "migrator:1.0")]}
            },
            **spec,
        },
    }


def cron_job(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "default"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [container("report", "busybox:1.36")],
                        }
                    }
                }
            },
            **spec,
        },
    }


BASELINES = {
    "pod": pod(),
    "deployment": deployment(),
    "replica set": workload("ReplicaSet"),
    "daemon set": workload("DaemonSet"),
    "service": service(),
    "job": job(),
    "cron job": cron_job(),
}


@pytest.mark.parametrize("obj", list(BASELINES.values()), ids=[f"a minimal {k} is valid" for k in BASELINES])
def test_every_baseline_is_valid(obj: dict[str, Any]) -> None:
    assert validate_create(obj) == []


def test_patched_sets_and_deletes_fields_by_field_path() -> None:
    obj = patched(deployment(), {"spec.template.spec.containers[0].image": DELETE, "spec.replicas": 1})
    assert "image" not in obj["spec"]["template"]["spec"]["containers"][0]
    assert obj["spec"]["replicas"] == 1
    assert patched(obj, {"metadata.labels[app.kubernetes.io/name]": "x"})["metadata"]["labels"] == {
        "app": "web",
        "app.kubernetes.io/name": "x",
    }
