"""Every object in the seed article validates clean, raw as written and as the API server defaults it.

The seed (shared/seed/000_d504272936a41a83.txt) is a Korean architecture article with the manifests a kubectl
user applies: a Deployment and its Service, a ConfigMap and Secret, a Job, an Ingress, a NetworkPolicy, RBAC,
a Namespace, a StatefulSet with volume claim templates and an HPA. Two snippets are fragments (a pod spec's
scheduling section, canary annotations) and are placed in a Deployment and an Ingress; the audit ``Policy`` is
a kube-apiserver configuration file, not an API object, and is left out.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinnace.api.validation import invalid_status_message, validate_create, validate_update
from pinnace.api.validation.dispatch import KINDS, group_kind
from tests.unit.test_validation_builders import (
    container,
    cron_job,
    deployment,
    patched,
    service,
    stored,
    template,
)

# The repository is cloned beside shared/ (locally and in CI).
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d504272936a41a83.txt"
NOT_API_OBJECTS = {("audit.k8s.io", "Policy")}


def _seed_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for block in re.findall(r"```yaml\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S):
        docs.extend(d for d in yaml.safe_load_all(block) if isinstance(d, dict))
    return docs


def _as_served(doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The object as the API server receives it: kubectl fills the namespace of namespaced kinds."""
    entry = KINDS.get(group_kind(doc))
    namespaced = entry.namespaced if entry is not None else True
    obj = copy.deepcopy(doc)
    if namespaced:
        obj.setdefault("metadata", {}).setdefault("namespace", "default")
    return obj, namespaced


def _whole_objects() -> list[dict[str, Any]]:
    return [d for d in _seed_documents() if "kind" in d and group_kind(d) not in NOT_API_OBJECTS]


def _fragments() -> list[dict[str, Any]]:
    """The seed's snippets that are parts of objects, placed where they belong."""
    out: list[dict[str, Any]] = []
    for doc in _seed_documents():
        if "kind" in doc:
            continue
        if "spec" in doc:
            spec = {**doc["spec"], "containers": [container("api", "ghcr.io/example/api:1.0")]}
            out.append(
                deployment(
                    template=template({"app": "api"}, **spec), selector={"matchLabels": {"app": "api"}}
                )
            )
        elif "metadata" in doc:
            out.append({**_whole_by_kind("Ingress"), "metadata": {"name": "web-canary", **doc["metadata"]}})
    return out


def _whole_by_kind(kind: str) -> dict[str, Any]:
    return next(d for d in _whole_objects() if d["kind"] == kind)


def _id(doc: dict[str, Any]) -> str:
    return f"{doc['kind']} {doc.get('metadata', {}).get('name', '')}".strip()


SEED_OBJECTS = _whole_objects() + _fragments()


def test_the_seed_has_the_expected_objects() -> None:
    # CI clones the repository beside a copy of shared/, so the article is always there.
    assert SEED.exists(), f"the seed article is not at {SEED}"
    assert [d["kind"] for d in _whole_objects()] == [
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "Job",
        "Ingress",
        "NetworkPolicy",
        "Role",
        "RoleBinding",
        "Namespace",
        "ServiceMonitor",
        "StatefulSet",
        "HorizontalPodAutoscaler",
    ]
    assert len(_fragments()) == 2


def _message(obj: dict[str, Any], errors: list[Any]) -> str:
    group, kind = group_kind(obj)
    return invalid_status_message(kind, group, obj.get("metadata", {}).get("name", ""), errors)


@pytest.mark.parametrize(
    "doc", SEED_OBJECTS, ids=[f"the seed's {_id(d)} is valid as written" for d in SEED_OBJECTS]
)
def test_seed_objects_are_valid_as_written(doc: dict[str, Any]) -> None:
    obj, namespaced = _as_served(doc)
    errors = validate_create(obj, namespaced=namespaced)
    assert errors == [], _message(obj, errors)


def _defaulted(doc: dict[str, Any]) -> dict[str, Any]:
    from pinnace.api import defaults

    obj, _ = _as_served(doc)
    obj = patched(obj, {"metadata.uid": "3f7c1e2a-9b1d-4f6e-8c3a-5d2b7e9f0a11"})
    defaults.apply_defaults(obj)
    defaults.prepare_for_create(obj, now="2025-03-31T11:20:23Z")
    return obj


@pytest.mark.parametrize(
    "doc", SEED_OBJECTS, ids=[f"the seed's {_id(d)} is valid once defaulted" for d in SEED_OBJECTS]
)
def test_seed_objects_are_valid_once_defaulted(doc: dict[str, Any]) -> None:
    obj = _defaulted(doc)
    _, namespaced = _as_served(doc)
    errors = validate_create(obj, namespaced=namespaced)
    assert errors == [], _message(obj, errors)


@pytest.mark.parametrize(
    "doc", SEED_OBJECTS, ids=[f"re-applying the seed's {_id(d)} is a valid update" for d in SEED_OBJECTS]
)
def test_reapplying_seed_objects_is_a_valid_update(doc: dict[str, Any]) -> None:
    obj = stored(_defaulted(doc))
    _, namespaced = _as_served(doc)
    errors = validate_update(copy.deepcopy(obj), obj, namespaced=namespaced)
    assert errors == [], _message(obj, errors)


SEED_LIKE: dict[str, dict[str, Any]] = {
    "a Deployment with two containers, probes and resources": deployment(
        template=template(
            containers=[
                container(
                    ports=[{"name": "http", "containerPort": 80}],
                    readinessProbe={"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
                    resources={
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                ),
                container(
                    "metrics", "prom/nginx-exporter:1.1", ports=[{"name": "metrics", "containerPort": 9113}]
                ),
            ]
        )
    ),
    "a Service with named ports": service(
        ports=[
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "metrics", "port": 9113, "targetPort": 9113},
        ]
    ),
    "a headless Service": service(clusterIP="None", ports=[{"name": "pg", "port": 5432}]),
    "a CronJob in a time zone": cron_job(
        timeZone="Asia/Seoul", concurrencyPolicy="Forbid", successfulJobsHistoryLimit=3
    ),
    "a PodDisruptionBudget": {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "maxUnavailable": "25%",
            "selector": {"matchLabels": {"app": "web"}},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    },
    "an HPA with several metric kinds and a behaviour": {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "500Mi"},
                    },
                },
                {
                    "type": "Pods",
                    "pods": {
                        "metric": {"name": "rps"},
                        "target": {"type": "AverageValue", "averageValue": "100"},
                    },
                },
                {
                    "type": "ContainerResource",
                    "containerResource": {
                        "name": "cpu",
                        "container": "web",
                        "target": {"type": "Utilization", "averageUtilization": 60},
                    },
                },
            ],
            "behavior": {
                "scaleDown": {
                    "stabilizationWindowSeconds": 300,
                    "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}],
                }
            },
        },
    },
}


@pytest.mark.parametrize("obj", list(SEED_LIKE.values()), ids=[f"{k} is valid" for k in SEED_LIKE])
def test_seed_like_objects_are_valid(obj: dict[str, Any]) -> None:
    errors = validate_create(obj)
    assert errors == [], _message(obj, errors)


WRONG_TYPES: list[Any] = [None, -1, "x", [], {}, True, 1.5, ["a"], {"a": 1}, [{"a": None}]]


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _replaced(obj: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    "doc",
    SEED_OBJECTS,
    ids=[f"wrong JSON types anywhere in the seed's {_id(d)} never raise" for d in SEED_OBJECTS],
)
def test_wrong_json_types_never_raise(doc: dict[str, Any]) -> None:
    # Types are the decoder's and the schema's business; validation must read any JSON without crashing.
    base, namespaced = _as_served(doc)
    for path in _paths(base)[1:]:
        if path in (("apiVersion",), ("kind",)):
            continue
        for value in WRONG_TYPES:
            obj = _replaced(base, path, value)
            validate_create(obj, namespaced=namespaced)
            validate_update(obj, base, namespaced=namespaced)
