"""The dependency graph: one node per uid, edges from owners to dependents (upstream's ``graph.go``).

A node is *observed* once an informer has delivered its object; a *virtual* node stands for an owner that
a dependent names but no informer has shown yet — the collector asks the API server whether it exists.
Nodes compare by identity (two nodes for one uid can briefly coexist while a virtual node is replaced).
The graph builder is the only writer; the collector's workers only read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Object = dict[str, Any]
OwnerReference = dict[str, Any]

FINALIZER_ORPHAN = "orphan"  # metav1.FinalizerOrphanDependents
FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion"  # metav1.FinalizerDeleteDependents


@dataclass(frozen=True, slots=True, order=True)
class ObjectReference:
    """An object's coordinates: what an ownerReference says plus the namespace it was seen from.

    Field order is upstream's ``referenceLessThan`` (kind, apiVersion, namespace, name, uid), which picks
    among a virtual owner's alternative identities deterministically.
    """

    kind: str
    api_version: str
    namespace: str
    name: str
    uid: str

    def __str__(self) -> str:
        return (
            f"[{self.api_version}/{self.kind}, namespace: {self.namespace}, name: {self.name}, "
            f"uid: {self.uid}]"
        )

    def coordinates(self) -> tuple[str, str, str, str]:
        return (self.uid, self.name, self.kind, self.api_version)


def reference_to(ref: OwnerReference, namespace: str) -> ObjectReference:
    """The identity an ownerReference names, seen from a dependent in ``namespace``."""
    return ObjectReference(
        str(ref.get("kind") or ""),
        str(ref.get("apiVersion") or ""),
        namespace,
        str(ref.get("name") or ""),
        str(ref.get("uid") or ""),
    )


def matches_coordinates(ref: OwnerReference, identity: ObjectReference) -> bool:
    """``ownerReferenceMatchesCoordinates``: uid, name, kind and apiVersion all agree."""
    return (
        ref.get("uid") == identity.uid
        and ref.get("name") == identity.name
        and ref.get("kind") == identity.kind
        and ref.get("apiVersion") == identity.api_version
    )


def blocks_owner_deletion(ref: OwnerReference) -> bool:
    return ref.get("blockOwnerDeletion") is True


@dataclass(eq=False)
class Node:
    identity: ObjectReference
    #: The object's ownerReferences as last observed (empty for a virtual node).
    owners: list[OwnerReference] = field(default_factory=list)
    #: Nodes whose ownerReferences name this node's uid.
    dependents: set[Node] = field(default_factory=set)
    #: deletionTimestamp set and the foregroundDeletion finalizer present.
    deleting_dependents: bool = False
    #: deletionTimestamp set: a one-way trip, so it is never cleared.
    being_deleted: bool = False
    virtual: bool = False

    @property
    def uid(self) -> str:
        return self.identity.uid

    @property
    def observed(self) -> bool:
        return not self.virtual

    def clone(self) -> Node:
        return Node(
            self.identity,
            list(self.owners),
            set(self.dependents),
            self.deleting_dependents,
            self.being_deleted,
            self.virtual,
        )

    def blocking_dependents(self) -> list[Node]:
        """Dependents whose reference to this node has ``blockOwnerDeletion: true``: foreground deletion of
        this node waits for them."""
        return [
            dep
            for dep in self.dependents
            if any(ref.get("uid") == self.uid and blocks_owner_deletion(ref) for ref in dep.owners)
        ]

    def __repr__(self) -> str:
        return f"Node({self.identity}, virtual={self.virtual})"


def references_diffs(
    old: list[OwnerReference], new: list[OwnerReference]
) -> tuple[list[OwnerReference], list[OwnerReference], list[tuple[OwnerReference, OwnerReference]]]:
    """(added, removed, changed) references between two ownerReferences lists, matched by uid."""
    old_by_uid = {str(ref.get("uid")): ref for ref in old}
    added: list[OwnerReference] = []
    changed: list[tuple[OwnerReference, OwnerReference]] = []
    for ref in new:
        previous = old_by_uid.pop(str(ref.get("uid")), None)
        if previous is None:
            added.append(ref)
        elif previous != ref:
            changed.append((previous, ref))
    return added, list(old_by_uid.values()), changed


def partition_dependents(dependents: Iterable[Node], owner: ObjectReference) -> tuple[list[Node], list[Node]]:
    """(matching, nonmatching): dependents whose reference to ``owner.uid`` agrees with all of ``owner``'s
    coordinates, and those with a reference that disagrees (or that sit in another namespace than a
    namespaced owner). One dependent can be in both lists (``partitionDependents``)."""
    matching: list[Node] = []
    nonmatching: list[Node] = []
    for dep in dependents:
        found_match = found_mismatch = False
        if owner.namespace and owner.namespace != dep.identity.namespace:
            found_mismatch = True
        else:
            for ref in dep.owners:
                if ref.get("uid") == owner.uid:
                    if matches_coordinates(ref, owner):
                        found_match = True
                    else:
                        found_mismatch = True
        if found_match:
            matching.append(dep)
        if found_mismatch:
            nonmatching.append(dep)
    return matching, nonmatching


def alternate_owner_identity(deps: Iterable[Node], absent: ObjectReference) -> ObjectReference | None:
    """Another identity the dependents give an owner uid that was verified absent under ``absent``: the
    first one after ``absent`` in reference order, else the first one (``getAlternateOwnerIdentity``)."""
    cluster_scoped = not absent.namespace
    seen = {absent}
    first: ObjectReference | None = None
    first_following: ObjectReference | None = None
    for dep in deps:
        for ref in dep.owners:
            if ref.get("uid") != absent.uid:
                continue
            if matches_coordinates(ref, absent) and (
                cluster_scoped or absent.namespace == dep.identity.namespace
            ):
                continue
            candidate = reference_to(ref, dep.identity.namespace)
            if (
                cluster_scoped
                and candidate.api_version == absent.api_version
                and candidate.kind == absent.kind
            ):
                # That apiVersion/kind is known to be cluster-scoped: the alternative has no namespace.
                candidate = ObjectReference(
                    candidate.kind, candidate.api_version, "", candidate.name, candidate.uid
                )
            if candidate in seen:
                continue
            seen.add(candidate)
            if first is None or candidate < first:
                first = candidate
            if absent < candidate and (first_following is None or candidate < first_following):
                first_following = candidate
    return first_following or first


class ReferenceCache:
    """A bounded LRU set of identities known to be absent (``ReferenceCache``, 500 entries upstream), so
    siblings of one deleted owner do not each ask the API server about it."""

    def __init__(self, size: int = 500) -> None:
        self._size = size
        self._items: OrderedDict[ObjectReference, None] = OrderedDict()

    def add(self, ref: ObjectReference) -> None:
        self._items[ref] = None
        self._items.move_to_end(ref)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def has(self, ref: ObjectReference) -> bool:
        if ref in self._items:
            self._items.move_to_end(ref)
            return True
        return False

    def __len__(self) -> int:
        return len(self._items)


def has_finalizer(obj: Object, finalizer: str) -> bool:
    return finalizer in ((obj.get("metadata") or {}).get("finalizers") or [])


def being_deleted(obj: Object) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def deletion_starts_with_finalizer(old: Object | None, new: Object, finalizer: str) -> bool:
    """The update that starts a deletion held by ``finalizer`` (or the first sight of such an object)."""
    if not being_deleted(new) or not has_finalizer(new, finalizer):
        return False
    if old is None:
        return True
    return not being_deleted(old) or not has_finalizer(old, finalizer)
