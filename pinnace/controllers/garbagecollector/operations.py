"""The garbage collector's API calls (upstream's ``operations.go`` and ``patch.go``).

Every write is guarded: deletes carry a uid precondition, ownerReference patches carry the dependent's
uid (a strategic merge patch's ``metadata.uid`` must match), and finalizer removal carries the
resourceVersion it was computed from — so a recreated object with the same name is never touched.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.client.errors import Conflict, NotFound
from pinnace.client.interface import Client, Object
from pinnace.client.resources import Resource, for_kind
from pinnace.controllers.garbagecollector.graph import Node, ObjectReference, blocks_owner_deletion

log = logging.getLogger(__name__)

#: client-go's ``retry.DefaultBackoff`` makes 4 attempts; a conflict means a newer object to retry with.
FINALIZER_UPDATE_ATTEMPTS = 4


class RetryLater(Exception):
    """A failure the collector retries with back-off, logged without a traceback."""


class RestMappingError(RetryLater):
    """An ownerReference names a kind the API server does not serve (``restMappingError``); retried, since
    a custom resource may appear later."""

    def __init__(self, kind: str, api_version: str) -> None:
        super().__init__(f"unable to get REST mapping for {kind}.{api_version}")


class NamespacedOwnerOfClusterScopedObject(Exception):
    """``namespacedOwnerOfClusterScopedObjectErr``: a namespaced kind with no namespace coordinate, which
    only a cluster-scoped object naming it as owner produces. It never resolves, so it is not retried."""

    def __init__(self) -> None:
        super().__init__("cluster-scoped objects cannot refer to namespaced owners")


def resource_for(api_version: str, kind: str) -> Resource:
    resource = for_kind(api_version, kind)
    if resource is None:
        raise RestMappingError(kind, api_version)
    return resource


def locate(identity: ObjectReference) -> tuple[Resource, str]:
    """The resource and namespace to address ``identity`` at (``resourceDefaultNamespace``: cluster-scoped
    objects have none; a namespaced one without a namespace cannot be addressed at all)."""
    resource = resource_for(identity.api_version, identity.kind)
    if not resource.namespaced:
        return resource, ""
    if not identity.namespace:
        raise NamespacedOwnerOfClusterScopedObject()
    return resource, identity.namespace


class Operations:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def get_object(self, identity: ObjectReference) -> Object:
        resource, namespace = locate(identity)
        return await self.client.get(resource, identity.name, namespace)

    async def delete_object(self, identity: ObjectReference, policy: str) -> None:
        """Delete with a uid precondition and the given propagation policy (``deleteObject``)."""
        resource, namespace = locate(identity)
        await self.client.delete(
            resource,
            identity.name,
            namespace,
            propagation_policy=policy,
            preconditions={"uid": identity.uid},
        )

    async def patch(self, identity: ObjectReference, patch: dict[str, Any]) -> Object:
        resource, namespace = locate(identity)
        return await self.client.patch(
            resource,
            identity.name,
            patch,
            namespace,
            patch_type="strategic",
        )

    async def delete_owner_references(self, item: Node, owner_uids: list[str]) -> Object:
        """Remove the references to ``owner_uids`` from ``item``
        (``GenerateDeleteOwnerRefStrategicMergeBytes``)."""
        patch = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": uid} for uid in owner_uids],
                "uid": item.uid,
            }
        }
        return await self.patch(item.identity, patch)

    async def unblock_owner_references(self, item: Node) -> Object:
        """Set ``blockOwnerDeletion: false`` on every blocking reference of ``item``
        (``unblockOwnerReferencesStrategicMergePatch``)."""
        refs = [dict(ref, blockOwnerDeletion=False) for ref in item.owners if blocks_owner_deletion(ref)]
        return await self.patch(item.identity, {"metadata": {"ownerReferences": refs, "uid": item.uid}})

    async def remove_finalizer(self, owner: Node, finalizer: str) -> None:
        """Drop ``finalizer`` from ``owner``, retrying conflicts on a fresh read (``removeFinalizer``)."""
        resource, namespace = locate(owner.identity)
        for _ in range(FINALIZER_UPDATE_ATTEMPTS):
            try:
                current = await self.client.get(resource, owner.identity.name, namespace)
            except NotFound:
                return
            metadata = current.get("metadata") or {}
            finalizers = list(metadata.get("finalizers") or [])
            if finalizer not in finalizers:
                log.debug("garbage collector: %s already lost finalizer %s", owner.identity, finalizer)
                return
            remaining = [f for f in finalizers if f != finalizer]
            patch = {
                "metadata": {
                    "resourceVersion": metadata.get("resourceVersion"),
                    # null removes the field, as upstream's objectForFinalizersPatch marshals a nil slice.
                    "finalizers": remaining or None,
                }
            }
            try:
                await self.client.patch(resource, owner.identity.name, patch, namespace, patch_type="merge")
            except NotFound:
                return
            except Conflict:
                continue
            return
        raise RetryLater(
            f"updateMaxRetries({FINALIZER_UPDATE_ATTEMPTS}) has reached. The garbage collector will retry "
            f"later for owner {owner.identity}"
        )
