"""``pinnace controller-manager``: runs the enabled controllers over one client and one informer factory.

Like kube-controller-manager it authenticates as ``system:kube-controller-manager`` (its own kubeconfig,
minted by the API server). With leader election only the holder of the Lease
``kube-system/kube-controller-manager`` runs controllers, so several managers can stand by for one another.
Losing the lease stops every controller; the process then exits non-zero and its supervisor restarts it as
a candidate (upstream exits too: a controller that kept acting without the lease could fight its successor).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.config import load_kubeconfig, wait_for_kubeconfig
from pinnace.client.informer import SharedInformerFactory
from pinnace.client.leaderelection import LeaderElector
from pinnace.client.rest import RestClient
from pinnace.controllers.context import (
    DEFAULT_NODE_MONITOR,
    NO_CSR_SIGNING,
    Controller,
    ControllerContext,
    CSRSigningConfig,
    NodeMonitorTiming,
)
from pinnace.controllers.registry import enabled_controllers, factory

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-system"
LEASE_NAME = "kube-controller-manager"


class LeadershipLost(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ControllerManagerConfig:
    kubeconfig: Path
    controllers: tuple[str, ...] = ("*",)
    leader_elect: bool = True
    #: Workers per controller (upstream's --concurrent-*-syncs default to 5 for most controllers).
    workers: int = 5
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}_{os.getpid()}")
    #: See :attr:`ControllerContext.job_backoff_base`.
    job_backoff_base: float = 10.0
    #: The client's request budget (upstream's --kube-api-qps/--kube-api-burst, 20/30 there). Pinnace's
    #: default is higher: every controller shares this one client, and it sets how fast rollouts go.
    kube_api_qps: float = 50.0
    kube_api_burst: int = 100
    #: See :attr:`ControllerContext.node_monitor`.
    node_monitor: NodeMonitorTiming = DEFAULT_NODE_MONITOR
    #: See :attr:`ControllerContext.csr_signing`.
    csr_signing: CSRSigningConfig = NO_CSR_SIGNING


async def run(config: ControllerManagerConfig) -> None:
    names = enabled_controllers(config.controllers)
    await wait_for_kubeconfig(config.kubeconfig)
    client_config = load_kubeconfig(
        config.kubeconfig,
        user_agent="pinnace-controller-manager",
        qps=config.kube_api_qps,
        burst=config.kube_api_burst,
    )
    client = RestClient(client_config)
    try:
        if not config.leader_elect:
            await run_controllers(
                client,
                names,
                config.workers,
                ca_pem=client_config.ca_data,
                job_backoff_base=config.job_backoff_base,
                node_monitor=config.node_monitor,
                csr_signing=config.csr_signing,
            )
            return
        elector = LeaderElector(client, LEASE_NAMESPACE, LEASE_NAME, config.identity)
        ca_pem = client_config.ca_data
        await elector.run(
            lambda: run_controllers(
                client,
                names,
                config.workers,
                ca_pem=ca_pem,
                job_backoff_base=config.job_backoff_base,
                node_monitor=config.node_monitor,
                csr_signing=config.csr_signing,
            )
        )
        raise LeadershipLost(f"leader election lost: {LEASE_NAMESPACE}/{LEASE_NAME}")
    finally:
        await client.close()


async def run_controllers(
    client: RestClient,
    names: list[str],
    workers: int,
    *,
    ca_pem: bytes | None,
    job_backoff_base: float = 10.0,
    node_monitor: NodeMonitorTiming = DEFAULT_NODE_MONITOR,
    csr_signing: CSRSigningConfig = NO_CSR_SIGNING,
) -> None:
    """Build every enabled controller, start the informers they asked for, run them until cancelled."""
    informers = SharedInformerFactory(client)
    context = ControllerContext(
        client=client,
        informers=informers,
        ca_pem=ca_pem or b"",
        job_backoff_base=job_backoff_base,
        node_monitor=node_monitor,
        csr_signing=csr_signing,
    )
    controllers = {name: factory(name)(context) for name in names}
    log.info("starting controllers: %s", ", ".join(names) or "(none)")
    async with asyncio.TaskGroup() as group:
        informers.start(group)
        for recorder in context.recorders:
            group.create_task(recorder.run(), name=f"events-{recorder.component}")
        for name, controller in controllers.items():
            group.create_task(keep_running(name, controller, workers), name=f"controller-{name}")
        # Controllers run until cancelled; with none enabled the manager still just holds its place.
        await asyncio.Event().wait()


RESTART_BACKOFF_SECONDS = (1.0, 60.0)


async def keep_running(name: str, controller: Controller, workers: int, clock: Clock = REAL_CLOCK) -> None:
    """Run one controller; if it fails, log it and start it again after a back-off (1 s doubling to 60 s).

    One controller's failure (a permission it lacks, a bug) must not stop the others, which share this
    process; upstream's controllers likewise retry their loops rather than exit.
    """
    delay, ceiling = RESTART_BACKOFF_SECONDS
    while True:
        try:
            await controller.run(workers)
            return
        except Exception:
            log.exception("controller %s failed; restarting in %.0fs", name, delay)
        await clock.sleep(delay)
        delay = min(delay * 2, ceiling)
