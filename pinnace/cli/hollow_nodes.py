"""``pinnace hollow-nodes``: simulated nodes for scale tests (:mod:`pinnace.hollow`, docs/hollow-nodes.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.cli.lifecycle import DEFAULT_DATA_DIR, run_until_signalled

NAME = "hollow-nodes"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pinnace.hollow import config as defaults

    parser = commands.add_parser(
        NAME,
        help="run simulated (hollow) nodes whose pods move through stages",
        description="Register COUNT simulated nodes that renew Leases and report status like kubelets and "
        "move their pods through lifecycle stages described as data. Nothing runs and no address is served. "
        "On SIGTERM the process stops and leaves its Nodes behind, as a stopped kubelet does.",
    )
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        default=DEFAULT_DATA_DIR / "components" / "hollow-nodes.kubeconfig",
        help="how to reach the API server, and as whom (default: the one the API server mints)",
    )
    parser.add_argument("--count", type=int, default=1, help="how many nodes (default 1)")
    parser.add_argument(
        "--prefix",
        default=defaults.DEFAULT_PREFIX,
        help=f"node name prefix (default {defaults.DEFAULT_PREFIX})",
    )
    parser.add_argument(
        "--start-index",
        type=int,
        default=0,
        help="number of the first node, for several processes (default 0)",
    )
    parser.add_argument(
        "--zones",
        default="",
        help="comma-separated topology.kubernetes.io/zone values, given out round-robin",
    )
    parser.add_argument("--region", default="", help="topology.kubernetes.io/region of every node")
    parser.add_argument(
        "--instance-type",
        default="hollow.large",
        help="node.kubernetes.io/instance-type (default hollow.large)",
    )
    parser.add_argument("--cpu", default="32", help="CPU capacity of each node (default 32)")
    parser.add_argument("--memory", default="256Gi", help="memory capacity of each node (default 256Gi)")
    parser.add_argument("--pods", type=int, default=110, help="pod capacity of each node (default 110)")
    parser.add_argument("--ephemeral-storage", default="1Ti", help="ephemeral-storage capacity (default 1Ti)")
    parser.add_argument(
        "--label", action="append", default=[], metavar="KEY=VALUE", help="an extra label on every node"
    )
    parser.add_argument(
        "--node-cidr",
        default=defaults.DEFAULT_NODE_CIDR,
        help=f"where InternalIPs come from; nothing listens there (default {defaults.DEFAULT_NODE_CIDR})",
    )
    parser.add_argument(
        "--cluster-cidr",
        default=defaults.DEFAULT_CLUSTER_CIDR,
        help=f"pod CIDRs, a /24 per node (default {defaults.DEFAULT_CLUSTER_CIDR})",
    )
    parser.add_argument(
        "--node-lease-duration-seconds",
        type=int,
        default=defaults.LEASE_DURATION_SECONDS,
        help="the kubelet's nodeLeaseDurationSeconds; Leases are renewed every quarter of it (default 40)",
    )
    parser.add_argument("--stages", type=Path, help="a Stage YAML file that replaces the default pod stages")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help="requests in flight for registration and Leases (default 64)",
    )
    parser.add_argument("--pod-workers", type=int, default=32, help="pods handled at once (default 32)")
    parser.add_argument(
        "--qps", type=float, default=0.0, help="client-side rate limit, requests/s (default 0: none)"
    )
    parser.add_argument(
        "--stats-interval", type=float, default=60.0, help="seconds between activity log lines (0: none)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def run(args: argparse.Namespace) -> int:
    from pinnace.hollow import config as defaults
    from pinnace.hollow.config import HollowConfig
    from pinnace.hollow.server import run

    labels: dict[str, str] = {}
    for item in args.label:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--label expects KEY=VALUE, got {item!r}")
        labels[key] = value
    config = HollowConfig(
        kubeconfig=Path(args.kubeconfig),
        count=args.count,
        prefix=args.prefix,
        start_index=args.start_index,
        zones=tuple(zone.strip() for zone in args.zones.split(",") if zone.strip()),
        region=args.region,
        instance_type=args.instance_type,
        cpu=args.cpu,
        memory=args.memory,
        pods=args.pods,
        ephemeral_storage=args.ephemeral_storage,
        node_cidr=args.node_cidr,
        cluster_cidr=args.cluster_cidr,
        stages_file=args.stages,
        lease_duration_seconds=args.node_lease_duration_seconds,
        # nodeLeaseRenewIntervalFraction: 0.25 of the duration.
        lease_renew_interval=args.node_lease_duration_seconds * defaults.LEASE_RENEW_FRACTION,
        concurrency=args.concurrency,
        pod_workers=args.pod_workers,
        qps=args.qps,
        stats_interval=args.stats_interval,
        extra_labels=labels,
    )
    return run_until_signalled(run(config))
