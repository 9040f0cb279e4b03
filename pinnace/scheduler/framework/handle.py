"""What plugins get from the framework (``framework.Handle``): listers, snapshot, API, time, randomness.

Plugins read other objects (PVCs, namespaces, PDBs, services...) through :class:`Listers`, never through the
API directly: in the scheduler process they are informer caches, in tests and the in-process benchmark
:class:`StaticListers` dicts. API writes (binding, preemption, volume annotations) go through ``client``, any
object with the subset of :class:`pinnace.client.interface.Client` they use.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pinnace.client.clock import REAL_CLOCK, Clock

if TYPE_CHECKING:
    from pinnace.scheduler.framework.snapshot import Snapshot
    from pinnace.scheduler.framework.types import PodInfo

Object = dict[str, Any]


class Listers(Protocol):
    """Read-only views of the objects plugins consult. Returned dicts are shared: never mutate them."""

    def namespace(self, name: str) -> Object | None: ...

    def namespaces(self) -> Iterable[Object]: ...

    def pvc(self, namespace: str, name: str) -> Object | None: ...

    def pv(self, name: str) -> Object | None: ...

    def pvs(self) -> Iterable[Object]: ...

    def storage_class(self, name: str) -> Object | None: ...

    def services(self, namespace: str) -> Iterable[Object]: ...

    def replication_controller(self, namespace: str, name: str) -> Object | None: ...

    def replica_set(self, namespace: str, name: str) -> Object | None: ...

    def stateful_set(self, namespace: str, name: str) -> Object | None: ...

    def pdbs(self) -> Iterable[Object]: ...

    def priority_class(self, name: str) -> Object | None: ...

    def priority_classes(self) -> Iterable[Object]: ...


def _key(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


@dataclass
class StaticListers:
    """Listers over plain lists (tests, the in-process benchmark). Call :meth:`add` to put objects in."""

    objects: dict[str, dict[tuple[str, str], Object]] = field(default_factory=dict)

    def add(self, kind: str, *objs: Object) -> StaticListers:
        bucket = self.objects.setdefault(kind, {})
        for obj in objs:
            bucket[_key(obj)] = obj
        return self

    def remove(self, kind: str, obj: Object) -> None:
        self.objects.get(kind, {}).pop(_key(obj), None)

    def _get(self, kind: str, namespace: str, name: str) -> Object | None:
        return self.objects.get(kind, {}).get((namespace, name))

    def _all(self, kind: str, namespace: str | None = None) -> list[Object]:
        return [
            o for (ns, _), o in self.objects.get(kind, {}).items() if namespace is None or ns == namespace
        ]

    def namespace(self, name: str) -> Object | None:
        return self._get("Namespace", "", name)

    def namespaces(self) -> Iterable[Object]:
        return self._all("Namespace")

    def pvc(self, namespace: str, name: str) -> Object | None:
        return self._get("PersistentVolumeClaim", namespace, name)

    def pv(self, name: str) -> Object | None:
        return self._get("PersistentVolume", "", name)

    def pvs(self) -> Iterable[Object]:
        return self._all("PersistentVolume")

    def storage_class(self, name: str) -> Object | None:
        return self._get("StorageClass", "", name)

    def services(self, namespace: str) -> Iterable[Object]:
        return self._all("Service", namespace)

    def replication_controller(self, namespace: str, name: str) -> Object | None:
        return self._get("ReplicationController", namespace, name)

    def replica_set(self, namespace: str, name: str) -> Object | None:
        return self._get("ReplicaSet", namespace, name)

    def stateful_set(self, namespace: str, name: str) -> Object | None:
        return self._get("StatefulSet", namespace, name)

    def pdbs(self) -> Iterable[Object]:
        return self._all("PodDisruptionBudget")

    def priority_class(self, name: str) -> Object | None:
        return self._get("PriorityClass", "", name)

    def priority_classes(self) -> Iterable[Object]:
        return self._all("PriorityClass")


class Nominator(Protocol):
    """Pods nominated to nodes by preemption and not yet bound (the scheduling queue keeps them)."""

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]: ...


class EventSink(Protocol):
    """Where plugins record Events about objects (the scheduler's event recorder)."""

    def event(self, obj: Object, type: str, reason: str, message: str) -> None: ...


class APIClient(Protocol):
    """The subset of :class:`pinnace.client.interface.Client` the framework's plugins call."""

    async def create(
        self,
        resource: Any,
        body: Object,
        namespace: str = "",
        *,
        subresource: str = "",
        name: str = "",
        dry_run: bool = False,
        field_manager: str = "",
    ) -> Object: ...

    async def patch(
        self,
        resource: Any,
        name: str,
        patch: Any,
        namespace: str = "",
        *,
        patch_type: Any = "merge",
        subresource: str = "",
        field_manager: str = "",
        force: bool = False,
    ) -> Object: ...

    async def delete(
        self,
        resource: Any,
        name: str,
        namespace: str = "",
        *,
        propagation_policy: str = "",
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Object: ...


class NoNominator:
    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return []


@dataclass
class Handle:
    """Shared by all plugins of one profile. ``snapshot`` is the current cycle's snapshot; ``framework``
    is set once the profile is built (preemption runs its Filter plugins through it)."""

    snapshot: Snapshot
    listers: Listers = field(default_factory=StaticListers)
    client: APIClient | None = None
    clock: Clock = REAL_CLOCK
    rng: random.Random = field(default_factory=random.Random)
    nominator: Nominator = field(default_factory=NoNominator)
    events: EventSink | None = None
    profile_name: str = "default-scheduler"
    framework: Any = None
