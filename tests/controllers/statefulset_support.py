"""Builders for the StatefulSet and DaemonSet controller tests: objects as the API server stores them after
defaulting (the FakeClient does not default), and small readers of what the controllers wrote."""

from __future__ import annotations

import copy
from typing import Any

from pinnace.client import resources as r
from tests.controllers.workloads_support import NAMESPACE, Cluster, pod_template

Object = dict[str, Any]


def claim_template(name: str = "data", storage: str = "1Gi") -> Object:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}},
    }


def stateful_set(
    name: str,
    replicas: int,
    *,
    image: str = "postgres:16",
    claims: list[Object] | None = None,
    policy: str = "OrderedReady",
    strategy: Object | None = None,
    **spec: Any,
) -> Object:
    """``claims=None`` gives one ``data`` claim template, as the seed's ``pg``."""
    labels = {"app": name}
    template = pod_template(labels, image)
    template["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    body: Object = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "serviceName": name,
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": template,
            "volumeClaimTemplates": [claim_template()] if claims is None else claims,
            "podManagementPolicy": policy,
            "updateStrategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        },
    }
    body["spec"].update(spec)
    return body


def node(name: str, *, labels: dict[str, str] | None = None, taints: list[Object] | None = None) -> Object:
    body: Object = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    if taints:
        body["spec"]["taints"] = taints
    return body


def daemon_set(name: str, *, image: str = "fluentd:1", strategy: Object | None = None, **spec: Any) -> Object:
    labels = {"app": name}
    body: Object = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": pod_template(labels, image),
            "updateStrategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10,
        },
    }
    body["spec"].update(spec)
    return body


def names(items: list[Object]) -> list[str]:
    return sorted(item["metadata"]["name"] for item in items)


def pod_names(cluster: Cluster) -> list[str]:
    return names(cluster.pods())


def revisions(cluster: Cluster) -> list[Object]:
    """ControllerRevisions, oldest ``.revision`` first."""
    items = cluster.client.objects(r.CONTROLLERREVISIONS, NAMESPACE)
    return sorted(items, key=lambda item: item["revision"])


def claims(cluster: Cluster) -> list[Object]:
    return cluster.client.objects(r.PERSISTENTVOLUMECLAIMS, NAMESPACE)


def owners(item: Object) -> list[tuple[str, str, bool]]:
    return [
        (ref["kind"], ref["name"], bool(ref.get("controller")))
        for ref in item["metadata"].get("ownerReferences", [])
    ]


def with_image(obj: Object, image: str) -> Object:
    changed = copy.deepcopy(obj)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return changed
