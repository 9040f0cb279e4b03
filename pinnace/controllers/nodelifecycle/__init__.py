"""The node lifecycle controller: node health from heartbeats and Leases, the taints that follow from it.

``--controllers`` name ``nodelifecycle`` (kube-controller-manager's alias of ``node-lifecycle-controller``).
Evicting pods from NoExecute-tainted nodes is the separate ``taint-eviction-controller``
(:mod:`pinnace.controllers.tainteviction`), as with upstream's SeparateTaintEvictionController (on by
default since 1.29). Layout:

* :mod:`.controller` — the health monitor, the NoExecute tainting pass, the NoSchedule taints that mirror
  conditions (TaintNodesByCondition), marking pods not Ready;
* :mod:`.health` — is a node still heard from; the Unknown conditions;
* :mod:`.zones` — zones, their disruption states and the rate-limited tainting queues;
* :mod:`.nodeutil` — taint patches, ``MarkPodsNotReady``, node events.
"""

from __future__ import annotations

from typing import Final

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.nodelifecycle.controller import NodeLifecycleController

NAME: Final = "nodelifecycle"


def new_controller(ctx: ControllerContext) -> NodeLifecycleController:
    timing = ctx.node_monitor
    return NodeLifecycleController(
        ctx,
        monitor_period=timing.period,
        grace_period=timing.grace_period,
        startup_grace_period=timing.startup_grace_period,
    )
