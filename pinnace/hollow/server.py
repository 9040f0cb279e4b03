"""``run(config)``: one hollow-nodes process — N simulated kubelets and their pods in one asyncio program.

::

    register N Nodes ──► heartbeats: Lease renewals (10 s, spread) ─┐
         (bounded)       status posts (5 min, spread; at once       ├──► API server (one client,
                          when someone else changed the Node)        │     the hollow-nodes identity)
                         pod informer ─► stage engine ─► pods/status, delete
                                               ▲
                                    stages (package data or --stages)

The process authenticates with the identity the API server mints for hollow nodes
(``system:pinnace:hollow-nodes``, with the ClusterRole ``pinnace:hollow-nodes``). Cancelling ``run``
(SIGTERM) stops everything cleanly and leaves the Nodes and Leases in place, as a stopped kubelet does.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.config import ConfigError, load_kubeconfig, wait_for_kubeconfig
from pinnace.client.interface import Client
from pinnace.client.rest import RestClient
from pinnace.hollow.config import HollowConfig, validate
from pinnace.hollow.nodes import HollowNodes
from pinnace.hollow.pods import HollowPods
from pinnace.hollow.stages import Stage, default_stages, load_stage_file
from pinnace.hollow.stats import ActivityLog

log = logging.getLogger(__name__)

USER_AGENT = "pinnace-hollow-nodes"


def load_configured_stages(config: HollowConfig) -> list[Stage]:
    return load_stage_file(config.stages_file) if config.stages_file is not None else default_stages()


async def run(config: HollowConfig) -> None:
    """Run until cancelled."""
    validate(config)
    stages = load_configured_stages(config)
    await wait_for_kubeconfig(config.kubeconfig)
    try:
        client_config = load_kubeconfig(
            config.kubeconfig, user_agent=USER_AGENT, qps=config.qps, burst=config.burst
        )
    except ConfigError as err:
        raise ValueError(str(err)) from err
    client = RestClient(client_config)
    try:
        await run_with_client(client, config, stages)
    finally:
        await client.close()
        # A stopped kubelet leaves its Node and Lease behind; so do hollow nodes.
        log.info("stopped; the %d hollow Nodes stay registered until their Leases expire", config.count)


async def run_with_client(
    client: Client,
    config: HollowConfig,
    stages: list[Stage],
    *,
    clock: Clock = REAL_CLOCK,
    rng: random.Random | None = None,
) -> None:
    """The whole runtime on a given client (tests pass a FakeClient and a FakeClock)."""
    nodes = HollowNodes(client, config, clock=clock)
    started = time.monotonic()
    await nodes.register_all()
    log.info("registered %d hollow nodes in %.1fs", len(nodes.nodes), time.monotonic() - started)
    pods = HollowPods(
        client,
        stages,
        {node.name: node.addresses for node in nodes.nodes},
        workers=config.pod_workers,
        clock=clock,
        rng=rng,
    )
    async with asyncio.TaskGroup() as group:
        group.create_task(nodes.run_heartbeats(), name="heartbeats")
        group.create_task(pods.run(), name="pods")
        if config.stats_interval > 0:
            activity = ActivityLog(nodes, pods, clock=clock)
            group.create_task(activity.run(config.stats_interval), name="activity-log")
