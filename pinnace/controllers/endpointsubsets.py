"""Endpoints subsets in their canonical layout, and their truncation at 1000 addresses.

Upstream's ``pkg/api/v1/endpoints.RepackSubsets`` (one subset per distinct set of addresses, each with every
port those addresses offer; an address not ready on some port is not ready on all; address-less ports keep
their addresses through a ``-1`` sentinel) and the Endpoints controller's ``truncateEndpoints``. Upstream
orders subsets and ports by an md5 of their Go dump; Pinnace orders them by their content, which is as
stable and lets equal subsets compare equal.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Final

import orjson

Object = dict[str, Any]

#: ``maxCapacity``: the most addresses one Endpoints object carries.
MAX_CAPACITY: Final = 1000

_NO_PORT: Final = ("", -1, "", None)

_PortKey = tuple[str, int, str, str | None]
_AddressKey = tuple[str, str]


def _port_key(port: Object) -> _PortKey:
    return (
        str(port.get("name") or ""),
        int(port.get("port") or 0),
        str(port.get("protocol") or ""),
        port.get("appProtocol"),
    )


def _port_from_key(key: _PortKey) -> Object:
    name, number, protocol, app_protocol = key
    port: Object = {"port": number}
    if name:
        port["name"] = name
    if protocol:
        port["protocol"] = protocol
    if app_protocol is not None:
        port["appProtocol"] = app_protocol
    return port


def _address_key(address: Object) -> _AddressKey:
    return str(address.get("ip") or ""), str((address.get("targetRef") or {}).get("uid") or "")


def _address_order(address: Object) -> tuple[bytes, int, str]:
    """``LessEndpointAddress``: by IP bytes, then an address without a targetRef first, then by uid."""
    ref = address.get("targetRef")
    return str(address.get("ip") or "").encode(), 1 if ref else 0, str((ref or {}).get("uid") or "")


def repack_subsets(subsets: list[Object]) -> list[Object]:
    """The canonical layout of ``subsets`` (a new list; the input is not changed)."""
    all_addresses: dict[_AddressKey, Object] = {}
    # port -> address -> ready (a dict keeps first-seen order)
    ready_by_port: dict[_PortKey, dict[_AddressKey, bool]] = {}
    for original in subsets:
        ports = [_port_key(p) for p in original.get("ports") or []] or [_NO_PORT]
        for port in ports:
            for field, is_ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in original.get(field) or []:
                    key = _address_key(address)
                    all_addresses.setdefault(key, copy.deepcopy(address))
                    readiness = ready_by_port.setdefault(port, {})
                    # Not ready on one port means not ready.
                    if readiness.get(key, True):
                        readiness[key] = is_ready
    # Group ports by the exact set of (address, readiness) they are offered on.
    ports_by_group: dict[tuple[tuple[_AddressKey, bool], ...], list[_PortKey]] = {}
    for port, readiness in ready_by_port.items():
        group = tuple(sorted(readiness.items()))
        ports_by_group.setdefault(group, []).append(port)
    final: list[Object] = []
    for group, ports in ports_by_group.items():
        subset: Object = {}
        ready = [all_addresses[key] for key, ready_here in group if ready_here]
        not_ready = [all_addresses[key] for key, ready_here in group if not ready_here]
        if ready:
            subset["addresses"] = sorted(ready, key=_address_order)
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=_address_order)
        real_ports = sorted((port for port in ports if port != _NO_PORT), key=lambda p: (*p[:3], p[3] or ""))
        if real_ports:
            subset["ports"] = [_port_from_key(port) for port in real_ports]
        final.append(subset)
    final.sort(key=lambda packed: orjson.dumps(packed, option=orjson.OPT_SORT_KEYS))
    return final


def _without_ref_versions(subsets: list[Object]) -> list[Object]:
    stripped = copy.deepcopy(subsets)
    for subset in stripped:
        for field in ("addresses", "notReadyAddresses"):
            for address in subset.get(field) or []:
                (address.get("targetRef") or {}).pop("resourceVersion", None)
        for field in ("addresses", "notReadyAddresses", "ports"):
            if field in subset and not subset[field]:
                del subset[field]
    return stripped


def subsets_equal_ignoring_resource_version(left: list[Object], right: list[Object]) -> bool:
    """``endpointSubsetsEqualIgnoreResourceVersion``: a pod's resourceVersion in a targetRef does not make
    a difference worth an update (empty lists equal missing ones, as Go's semantic equality has it)."""
    return _without_ref_versions(left) == _without_ref_versions(right)


def address_count(subsets: list[Object]) -> int:
    return sum(len(s.get("addresses") or []) + len(s.get("notReadyAddresses") or []) for s in subsets)


def truncate(subsets: list[Object]) -> bool:
    """``truncateEndpoints``: cut ``subsets`` in place down to :data:`MAX_CAPACITY` addresses, not-ready
    ones first, spreading the cut over subsets in proportion; returns whether anything was cut."""
    total_ready = sum(len(s.get("addresses") or []) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    if truncate_ready:
        budget, total = MAX_CAPACITY, total_ready
    else:
        budget, total = MAX_CAPACITY - total_ready, total_not_ready
    can_be_added = budget
    for subset in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        in_subset = len(subset.get(field) or [])
        # Rounded up, so the last subset may get fewer than its share.
        to_add = min(math.ceil(in_subset / total * budget), can_be_added)
        if truncate_ready:
            subset["addresses"] = (subset.get("addresses") or [])[:to_add]
            subset.pop("notReadyAddresses", None)
            can_be_added -= len(subset["addresses"])
        elif subset.get("notReadyAddresses") is not None:
            subset["notReadyAddresses"] = subset["notReadyAddresses"][:to_add]
            can_be_added -= len(subset["notReadyAddresses"])
    return True
