"""What the Endpoints and EndpointSlice controllers share: which pods back a Service, on which port, and
which Services a pod change concerns (upstream's ``k8s.io/endpointslice/util`` and ``FindPort``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from pinnace.client.errors import ApiError
from pinnace.client.keys import ObjectKey, key_of
from pinnace.controllers.podutil import get_condition, is_pod_ready, parse_time

Object = dict[str, Any]

#: v1.EndpointsLastChangeTriggerTime: when the change that led to this Endpoints(Slice) write happened.
LAST_CHANGE_TRIGGER_TIME: Final = "endpoints.kubernetes.io/last-change-trigger-time"
#: v1.IsHeadlessService: on the Endpoints and EndpointSlices of a Service without a cluster IP.
IS_HEADLESS_SERVICE: Final = "service.kubernetes.io/headless"
#: v1.NamespaceTerminatingCause: creates in a namespace being deleted fail with it; they are dropped.
NAMESPACE_TERMINATING_CAUSE: Final = "NamespaceTerminating"


def is_service_ip_set(service: Object) -> bool:
    """Has a cluster IP (not headless, not ``None``, not yet unallocated)."""
    cluster_ip = (service.get("spec") or {}).get("clusterIP") or ""
    return cluster_ip not in ("", "None")


def is_ipv6(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).version == 6
    except ValueError:
        return False


def pod_ips(pod: Object) -> list[str]:
    """``status.podIPs``; a pod whose status names only ``podIP`` (a hand-written status) counts with it."""
    status = pod.get("status") or {}
    ips = [str(entry.get("ip")) for entry in status.get("podIPs") or [] if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [str(status["podIP"])]
    return ips


def is_pod_terminal(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def should_pod_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not finished, has an IP, and (unless asked) not being deleted."""
    if is_pod_terminal(pod) or not pod_ips(pod):
        return False
    return include_terminating or not (pod.get("metadata") or {}).get("deletionTimestamp")


def should_set_hostname(pod: Object, service: Object) -> bool:
    """``ShouldSetHostname``: the pod names a hostname and sits in the Service's subdomain."""
    spec = pod.get("spec") or {}
    return (
        bool(spec.get("hostname"))
        and spec.get("subdomain") == service["metadata"]["name"]
        and (pod.get("metadata") or {}).get("namespace") == service["metadata"].get("namespace")
    )


class PortNotFoundError(LookupError):
    pass


def find_port(pod: Object, service_port: Mapping[str, Any]) -> int:
    """``FindPort``: a numeric ``targetPort`` is the port; a named one is looked up among the containers'
    ports (and restartable init containers', the sidecars) with the Service port's protocol."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return int(port["containerPort"])
    raise PortNotFoundError(f"no suitable port for manifest: {(pod.get('metadata') or {}).get('uid', '')}")


def selector_matches(service: Object, labels: Mapping[str, str]) -> bool:
    """A Service selects pods by equality on every selector label. A missing selector selects nothing (the
    Service's endpoints are written by someone else); an empty one selects everything."""
    selector = (service.get("spec") or {}).get("selector")
    if selector is None:
        return False
    return all(labels.get(key) == value for key, value in selector.items())


def services_for_labels(services: Iterable[Object], labels: Mapping[str, str]) -> set[ObjectKey]:
    return {key_of(service) for service in services if selector_matches(service, labels)}


def _meta(obj: Object) -> Object:
    return obj.get("metadata") or {}


def _labels(pod: Object) -> dict[str, str]:
    return dict(_meta(pod).get("labels") or {})


def pod_endpoints_changed(old: Object, new: Object) -> tuple[bool, bool]:
    """``podEndpointsChanged``: (a change that may alter the pod's endpoint, a change that may alter which
    Services select it). Name, namespace, uid and nodeName cannot change once the pod has an IP."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    labels_changed = _labels(old) != _labels(new) or (
        old_spec.get("hostname"),
        old_spec.get("subdomain"),
    ) != (new_spec.get("hostname"), new_spec.get("subdomain"))
    changed = (
        (old.get("metadata") or {}).get("deletionTimestamp")
        != (new.get("metadata") or {}).get("deletionTimestamp")
        or is_pod_ready(old) != is_pod_ready(new)
        or pod_ips(old) != pod_ips(new)
    )
    return changed, labels_changed


def services_to_update_on_pod_change(services: list[Object], old: Object, new: Object) -> set[ObjectKey]:
    """``GetServicesToUpdateOnPodChange``: resyncs ignore; a pod change concerns the Services that select
    it; a label change also concerns those that selected it before (only those that differ when nothing
    else changed)."""
    if (old.get("metadata") or {}).get("resourceVersion") == (new.get("metadata") or {}).get(
        "resourceVersion"
    ):
        return set()
    pod_changed, labels_changed = pod_endpoints_changed(old, new)
    if not pod_changed and not labels_changed:
        return set()
    current = services_for_labels(services, _labels(new))
    if not labels_changed:
        return current
    previous = services_for_labels(services, _labels(old))
    if pod_changed:
        return current | previous
    return current ^ previous


def format_trigger_time(moment: datetime) -> str:
    """Go's ``time.RFC3339Nano`` in UTC: fractional seconds without trailing zeros, none when whole."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


@dataclass
class _ServiceState:
    service_trigger: datetime | None = None
    pod_triggers: dict[str, datetime] = field(default_factory=dict)


class TriggerTimeTracker:
    """``TriggerTimeTracker``: the earliest change (a pod's Ready transition, the Service's creation) not
    yet reflected by a sync, exported as the last-change-trigger-time annotation. A Service seen for the
    first time reports its creation time; a sync with no new change reports None (the annotation goes)."""

    def __init__(self) -> None:
        self._states: dict[ObjectKey, _ServiceState] = {}

    def compute(self, service: Object, pods: Iterable[Object]) -> datetime | None:
        key = key_of(service)
        state = self._states.get(key)
        known = state is not None
        if state is None:
            state = _ServiceState()
        earliest: datetime | None = None
        pod_triggers: dict[str, datetime] = {}
        for pod in pods:
            trigger = parse_time((get_condition(pod, "Ready") or {}).get("lastTransitionTime"))
            if trigger is None:
                continue
            name = pod["metadata"]["name"]
            pod_triggers[name] = trigger
            last = state.pod_triggers.get(name)
            if last is None or trigger > last:
                earliest = trigger if earliest is None else min(earliest, trigger)
        created = parse_time((service.get("metadata") or {}).get("creationTimestamp"))
        if created is not None and (state.service_trigger is None or created > state.service_trigger):
            earliest = created if earliest is None else min(earliest, created)
        self._states[key] = _ServiceState(created, pod_triggers)
        if not known:
            return created
        return earliest

    def delete_service(self, key: ObjectKey) -> None:
        self._states.pop(key, None)


def has_status_cause(error: ApiError, cause_type: str) -> bool:
    """``errors.HasStatusCause``: the Status names a cause of this type (``NamespaceTerminating``)."""
    causes = error.details.get("causes") or []
    return any(isinstance(cause, dict) and cause.get("type") == cause_type for cause in causes)
