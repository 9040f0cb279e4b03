"""ClusterIP and NodePort allocation for Services (pkg/registry/core/service/ipallocator, portallocator).

Each allocated IP or port is a key of its own in the store, created if absent
(``/registry/ranges/serviceips/10.96.12.7``, ``/registry/ranges/servicenodeports/30080``): the
store's create-if-absent makes two API servers unable to hand out the same one, with no shared
bitmap to contend on. A key is released when its Service is deleted or stops needing it.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from typing import Any

from pinnace.api.defaults.strategy import service_ip_families
from pinnace.apiserver import status
from pinnace.storage import KeyExistsError, KeyNotFoundError, Store

Object = dict[str, Any]

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
NODE_PORT_RANGE = (30000, 32767)
IP_PREFIX = "/registry/ranges/serviceips/"
PORT_PREFIX = "/registry/ranges/servicenodeports/"


def _owner(service: Object) -> bytes:
    metadata = service.get("metadata", {})
    return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}".encode()


def _invalid(service: Object, field_path: str, message: str) -> status.StatusError:
    return status.invalid(
        "Service",
        service.get("metadata", {}).get("name", ""),
        [status.StatusCause("FieldValueInvalid", message, field_path)],
    )


def _wants_cluster_ip(service: Object) -> bool:
    spec = service.get("spec", {})
    return bool(spec.get("type", "ClusterIP") != "ExternalName" and spec.get("clusterIP") != "None")


def _wants_node_ports(service: Object) -> bool:
    return service.get("spec", {}).get("type") in ("NodePort", "LoadBalancer")


@dataclass
class ServiceAllocator:
    store: Store
    cidr: ipaddress.IPv4Network = field(default_factory=lambda: ipaddress.IPv4Network(DEFAULT_SERVICE_CIDR))
    rng: random.Random = field(default_factory=random.Random)

    @property
    def kubernetes_ip(self) -> str:
        """The first address goes to the `kubernetes` Service in `default`, as upstream does."""
        return str(self.cidr.network_address + 1)

    async def _claim(self, key: str, owner: bytes) -> bool:
        try:
            await self.store.create(key, owner)
            return True
        except KeyExistsError:
            return False

    async def _release(self, key: str) -> None:
        try:
            await self.store.delete(key)
        except KeyNotFoundError:
            pass

    async def allocate(self, service: Object) -> list[str]:
        """Fill in clusterIP(s) and nodePorts; returns the keys claimed, for rollback on failure."""
        claimed: list[str] = []
        try:
            spec = service.setdefault("spec", {})
            if _wants_cluster_ip(service):
                spec["clusterIP"] = await self._allocate_ip(service, spec.get("clusterIP", ""), claimed)
                spec["clusterIPs"] = [spec["clusterIP"]]
                spec.setdefault("ipFamilies", ["IPv4"])
                spec.setdefault("ipFamilyPolicy", "SingleStack")
            if _wants_node_ports(service):
                await self._allocate_node_ports(service, claimed)
        except BaseException:
            await self.release_keys(claimed)
            raise
        return claimed

    async def _allocate_ip(self, service: Object, requested: str, claimed: list[str]) -> str:
        owner = _owner(service)
        if requested:
            try:
                address = ipaddress.IPv4Address(requested)
            except ValueError:
                raise _invalid(
                    service, "spec.clusterIPs", f'Invalid value: "{requested}": must be a valid IP address'
                ) from None
            if address not in self.cidr or address in (
                self.cidr.network_address,
                self.cidr.broadcast_address,
            ):
                raise _invalid(
                    service,
                    "spec.clusterIPs",
                    f'Invalid value: []string{{"{requested}"}}: failed to allocate IP {requested}: '
                    f"provided IP is not in the valid range. The range of valid IPs is {self.cidr}",
                )
            if not await self._claim(IP_PREFIX + requested, owner):
                raise _invalid(
                    service,
                    "spec.clusterIPs",
                    f'Invalid value: []string{{"{requested}"}}: failed to allocate IP {requested}: '
                    "provided IP is already allocated",
                )
            claimed.append(IP_PREFIX + requested)
            return requested
        size = self.cidr.num_addresses - 2
        start = self.rng.randrange(size)
        for step in range(size):
            address = self.cidr.network_address + 1 + (start + step) % size
            if str(address) == self.kubernetes_ip:
                continue
            if await self._claim(IP_PREFIX + str(address), owner):
                claimed.append(IP_PREFIX + str(address))
                return str(address)
        raise status.internal_error(f"failed to allocate a serviceIP: range is full ({self.cidr})")

    async def _allocate_node_ports(self, service: Object, claimed: list[str]) -> None:
        owner = _owner(service)
        low, high = NODE_PORT_RANGE
        for index, port in enumerate(service["spec"].get("ports", [])):
            wanted = port.get("nodePort")
            if wanted:
                if not low <= int(wanted) <= high:
                    raise _invalid(
                        service,
                        f"spec.ports[{index}].nodePort",
                        f"Invalid value: {wanted}: provided port is not in the valid range. "
                        f"The range of valid ports is {low}-{high}",
                    )
                if not await self._claim(PORT_PREFIX + str(wanted), owner):
                    raise _invalid(
                        service,
                        f"spec.ports[{index}].nodePort",
                        f"Invalid value: {wanted}: provided port is already allocated",
                    )
                claimed.append(PORT_PREFIX + str(wanted))
                continue
            start = self.rng.randrange(high - low + 1)
            for step in range(high - low + 1):
                candidate = low + (start + step) % (high - low + 1)
                if await self._claim(PORT_PREFIX + str(candidate), owner):
                    claimed.append(PORT_PREFIX + str(candidate))
                    port["nodePort"] = candidate
                    break
            else:
                raise status.internal_error(f"failed to allocate a nodePort: range is full ({low}-{high})")

    async def release_keys(self, keys: list[str]) -> None:
        for key in keys:
            await self._release(key)

    def keys_of(self, service: Object) -> list[str]:
        spec = service.get("spec", {})
        keys = [IP_PREFIX + ip for ip in spec.get("clusterIPs", []) if ip and ip != "None"]
        if (
            spec.get("clusterIP")
            and spec.get("clusterIP") != "None"
            and IP_PREFIX + spec["clusterIP"] not in keys
        ):
            keys.append(IP_PREFIX + spec["clusterIP"])
        keys += [PORT_PREFIX + str(p["nodePort"]) for p in spec.get("ports", []) if p.get("nodePort")]
        return keys

    async def reconcile_update(self, new: Object, old: Object) -> list[str]:
        """Keep old allocations the new spec still uses, allocate what it newly needs; return new claims."""
        new_spec, old_spec = new.setdefault("spec", {}), old.get("spec", {})
        if _wants_cluster_ip(new) and _wants_cluster_ip(old) and not new_spec.get("clusterIP"):
            new_spec["clusterIP"] = old_spec.get("clusterIP", "")
            new_spec["clusterIPs"] = old_spec.get("clusterIPs", [new_spec["clusterIP"]])
        claimed: list[str] = []
        try:
            if _wants_cluster_ip(new) and not _wants_cluster_ip(old):
                spec_ip = new_spec.get("clusterIP", "")
                new_spec["clusterIP"] = await self._allocate_ip(new, spec_ip, claimed)
                new_spec["clusterIPs"] = [new_spec["clusterIP"]]
            if _wants_node_ports(new):
                old_ports = {p.get("nodePort") for p in old_spec.get("ports", []) if p.get("nodePort")}
                fresh = [
                    p
                    for p in new_spec.get("ports", [])
                    if not p.get("nodePort") or p.get("nodePort") not in old_ports
                ]
                holder = {"metadata": new.get("metadata", {}), "spec": {"ports": fresh}}
                await self._allocate_node_ports(holder, claimed)
            else:
                for port in new_spec.get("ports", []):
                    port.pop("nodePort", None)
        except BaseException:
            await self.release_keys(claimed)
            raise
        return claimed

    async def release_unused(self, new: Object, old: Object) -> None:
        await self.release_keys(sorted(set(self.keys_of(old)) - set(self.keys_of(new))))


class ServiceWriteHooks:
    """The allocator wired into the Service REST store's create, update and delete."""

    def __init__(self, allocator: ServiceAllocator) -> None:
        self.allocator = allocator

    async def before_create(self, obj: Object) -> list[str]:
        service_ip_families(obj)
        return await self.allocator.allocate(obj)

    async def before_update(self, new: Object, old: Object) -> list[str]:
        return await self.allocator.reconcile_update(new, old)

    async def after_update(self, new: Object, old: Object) -> None:
        await self.allocator.release_unused(new, old)

    async def after_delete(self, obj: Object) -> None:
        await self.allocator.release_keys(self.allocator.keys_of(obj))

    async def rollback(self, claimed: list[str]) -> None:
        await self.allocator.release_keys(claimed)
