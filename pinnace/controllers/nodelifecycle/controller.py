"""The node lifecycle controller loop (upstream's ``pkg/controller/nodelifecycle/
node_lifecycle_controller.go``).

Four concurrent parts:

* **health monitor** (every ``--node-monitor-period``, 5 s): for every node, :func:`~.health.assess` it
  against its heartbeats and Lease and write ``Unknown`` conditions when it fell silent; a node that
  stops being Ready gets a ``NodeNotReady`` event and its pods' Ready condition set to False
  (``MarkPodsNotReady``); a node not Ready / unreachable is queued in its zone for the NoExecute taint, a
  Ready one has it removed. Zone states adjust the tainting rate (:mod:`~.zones`);
* **NoExecute tainting pass** (every 100 ms): drains the zones' rate-limited queues, adding
  ``node.kubernetes.io/not-ready`` or ``unreachable`` with effect NoExecute (the two are kept mutually
  exclusive, mirroring Ready=False / Ready=Unknown). The taint eviction controller acts on them;
* **node workers** (on every node event): the NoSchedule taints that mirror conditions (``not-ready``,
  ``unreachable``, ``memory-pressure``, ``disk-pressure``, ``pid-pressure``, ``network-unavailable``) and
  ``spec.unschedulable`` (``node.kubernetes.io/unschedulable``) — TaintNodesByCondition — and the beta
  os/arch labels;
* **pod workers**: a pod bound to a node already known not Ready is marked not Ready at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from pinnace.client.cache import NODE_NAME_INDEX, index_by_node_name
from pinnace.client.errors import ApiError
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import LEASES, NODES, PODS
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.controllers.context import ControllerContext
from pinnace.controllers.nodelifecycle.health import NodeHealth, after_write, assess, node_condition
from pinnace.controllers.nodelifecycle.nodeutil import (
    mark_pods_not_ready,
    record_node_event,
    record_node_status_change,
    remove_taints_off_node,
    swap_node_controller_taint,
)
from pinnace.controllers.nodelifecycle.zones import (
    EVICTION_LIMITER_QPS,
    STATE_FULL_DISRUPTION,
    STATE_INITIAL,
    STATE_NORMAL,
    STATE_PARTIAL_DISRUPTION,
    RateLimitedTimedQueue,
    TimedValue,
    compute_zone_state,
    reduced_qps,
    zone_key,
)
from pinnace.controllers.taints import (
    NO_EXECUTE,
    NO_SCHEDULE,
    TAINT_NODE_DISK_PRESSURE,
    TAINT_NODE_MEMORY_PRESSURE,
    TAINT_NODE_NETWORK_UNAVAILABLE,
    TAINT_NODE_NOT_READY,
    TAINT_NODE_PID_PRESSURE,
    TAINT_NODE_UNREACHABLE,
    TAINT_NODE_UNSCHEDULABLE,
    taint,
    taint_exists,
    taint_set_diff,
)

log = logging.getLogger(__name__)

Object = dict[str, Any]

COMPONENT: Final = "node-controller"
NODE_LEASE_NAMESPACE: Final = "kube-node-lease"
#: ``NodeEvictionPeriod``: how often the zones' taint queues are drained.
NODE_EVICTION_PERIOD: Final = 0.1
#: ``NodeHealthUpdateRetry``.
NODE_HEALTH_UPDATE_RETRY: Final = 5
#: Nodes labelled so are left out of the zone disruption arithmetic.
LABEL_EXCLUDE_DISRUPTION: Final = "node.kubernetes.io/exclude-disruption"

UNREACHABLE_TAINT: Final = taint(TAINT_NODE_UNREACHABLE, NO_EXECUTE)
NOT_READY_TAINT: Final = taint(TAINT_NODE_NOT_READY, NO_EXECUTE)

#: ``nodeConditionToTaintKeyStatusMap``: condition type -> status -> NoSchedule taint key.
CONDITION_TAINTS: Final[dict[str, dict[str, str]]] = {
    "Ready": {"False": TAINT_NODE_NOT_READY, "Unknown": TAINT_NODE_UNREACHABLE},
    "MemoryPressure": {"True": TAINT_NODE_MEMORY_PRESSURE},
    "DiskPressure": {"True": TAINT_NODE_DISK_PRESSURE},
    "NetworkUnavailable": {"True": TAINT_NODE_NETWORK_UNAVAILABLE},
    "PIDPressure": {"True": TAINT_NODE_PID_PRESSURE},
}
CONDITION_TAINT_KEYS: Final = frozenset(
    key for by_status in CONDITION_TAINTS.values() for key in by_status.values()
)

#: ``labelReconcileInfo``: the stable label is the truth; the beta one must exist and agree.
RECONCILED_LABELS: Final = (
    ("kubernetes.io/os", "beta.kubernetes.io/os"),
    ("kubernetes.io/arch", "beta.kubernetes.io/arch"),
)


def _status(condition: Object | None) -> str:
    return str((condition or {}).get("status") or "")


def no_schedule_taints(node: Object) -> list[Object]:
    """The NoSchedule taints ``node``'s conditions and ``spec.unschedulable`` call for."""
    wanted = []
    for condition in (node.get("status") or {}).get("conditions") or []:
        key = CONDITION_TAINTS.get(str(condition.get("type")), {}).get(_status(condition))
        if key is not None:
            wanted.append(taint(key, NO_SCHEDULE))
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.append(taint(TAINT_NODE_UNSCHEDULABLE, NO_SCHEDULE))
    return wanted


class NodeLifecycleController:
    def __init__(
        self,
        ctx: ControllerContext,
        *,
        monitor_period: float = 5.0,
        grace_period: float = 40.0,
        startup_grace_period: float = 60.0,
    ) -> None:
        self.client = ctx.client
        self.clock = ctx.clock
        self.monitor_period = monitor_period
        self.grace_period = grace_period
        self.startup_grace_period = startup_grace_period
        self.recorder = ctx.recorder(COMPONENT)
        self.nodes = ctx.informers.informer(NODES)
        self.leases = ctx.informers.informer(LEASES, NODE_LEASE_NAMESPACE)
        self.pods = ctx.informers.informer(PODS)
        self.pods.indexer.add_index(NODE_NAME_INDEX, index_by_node_name)
        self.node_queue: WorkQueue[ObjectKey] = WorkQueue(clock=ctx.clock, name="node_lifecycle_controller")
        self.pod_queue: WorkQueue[ObjectKey] = WorkQueue(
            clock=ctx.clock, name="node_lifecycle_controller_pods"
        )
        self.known_nodes: dict[str, Object] = {}
        self.health: dict[str, NodeHealth] = {}
        self.zone_states: dict[str, str] = {}
        self.zone_tainters: dict[str, RateLimitedTimedQueue] = {}
        self.nodes_to_retry: set[str] = set()
        self.nodes.add_handler(
            self._enqueue_node, lambda _old, new: self._enqueue_node(new), self._node_deleted
        )
        self.pods.add_handler(lambda pod: self._pod_updated(None, pod), self._pod_updated)

    async def run(self, workers: int) -> None:
        for informer in (self.nodes, self.leases, self.pods):
            await informer.wait_synced()
        async with asyncio.TaskGroup() as group:
            group.create_task(
                run_workers(self.node_queue, self.sync_node, workers, name="node-lifecycle-nodes")
            )
            group.create_task(run_workers(self.pod_queue, self.process_pod, 4, name="node-lifecycle-pods"))
            group.create_task(self._every(NODE_EVICTION_PERIOD, self.no_execute_tainting_pass))
            group.create_task(self._every(self.monitor_period, self.monitor_node_health))

    async def _every(self, period: float, step: Any) -> None:
        """``wait.UntilWithContext``: run, sleep ``period``, forever; a failed pass is logged."""
        while True:
            try:
                await step()
            except ApiError as err:
                log.error("%s failed: %s", step.__name__, err)
            await self.clock.sleep(period)

    # Handlers (enqueue only) ---------------------------------------------------------------------------

    def _enqueue_node(self, node: Object) -> None:
        self.node_queue.add(key_of(node))

    def _node_deleted(self, node: Object) -> None:
        self.nodes_to_retry.discard(node["metadata"]["name"])

    def _pod_updated(self, old: Object | None, new: Object) -> None:
        node_name = (new.get("spec") or {}).get("nodeName")
        if node_name and (old is None or (old.get("spec") or {}).get("nodeName") != node_name):
            self.pod_queue.add(key_of(new))

    # Node workers: NoSchedule taints and labels --------------------------------------------------------

    async def sync_node(self, key: ObjectKey) -> None:
        node = self.nodes.indexer.get(key)
        if node is None:
            return
        current = [
            t
            for t in (node.get("spec") or {}).get("taints") or []
            if t.get("effect") == NO_SCHEDULE
            and (t.get("key") == TAINT_NODE_UNSCHEDULABLE or t.get("key") in CONDITION_TAINT_KEYS)
        ]
        to_add, to_remove = taint_set_diff(no_schedule_taints(node), current)
        if (to_add or to_remove) and not await swap_node_controller_taint(
            self.client, node, to_add, to_remove, self.clock.now()
        ):
            raise RuntimeError(f"failed to swap taints of node {key}")
        labels = (node.get("metadata") or {}).get("labels") or {}
        missing = {
            beta: labels[stable]
            for stable, beta in RECONCILED_LABELS
            if stable in labels and labels.get(beta) != labels[stable]
        }
        if missing:
            await self.client.patch(NODES, key.name, {"metadata": {"labels": missing}})

    # Pod workers ---------------------------------------------------------------------------------------

    async def process_pod(self, key: ObjectKey) -> None:
        """``processPod``: a pod newly bound to a node known not Ready is marked not Ready."""
        pod = self.pods.indexer.get(key)
        if pod is None:
            return
        node_name = str((pod.get("spec") or {}).get("nodeName") or "")
        health = self.health.get(node_name)
        if health is None:
            return  # not seen yet: the next monitor pass handles it
        if self.nodes.indexer.get(ObjectKey("", node_name)) is None:
            raise LookupError(f'node "{node_name}" not found in the cache')
        ready = node_condition(health.status, "Ready")
        if ready is not None and _status(ready) != "True":
            errors = await mark_pods_not_ready(self.client, self.recorder, [pod], node_name, self.clock.now())
            if errors:
                raise errors[0]

    # Health monitor ------------------------------------------------------------------------------------

    def _tainter(self, node: Object) -> RateLimitedTimedQueue:
        zone = zone_key(node)
        if zone not in self.zone_states:
            self.zone_states[zone] = STATE_INITIAL
            self.zone_tainters[zone] = RateLimitedTimedQueue(EVICTION_LIMITER_QPS, self.clock)
        return self.zone_tainters[zone]

    async def monitor_node_health(self) -> None:
        nodes = self.nodes.indexer.list()
        names = {node["metadata"]["name"] for node in nodes}
        for node in nodes:
            name = node["metadata"]["name"]
            if name not in self.known_nodes:
                log.info("controller observed a new node %s", name)
                record_node_event(
                    self.recorder, node, "RegisteredNode", f"Registered Node {name} in Controller"
                )
                self.known_nodes[name] = node
                self._tainter(node)
                await self._mark_node_as_reachable(node)
            else:
                self._tainter(node)  # a node that moved to a zone not seen before
        for name in [n for n in self.known_nodes if n not in names]:
            log.info("controller observed a node deletion %s", name)
            gone = self.known_nodes.pop(name)
            self.health.pop(name, None)
            record_node_event(self.recorder, gone, "RemovingNode", f"Removing Node {name} from Controller")
        zone_conditions: dict[str, list[Object | None]] = {}
        for node in nodes:
            await self._update_node(node, zone_conditions)
        await self._handle_disruption(zone_conditions, nodes)

    async def _update_node(self, node: Object, zone_conditions: dict[str, list[Object | None]]) -> None:
        name = node["metadata"]["name"]
        lease = self.leases.indexer.get(ObjectKey(NODE_LEASE_NAMESPACE, name))
        for _ in range(NODE_HEALTH_UPDATE_RETRY):
            assessment = assess(
                node,
                self.health.get(name),
                lease,
                self.clock.now(),
                grace_period=self.grace_period,
                startup_grace_period=self.startup_grace_period,
            )
            self.health[name] = assessment.health
            if assessment.updated_node is None:
                break
            try:
                written = await self.client.update(NODES, assessment.updated_node, subresource="status")
            except ApiError as err:
                log.error("error updating node %s: %s", name, err)
                try:
                    node = await self.client.get(NODES, name)
                except ApiError as get_err:
                    log.error("failed to get node %s to retry its health update: %s", name, get_err)
                    return
                continue
            self.health[name] = after_write(assessment, written, lease, self.clock.now())
            node = written
            break
        else:
            log.error("update health of node %s failed; skipping: no pods will be evicted", name)
            return
        observed, current = assessment.observed_ready, assessment.current_ready
        if LABEL_EXCLUDE_DISRUPTION not in ((node.get("metadata") or {}).get("labels") or {}):
            zone_conditions.setdefault(zone_key(node), []).append(current)
        if current is None:
            self.nodes_to_retry.discard(name)
            return
        pods = self.pods.indexer.by_index(NODE_NAME_INDEX, name)
        await self._process_taint_based_eviction(node, observed)
        became_not_ready = _status(current) != "True" and _status(observed) == "True"
        if became_not_ready:
            record_node_status_change(self.recorder, node, "NodeNotReady")
        if became_not_ready or (name in self.nodes_to_retry and _status(observed) != "True"):
            errors = await mark_pods_not_ready(self.client, self.recorder, pods, name, self.clock.now())
            if errors:
                log.error(
                    "unable to mark all pods NotReady on node %s: %s; queuing for retry", name, errors[0]
                )
                self.nodes_to_retry.add(name)
                return
        self.nodes_to_retry.discard(name)

    async def _process_taint_based_eviction(self, node: Object, observed: Object) -> None:
        taints = (node.get("spec") or {}).get("taints") or []
        name = node["metadata"]["name"]
        status = _status(observed)
        if status in ("False", "Unknown"):
            wanted, opposite = (
                (NOT_READY_TAINT, UNREACHABLE_TAINT)
                if status == "False"
                else (UNREACHABLE_TAINT, NOT_READY_TAINT)
            )
            if taint_exists(taints, opposite):
                # Already evicting for the other reason: switch the taint at once, no queueing.
                if not await swap_node_controller_taint(
                    self.client, node, [wanted], [opposite], self.clock.now()
                ):
                    log.error("failed to swap %s to %s on node %s", opposite["key"], wanted["key"], name)
            else:
                tainter = self._tainter(node)
                if not taint_exists(taints, wanted):
                    tainter.remove(name)
                if tainter.add(name, str(node["metadata"].get("uid") or "")):
                    log.debug("node %s is %s; adding it to the taint queue", name, status)
        elif status == "True":
            if await self._mark_node_as_reachable(node):
                log.info("node %s is healthy again, removed its NoExecute taints", name)

    async def _mark_node_as_reachable(self, node: Object) -> bool:
        """Remove both NoExecute taints and forget the node in its zone's queue."""
        name = node["metadata"]["name"]
        try:
            await remove_taints_off_node(self.client, name, node, [UNREACHABLE_TAINT])
            await remove_taints_off_node(self.client, name, node, [NOT_READY_TAINT])
        except ApiError as err:
            log.error("failed to remove NoExecute taints from node %s: %s", name, err)
            return False
        return self._tainter(node).remove(name)

    async def _handle_disruption(
        self, zone_conditions: dict[str, list[Object | None]], nodes: list[Object]
    ) -> None:
        new_states: dict[str, str] = {}
        all_fully_disrupted = True
        for zone, conditions in zone_conditions.items():
            _, state = compute_zone_state(conditions)
            if state != STATE_FULL_DISRUPTION:
                all_fully_disrupted = False
            new_states[zone] = state
            self.zone_states.setdefault(zone, STATE_INITIAL)
        all_were_fully_disrupted = True
        for zone in list(self.zone_states):
            if zone not in zone_conditions:
                del self.zone_states[zone]
                continue
            if self.zone_states[zone] != STATE_FULL_DISRUPTION:
                all_were_fully_disrupted = False
                break
        if all_fully_disrupted and all_were_fully_disrupted:
            return
        if all_fully_disrupted:
            # Every node at once: more likely the control plane is cut off than every node dead.
            log.info("controller detected that all Nodes are not-Ready. Entering master disruption mode")
            for node in nodes:
                await self._mark_node_as_reachable(node)
            for zone in self.zone_states:
                self.zone_tainters[zone].swap_limiter(0)
                self.zone_states[zone] = STATE_FULL_DISRUPTION
            return
        if all_were_fully_disrupted:
            log.info("controller detected that some Nodes are Ready. Exiting master disruption mode")
            now = self.clock.now()
            for node in nodes:
                name = node["metadata"]["name"]
                if name in self.health:
                    health = self.health[name]
                    self.health[name] = NodeHealth(now, now, health.status, health.lease)
            for zone in list(self.zone_states):
                state = new_states.get(zone, STATE_NORMAL)
                self._set_limiter(zone, len(zone_conditions.get(zone, [])), state)
                self.zone_states[zone] = state
            return
        for zone, state in list(self.zone_states.items()):
            new_state = new_states.get(zone)
            if new_state is None:
                del self.zone_states[zone]  # no nodes left in it
            elif state != new_state:
                log.info("controller detected that zone %r is now in state %s", zone, new_state)
                self._set_limiter(zone, len(zone_conditions.get(zone, [])), new_state)
                self.zone_states[zone] = new_state

    def _set_limiter(self, zone: str, size: int, state: str) -> None:
        tainter = self.zone_tainters[zone]
        if state == STATE_NORMAL:
            tainter.swap_limiter(EVICTION_LIMITER_QPS)
        elif state == STATE_PARTIAL_DISRUPTION:
            tainter.swap_limiter(reduced_qps(size))
        elif state == STATE_FULL_DISRUPTION:
            tainter.swap_limiter(EVICTION_LIMITER_QPS)

    # NoExecute tainting pass ---------------------------------------------------------------------------

    async def no_execute_tainting_pass(self) -> None:
        for tainter in list(self.zone_tainters.values()):
            await tainter.try_(self._taint_one)

    async def _taint_one(self, value: TimedValue) -> tuple[bool, float]:
        node = self.nodes.indexer.get(ObjectKey("", value.value))
        if node is None:
            return True, 0.0  # gone
        ready = node_condition(node.get("status"), "Ready")
        if ready is None:
            return False, 0.05
        if _status(ready) == "False":
            wanted, opposite = NOT_READY_TAINT, UNREACHABLE_TAINT
        elif _status(ready) == "Unknown":
            wanted, opposite = UNREACHABLE_TAINT, NOT_READY_TAINT
        else:
            return True, 0.0  # Ready again: nothing to taint
        return await swap_node_controller_taint(
            self.client, node, [wanted], [opposite], self.clock.now()
        ), 0.0
