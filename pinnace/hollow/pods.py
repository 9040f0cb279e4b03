"""The pods of hollow nodes: one informer for every scheduled pod, the stage engine for the hollow ones.

A kubelet watches the pods bound to its own node (``spec.nodeName=<node>``). One process simulating 5,000
kubelets opens a single watch instead — every pod with a ``spec.nodeName`` — and keeps the pods whose node
is one of its own (other pods may run on real kubelets or on another hollow process).

The stage engine (:mod:`pinnace.hollow.engine`) does the rest; this module adds what its templates need
from the node: ``$nodeIP`` (the node's InternalIP, for hostIP) and ``$podIP`` (an address from the node's
podCIDR, see :mod:`pinnace.hollow.ipam`, allocated only when a template asks for it). Status is written
through ``pods/status``; deletion with ``gracePeriodSeconds=0``, as the kubelet's status manager does.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.informer import Informer
from pinnace.client.interface import Client, Object
from pinnace.client.resources import PODS
from pinnace.hollow.engine import StageEngine, VariableGetters
from pinnace.hollow.ipam import NodeAddresses, PodAddressPool
from pinnace.hollow.stages import Stage

# A kubelet's watch of its own pods, widened to every scheduled pod (field selectors cannot say "one of").
SCHEDULED_PODS = "spec.nodeName!="
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})


class HollowPods:
    """Moves the pods bound to ``nodes`` (name -> addresses) through ``stages``."""

    def __init__(
        self,
        client: Client,
        stages: Sequence[Stage],
        nodes: Mapping[str, NodeAddresses],
        *,
        workers: int = 32,
        clock: Clock = REAL_CLOCK,
        rng: random.Random | None = None,
    ) -> None:
        self.nodes = dict(nodes)
        self.workers = workers
        self.pools = {name: PodAddressPool(addresses.pod_cidr) for name, addresses in self.nodes.items()}
        self.informer = Informer(client, PODS, field_selector=SCHEDULED_PODS, clock=clock)
        self.engine = StageEngine(
            client,
            PODS,
            stages,
            lookup=self.informer.indexer.get,
            variables=self.variables,
            clock=clock,
            rng=rng,
        )
        self.informer.add_handler(self._on_add, self._on_update, self._on_delete)

    async def run(self) -> None:
        """Watch pods and run stages until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.informer.run(), name="pod-informer")
            await self.informer.wait_synced()
            group.create_task(self.engine.run(self.workers), name="pod-stages")

    # Template variables -----------------------------------------------------------------------------------

    def variables(self, pod: Object) -> VariableGetters:
        node_name = _node_name(pod)
        addresses = self.nodes.get(node_name)
        if addresses is None:
            return {}
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        pool = self.pools[node_name]
        return {"nodeIP": lambda: addresses.internal_ip, "podIP": lambda: pool.allocate(uid)}

    # Informer handlers ------------------------------------------------------------------------------------
    # Besides enqueueing, they keep the address pools in step: a dictionary update each, which is as cheap
    # as an enqueue and must happen in event order (a restart re-learns the addresses pods already report).

    def _on_add(self, pod: Object) -> None:
        if _node_name(pod) in self.nodes:
            self._track_address(pod)
            self.engine.enqueue(pod)

    def _on_update(self, old: Object, new: Object) -> None:
        if _node_name(new) in self.nodes:
            self._track_address(new)
            self.engine.enqueue(new)

    def _on_delete(self, pod: Object) -> None:
        node_name = _node_name(pod)
        if node_name in self.nodes:
            self.pools[node_name].release(_uid(pod))
            self.engine.enqueue(pod)

    def _track_address(self, pod: Object) -> None:
        status = pod.get("status") or {}
        pool = self.pools[_node_name(pod)]
        if status.get("phase") in TERMINAL_PHASES:
            pool.release(_uid(pod))  # the sandbox is gone; CNI DEL frees its address
            return
        ip = status.get("podIP")
        if ip and not (pod.get("spec") or {}).get("hostNetwork"):
            pool.reserve(_uid(pod), str(ip))


def _node_name(pod: Object) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def _uid(pod: Object) -> str:
    return str((pod.get("metadata") or {}).get("uid") or "")
