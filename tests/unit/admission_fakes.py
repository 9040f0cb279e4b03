"""Builders and a fake ObjectSource for admission plugin tests (no store, no sleeping)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission import Attributes, Operation, PluginContext
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

PODS = GroupVersionResource("", "v1", "pods")
POD_KIND = GroupVersionKind("", "v1", "Pod")


class FakeObjects:
    """An ObjectSource over dicts keyed by (resource, namespace, name); records live reads and writes.

    ``cached=False`` objects are visible only to live reads (a watch cache that has not caught up).
    """

    def __init__(self, *objects: tuple[GroupVersionResource, Object]) -> None:
        self.objects: dict[tuple[GroupVersionResource, str, str], Object] = {}
        self.uncached: set[tuple[GroupVersionResource, str, str]] = set()
        self.live_reads: list[tuple[str, str]] = []
        self.live_lists: list[str] = []
        self.status_updates: list[Object] = []
        self.created: list[Object] = []
        self.conflicts = 0
        self.revision = 100
        for resource, obj in objects:
            self.put(resource, obj)

    def put(self, resource: GroupVersionResource, obj: Object, *, cached: bool = True) -> Object:
        metadata = obj.setdefault("metadata", {})
        self.revision += 1
        metadata.setdefault("resourceVersion", str(self.revision))
        key = (resource, str(metadata.get("namespace", "")), str(metadata["name"]))
        self.objects[key] = obj
        if not cached:
            self.uncached.add(key)
        return obj

    async def get(
        self, resource: GroupVersionResource, namespace: str, name: str, *, live: bool = False
    ) -> Object | None:
        key = (resource, namespace, name)
        if live:
            self.live_reads.append((namespace, name))
        elif key in self.uncached:
            return None
        found = self.objects.get(key)
        return copy.deepcopy(found) if found is not None else None

    async def list(
        self, resource: GroupVersionResource, namespace: str = "", *, live: bool = False
    ) -> list[Object]:
        if live:
            self.live_lists.append(namespace)
        return [
            copy.deepcopy(obj)
            for (res, ns, name), obj in sorted(self.objects.items(), key=lambda item: item[0][2])
            if res == resource
            and (not namespace or ns == namespace)
            and (live or (res, ns, name) not in self.uncached)
        ]

    async def update_status(self, resource: GroupVersionResource, obj: Object) -> Object:
        metadata = obj["metadata"]
        key = (resource, metadata.get("namespace", ""), metadata["name"])
        current = self.objects[key]
        if self.conflicts:
            self.conflicts -= 1
            current["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) + 1)
            raise status.conflict(resource.resource, metadata["name"], "the object has been modified")
        if metadata.get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise status.conflict(resource.resource, metadata["name"], "the object has been modified")
        updated = copy.deepcopy(current)
        updated["status"] = copy.deepcopy(obj.get("status"))
        self.revision += 1
        updated["metadata"]["resourceVersion"] = str(self.revision)
        self.objects[key] = updated
        self.status_updates.append(copy.deepcopy(updated))
        return updated

    async def create(self, resource: GroupVersionResource, obj: Object) -> Object:
        metadata = obj["metadata"]
        key = (resource, metadata.get("namespace", ""), metadata["name"])
        if key in self.objects:
            raise status.already_exists(resource.resource, metadata["name"])
        self.created.append(copy.deepcopy(obj))
        return self.put(resource, copy.deepcopy(obj))


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def context(
    objects: FakeObjects, config: Object | None = None, sleep: RecordingSleep | None = None
) -> PluginContext:
    return PluginContext(objects=objects, config=config, clock=lambda: NOW, sleep=sleep or RecordingSleep())


def namespace(name: str, labels: dict[str, str] | None = None, phase: str = "Active") -> Object:
    metadata: Object = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata, "status": {"phase": phase}}


def pod(name: str = "p", namespace: str = "ns", **spec: Any) -> Object:
    body: Object = {"containers": [{"name": "c", "image": "nginx"}]}
    body.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": body,
    }


def attributes(
    obj: Object | None,
    *,
    operation: Operation = Operation.CREATE,
    resource: GroupVersionResource = PODS,
    kind: GroupVersionKind = POD_KIND,
    namespace: str = "ns",
    name: str | None = None,
    old: Object | None = None,
    subresource: str = "",
    user: str = "alice",
    dry_run: bool = False,
) -> Attributes:
    if name is None:
        name = str(((obj or old or {}).get("metadata") or {}).get("name", ""))
    return Attributes(
        kind=kind,
        resource=resource,
        operation=operation,
        namespace=namespace,
        name=name,
        subresource=subresource,
        object=obj,
        old_object=old,
        user=UserInfo(name=user),
        dry_run=dry_run,
        warn=Warnings(),
    )


class Warnings(list[str]):
    """Records what plugins warn (``Attributes.warn``)."""

    def __call__(self, text: str) -> None:
        self.append(text)


def warnings_of(attrs: Attributes) -> list[str]:
    assert isinstance(attrs.warn, Warnings)
    return list(attrs.warn)
