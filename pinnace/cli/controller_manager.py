"""``pinnace controller-manager``: the control loops (see :mod:`pinnace.controllers.manager`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.cli.lifecycle import DEFAULT_DATA_DIR, run_until_signalled

NAME = "controller-manager"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(NAME, help="run the controller manager")
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        default=DEFAULT_DATA_DIR / "components" / "controller-manager.kubeconfig",
        help="how to reach the API server, and as whom (default: the one the API server mints)",
    )
    parser.add_argument(
        "--controllers",
        default="*",
        help="comma-separated: '*' enables the default set, 'foo' enables foo, '-foo' disables foo",
    )
    parser.add_argument(
        "--leader-elect",
        default=True,
        action=argparse.BooleanOptionalAction,
        help="run controllers only while holding the kube-system/kube-controller-manager Lease",
    )
    parser.add_argument("--workers", type=int, default=5, help="concurrent syncs per controller")
    parser.add_argument(
        "--kube-api-qps", type=float, default=50.0, help="requests per second to the API server (default 50)"
    )
    parser.add_argument(
        "--kube-api-burst", type=int, default=100, help="burst above --kube-api-qps (default 100)"
    )
    parser.add_argument(
        "--job-backoff-base",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="the Job controller's first back-off after a pod failure, doubling per failure (upstream: 10; "
        "tests lower it)",
    )
    for flag, default, what in (
        ("--node-monitor-period", "5s", "how often the node lifecycle controller checks node health"),
        ("--node-monitor-grace-period", "40s", "how long a node may be silent before it is Ready=Unknown"),
        ("--node-startup-grace-period", "1m0s", "the same, for a node that never posted a Ready condition"),
    ):
        parser.add_argument(flag, type=_seconds, default=_seconds(default), metavar="DURATION", help=what)
    parser.add_argument(
        "--cluster-signing-cert-file",
        type=Path,
        default=None,
        help="PEM CA certificate the csrsigning controller issues certificates with",
    )
    parser.add_argument(
        "--cluster-signing-key-file", type=Path, default=None, help="PEM private key of that CA"
    )
    parser.add_argument(
        "--cluster-signing-duration",
        type=_seconds,
        default=_seconds("8760h"),
        metavar="DURATION",
        help="the longest lifetime of a signed certificate (default 8760h0m0s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _seconds(text: str) -> float:
    """A Go duration (``40s``, ``1m0s``, ``500ms``), as kube-controller-manager's flags take them."""
    from pinnace.api.protobuf_forms import parse_duration

    try:
        return parse_duration(text) / 1e9
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def run(args: argparse.Namespace) -> int:
    from pinnace.controllers.context import CSRSigningConfig, NodeMonitorTiming
    from pinnace.controllers.manager import ControllerManagerConfig, run

    config = ControllerManagerConfig(
        kubeconfig=Path(args.kubeconfig),
        controllers=tuple(name.strip() for name in args.controllers.split(",") if name.strip()),
        leader_elect=args.leader_elect,
        workers=args.workers,
        kube_api_qps=args.kube_api_qps,
        kube_api_burst=args.kube_api_burst,
        job_backoff_base=args.job_backoff_base,
        node_monitor=NodeMonitorTiming(
            args.node_monitor_period, args.node_monitor_grace_period, args.node_startup_grace_period
        ),
        csr_signing=CSRSigningConfig(
            args.cluster_signing_cert_file, args.cluster_signing_key_file, args.cluster_signing_duration
        ),
    )
    return run_until_signalled(run(config))
