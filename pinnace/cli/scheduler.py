"""``pinnace scheduler``: the scheduler (see :mod:`pinnace.scheduler.server`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.cli.lifecycle import DEFAULT_DATA_DIR, run_until_signalled

NAME = "scheduler"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(NAME, help="run the scheduler")
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        default=DEFAULT_DATA_DIR / "components" / "scheduler.kubeconfig",
        help="how to reach the API server, and as whom (default: the one the API server mints)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1); default: upstream's defaults",
    )
    parser.add_argument(
        "--leader-elect",
        default=None,
        action=argparse.BooleanOptionalAction,
        help="schedule only while holding the kube-system/kube-scheduler Lease (default: as --config says)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def run(args: argparse.Namespace) -> int:
    from pinnace.scheduler.server import SchedulerServerConfig, run

    config = SchedulerServerConfig(
        kubeconfig=args.kubeconfig, config_file=args.config, leader_elect=args.leader_elect
    )
    return run_until_signalled(run(config))
