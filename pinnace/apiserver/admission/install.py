"""An API server's admission: the chain its flags select, wired into every ResourceStore.

:func:`install` builds the chain (``--enable/--disable-admission-plugins``, the configuration file), gives
plugins a :class:`StoreObjectSource` over the server's own stores, sends their warnings to the request
being served, and sets it on every store. :meth:`Admission.start` creates what upstream's post-start hooks
create for admission to work with: the system PriorityClasses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status, warning_headers
from pinnace.apiserver.admission.attributes import Object
from pinnace.apiserver.admission.chain import AdmissionChain, admission_skipped
from pinnace.apiserver.admission.interfaces import PluginContext
from pinnace.apiserver.admission.options import AdmissionOptions, new_chain
from pinnace.apiserver.admission.plugins import register_builtins
from pinnace.apiserver.admission.plugins.priority import ensure_system_priority_classes
from pinnace.apiserver.admission.registry import PLUGINS, Plugins
from pinnace.apiserver.audit import context as audit_context
from pinnace.apiserver.rest.keys import object_key
from pinnace.apiserver.rest.resource import ListOptions, ResourceStore
from pinnace.apiserver.rest.stores import ResourceStores

log = logging.getLogger(__name__)


class StoreObjectSource:
    """:class:`~pinnace.apiserver.admission.interfaces.ObjectSource` over the API server's stores: reads
    from the watch cache (``resourceVersion=0``) or, ``live``, from the store; writes skip admission."""

    def __init__(self, stores: ResourceStores) -> None:
        self.stores = stores

    def _rest(self, resource: GroupVersionResource) -> ResourceStore:
        rest = self.stores.get(resource.group, resource.version, resource.resource)
        if rest is None:
            raise status.internal_error(f"admission: the server does not serve {resource}")
        return rest

    async def get(
        self, resource: GroupVersionResource, namespace: str, name: str, *, live: bool = False
    ) -> Object | None:
        rest = self._rest(resource)
        if live:
            try:
                return await rest.get(namespace, name)
            except status.NotFound:
                return None
        # Straight from the cache with a shallow copy, as cached lists are served: every write asks for
        # its namespace, and callers only read.
        await rest.cache.wait_ready()
        cached = rest.cache.get(object_key(rest.info, namespace, name))
        return rest.view(dict(cached)) if cached is not None else None

    async def list(
        self, resource: GroupVersionResource, namespace: str = "", *, live: bool = False
    ) -> list[Object]:
        options = ListOptions(namespace=namespace, resource_version="" if live else "0")
        return (await self._rest(resource).list(options)).items

    async def update_status(self, resource: GroupVersionResource, obj: Object) -> Object:
        metadata = obj["metadata"]
        with admission_skipped():
            stored, _ = await self._rest(resource).update(
                metadata.get("namespace", ""), metadata["name"], lambda current: obj, subresource="status"
            )
        return stored

    async def create(self, resource: GroupVersionResource, obj: Object) -> Object:
        namespace = str((obj.get("metadata") or {}).get("namespace") or "")
        return await self._rest(resource).create(namespace, obj)


def _annotate_current_request(key: str, value: str) -> None:
    """Admission's audit annotations go to the audit event of the request being served."""
    request = warning_headers.current_request()
    if request is not None:
        audit_context.add_annotation(request, key, value)


@dataclass
class Admission:
    chain: AdmissionChain
    objects: StoreObjectSource

    async def start(self) -> None:
        """Create the system PriorityClasses (upstream's ``scheduling/bootstrap-system-priority-classes``)."""
        await ensure_system_priority_classes(self.objects)


def install(
    stores: ResourceStores,
    options: AdmissionOptions,
    *,
    plugins: Plugins | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Admission:
    """Build the chain and set it on every store. Raises AdmissionOptionsError for bad flags or files.

    ``plugins`` defaults to the global registry with the built-in plugins registered."""
    if plugins is None:
        plugins = register_builtins(PLUGINS)
    objects = StoreObjectSource(stores)
    chain = new_chain(
        options,
        PluginContext(objects=objects, clock=clock),
        plugins=plugins,
        warn=warning_headers.add_warning_to_current_request,
        annotate=_annotate_current_request,
    )
    for info in stores.registry.resources():
        rest = stores.get(info.group, info.version, info.plural)
        if rest is not None:
            rest.hooks.admission = chain
    log.info("admission plugins enabled: %s", ",".join(chain.names))
    return Admission(chain, objects)
