"""Hollow nodes: register N Nodes, keep their Leases fresh and their status posted, like N kubelets.

What each simulated kubelet does, and the upstream code it follows:

* **register** (``kubelet_node_status.go: registerWithAPIServer``): create the Node with its status; if it
  exists already (a restart), take it over: labels, annotations and a missing podCIDR are put right with a
  merge patch, the stored podCIDR is kept (it cannot change), and the status is posted at once. Failures are
  retried with back-off until they succeed, as the kubelet retries;
* **renew the Lease** every 10 s (``pkg/kubelet/nodelease``): the first renewal creates it (owned by the
  Node); later ones update the last Lease seen, with its resourceVersion; on a conflict the Lease is read
  again and the update retried once; a vanished Lease is created again;
* **post the status** every 5 minutes (``nodeStatusReportFrequency``) with fresh heartbeat times, and at once
  when the Node as stored differs from what the node reports (``nodeobjects.status_needs_post``), e.g. after
  the node lifecycle controller marked it Unknown while this process was down.

Renewals and status posts of all nodes are spread evenly over their periods with bounded concurrency
(:class:`~pinnace.hollow.spread.Spreader`). On shutdown nothing is deleted: a stopped kubelet leaves its
Node and Lease behind too, and the node lifecycle controller turns the Node NotReady once the Lease expires.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from pinnace.client.backoff import Backoff
from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import AlreadyExists, ApiError, Conflict, NotFound
from pinnace.client.informer import Informer
from pinnace.client.interface import Client, Object
from pinnace.client.resources import LEASES, NODES
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.hollow import nodeobjects
from pinnace.hollow.config import HollowConfig
from pinnace.hollow.ipam import NodeAddresses, node_addresses
from pinnace.hollow.spread import Spreader

log = logging.getLogger(__name__)

# Workers that re-post a changed node's status at once (rare: only someone else's write causes it).
CHANGE_WORKERS = 2


@dataclass
class HollowNode:
    """What one simulated kubelet remembers."""

    index: int
    name: str
    addresses: NodeAddresses
    uid: str = ""
    lease: Object | None = None
    conditions: list[Any] = field(default_factory=list)  # as last posted (keeps transition times)
    registered: bool = False


class HollowNodes:
    def __init__(self, client: Client, config: HollowConfig, *, clock: Clock = REAL_CLOCK) -> None:
        self.client = client
        self.config = config
        self._clock = clock
        self.nodes = [
            HollowNode(
                i,
                config.node_name(i),
                node_addresses(config.node_cidr, config.cluster_cidr, i + config.start_index),
            )
            for i in range(config.count)
        ]
        self.by_name = {node.name: node for node in self.nodes}
        self.leases = Spreader(
            "lease-renewal",
            len(self.nodes),
            config.lease_renew_interval,
            self._renew_lease_at,
            concurrency=config.concurrency,
            clock=clock,
        )
        self.statuses = Spreader(
            "node-status",
            len(self.nodes),
            config.status_report_interval,
            self._post_status_at,
            concurrency=max(1, config.concurrency // 4),
            # Node i re-posts (i+1)/N of the period after start: never more than a period after registering.
            initial_delay=config.status_report_interval / max(1, config.count),
            clock=clock,
        )
        self.changes: WorkQueue[str] = WorkQueue(clock=clock, name="node-status-changes")
        self.informer = Informer(
            client, NODES, label_selector=f"{nodeobjects.HOLLOW_LABEL}=true", clock=clock
        )
        self.informer.add_handler(self._on_node, self._on_node_update)
        self.lease_writes = 0
        self.status_posts = 0

    # Lifecycle --------------------------------------------------------------------------------------------

    async def register_all(self) -> None:
        """Register every node, ``concurrency`` at a time; returns once all are registered."""
        pending = iter(self.nodes)

        async def lane() -> None:
            for node in pending:  # the shared iterator hands each node to exactly one lane
                await self.register(node)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self.config.concurrency, len(self.nodes))):
                group.create_task(lane())

    async def run_heartbeats(self) -> None:
        """Lease renewals, periodic status posts and change-triggered posts, until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.leases.run(), name="lease-renewal")
            group.create_task(self.statuses.run(), name="node-status")
            group.create_task(self.informer.run(), name="node-informer")
            group.create_task(
                run_workers(
                    self.changes, self._post_status_named, CHANGE_WORKERS, name="node-status-changes"
                ),
                name="node-status-changes",
            )

    # Registration -----------------------------------------------------------------------------------------

    async def register(self, node: HollowNode) -> None:
        backoff = Backoff(initial=0.1, cap=7.0, jitter=0.2, clock=self._clock)
        while True:
            try:
                await self._try_register(node)
                node.registered = True
                return
            except ApiError as err:
                log.warning("node %s: unable to register with the API server: %s", node.name, err)
                await backoff.wait()

    async def _try_register(self, node: HollowNode) -> None:
        wanted = nodeobjects.build_node(self.config, node.index, node.addresses, self._clock.now())
        try:
            created = await self.client.create(NODES, wanted)
        except AlreadyExists:
            existing = await self.client.get(NODES, node.name)
            await self._take_over(node, existing, wanted)
            return
        self._remember(node, created)
        if not _has_conditions(created):  # a server that dropped the status on create gets it now
            await self.post_status(node)

    async def _take_over(self, node: HollowNode, existing: Object, wanted: Object) -> None:
        metadata = existing.get("metadata") or {}
        patch: Object = {}
        labels = {
            k: v
            for k, v in wanted["metadata"]["labels"].items()
            if (metadata.get("labels") or {}).get(k) != v
        }
        annotations = {
            k: v
            for k, v in wanted["metadata"]["annotations"].items()
            if (metadata.get("annotations") or {}).get(k) != v
        }
        if labels or annotations:
            patch["metadata"] = {"labels": labels, "annotations": annotations}
        spec = existing.get("spec") or {}
        if not spec.get("podCIDR"):
            patch["spec"] = wanted["spec"]
        if patch:
            existing = await self.client.patch(NODES, node.name, patch)
        self._remember(node, existing)
        await self.post_status(node)

    def _remember(self, node: HollowNode, stored: Object) -> None:
        node.uid = str((stored.get("metadata") or {}).get("uid") or "")
        pod_cidr = (stored.get("spec") or {}).get("podCIDR")
        if pod_cidr and pod_cidr != node.addresses.pod_cidr:
            # Set before (by an earlier run or the node IPAM controller): podCIDR is immutable, so it wins.
            node.addresses = NodeAddresses(node.addresses.internal_ip, str(pod_cidr))
        node.conditions = list((stored.get("status") or {}).get("conditions") or [])

    # Status -----------------------------------------------------------------------------------------------

    async def post_status(self, node: HollowNode) -> None:
        """Patch the node's status (strategic merge, as the kubelet's ``PatchNodeStatus``)."""
        status = nodeobjects.node_status(
            self.config, node.index, node.addresses, self._clock.now(), node.conditions
        )
        stored = await self.client.patch(
            NODES, node.name, {"status": status}, patch_type="strategic", subresource="status"
        )
        self.status_posts += 1
        node.conditions = list((stored.get("status") or {}).get("conditions") or status["conditions"])

    async def _post_status_at(self, index: int) -> None:
        node = self.nodes[index]
        if node.registered:
            await self.post_status(node)

    async def _post_status_named(self, name: str) -> None:
        node = self.by_name.get(name)
        if node is not None and node.registered:
            await self.post_status(node)

    def _on_node(self, obj: Object) -> None:
        name = str((obj.get("metadata") or {}).get("name") or "")
        node = self.by_name.get(name)
        if node is not None and node.registered:
            if nodeobjects.status_needs_post(obj, self.config, node.index, node.addresses):
                self.changes.add(name)

    def _on_node_update(self, old: Object, new: Object) -> None:
        self._on_node(new)

    # Leases -----------------------------------------------------------------------------------------------

    async def renew_lease(self, node: HollowNode) -> None:
        now = self._clock.now()
        duration = self.config.lease_duration_seconds
        if node.lease is None:
            try:
                node.lease = await self.client.create(
                    LEASES, nodeobjects.build_lease(node.name, node.uid, now, duration)
                )
                self.lease_writes += 1
                return
            except AlreadyExists:
                node.lease = await self.client.get(LEASES, node.name, nodeobjects.NODE_LEASE_NAMESPACE)
        body = nodeobjects.renewed(node.lease, node.name, node.uid, now, duration)
        try:
            node.lease = await self.client.update(LEASES, body)
        except Conflict:
            # Someone else wrote it (or our last answer was lost): read it and retry once.
            fresh = await self.client.get(LEASES, node.name, nodeobjects.NODE_LEASE_NAMESPACE)
            node.lease = await self.client.update(
                LEASES, nodeobjects.renewed(fresh, node.name, node.uid, now, duration)
            )
        except NotFound:
            node.lease = None
            await self.renew_lease(node)
            return
        self.lease_writes += 1

    async def _renew_lease_at(self, index: int) -> None:
        node = self.nodes[index]
        if node.registered:
            await self.renew_lease(node)


def _has_conditions(node: Object) -> bool:
    return bool((node.get("status") or {}).get("conditions"))
