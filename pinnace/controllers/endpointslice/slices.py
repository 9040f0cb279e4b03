"""EndpointSlice building blocks: a pod as an endpoint, a Service's ports as endpoint ports, a new slice
and its labels (upstream's ``k8s.io/endpointslice/utils.go`` and ``util/endpointset.go``).

Endpoints are keyed by what identifies them — addresses, hostname and the pod's namespace/name
(``hashEndpoint``) — so a change of readiness, node or zone updates an endpoint in place, in the slice it
already lives in.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable
from typing import Any, Final

from pinnace.controllers.endpointslice.tracker import LABEL_SERVICE_NAME
from pinnace.controllers.endpointutil import (
    IS_HEADLESS_SERVICE,
    PortNotFoundError,
    find_port,
    is_service_ip_set,
    pod_ips,
    should_set_hostname,
)
from pinnace.controllers.podutil import is_pod_ready

Object = dict[str, Any]

LABEL_MANAGED_BY: Final = "endpointslice.kubernetes.io/managed-by"
LABEL_TOPOLOGY_ZONE: Final = "topology.kubernetes.io/zone"
IPV4: Final = "IPv4"
IPV6: Final = "IPv6"

#: How an endpoint is recognised across syncs (``endpointHashObj``).
EndpointKey = tuple[tuple[str, ...], str, str, str]
#: A set of ports, order-independent (``PortMapKey``).
PortMapKey = tuple[tuple[str, int, str, str], ...]


def address_types_for_service(service: Object) -> list[str]:
    """``getAddressTypesForService``: one address type per IP family; a Service from an API server that
    does not fill ``ipFamilies`` is judged by its cluster IP, and a headless one gets both."""
    spec = service.get("spec") or {}
    types = [IPV4 if family == "IPv4" else IPV6 for family in spec.get("ipFamilies") or [] if family]
    if types:
        return list(dict.fromkeys(types))
    if is_service_ip_set(service):
        return [IPV6 if ":" in str(spec["clusterIP"]) else IPV4]
    return [IPV4, IPV6]


def endpoint_addresses(pod: Object, address_type: str) -> list[str]:
    """``getEndpointAddresses``: the pod's IPs of this family, in canonical text form."""
    addresses: list[str] = []
    for text in pod_ips(pod):
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if (ip.version == 6) == (address_type == IPV6):
            addresses.append(str(ip))
    return addresses


def pod_to_endpoint(pod: Object, node: Object | None, service: Object, address_type: str) -> Object:
    """``podToEndpoint``: serving = Ready; terminating = being deleted; ready = serving and not terminating,
    or always with ``publishNotReadyAddresses``."""
    metadata = pod["metadata"]
    serving = is_pod_ready(pod)
    terminating = bool(metadata.get("deletionTimestamp"))
    ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    endpoint: Object = {
        "addresses": endpoint_addresses(pod, address_type),
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, service):
        endpoint["hostname"] = pod["spec"]["hostname"]
    endpoint["targetRef"] = {
        "kind": "Pod",
        "namespace": metadata.get("namespace", ""),
        "name": metadata["name"],
        "uid": metadata.get("uid", ""),
    }
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        endpoint["nodeName"] = node_name
    zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(LABEL_TOPOLOGY_ZONE)
    if zone:
        endpoint["zone"] = zone
    return endpoint


def endpoint_ports(service: Object, pod: Object) -> list[Object]:
    """``getEndpointPorts``: every Service port whose target the pod has (a headless Service may have
    none)."""
    ports: list[Object] = []
    for service_port in (service.get("spec") or {}).get("ports") or []:
        try:
            number = find_port(pod, service_port)
        except PortNotFoundError:
            continue
        port: Object = {
            "name": service_port.get("name") or "",
            "port": number,
            "protocol": service_port.get("protocol") or "TCP",
        }
        if service_port.get("appProtocol") is not None:
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return sorted(ports, key=_port_tuple)


def _port_tuple(port: Object) -> tuple[str, int, str, str]:
    return (
        str(port.get("name") or ""),
        int(port.get("port") or 0),
        str(port.get("protocol") or "TCP"),
        str(port.get("appProtocol") or ""),
    )


def port_map_key(ports: Iterable[Object] | None) -> PortMapKey:
    return tuple(sorted(_port_tuple(port) for port in ports or []))


def endpoint_key(endpoint: Object) -> EndpointKey:
    ref = endpoint.get("targetRef") or {}
    return (
        tuple(sorted(endpoint.get("addresses") or [])),
        str(endpoint.get("hostname") or ""),
        str(ref.get("namespace") or ""),
        str(ref.get("name") or ""),
    )


def _ref_without_version(endpoint: Object) -> Object:
    return {k: v for k, v in (endpoint.get("targetRef") or {}).items() if k != "resourceVersion"}


def endpoints_equal_beyond_hash(left: Object, right: Object) -> bool:
    """``EndpointsEqualBeyondHash``: node, zone, conditions and target (minus its resourceVersion)."""
    left_conditions, right_conditions = left.get("conditions") or {}, right.get("conditions") or {}
    return (
        left.get("nodeName") == right.get("nodeName")
        and left.get("zone") == right.get("zone")
        and all(
            left_conditions.get(c) == right_conditions.get(c) for c in ("ready", "serving", "terminating")
        )
        and _ref_without_version(left) == _ref_without_version(right)
    )


def _is_reserved_label(key: str) -> bool:
    return key in (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, IS_HEADLESS_SERVICE)


def slice_labels(
    endpoint_slice: Object, service: Object, controller_name: str
) -> tuple[dict[str, str], bool]:
    """``setEndpointSliceLabels``: the Service's labels (minus the reserved ones) plus service-name,
    managed-by and the headless label; and whether the non-reserved labels differ from the slice's."""
    current = {
        k: v
        for k, v in ((endpoint_slice.get("metadata") or {}).get("labels") or {}).items()
        if not _is_reserved_label(k)
    }
    wanted = {
        k: v
        for k, v in ((service.get("metadata") or {}).get("labels") or {}).items()
        if not _is_reserved_label(k)
    }
    changed = current != wanted
    if not is_service_ip_set(service):
        wanted[IS_HEADLESS_SERVICE] = ""
    wanted[LABEL_SERVICE_NAME] = service["metadata"]["name"]
    wanted[LABEL_MANAGED_BY] = controller_name
    return wanted, changed


def owner_reference(service: Object) -> Object:
    """``metav1.NewControllerRef(service, v1 Service)``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "name": service["metadata"]["name"],
        "uid": service["metadata"].get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def new_endpoint_slice(
    service: Object, ports: list[Object], address_type: str, controller_name: str
) -> Object:
    """``newEndpointSlice``: no name yet (``generateName: <service>-``), owned by the Service."""
    metadata = service["metadata"]
    endpoint_slice: Object = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{metadata['name']}-",
            "namespace": metadata.get("namespace", ""),
            "ownerReferences": [owner_reference(service)],
            "labels": {},
        },
        "addressType": address_type,
        "endpoints": [],
        "ports": copy.deepcopy(ports),
    }
    endpoint_slice["metadata"]["labels"], _ = slice_labels(endpoint_slice, service, controller_name)
    return endpoint_slice


def owned_by(endpoint_slice: Object, service: Object) -> bool:
    uid = service["metadata"].get("uid")
    return any(
        ref.get("uid") == uid and ref.get("kind") == "Service" and ref.get("apiVersion") == "v1"
        for ref in (endpoint_slice.get("metadata") or {}).get("ownerReferences") or []
    )


def slice_to_fill(slices: list[Object], count: int, max_endpoints: int) -> Object | None:
    """``getSliceToFill``: the slice that ``count`` more endpoints would bring closest to full."""
    closest_diff = max_endpoints
    closest: Object | None = None
    for endpoint_slice in slices:
        diff = max_endpoints - (count + len(endpoint_slice.get("endpoints") or []))
        if 0 <= diff < closest_diff:
            closest_diff, closest = diff, endpoint_slice
            if diff == 0:
                break
    return closest


def _ref_tuple(ref: Object) -> tuple[Any, ...]:
    return tuple(
        ref.get(k) for k in ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")
    )


def placeholder_equal(endpoint_slice: Object, placeholder: Object) -> bool:
    """``placeholderSliceCompare``: namespace, labels, owners, address type, and no ports or endpoints."""
    left, right = endpoint_slice.get("metadata") or {}, placeholder["metadata"]
    return (
        left.get("namespace") == right.get("namespace")
        and (left.get("labels") or {}) == right.get("labels")
        and [_ref_tuple(r) for r in left.get("ownerReferences") or []]
        == [_ref_tuple(r) for r in right["ownerReferences"]]
        and endpoint_slice.get("addressType") == placeholder["addressType"]
        and not endpoint_slice.get("endpoints")
        and not endpoint_slice.get("ports")
    )
