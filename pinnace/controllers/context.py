"""What every controller is built from: the shared client, informers, event recorders and clock.

A controller module exposes ``NAME`` (upstream's ``--controllers`` name, e.g. ``"deployment"``) and
``new_controller(ctx) -> Controller``. The manager builds one context, hands it to each enabled controller,
starts the shared informers once every controller has asked for the ones it needs, and then runs them all
in one task group (style.md rule 10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.events import EventRecorder
from pinnace.client.informer import SharedInformerFactory
from pinnace.client.interface import Client


class Controller(Protocol):
    """A control loop. ``run`` returns only when cancelled; it waits for its informers to sync first."""

    async def run(self, workers: int) -> None: ...


@dataclass(frozen=True, slots=True)
class NodeMonitorTiming:
    """How the node lifecycle controller judges node health: upstream's ``--node-monitor-period`` (5 s),
    ``--node-monitor-grace-period`` (40 s) and ``--node-startup-grace-period`` (60 s), in seconds."""

    period: float = 5.0
    grace_period: float = 40.0
    startup_grace_period: float = 60.0


DEFAULT_NODE_MONITOR = NodeMonitorTiming()


@dataclass(frozen=True, slots=True)
class CSRSigningConfig:
    """The CSR signer's CA and certificate lifetime: upstream's ``--cluster-signing-cert-file``,
    ``--cluster-signing-key-file`` and ``--cluster-signing-duration`` (8760h)."""

    cert_file: Path | None = None
    key_file: Path | None = None
    duration_seconds: float = 365 * 24 * 3600.0


NO_CSR_SIGNING = CSRSigningConfig()


@dataclass
class ControllerContext:
    client: Client
    informers: SharedInformerFactory
    clock: Clock = REAL_CLOCK
    #: The cluster CA (PEM) from the manager's kubeconfig: the root CA publisher copies it into namespaces.
    ca_pem: bytes = b""
    #: Seconds the Job controller waits before replacing the first failed pod, doubling per failure
    #: (upstream's fixed 10 s ``DefaultJobPodFailureBackOff``; ``--job-backoff-base`` lowers it for tests).
    job_backoff_base: float = 10.0
    #: The node lifecycle controller's timing (tests shorten it).
    node_monitor: NodeMonitorTiming = DEFAULT_NODE_MONITOR
    #: The CSR signer's CA files and certificate lifetime (none: ``csrsigning`` signs nothing).
    csr_signing: CSRSigningConfig = NO_CSR_SIGNING
    #: One recorder per component name (``"deployment-controller"``), created on first use.
    _recorders: dict[str, EventRecorder] = field(default_factory=dict)

    def recorder(self, component: str) -> EventRecorder:
        """The event recorder that writes Events with ``source.component`` = ``component``."""
        if component not in self._recorders:
            self._recorders[component] = EventRecorder(self.client, component, clock=self.clock)
        return self._recorders[component]

    @property
    def recorders(self) -> list[EventRecorder]:
        return list(self._recorders.values())
