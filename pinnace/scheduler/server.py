"""``pinnace scheduler``: the scheduler process (``cmd/kube-scheduler/app/server.go``).

It authenticates as ``system:kube-scheduler`` (the kubeconfig the API server mints under
``DATA_DIR/components/scheduler.kubeconfig``, unless told otherwise), reads an optional
KubeSchedulerConfiguration, and -- with leader election -- schedules only while it holds the Lease
``kube-system/kube-scheduler``. Losing the Lease stops scheduling and ends the process with an error (as
upstream, which exits); its supervisor restarts it as a candidate.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from pinnace.client.config import load_kubeconfig, wait_for_kubeconfig
from pinnace.client.leaderelection import LeaderElector
from pinnace.client.rest import RestClient
from pinnace.scheduler.config import load
from pinnace.scheduler.plugins import IN_TREE_REGISTRY
from pinnace.scheduler.scheduler import run_scheduler

log = logging.getLogger(__name__)


class LeadershipLost(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class SchedulerServerConfig:
    kubeconfig: Path | None = None
    config_file: Path | None = None
    #: None: as the configuration file says (leaderElection.leaderElect, default true).
    leader_elect: bool | None = None
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}_{os.getpid()}")


async def run(config: SchedulerServerConfig) -> None:
    configuration = await asyncio.to_thread(load, config.config_file, IN_TREE_REGISTRY)
    kubeconfig = config.kubeconfig or (Path(configuration.kubeconfig) if configuration.kubeconfig else None)
    if kubeconfig is None:
        raise ValueError("no kubeconfig: pass --kubeconfig or set clientConnection.kubeconfig")
    await wait_for_kubeconfig(kubeconfig)
    client_config = await asyncio.to_thread(
        load_kubeconfig,
        kubeconfig,
        user_agent="pinnace-scheduler",
        qps=configuration.qps,
        burst=configuration.burst,
    )
    client = RestClient(client_config)
    leader_elect = (
        configuration.leader_election.leader_elect if config.leader_elect is None else config.leader_elect
    )
    try:
        if not leader_elect:
            await run_scheduler(client, configuration)
            return
        election = configuration.leader_election
        elector = LeaderElector(
            client,
            election.resource_namespace,
            election.resource_name,
            config.identity,
            lease_duration=election.lease_duration,
            renew_deadline=election.renew_deadline,
            retry_period=election.retry_period,
        )
        await elector.run(lambda: run_scheduler(client, configuration))
        raise LeadershipLost(f"leader election lost: {election.resource_namespace}/{election.resource_name}")
    finally:
        await client.close()
