"""The Endpoints controller: one Endpoints object per Service with a selector, listing the pods it selects
(upstream's ``pkg/controller/endpoint/endpoints_controller.go``).

``sync(service key)``:

1. the Service is gone: delete its Endpoints (a leftover from before a restart is found by enqueueing every
   Endpoints object once at start-up);
2. ``type: ExternalName`` and Services without a selector are left alone: their Endpoints, if any, are
   written by someone else (the ``kubernetes`` Service's by the API server);
3. every selected pod that is not finished and has an IP of the Service's first IP family becomes an
   address (``ip``, ``nodeName``, ``targetRef``, ``hostname`` in the Service's subdomain) — ready if the pod
   is Ready or the Service has ``publishNotReadyAddresses``, else not ready; a pod being deleted only with
   ``publishNotReadyAddresses``. Each Service port resolves its ``targetPort`` (a name through the pod's
   container ports); a headless Service without ports gets port-less subsets;
4. subsets are repacked into their canonical form (:mod:`~pinnace.controllers.endpointsubsets`) and the
   object is written only if subsets, labels (the Service's, plus ``service.kubernetes.io/headless`` for
   a Service without cluster IP) or the over-capacity annotation differ, with
   ``endpoints.kubernetes.io/last-change-trigger-time`` and, past 1000 addresses, a truncation marked by
   ``endpoints.kubernetes.io/over-capacity: truncated``.

After an update the old resourceVersion is remembered: a cache still showing it is stale and the sync is
retried rather than written from old data (upstream's ``staleEndpointsTracker``).
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any, Final

from pinnace.client.errors import ApiError, Forbidden, NotFound
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import ENDPOINTS, PODS, SERVICES
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.endpointsubsets import (
    MAX_CAPACITY,
    address_count,
    repack_subsets,
    subsets_equal_ignoring_resource_version,
    truncate,
)
from pinnace.controllers.endpointutil import (
    IS_HEADLESS_SERVICE,
    LAST_CHANGE_TRIGGER_TIME,
    NAMESPACE_TERMINATING_CAUSE,
    PortNotFoundError,
    TriggerTimeTracker,
    find_port,
    format_trigger_time,
    has_status_cause,
    is_ipv6,
    is_service_ip_set,
    pod_ips,
    selector_matches,
    services_for_labels,
    services_to_update_on_pod_change,
    should_pod_be_in_endpoints,
    should_set_hostname,
)
from pinnace.controllers.podutil import is_pod_ready

log = logging.getLogger(__name__)

Object = dict[str, Any]

NAME: Final = "endpoint"
COMPONENT: Final = "endpoint-controller"
OVER_CAPACITY: Final = "endpoints.kubernetes.io/over-capacity"
TRUNCATED: Final = "truncated"
#: resourcelock.LeaderElectionRecordAnnotationKey: Endpoints used as a lock have no Service; keep them.
LEADER_ANNOTATION: Final = "control-plane.alpha.kubernetes.io/leader"


class StaleCacheError(RuntimeError):
    """The Endpoints cache still shows a version this controller has replaced; retry later."""


def endpoint_address(service: Object, pod: Object) -> Object | None:
    """``podToEndpointAddressForService``: the pod's IP of the Service's (first) IP family, or None."""
    spec = service.get("spec") or {}
    families = spec.get("ipFamilies") or []
    if families:
        want_v6 = families[0] == "IPv6"
    elif is_service_ip_set(service):
        want_v6 = is_ipv6(str(spec["clusterIP"]))
    else:
        want_v6 = is_ipv6(str((pod.get("status") or {}).get("podIP") or ""))
    ip = next((ip for ip in pod_ips(pod) if is_ipv6(ip) == want_v6), None)
    if ip is None:
        return None
    metadata = pod["metadata"]
    address: Object = {"ip": ip}
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        # Upstream always points nodeName at the pod's; an empty one would not validate.
        address["nodeName"] = node_name
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": metadata.get("namespace", ""),
        "name": metadata["name"],
        "uid": metadata.get("uid", ""),
    }
    if should_set_hostname(pod, service):
        address["hostname"] = pod["spec"]["hostname"]
    return address


def desired_subsets(service: Object, pods: list[Object]) -> list[Object]:
    """The repacked subsets for ``service`` over the pods its selector matched."""
    spec = service.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    ports = spec.get("ports") or []
    subsets: list[Object] = []
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, publish_not_ready):
            continue
        address = endpoint_address(service, pod)
        if address is None:
            continue  # a single-stack pod behind a Service of the other family
        field = "addresses" if publish_not_ready or is_pod_ready(pod) else "notReadyAddresses"
        if not ports:
            # Only a headless Service may go without ports.
            if spec.get("clusterIP") == "None":
                subsets.append({field: [address]})
            continue
        for service_port in ports:
            try:
                number = find_port(pod, service_port)
            except PortNotFoundError as err:
                log.debug("service %s: %s", key_of(service), err)
                continue
            port: Object = {"port": number, "protocol": service_port.get("protocol") or "TCP"}
            if service_port.get("name"):
                port["name"] = service_port["name"]
            if service_port.get("appProtocol") is not None:
                port["appProtocol"] = service_port["appProtocol"]
            subsets.append({field: [copy.deepcopy(address)], "ports": [port]})
    return repack_subsets(subsets)


def _without_headless_label(labels: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in labels.items() if key != IS_HEADLESS_SERVICE}


def capacity_annotation_set_correctly(annotations: dict[str, str], subsets: list[Object]) -> bool:
    """``capacityAnnotationSetCorrectly``: under capacity and not marked, or it needs a (re)write."""
    return address_count(subsets) <= MAX_CAPACITY and OVER_CAPACITY not in annotations


class EndpointsController:
    def __init__(self, ctx: ControllerContext) -> None:
        self.client = ctx.client
        self.recorder = ctx.recorder(COMPONENT)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="endpoint")
        self.services = ctx.informers.informer(SERVICES)
        self.pods = ctx.informers.informer(PODS)
        self.endpoints = ctx.informers.informer(ENDPOINTS)
        self.trigger_times = TriggerTimeTracker()
        # Endpoints key -> the resourceVersion this controller replaced (staleEndpointsTracker).
        self._replaced: dict[ObjectKey, str] = {}
        self.services.add_handler(self._enqueue, lambda _old, new: self._enqueue(new), self._enqueue)
        self.pods.add_handler(self._add_pod, self._update_pod, self._add_pod)
        self.endpoints.add_handler(on_delete=self._enqueue)

    async def run(self, workers: int) -> None:
        for informer in (self.services, self.pods, self.endpoints):
            await informer.wait_synced()
        self._check_leftover_endpoints()
        await run_workers(self.queue, self.sync, workers, name=COMPONENT)

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def _services_in(self, obj: Object) -> list[Object]:
        return self.services.indexer.list_namespace(str(obj["metadata"].get("namespace") or ""))

    def _add_pod(self, pod: Object) -> None:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        for key in services_for_labels(self._services_in(pod), labels):
            self.queue.add(key)

    def _update_pod(self, old: Object, new: Object) -> None:
        for key in services_to_update_on_pod_change(self._services_in(new), old, new):
            self.queue.add(key)

    def _check_leftover_endpoints(self) -> None:
        """Endpoints whose Service went while the controller was down are deleted by their first sync."""
        for endpoints in self.endpoints.indexer.list():
            if LEADER_ANNOTATION not in ((endpoints.get("metadata") or {}).get("annotations") or {}):
                self.queue.add(key_of(endpoints))

    # Reconcile -----------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        service = self.services.indexer.get(key)
        if service is None:
            try:
                await self.client.delete(ENDPOINTS, key.name, key.namespace)
            except NotFound:
                pass
            self.trigger_times.delete_service(key)
            self._replaced.pop(key, None)
            return
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            return
        pods = [
            pod
            for pod in self.pods.indexer.list_namespace(key.namespace)
            if selector_matches(service, (pod.get("metadata") or {}).get("labels") or {})
        ]
        # Computed on every sync, so the tracker follows even the syncs that write nothing.
        trigger_time = self.trigger_times.compute(service, pods)
        subsets = desired_subsets(service, pods)

        current = self.endpoints.indexer.get(key)
        if current is not None and self._replaced.get(key) == current["metadata"].get("resourceVersion"):
            raise StaleCacheError(
                f"endpoints informer cache is out of date, resource version "
                f"{current['metadata'].get('resourceVersion')} already processed for endpoints {key}"
            )
        service_labels = dict((service.get("metadata") or {}).get("labels") or {})
        if current is not None:
            current_meta = current.get("metadata") or {}
            if (
                subsets_equal_ignoring_resource_version(current.get("subsets") or [], subsets)
                and _without_headless_label(dict(current_meta.get("labels") or {})) == service_labels
                and capacity_annotation_set_correctly(
                    dict(current_meta.get("annotations") or {}), current.get("subsets") or []
                )
            ):
                return  # nothing a reader would see changes
        await self._write(key, service, current, subsets, trigger_time, service_labels)

    async def _write(
        self,
        key: ObjectKey,
        service: Object,
        current: Object | None,
        subsets: list[Object],
        trigger_time: datetime | None,
        labels: dict[str, str],
    ) -> None:
        if current is None:
            new: Object = {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": key.name, "namespace": key.namespace},
            }
        else:
            new = copy.deepcopy(current)
            new.setdefault("apiVersion", "v1")
            new.setdefault("kind", "Endpoints")
        metadata = new["metadata"]
        annotations = dict(metadata.get("annotations") or {})
        if trigger_time is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME] = format_trigger_time(trigger_time)
        else:
            annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
        if truncate(subsets):
            annotations[OVER_CAPACITY] = TRUNCATED
        else:
            annotations.pop(OVER_CAPACITY, None)
        if is_service_ip_set(service):
            labels.pop(IS_HEADLESS_SERVICE, None)
        else:
            labels[IS_HEADLESS_SERVICE] = ""
        metadata["labels"] = labels
        if annotations:
            metadata["annotations"] = annotations
        else:
            metadata.pop("annotations", None)
        new["subsets"] = subsets
        try:
            if current is None:
                await self.client.create(ENDPOINTS, new, key.namespace)
                return
            updated = await self.client.update(ENDPOINTS, new)
        except ApiError as err:
            if (
                current is None
                and isinstance(err, Forbidden)
                and has_status_cause(err, NAMESPACE_TERMINATING_CAUSE)
            ):
                return  # every create fails until the namespace is gone
            if current is None:
                self.recorder.event(
                    new,
                    "Warning",
                    "FailedToCreateEndpoint",
                    f"Failed to create endpoint for service {key.namespace}/{key.name}: {err}",
                )
            else:
                self.recorder.event(
                    new, "Warning", "FailedToUpdateEndpoint", f"Failed to update endpoint {key}: {err}"
                )
            raise
        old_version = current["metadata"].get("resourceVersion")
        if updated["metadata"].get("resourceVersion") != old_version:
            self._replaced[key] = str(old_version)


def new_controller(ctx: ControllerContext) -> EndpointsController:
    return EndpointsController(ctx)
