"""NamespaceLifecycle: nothing is created in a namespace that is missing or being deleted, and the
namespaces every cluster relies on cannot be deleted (``apiserver/pkg/admission/plugin/namespace/lifecycle``).

Namespaces are read from the watch cache; a namespace the cache does not know yet gets
``MISSING_NAMESPACE_WAIT`` to appear (a create right after the namespace's own create), then a live read.
A namespace deleted through this server is read live for ``FORCE_LIVE_LOOKUP_TTL`` afterwards, so a cache
that has not seen the deletion yet cannot let new content in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext

NAME = "NamespaceLifecycle"

NAMESPACES = GroupVersionResource("", "v1", "namespaces")
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
FORCE_LIVE_LOOKUP_TTL = timedelta(seconds=30)
FORCE_LIVE_LOOKUP_SIZE = 100
MISSING_NAMESPACE_WAIT = 0.05
# Creating these reveals nothing about a namespace, so they are allowed even where it does not exist.
ACCESS_REVIEWS = frozenset({("authorization.k8s.io", "localsubjectaccessreviews")})
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


class NamespaceLifecycle(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE)
        self.objects: ObjectSource = context.objects
        self.clock = context.clock
        self.sleep = context.sleep
        self.immortal = IMMORTAL_NAMESPACES
        # Namespaces recently deleted here, until when they are read live (upstream's LRUExpireCache).
        self._force_live_lookup: dict[str, datetime] = {}

    async def admit(self, attributes: Attributes) -> None:
        is_namespace = attributes.kind.group == "" and attributes.kind.kind == "Namespace"
        if attributes.operation is Operation.DELETE and is_namespace and attributes.name in self.immortal:
            raise status.forbidden(
                "this namespace may not be deleted",
                resource=attributes.resource.resource,
                name=attributes.name,
                group=attributes.resource.group,
            )
        if not attributes.namespace and not is_namespace:
            return  # cluster-scoped
        if is_namespace:
            if attributes.operation is Operation.DELETE:
                self._remember_deleted(attributes.name)
            return
        if attributes.operation is Operation.DELETE:
            return
        if (attributes.resource.group, attributes.resource.resource) in ACCESS_REVIEWS:
            return
        namespace = await self._namespace(attributes)
        if attributes.operation is Operation.CREATE and _phase(namespace) == "Terminating":
            name = attributes.namespace
            raise forbidden(
                attributes,
                f"unable to create new content in namespace {name} because it is being terminated",
                causes=[
                    status.StatusCause(
                        NAMESPACE_TERMINATING_CAUSE,
                        f"namespace {name} is being terminated",
                        "metadata.namespace",
                    )
                ],
            )

    async def _namespace(self, attributes: Attributes) -> Object:
        name = attributes.namespace
        namespace = await self.objects.get(NAMESPACES, "", name)
        if namespace is None and attributes.operation is Operation.CREATE:
            # Give the cache time to see a namespace created a moment ago.
            await self.sleep(MISSING_NAMESPACE_WAIT)
            namespace = await self.objects.get(NAMESPACES, "", name)
        force_live = namespace is not None and self._recently_deleted(name) and _phase(namespace) == "Active"
        if namespace is None or force_live:
            namespace = await self.objects.get(NAMESPACES, "", name, live=True)
            if namespace is None:
                raise status.not_found("namespaces", name)
        return namespace

    def _remember_deleted(self, name: str) -> None:
        self._force_live_lookup.pop(name, None)
        while len(self._force_live_lookup) >= FORCE_LIVE_LOOKUP_SIZE:
            self._force_live_lookup.pop(next(iter(self._force_live_lookup)))
        self._force_live_lookup[name] = self.clock() + FORCE_LIVE_LOOKUP_TTL

    def _recently_deleted(self, name: str) -> bool:
        until = self._force_live_lookup.get(name)
        if until is None:
            return False
        if self.clock() >= until:
            del self._force_live_lookup[name]
            return False
        return True


def _phase(namespace: Object) -> str:
    return str((namespace.get("status") or {}).get("phase") or "")


def new(context: PluginContext) -> NamespaceLifecycle:
    return NamespaceLifecycle(context)
