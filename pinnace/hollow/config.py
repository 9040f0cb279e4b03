"""What a hollow-nodes process is told: how many nodes, what they look like, how they behave.

One frozen :class:`HollowConfig` carries every option of ``pinnace hollow-nodes``; :func:`validate` checks it
before anything is sent to the API server, so a bad flag fails at once with a message naming it. The
intervals are the kubelet's own defaults with the NodeLease feature (``pkg/kubelet/apis/config``):
the Lease is renewed every ``leaseDurationSeconds / 4`` (10 s of 40 s, ``nodeLeaseRenewIntervalFraction``)
and the Node's status is re-posted every ``nodeStatusReportFrequency`` (5 minutes) or when it changed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from pinnace.api.quantity import parse_strict

DEFAULT_PREFIX = "hollow-node-"
# RFC 2544's benchmarking range (198.18.0.0/15): reserved for network device benchmarks and never routed on
# the Internet. Node InternalIPs come from here; nothing listens on them (no packet is ever sent there).
DEFAULT_NODE_CIDR = "198.18.0.0/15"
# Pod CIDRs are carved /24 per node (kube-controller-manager's --node-cidr-mask-size default for IPv4) out of
# a cluster CIDR large enough for 5,000+ nodes. Hollow pods get addresses from it that nothing serves.
DEFAULT_CLUSTER_CIDR = "10.128.0.0/9"
NODE_CIDR_MASK_SIZE = 24

LEASE_DURATION_SECONDS = 40
# nodeLeaseRenewIntervalFraction of the lease duration.
LEASE_RENEW_FRACTION = 0.25
LEASE_RENEW_INTERVAL_SECONDS = LEASE_DURATION_SECONDS * LEASE_RENEW_FRACTION
# nodeStatusReportFrequency: with leases, a node's status is re-posted this often even if unchanged.
NODE_STATUS_REPORT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class HollowConfig:
    """Options of one hollow-nodes process (see ``pinnace hollow-nodes --help``)."""

    kubeconfig: Path
    count: int = 1
    prefix: str = DEFAULT_PREFIX
    # Index of the first node's name: lets several processes share a prefix (hollow-node-5000...).
    start_index: int = 0
    zones: tuple[str, ...] = ()
    region: str = ""
    instance_type: str = "hollow.large"
    cpu: str = "32"
    memory: str = "256Gi"
    pods: int = 110
    ephemeral_storage: str = "1Ti"
    node_cidr: str = DEFAULT_NODE_CIDR
    cluster_cidr: str = DEFAULT_CLUSTER_CIDR
    # A stage file that replaces the shipped pod stages (None: the defaults).
    stages_file: Path | None = None
    lease_duration_seconds: int = LEASE_DURATION_SECONDS
    lease_renew_interval: float = LEASE_RENEW_INTERVAL_SECONDS
    status_report_interval: float = NODE_STATUS_REPORT_SECONDS
    # Requests in flight at once for registration and heartbeats (each pod worker adds one more).
    concurrency: int = 64
    pod_workers: int = 32
    # Client-side rate limit for the whole process. A real kubelet has its own 50 qps; N simulated kubelets
    # need N times the lease rate at least, so the default is "off" (0) and the concurrency bound rules.
    qps: float = 0.0
    burst: int = 1000
    # Seconds between the one-line activity summaries in the log (lease writes/s, CPU%); 0 turns them off.
    stats_interval: float = 60.0
    extra_labels: dict[str, str] = field(default_factory=dict)

    def node_name(self, index: int) -> str:
        return f"{self.prefix}{self.start_index + index}"


def validate(config: HollowConfig) -> None:
    """Raise ``ValueError`` naming the option that cannot work."""
    if config.count < 0:
        raise ValueError(f"--count must not be negative, got {config.count}")
    if config.pods <= 0:
        raise ValueError(f"--pods must be positive, got {config.pods}")
    for option, value in (
        ("--cpu", config.cpu),
        ("--memory", config.memory),
        ("--ephemeral-storage", config.ephemeral_storage),
    ):
        try:
            parse_strict(value)
        except ValueError as err:
            raise ValueError(f"{option}: {err}") from err
    node_net = _network("--node-cidr", config.node_cidr)
    cluster_net = _network("--cluster-cidr", config.cluster_cidr)
    last = config.start_index + config.count
    # Host addresses .0 and the broadcast address are not handed out.
    if last + 2 > node_net.num_addresses:
        raise ValueError(f"--node-cidr {config.node_cidr} has too few addresses for {last} nodes")
    if cluster_net.prefixlen > NODE_CIDR_MASK_SIZE:
        raise ValueError(f"--cluster-cidr {config.cluster_cidr} is smaller than one /{NODE_CIDR_MASK_SIZE}")
    if last > 2 ** (NODE_CIDR_MASK_SIZE - cluster_net.prefixlen):
        raise ValueError(
            f"--cluster-cidr {config.cluster_cidr} has too few /{NODE_CIDR_MASK_SIZE} pod CIDRs "
            f"for {last} nodes"
        )
    if config.lease_duration_seconds <= 0 or config.lease_renew_interval <= 0:
        raise ValueError("lease duration and renew interval must be positive")
    if config.concurrency <= 0 or config.pod_workers <= 0:
        raise ValueError("--concurrency and --pod-workers must be positive")


def _network(option: str, text: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as err:
        raise ValueError(f"{option}: {err}") from err
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{option}: only IPv4 is simulated, got {text}")
    return network
