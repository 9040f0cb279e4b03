"""Addresses of hollow nodes and their pods — numbers in API objects, never sockets.

Node ``i`` gets the ``i+1``-th host address of the node CIDR as its InternalIP and the ``i``-th /24 of the
cluster CIDR as its podCIDR (what kube-controller-manager's node IPAM controller would hand a real node).
A pod gets the next free address of its node's podCIDR after the last one handed out, from ``.2`` on
(``.1`` is what a CNI bridge plugin keeps for the node's gateway), as host-local IPAM's round-robin
allocator does, so a deleted pod's address is not reused at once; the address is freed when the pod is deleted
or finishes, as the CNI DEL at sandbox teardown frees it. Nothing is bound to any of these addresses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pinnace.hollow.config import NODE_CIDR_MASK_SIZE


@dataclass(frozen=True, slots=True)
class NodeAddresses:
    internal_ip: str
    pod_cidr: str


def node_addresses(node_cidr: str, cluster_cidr: str, index: int) -> NodeAddresses:
    """The addresses of the node with this (global) index."""
    node_net = ipaddress.IPv4Network(node_cidr)
    cluster_net = ipaddress.IPv4Network(cluster_cidr)
    internal_ip = node_net.network_address + index + 1
    pod_base = cluster_net.network_address + index * 2 ** (32 - NODE_CIDR_MASK_SIZE)
    return NodeAddresses(str(internal_ip), f"{pod_base}/{NODE_CIDR_MASK_SIZE}")


class PodAddressPool:
    """Pod IPs of one node's podCIDR, keyed by pod uid (the same pod always gets its own address back)."""

    def __init__(self, pod_cidr: str) -> None:
        network = ipaddress.IPv4Network(pod_cidr)
        self._base = int(network.network_address)
        # .0 is the network, .1 the bridge's gateway, the last one broadcast.
        self._first, self._last = 2, network.num_addresses - 2
        self._by_uid: dict[str, int] = {}
        self._used: set[int] = set()
        self._next = self._first

    def __len__(self) -> int:
        return len(self._by_uid)

    def allocate(self, uid: str) -> str | None:
        """The pod's address (allocating one if it has none); None when the range is exhausted."""
        offset = self._by_uid.get(uid)
        if offset is None:
            offset = self._free_offset()
            if offset is None:
                return None
            self._take(uid, offset)
        return str(ipaddress.IPv4Address(self._base + offset))

    def reserve(self, uid: str, ip: str) -> bool:
        """Record an address a pod already reports (after a restart); False if outside the range or taken."""
        try:
            offset = int(ipaddress.IPv4Address(ip)) - self._base
        except ValueError:
            return False
        if not self._first <= offset <= self._last:
            return False
        if self._by_uid.get(uid) == offset:
            return True
        if offset in self._used:
            return False
        self.release(uid)
        self._take(uid, offset)
        return True

    def release(self, uid: str) -> None:
        offset = self._by_uid.pop(uid, None)
        if offset is not None:
            self._used.discard(offset)

    def _take(self, uid: str, offset: int) -> None:
        self._by_uid[uid] = offset
        self._used.add(offset)

    def _free_offset(self) -> int | None:
        # host-local's RangeIter: start after the last reserved address, wrap around once.
        span = self._last - self._first + 1
        for step in range(span):
            offset = self._first + (self._next - self._first + step) % span
            if offset not in self._used:
                self._next = offset + 1 if offset < self._last else self._first
                return offset
        return None
