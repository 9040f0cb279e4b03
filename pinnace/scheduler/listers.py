"""Listers backed by informers: what plugins read in the scheduler process (``framework.Handle`` listers).

Each kind the plugins consult gets one informer of the shared factory; reads come from its indexer, so a
Filter never waits for the network. Objects are shared with the informer: plugins must not mutate them.
"""

from __future__ import annotations

from collections.abc import Iterable

from pinnace.client.informer import Informer, SharedInformerFactory
from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey
from pinnace.client.resources import (
    NAMESPACES,
    PERSISTENTVOLUMECLAIMS,
    PERSISTENTVOLUMES,
    PODDISRUPTIONBUDGETS,
    PRIORITYCLASSES,
    REPLICASETS,
    REPLICATIONCONTROLLERS,
    SERVICES,
    STATEFULSETS,
    STORAGECLASSES,
)


class InformerListers:
    """:class:`~pinnace.scheduler.framework.handle.Listers` over a :class:`SharedInformerFactory`.

    ``priority_classes=False`` leaves PriorityClasses out: upstream's ``system:kube-scheduler`` role cannot
    read them (the Priority admission plugin resolves ``priorityClassName`` into ``spec.priority``), so the
    scheduler only reads them where it is allowed to.
    """

    def __init__(self, informers: SharedInformerFactory, *, priority_classes: bool = True) -> None:
        self.namespaces_informer = informers.informer(NAMESPACES)
        self.pvcs_informer = informers.informer(PERSISTENTVOLUMECLAIMS)
        self.pvs_informer = informers.informer(PERSISTENTVOLUMES)
        self.storage_classes_informer = informers.informer(STORAGECLASSES)
        self.services_informer = informers.informer(SERVICES)
        self.rcs_informer = informers.informer(REPLICATIONCONTROLLERS)
        self.replica_sets_informer = informers.informer(REPLICASETS)
        self.stateful_sets_informer = informers.informer(STATEFULSETS)
        self.pdbs_informer = informers.informer(PODDISRUPTIONBUDGETS)
        self.priority_classes_informer = informers.informer(PRIORITYCLASSES) if priority_classes else None

    @staticmethod
    def _get(informer: Informer, namespace: str, name: str) -> Object | None:
        return informer.indexer.get(ObjectKey(namespace, name))

    def namespace(self, name: str) -> Object | None:
        return self._get(self.namespaces_informer, "", name)

    def namespaces(self) -> Iterable[Object]:
        return self.namespaces_informer.indexer.list()

    def pvc(self, namespace: str, name: str) -> Object | None:
        return self._get(self.pvcs_informer, namespace, name)

    def pv(self, name: str) -> Object | None:
        return self._get(self.pvs_informer, "", name)

    def pvs(self) -> Iterable[Object]:
        return self.pvs_informer.indexer.list()

    def storage_class(self, name: str) -> Object | None:
        return self._get(self.storage_classes_informer, "", name)

    def services(self, namespace: str) -> Iterable[Object]:
        return self.services_informer.indexer.list_namespace(namespace)

    def replication_controller(self, namespace: str, name: str) -> Object | None:
        return self._get(self.rcs_informer, namespace, name)

    def replica_set(self, namespace: str, name: str) -> Object | None:
        return self._get(self.replica_sets_informer, namespace, name)

    def stateful_set(self, namespace: str, name: str) -> Object | None:
        return self._get(self.stateful_sets_informer, namespace, name)

    def pdbs(self) -> Iterable[Object]:
        return self.pdbs_informer.indexer.list()

    def priority_class(self, name: str) -> Object | None:
        if self.priority_classes_informer is None:
            return None
        return self._get(self.priority_classes_informer, "", name)

    def priority_classes(self) -> Iterable[Object]:
        if self.priority_classes_informer is None:
            return []
        return self.priority_classes_informer.indexer.list()
