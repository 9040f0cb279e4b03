"""Turning the pods a Service selects into EndpointSlices with as few writes as possible (upstream's
``k8s.io/endpointslice/reconciler.go``).

Per address type, endpoints are grouped by their set of ports (pods may resolve a named ``targetPort``
differently); per group:

1. every existing slice keeps the endpoints still desired (updated in place when their conditions, node or
   zone changed) and loses the others; a slice left empty is deleted;
2. slices being updated anyway are filled up first (fullest first) with the endpoints not placed yet;
3. what remains goes into the unchanged slice it fits best, else into new slices of at most
   ``max_endpoints_per_slice``;

then creates are turned into updates of slices that would otherwise be deleted, and a Service with no
endpoints at all keeps one empty placeholder slice per address type. Topology hints are not computed.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any, Final

from pinnace.client.errors import ApiError, NotFound
from pinnace.client.informer import Informer
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import ENDPOINTSLICES
from pinnace.controllers.endpointslice.slices import (
    EndpointKey,
    PortMapKey,
    address_types_for_service,
    endpoint_key,
    endpoint_ports,
    endpoints_equal_beyond_hash,
    new_endpoint_slice,
    owned_by,
    placeholder_equal,
    pod_to_endpoint,
    port_map_key,
    slice_labels,
    slice_to_fill,
)
from pinnace.controllers.endpointslice.tracker import EndpointSliceTracker
from pinnace.controllers.endpointutil import (
    LAST_CHANGE_TRIGGER_TIME,
    NAMESPACE_TERMINATING_CAUSE,
    format_trigger_time,
    has_status_cause,
    should_pod_be_in_endpoints,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

#: ``--max-endpoints-per-slice`` default.
MAX_ENDPOINTS_PER_SLICE: Final = 100


class ReconcileError(Exception):
    """One or more parts of a reconcile failed (``utilerrors.Aggregate``); the rest was done."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")


def _name(obj: Object) -> str:
    return str(obj["metadata"].get("name") or "")


def _endpoints(endpoint_slice: Object) -> list[Object]:
    return list(endpoint_slice.get("endpoints") or [])


class Reconciler:
    def __init__(
        self,
        client: Client,
        nodes: Informer,
        tracker: EndpointSliceTracker,
        controller_name: str,
        *,
        max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE,
    ) -> None:
        self.client = client
        self.nodes = nodes
        self.tracker = tracker
        self.controller_name = controller_name
        self.max_endpoints = max_endpoints_per_slice

    async def reconcile(
        self, service: Object, pods: list[Object], existing: list[Object], trigger_time: datetime | None
    ) -> None:
        """Create, update and delete ``service``'s slices so that they list ``pods``; raises
        :class:`ReconcileError` after doing what it could."""
        errors: list[str] = []
        supported = address_types_for_service(service)
        unsupported = [s for s in existing if s.get("addressType") not in supported]
        for address_type in supported:
            of_type = [s for s in existing if s.get("addressType") == address_type]
            try:
                errors += await self._reconcile_address_type(
                    service, pods, of_type, trigger_time, address_type
                )
            except ApiError as err:
                errors.append(str(err))
        for endpoint_slice in unsupported:
            try:
                await self._delete(endpoint_slice)
            except ApiError as err:
                name, service_key = _name(endpoint_slice), key_of(service)
                errors.append(f"error deleting {name} EndpointSlice for Service {service_key}: {err}")
        if errors:
            raise ReconcileError(errors)

    async def _reconcile_address_type(
        self,
        service: Object,
        pods: list[Object],
        existing: list[Object],
        trigger_time: datetime | None,
        address_type: str,
    ) -> list[str]:
        errors: list[str] = []
        to_create: list[Object] = []
        to_update: list[Object] = []
        to_delete: list[Object] = []
        existing_by_ports: dict[PortMapKey, list[Object]] = {}
        for endpoint_slice in existing:
            if owned_by(endpoint_slice, service):
                existing_by_ports.setdefault(port_map_key(endpoint_slice.get("ports")), []).append(
                    endpoint_slice
                )
            else:
                to_delete.append(endpoint_slice)

        publish_not_ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
        desired_ports: dict[PortMapKey, list[Object]] = {}
        desired: dict[PortMapKey, dict[EndpointKey, Object]] = {}
        for pod in sorted(pods, key=lambda p: _name(p)):
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = endpoint_ports(service, pod)
            key = port_map_key(ports)
            endpoints = desired.setdefault(key, {})
            desired_ports.setdefault(key, ports)
            node_name = str((pod.get("spec") or {}).get("nodeName") or "")
            node = self.nodes.indexer.get(ObjectKey("", node_name)) if node_name else None
            if node is None and not publish_not_ready:
                # Retry the Service later, but publish the others now: a pod pointing at a missing node
                # must not hold up the whole Service.
                errors.append(
                    f"skipping Pod {_name(pod)} for Service {key_of(service)}: Node {node_name} Not Found"
                )
                continue
            endpoint = pod_to_endpoint(pod, node, service, address_type)
            if endpoint["addresses"]:
                endpoints[endpoint_key(endpoint)] = endpoint

        for key, endpoints in desired.items():
            created, updated, deleted = self._reconcile_port_mapping(
                service, existing_by_ports.get(key, []), endpoints, desired_ports[key], address_type
            )
            to_create += created
            to_update += updated
            to_delete += deleted
        for key, slices in existing_by_ports.items():
            if key not in desired:
                to_delete += slices

        if len(existing) == len(to_delete) and not to_create:
            # A Service with no endpoints keeps one empty slice, so readers can tell "none" from "not yet".
            placeholder = new_endpoint_slice(service, [], address_type, self.controller_name)
            if len(to_delete) == 1 and placeholder_equal(to_delete[0], placeholder):
                to_delete = []
            else:
                to_create.append(placeholder)
        for endpoint_slice in to_create + to_update:
            for endpoint in endpoint_slice.get("endpoints") or []:
                endpoint.pop("hints", None)  # no topology hints (RemoveHintsFromSlices)
        await self._finalize(service, to_create, to_update, to_delete, trigger_time)
        return errors

    def _reconcile_port_mapping(
        self,
        service: Object,
        existing: list[Object],
        desired: dict[EndpointKey, Object],
        ports: list[Object],
        address_type: str,
    ) -> tuple[list[Object], list[Object], list[Object]]:
        """``reconcileByPortMapping`` for one set of ports; ``desired`` is consumed."""
        by_name: dict[str, Object] = {}
        unchanged: dict[str, None] = {}
        to_update: dict[str, None] = {}
        to_delete: dict[str, None] = {}
        # 1. Keep what is still desired, in the slice it is in.
        for endpoint_slice in existing:
            name = _name(endpoint_slice)
            by_name[name] = endpoint_slice
            kept: list[Object] = []
            changed = False
            for endpoint in _endpoints(endpoint_slice):
                wanted = desired.pop(endpoint_key(endpoint), None)
                if wanted is not None:
                    kept.append(wanted)
                    changed = changed or not endpoints_equal_beyond_hash(wanted, endpoint)
            labels, labels_changed = slice_labels(endpoint_slice, service, self.controller_name)
            if changed or len(kept) != len(_endpoints(endpoint_slice)):
                if not kept:
                    to_delete[name] = None
                    continue
                updated = copy.deepcopy(endpoint_slice)
                updated["endpoints"] = kept
                updated["metadata"]["labels"] = labels
                by_name[name] = updated
                to_update[name] = None
            elif labels_changed:
                updated = copy.deepcopy(endpoint_slice)
                updated["metadata"]["labels"] = labels
                by_name[name] = updated
                to_update[name] = None
            else:
                unchanged[name] = None
        # 2. Fill the slices written anyway, fullest first.
        if desired and to_update:
            for endpoint_slice in sorted((by_name[n] for n in to_update), key=lambda s: -len(_endpoints(s))):
                self._fill(endpoint_slice, desired)
        # 3. The rest: into the unchanged slice it fits best, else into new ones.
        to_create: list[Object] = []
        while desired:
            target: Object | None = None
            if len(desired) < self.max_endpoints and unchanged:
                target = slice_to_fill([by_name[n] for n in unchanged], len(desired), self.max_endpoints)
            if target is None:
                target = new_endpoint_slice(service, ports, address_type, self.controller_name)
            else:
                target = copy.deepcopy(target)
                by_name[_name(target)] = target
            self._fill(target, desired)
            if _name(target):
                to_update[_name(target)] = None
                unchanged.pop(_name(target), None)
            else:
                to_create.append(target)
        return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]

    def _fill(self, endpoint_slice: Object, desired: dict[EndpointKey, Object]) -> None:
        endpoints = _endpoints(endpoint_slice)
        while desired and len(endpoints) < self.max_endpoints:
            endpoints.append(desired.pop(next(iter(desired))))
        endpoint_slice["endpoints"] = endpoints

    async def _finalize(
        self,
        service: Object,
        to_create: list[Object],
        to_update: list[Object],
        to_delete: list[Object],
        trigger_time: datetime | None,
    ) -> None:
        service_key = key_of(service)
        # A create and a delete of the same address type become one update of the slice to delete.
        index = 0
        while index < len(to_delete) and to_create:
            doomed, fresh = to_delete[index], to_create[-1]
            if doomed.get("addressType") == fresh.get("addressType") and owned_by(doomed, service):
                fresh["metadata"]["name"] = _name(doomed)
                to_update.append(to_create.pop())
                del to_delete[index]
            else:
                index += 1
        # While the Service is being deleted, the garbage collector removes its slices: creating new ones
        # would race it.
        if not service["metadata"].get("deletionTimestamp"):
            for endpoint_slice in to_create:
                _set_trigger_time(endpoint_slice, trigger_time)
                try:
                    created = await self.client.create(ENDPOINTSLICES, endpoint_slice, service_key.namespace)
                except ApiError as err:
                    if has_status_cause(err, NAMESPACE_TERMINATING_CAUSE):
                        return
                    raise _wrap(err, f"failed to create EndpointSlice for Service {service_key}") from err
                self.tracker.update(created)
        for endpoint_slice in to_update:
            _set_trigger_time(endpoint_slice, trigger_time)
            try:
                updated = await self.client.update(ENDPOINTSLICES, endpoint_slice)
            except ApiError as err:
                raise _wrap(
                    err, f"failed to update {_name(endpoint_slice)} EndpointSlice for Service {service_key}"
                ) from err
            self.tracker.update(updated)
        for endpoint_slice in to_delete:
            try:
                await self._delete(endpoint_slice)
            except ApiError as err:
                raise _wrap(
                    err, f"failed to delete {_name(endpoint_slice)} EndpointSlice for Service {service_key}"
                ) from err

    async def _delete(self, endpoint_slice: Object) -> None:
        """Delete a slice; one already gone is fine."""
        metadata = endpoint_slice["metadata"]
        try:
            await self.client.delete(ENDPOINTSLICES, metadata["name"], metadata.get("namespace", ""))
        except NotFound:
            return
        self.tracker.expect_deletion(endpoint_slice)


def _wrap(err: ApiError, context: str) -> ApiError:
    """The same error (so callers still see its type), with upstream's context in its message."""
    status = dict(err.status)
    status["message"] = f"{context}: {err}"
    return type(err)(status)


def _set_trigger_time(endpoint_slice: Object, trigger_time: datetime | None) -> None:
    metadata = endpoint_slice["metadata"]
    annotations = dict(metadata.get("annotations") or {})
    if trigger_time is not None:
        annotations[LAST_CHANGE_TRIGGER_TIME] = format_trigger_time(trigger_time)
    else:
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
