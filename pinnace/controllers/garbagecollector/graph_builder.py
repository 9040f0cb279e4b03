"""The graph builder: informer events in, graph updates and work for the collector out (``graph_builder.go``).

Informer handlers only queue a :class:`GraphEvent` (the garbage collector's "key" is the change itself, as
upstream's ``graphChanges`` queue holds events: which owner edges to add or drop cannot be recomputed from
the cache later). One task applies them in order to the uid → :class:`Node` map and queues uids for the
collector:

* ``attempt_to_delete`` — a dependent whose owner went away, a virtual owner to verify, an owner waiting
  for its dependents (foreground deletion) and those dependents;
* ``attempt_to_orphan`` — an owner whose deletion started with the ``orphan`` finalizer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pinnace.client.informer import Informer
from pinnace.client.resources import Resource
from pinnace.client.workqueue import WorkQueue
from pinnace.controllers.garbagecollector.graph import (
    FINALIZER_DELETE_DEPENDENTS,
    FINALIZER_ORPHAN,
    Node,
    Object,
    ObjectReference,
    OwnerReference,
    ReferenceCache,
    alternate_owner_identity,
    being_deleted,
    blocks_owner_deletion,
    deletion_starts_with_finalizer,
    has_finalizer,
    matches_coordinates,
    partition_dependents,
    reference_to,
    references_diffs,
)

log = logging.getLogger(__name__)

EventType = Literal["add", "update", "delete"]

#: ``reportInvalidNamespaceOwnerRef``: (dependent, message) → a Warning Event on the dependent.
InvalidOwnerReporter = Callable[[ObjectReference, str], None]


@dataclass(frozen=True, slots=True)
class GraphEvent:
    type: EventType
    api_version: str
    kind: str
    object: Object
    old: Object | None = None
    #: A delete the collector inferred (the API server said NotFound), not one an informer delivered.
    virtual: bool = False

    def identity(self) -> ObjectReference:
        metadata = self.object.get("metadata") or {}
        return ObjectReference(
            self.kind,
            self.api_version,
            str(metadata.get("namespace") or ""),
            str(metadata.get("name") or ""),
            str(metadata.get("uid") or ""),
        )


def _owner_references(obj: Object) -> list[OwnerReference]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [dict(ref) for ref in refs if isinstance(ref, dict)]


def _graph_relevant_change(old: Object, new: Object) -> bool:
    """Only ownerReferences, deletionTimestamp and finalizers shape the graph; dropping other updates is
    safe (upstream's handler carries a TODO to do exactly this) and spares the builder every status write."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    return any(
        old_meta.get(name) != new_meta.get(name)
        for name in ("ownerReferences", "deletionTimestamp", "finalizers", "uid")
    )


class GraphBuilder:
    def __init__(
        self,
        attempt_to_delete: WorkQueue[str],
        attempt_to_orphan: WorkQueue[str],
        absent_owner_cache: ReferenceCache,
        report_invalid_owner: InvalidOwnerReporter | None = None,
    ) -> None:
        self.uid_to_node: dict[str, Node] = {}
        self.attempt_to_delete = attempt_to_delete
        self.attempt_to_orphan = attempt_to_orphan
        self.absent_owner_cache = absent_owner_cache
        self._report_invalid_owner = report_invalid_owner
        self._changes: asyncio.Queue[GraphEvent] = asyncio.Queue()
        self.monitors: list[Informer] = []

    # Feeding ---------------------------------------------------------------------------------------------

    def monitor(self, informer: Informer, resource: Resource) -> None:
        """Queue every change of ``resource`` that can affect the graph (``controllerFor``)."""
        api_version, kind = resource.api_version, resource.kind

        def on_add(obj: Object) -> None:
            self.enqueue(GraphEvent("add", api_version, kind, obj))

        def on_update(old: Object, new: Object) -> None:
            if _graph_relevant_change(old, new):
                self.enqueue(GraphEvent("update", api_version, kind, new, old))

        def on_delete(obj: Object) -> None:
            self.enqueue(GraphEvent("delete", api_version, kind, obj))

        informer.add_handler(on_add, on_update, on_delete)
        self.monitors.append(informer)

    def enqueue(self, event: GraphEvent) -> None:
        self._changes.put_nowait(event)

    def enqueue_virtual_delete(self, ref: ObjectReference) -> None:
        """The collector verified that ``ref`` does not exist: drop its (virtual) node."""
        metadata = {"namespace": ref.namespace, "name": ref.name, "uid": ref.uid}
        self.enqueue(
            GraphEvent(
                "delete",
                ref.api_version,
                ref.kind,
                {"apiVersion": ref.api_version, "kind": ref.kind, "metadata": metadata},
                virtual=True,
            )
        )

    @property
    def pending(self) -> int:
        return self._changes.qsize()

    @property
    def synced(self) -> bool:
        return bool(self.monitors) and all(informer.has_synced for informer in self.monitors)

    async def run(self) -> None:
        """Apply graph changes in order, until cancelled (``runProcessGraphChanges``)."""
        while True:
            event = await self._changes.get()
            try:
                self.process(event)
            except Exception:  # one malformed object must not stop the graph
                log.exception(
                    "garbage collector: failed to process %s event for %s", event.type, event.identity()
                )

    # Processing ------------------------------------------------------------------------------------------

    def process(self, event: GraphEvent) -> None:
        """One change (``processGraphChanges``)."""
        obj = event.object
        identity = event.identity()
        existing = self.uid_to_node.get(identity.uid)
        if existing is not None and not event.virtual and existing.virtual:
            existing = self._observe(existing, identity)
        if event.type in ("add", "update") and existing is None:
            node = Node(
                identity,
                owners=_owner_references(obj),
                deleting_dependents=being_deleted(obj) and has_finalizer(obj, FINALIZER_DELETE_DEPENDENTS),
                being_deleted=being_deleted(obj),
            )
            self._insert_node(node)
            # An informer can deliver the first sight of an object that is already being deleted.
            self._process_transitions(event.old, obj, node)
        elif event.type in ("add", "update") and existing is not None:
            added, removed, changed = references_diffs(existing.owners, _owner_references(obj))
            if added or removed or changed:
                # Owners waiting for this dependent may be unblocked by the change.
                self._add_unblocked_owners_to_delete_queue(removed, changed)
                existing.owners = _owner_references(obj)
                self._add_dependent_to_owners(existing, added)
                self._remove_dependent_from_owners(existing, removed)
            if being_deleted(obj):
                existing.being_deleted = True
            self._process_transitions(event.old, obj, existing)
        elif event.type == "delete":
            if existing is None:
                log.debug("garbage collector: %s is not in the graph", identity)
                return
            if self._should_remove(event, identity, existing):
                self._remove_deleted_node(existing, identity)

    def _observe(self, existing: Node, observed: ObjectReference) -> Node:
        """The first informer event for a uid that had a virtual node: the observed identity wins."""
        if observed != existing.identity:
            # Dependents that named the owner differently may now be dangling (bad child -> good parent).
            _, suspects = partition_dependents(existing.dependents, observed)
            for dep in suspects:
                if observed.namespace and dep.identity.namespace != observed.namespace:
                    self._report_invalid_namespace(dep, observed.uid)
                self.attempt_to_delete.add(dep.uid)
            log.debug("garbage collector: replacing virtual %s with observed %s", existing.identity, observed)
            existing = existing.clone()
            existing.identity = observed
            self.uid_to_node[observed.uid] = existing
        existing.virtual = False
        return existing

    def _should_remove(self, event: GraphEvent, deleted: ObjectReference, existing: Node) -> bool:
        """Whether a delete event removes ``existing``: always for an informer's; for a virtual delete only
        when no dependent still names the owner by other coordinates."""
        if not event.virtual:
            return True
        if existing.virtual:
            matching, nonmatching = partition_dependents(existing.dependents, deleted)
            if not nonmatching:
                return True
            # Some dependents disagree on this owner's coordinates: keep the node under another identity.
            if matching:
                self.absent_owner_cache.add(deleted)
                for dep in matching:
                    self.attempt_to_delete.add(dep.uid)
            if existing.identity == deleted:
                replacement = alternate_owner_identity(nonmatching, deleted)
                if replacement is not None:
                    node = existing.clone()
                    node.identity = replacement
                    self.uid_to_node[replacement.uid] = node
                    self.attempt_to_delete.add_rate_limited(node.uid)
            return False
        if existing.identity != deleted:
            # An observed object disagrees with the coordinates verified absent: keep it; the dependents
            # that used those coordinates are dangling.
            matching, _ = partition_dependents(existing.dependents, deleted)
            if matching:
                self.absent_owner_cache.add(deleted)
                for dep in matching:
                    self.attempt_to_delete.add(dep.uid)
            return False
        return True

    def _remove_deleted_node(self, node: Node, deleted: ObjectReference) -> None:
        self._remove_node(node)
        if node.dependents:
            # Siblings of this owner need not ask the API server about it again.
            self.absent_owner_cache.add(deleted)
        for dep in node.dependents:
            self.attempt_to_delete.add(dep.uid)
        for ref in node.owners:
            owner = self.uid_to_node.get(str(ref.get("uid")))
            if owner is not None and owner.deleting_dependents:
                # Foreground deletion of the owner may now be able to finish.
                self.attempt_to_delete.add(owner.uid)

    def _process_transitions(self, old: Object | None, new: Object, node: Node) -> None:
        if deletion_starts_with_finalizer(old, new, FINALIZER_ORPHAN):
            log.debug("garbage collector: %s waits for its dependents to be orphaned", node.identity)
            self.attempt_to_orphan.add(node.uid)
            return
        if deletion_starts_with_finalizer(old, new, FINALIZER_DELETE_DEPENDENTS):
            log.debug("garbage collector: %s waits for its dependents to be deleted", node.identity)
            # A node first added as virtual has not had this set.
            node.deleting_dependents = True
            for dep in node.dependents:
                self.attempt_to_delete.add(dep.uid)
            self.attempt_to_delete.add(node.uid)

    def _add_unblocked_owners_to_delete_queue(
        self, removed: list[OwnerReference], changed: list[tuple[OwnerReference, OwnerReference]]
    ) -> None:
        for ref in removed:
            if blocks_owner_deletion(ref) and (owner := self.uid_to_node.get(str(ref.get("uid")))):
                self.attempt_to_delete.add(owner.uid)
        for old_ref, new_ref in changed:
            if blocks_owner_deletion(old_ref) and not blocks_owner_deletion(new_ref):
                if owner := self.uid_to_node.get(str(new_ref.get("uid"))):
                    self.attempt_to_delete.add(owner.uid)

    # Graph edits -----------------------------------------------------------------------------------------

    def _insert_node(self, node: Node) -> None:
        self.uid_to_node[node.uid] = node
        self._add_dependent_to_owners(node, node.owners)

    def _remove_node(self, node: Node) -> None:
        if self.uid_to_node.get(node.uid) is node:
            del self.uid_to_node[node.uid]
        self._remove_dependent_from_owners(node, node.owners)

    def _add_dependent_to_owners(self, node: Node, owners: list[OwnerReference]) -> None:
        """Link ``node`` under each owner, creating a virtual node (to be verified) for an unseen owner
        (``addDependentToOwners``), and flag references that disagree with an owner already known."""
        suspect = False
        for ref in owners:
            owner = self.uid_to_node.get(str(ref.get("uid")))
            if owner is None:
                owner = Node(reference_to(ref, node.identity.namespace), virtual=True)
                self.uid_to_node[owner.uid] = owner
                owner.dependents.add(node)
                # The collector will ask the API server whether this owner exists.
                self.attempt_to_delete.add(owner.uid)
                continue
            owner.dependents.add(node)
            if suspect:
                continue
            owner_namespaced = bool(owner.identity.namespace)
            if owner_namespaced and owner.identity.namespace != node.identity.namespace:
                if owner.observed:
                    self._report_invalid_namespace(node, owner.uid)
                suspect = True
            elif not matches_coordinates(ref, owner.identity):
                suspect = True
            elif (
                not owner_namespaced
                and owner.identity.namespace != node.identity.namespace
                and not owner.observed
            ):
                # A virtual cluster-scoped owner named from a namespace: maybe a namespaced kind
                # referenced by a cluster-scoped child (issue #98040); verify the child's owners.
                suspect = True
        if suspect:
            self.attempt_to_delete.add(node.uid)

    def _remove_dependent_from_owners(self, node: Node, owners: list[OwnerReference]) -> None:
        for ref in owners:
            owner = self.uid_to_node.get(str(ref.get("uid")))
            if owner is not None:
                owner.dependents.discard(node)

    def _report_invalid_namespace(self, dependent: Node, owner_uid: str) -> None:
        """``OwnerRefInvalidNamespace``: a namespaced owner referenced from another namespace."""
        if self._report_invalid_owner is None:
            return
        for ref in dependent.owners:
            if ref.get("uid") == owner_uid:
                invalid = reference_to(ref, dependent.identity.namespace)
                self._report_invalid_owner(
                    dependent.identity,
                    f'ownerRef {invalid} does not exist in namespace "{dependent.identity.namespace}"',
                )
                return
