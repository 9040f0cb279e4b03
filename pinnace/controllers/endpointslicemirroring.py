"""The EndpointSlice mirroring controller: EndpointSlices for Services without a selector, copied from the
Endpoints their users write (upstream's ``pkg/controller/endpointslicemirroring``).

``sync(key)`` — the key names both the Service and its Endpoints:

* mirrored slices are deleted when the Endpoints or the Service is gone, the Service has a selector (the
  EndpointSlice controller is in charge then), or the Endpoints opt out with
  ``endpointslice.kubernetes.io/skip-mirror: "true"`` (or are a leader-election lock);
* otherwise the Endpoints' subsets, repacked, become one slice per (address type, set of ports) holding
  up to 1000 addresses (``--mirroring-max-endpoints-per-subset``; more are skipped with a
  ``TooManyAddressesToMirror`` Warning; an address that is not an IP is skipped with ``InvalidIPAddress``).
  Each endpoint carries its address, ``ready`` (from ``addresses`` / ``notReadyAddresses``), ``nodeName``,
  ``hostname`` and ``targetRef``.

Mirrored slices are named ``<endpoints>-<random>``, owned by the Endpoints object, labelled like it plus
``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by:
endpointslicemirroring-controller.k8s.io``, and annotated like it (minus the trigger-time and
last-applied-configuration annotations). A slice already equal to the desired one is not written.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
from typing import Any, Final

from pinnace.client.errors import ApiError, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import ENDPOINTS, ENDPOINTSLICES, SERVICES
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.endpoints import LEADER_ANNOTATION
from pinnace.controllers.endpointslice.slices import (
    IPV4,
    IPV6,
    LABEL_MANAGED_BY,
    EndpointKey,
    PortMapKey,
    endpoint_key,
    endpoints_equal_beyond_hash,
    port_map_key,
)
from pinnace.controllers.endpointslice.tracker import (
    LABEL_SERVICE_NAME,
    EndpointSliceTracker,
    service_key_of_slice,
)
from pinnace.controllers.endpointsubsets import repack_subsets
from pinnace.controllers.endpointutil import (
    LAST_CHANGE_TRIGGER_TIME,
    NAMESPACE_TERMINATING_CAUSE,
    has_status_cause,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

NAME: Final = "endpointslicemirroring"
COMPONENT: Final = "endpoint-slice-mirroring-controller"
CONTROLLER_NAME: Final = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR: Final = "endpointslice.kubernetes.io/skip-mirror"
LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
#: ``--mirroring-max-endpoints-per-subset`` default.
MAX_ENDPOINTS_PER_SUBSET: Final = 1000
SLICE_CHANGE_MIN_SYNC_DELAY: Final = 1.0

_Key = tuple[str, PortMapKey]  # (address type, ports)


def should_mirror(endpoints: Object | None) -> bool:
    """``shouldMirror``: Endpoints that exist, did not opt out and are not a leader-election lock."""
    if endpoints is None:
        return False
    metadata = endpoints.get("metadata") or {}
    if (metadata.get("labels") or {}).get(SKIP_MIRROR) == "true":
        return False
    return LEADER_ANNOTATION not in (metadata.get("annotations") or {})


def _managed(endpoint_slice: Object) -> bool:
    return ((endpoint_slice.get("metadata") or {}).get("labels") or {}).get(
        LABEL_MANAGED_BY
    ) == CONTROLLER_NAME


def _without(values: dict[str, str] | None, *keys: str) -> dict[str, str]:
    return {k: v for k, v in (values or {}).items() if k not in keys}


def address_to_endpoint(address: Object, ready: bool) -> Object | None:
    """``addressToEndpoint``; None for an address that is not an IP."""
    try:
        ip = ipaddress.ip_address(str(address.get("ip") or ""))
    except ValueError:
        return None
    endpoint: Object = {"addresses": [str(ip)], "conditions": {"ready": ready}}
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    if address.get("targetRef") is not None:
        endpoint["targetRef"] = copy.deepcopy(address["targetRef"])
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    return endpoint


def _slice_ports(ports: list[Object]) -> list[Object]:
    result = []
    for port in ports:
        mirrored: Object = {
            "name": port.get("name") or "",
            "port": int(port.get("port") or 0),
            "protocol": port.get("protocol") or "TCP",
        }
        if port.get("appProtocol") is not None:
            mirrored["appProtocol"] = port["appProtocol"]
        result.append(mirrored)
    return result


class MirroringController:
    def __init__(
        self, ctx: ControllerContext, *, max_endpoints_per_subset: int = MAX_ENDPOINTS_PER_SUBSET
    ) -> None:
        self.client = ctx.client
        self.recorder = ctx.recorder(COMPONENT)
        self.max_per_subset = max_endpoints_per_subset
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="endpoint_slice_mirroring")
        self.services = ctx.informers.informer(SERVICES)
        self.endpoints = ctx.informers.informer(ENDPOINTS)
        self.slices = ctx.informers.informer(ENDPOINTSLICES)
        self.tracker = EndpointSliceTracker()
        self.services.add_handler(self._enqueue, lambda _old, new: self._enqueue(new), self._enqueue)
        self.endpoints.add_handler(self._endpoints_changed, self._endpoints_updated, self._endpoints_changed)
        self.slices.add_handler(self._slice_added, self._slice_updated, self._slice_deleted)

    async def run(self, workers: int) -> None:
        for informer in (self.services, self.endpoints, self.slices):
            await informer.wait_synced()
        await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _endpoints_changed(self, endpoints: Object) -> None:
        if should_mirror(endpoints):
            self._enqueue(endpoints)

    def _endpoints_updated(self, old: Object, new: Object) -> None:
        if should_mirror(old) or should_mirror(new):
            self._enqueue(new)

    def _queue_for_slice(self, endpoint_slice: Object) -> None:
        key = service_key_of_slice(endpoint_slice)
        if key.name:
            self.queue.add_after(key, SLICE_CHANGE_MIN_SYNC_DELAY)

    def _slice_added(self, endpoint_slice: Object) -> None:
        if _managed(endpoint_slice) and self.tracker.should_sync(endpoint_slice):
            self._queue_for_slice(endpoint_slice)

    def _slice_updated(self, old: Object, new: Object) -> None:
        if service_key_of_slice(old) != service_key_of_slice(new):
            self._queue_for_slice(old)
            self._queue_for_slice(new)
        elif _managed(old) != _managed(new) or (_managed(new) and self.tracker.should_sync(new)):
            self._queue_for_slice(new)

    def _slice_deleted(self, endpoint_slice: Object) -> None:
        if _managed(endpoint_slice) and self.tracker.has(endpoint_slice):
            if not self.tracker.handle_deletion(endpoint_slice):
                self._queue_for_slice(endpoint_slice)

    # Reconcile -----------------------------------------------------------------------------------------

    def _mirrored(self, key: ObjectKey) -> list[Object]:
        return [
            s
            for s in self.slices.indexer.list_namespace(key.namespace)
            if _managed(s) and service_key_of_slice(s) == key
        ]

    async def sync(self, key: ObjectKey) -> None:
        endpoints = self.endpoints.indexer.get(key)
        service = self.services.indexer.get(key)
        if (
            not should_mirror(endpoints)
            or service is None
            or (service.get("spec") or {}).get("selector") is not None
        ):
            self.tracker.delete_service(key)
            for endpoint_slice in self._mirrored(key):
                await self._delete(endpoint_slice)
            return
        assert endpoints is not None
        existing = self._mirrored(key)
        if self.tracker.stale_slices(service, existing):
            raise RuntimeError("EndpointSlice informer cache is out of date")
        await self._reconcile(endpoints, existing)

    def _desired(
        self, endpoints: Object
    ) -> tuple[dict[_Key, dict[EndpointKey, Object]], dict[_Key, list[Object]]]:
        desired: dict[_Key, dict[EndpointKey, Object]] = {}
        ports_by_key: dict[_Key, list[Object]] = {}
        invalid = skipped = 0
        for subset in repack_subsets(list(endpoints.get("subsets") or [])):
            ports = _slice_ports(list(subset.get("ports") or []))
            added = 0
            addresses = [(a, True) for a in subset.get("addresses") or []]
            addresses += [(a, False) for a in subset.get("notReadyAddresses") or []]
            for address, ready in addresses:
                if added >= self.max_per_subset:
                    break
                endpoint = address_to_endpoint(address, ready)
                if endpoint is None:
                    invalid += 1
                    log.info(
                        "address %r of Endpoints %s is not an IP; not mirrored",
                        address.get("ip"),
                        key_of(endpoints),
                    )
                    continue
                address_type = IPV6 if ":" in endpoint["addresses"][0] else IPV4
                key = (address_type, port_map_key(ports))
                ports_by_key.setdefault(key, ports)
                desired.setdefault(key, {})[endpoint_key(endpoint)] = endpoint
                added += 1
            skipped += len(addresses) - added
        if invalid:
            self.recorder.event(
                endpoints,
                "Warning",
                "InvalidIPAddress",
                f"Skipped {invalid} invalid IP addresses when mirroring to EndpointSlices",
            )
        if skipped > invalid:
            self.recorder.event(
                endpoints,
                "Warning",
                "TooManyAddressesToMirror",
                f"A max of {self.max_per_subset} addresses can be mirrored to EndpointSlices per Endpoints "
                f"subset. {skipped} addresses were skipped",
            )
        return desired, ports_by_key

    async def _reconcile(self, endpoints: Object, existing: list[Object]) -> None:
        desired, ports_by_key = self._desired(endpoints)
        existing_by_key: dict[_Key, list[Object]] = {}
        for endpoint_slice in existing:
            key = (str(endpoint_slice.get("addressType") or ""), port_map_key(endpoint_slice.get("ports")))
            existing_by_key.setdefault(key, []).append(endpoint_slice)
        to_create: list[Object] = []
        to_update: list[Object] = []
        to_delete: list[Object] = []
        for key, wanted in desired.items():
            slices = existing_by_key.get(key, [])
            if slices:
                to_delete += slices[1:]
                if self._unchanged(endpoints, slices[0], wanted):
                    continue
            new = self._new_slice(endpoints, ports_by_key[key], key[0], _name(slices[0]) if slices else "")
            new["endpoints"] = list(wanted.values())[: self.max_per_subset]
            (to_update if slices else to_create).append(new)
        for key, slices in existing_by_key.items():
            if key not in desired:
                to_delete += slices
        await self._finalize(endpoints, to_create, to_update, to_delete)

    def _unchanged(self, endpoints: Object, existing: Object, wanted: dict[EndpointKey, Object]) -> bool:
        """``totalChanges`` is zero and labels and annotations already mirror the Endpoints'."""
        current = existing.get("endpoints") or []
        if len(current) != len(wanted):
            return False
        for endpoint in current:
            match = wanted.get(endpoint_key(endpoint))
            if match is None or not endpoints_equal_beyond_hash(match, endpoint):
                return False
        metadata, slice_meta = endpoints.get("metadata") or {}, existing.get("metadata") or {}
        return _without(metadata.get("labels")) == _without(
            slice_meta.get("labels"), LABEL_MANAGED_BY, LABEL_SERVICE_NAME
        ) and _without(metadata.get("annotations"), LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED) == _without(
            slice_meta.get("annotations")
        )

    def _new_slice(self, endpoints: Object, ports: list[Object], address_type: str, name: str) -> Object:
        """``newEndpointSlice``: owned by the Endpoints, with its labels and annotations."""
        metadata = endpoints["metadata"]
        labels = dict(metadata.get("labels") or {})
        labels[LABEL_SERVICE_NAME] = metadata["name"]
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        slice_meta: Object = {
            "namespace": metadata.get("namespace", ""),
            "labels": labels,
            "annotations": _without(metadata.get("annotations"), LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED),
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Endpoints",
                    "name": metadata["name"],
                    "uid": metadata.get("uid", ""),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        }
        if name:
            slice_meta["name"] = name
        else:
            slice_meta["generateName"] = f"{metadata['name']}-"
        return {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": slice_meta,
            "addressType": address_type,
            "endpoints": [],
            "ports": copy.deepcopy(ports),
        }

    async def _finalize(
        self, endpoints: Object, to_create: list[Object], to_update: list[Object], to_delete: list[Object]
    ) -> None:
        key = key_of(endpoints)
        # recycleSlices: a create and a delete of the same address type become an update.
        for doomed in list(to_delete):
            fresh = next(
                (s for s in reversed(to_create) if s["addressType"] == doomed.get("addressType")), None
            )
            if fresh is not None:
                to_create.remove(fresh)
                to_delete.remove(doomed)
                fresh["metadata"].pop("generateName", None)
                fresh["metadata"]["name"] = _name(doomed)
                to_update.append(fresh)
        if not endpoints["metadata"].get("deletionTimestamp"):
            for endpoint_slice in to_create:
                try:
                    created = await self.client.create(ENDPOINTSLICES, endpoint_slice, key.namespace)
                except ApiError as err:
                    if has_status_cause(err, NAMESPACE_TERMINATING_CAUSE):
                        return
                    raise
                self.tracker.update(created)
        for endpoint_slice in to_update:
            self.tracker.update(await self.client.update(ENDPOINTSLICES, endpoint_slice))
        for endpoint_slice in to_delete:
            await self._delete(endpoint_slice)

    async def _delete(self, endpoint_slice: Object) -> None:
        metadata = endpoint_slice["metadata"]
        try:
            await self.client.delete(ENDPOINTSLICES, metadata["name"], metadata.get("namespace", ""))
        except NotFound:
            return
        self.tracker.expect_deletion(endpoint_slice)


def _name(obj: Object) -> str:
    return str(obj["metadata"].get("name") or "")


def new_controller(ctx: ControllerContext) -> MirroringController:
    return MirroringController(ctx)
