"""Builders and a harness for the volume controllers' unit tests (PV binder, protection, local-path).

Objects are built as the API server stores them (defaulted). :func:`cluster` runs any set of the volume
controllers over one FakeClient, with real informers and queues on a fake clock; a test plays the scheduler
(setting ``volume.kubernetes.io/selected-node``) and the kubelet where it needs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from pinnace.api.defaults import apply_defaults
from pinnace.client import resources
from pinnace.client.clock import FakeClock
from pinnace.client.errors import status_error
from pinnace.client.fake import FakeClient
from pinnace.client.interface import Object
from pinnace.controllers.context import Controller, ControllerContext
from tests.controllers.lifecycle_support import Harness, running

NAMESPACE = "default"
Build = Callable[[ControllerContext], Controller]


def pv(
    name: str,
    size: str = "10Gi",
    *,
    modes: Sequence[str] = ("ReadWriteOnce",),
    storage_class: str = "",
    phase: str = "Available",
    claim: str = "",
    claim_uid: str = "",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> Object:
    """A PersistentVolume (``hostPath`` source); ``claim`` pre-binds it to ``default/<claim>``."""
    body: Object = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": dict(labels or {}), "annotations": dict(annotations or {})},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": list(modes),
            "hostPath": {"path": f"/data/{name}"},
            **({"storageClassName": storage_class} if storage_class else {}),
            **spec,
        },
        "status": {"phase": phase},
    }
    if claim:
        ref = {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": NAMESPACE, "name": claim}
        body["spec"]["claimRef"] = {**ref, **({"uid": claim_uid} if claim_uid else {})}
    apply_defaults(body)
    return body


def pvc(
    name: str,
    size: str = "5Gi",
    *,
    modes: Sequence[str] = ("ReadWriteOnce",),
    storage_class: str | None = None,
    volume_name: str = "",
    annotations: dict[str, str] | None = None,
    uid: str = "",
    **spec: Any,
) -> Object:
    """A claim; ``storage_class=None`` leaves ``storageClassName`` unset (the default class may apply)."""
    body: Object = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "annotations": dict(annotations or {}),
            **({"uid": uid} if uid else {}),
        },
        "spec": {
            "accessModes": list(modes),
            "resources": {"requests": {"storage": size}},
            **({"storageClassName": storage_class} if storage_class is not None else {}),
            **({"volumeName": volume_name} if volume_name else {}),
            **spec,
        },
    }
    apply_defaults(body)
    return body


def storage_class(
    name: str,
    provisioner: str = "example.com/external",
    *,
    default: bool = False,
    mode: str = "Immediate",
    created: str = "",
    **fields: Any,
) -> Object:
    metadata: Object = {"name": name}
    if default:
        metadata["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    if created:
        metadata["creationTimestamp"] = created
    body: Object = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": provisioner,
        "volumeBindingMode": mode,
        **fields,
    }
    apply_defaults(body)
    return body


def pod(name: str, *claims: str, node: str = "", phase: str = "Pending") -> Object:
    body: Object = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "containers": [{"name": "main", "image": "busybox"}],
            "volumes": [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims],
            **({"nodeName": node} if node else {}),
        },
        "status": {"phase": phase},
    }
    return body


def node(name: str, hostname: str = "") -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": hostname or name}},
    }


class Cluster(Harness):
    """The harness plus readers of the volume objects."""

    def volume(self, name: str) -> Object:
        return self._find(resources.PERSISTENTVOLUMES, name, "")

    def claim(self, name: str) -> Object:
        return self._find(resources.PERSISTENTVOLUMECLAIMS, name, NAMESPACE)

    def has(self, resource: resources.Resource, name: str) -> bool:
        namespace = NAMESPACE if resource.namespaced else ""
        return any(o["metadata"]["name"] == name for o in self.client.objects(resource, namespace))

    def _find(self, resource: resources.Resource, name: str, namespace: str) -> Object:
        for item in self.client.objects(resource, namespace):
            if item["metadata"]["name"] == name:
                return item
        raise KeyError(name)

    def phase(self, resource: resources.Resource, name: str) -> str:
        if not self.has(resource, name):
            return "<gone>"
        found = self._find(resource, name, NAMESPACE if resource.namespaced else "")
        return str((found.get("status") or {}).get("phase") or "")

    def messages(self, reason: str) -> list[str]:
        return [str(e["message"]) for e in self.events(reason)]

    async def select_node(self, claim: str, node_name: str) -> None:
        """Play the scheduler's VolumeBinding PreBind for a WaitForFirstConsumer claim."""
        patch = {"metadata": {"annotations": {"volume.kubernetes.io/selected-node": node_name}}}
        await self.client.patch(resources.PERSISTENTVOLUMECLAIMS, claim, patch, NAMESPACE)


class _Together:
    """Several controllers over one context, run as one."""

    def __init__(self, ctx: ControllerContext, builds: Sequence[Build]) -> None:
        self.parts = [build(ctx) for build in builds]

    async def run(self, workers: int) -> None:
        async with asyncio.TaskGroup() as group:
            for part in self.parts:
                group.create_task(part.run(workers))


@contextlib.asynccontextmanager
async def cluster(
    *builds: Build,
    seed: dict[resources.Resource, list[Object]] | None = None,
    fail: tuple[str, str] | None = None,
) -> AsyncIterator[Cluster]:
    """Run ``builds`` over one FakeClient holding ``seed``; ``fail=(verb, plural)`` refuses the first such
    call with Forbidden."""
    clock = FakeClock()
    client = FakeClient(clock=clock)
    if fail is not None:
        client.fail_next(*fail, status_error(403, "Forbidden", f"{fail[1]} is forbidden"))
    for resource, items in (seed or {}).items():
        client.seed(resource, *(copy.deepcopy(item) for item in items))
    async with running(lambda ctx: _Together(ctx, builds), client=client, clock=clock) as harness:
        yield Cluster(harness.client, harness.clock, harness.ctx, harness.controller)
