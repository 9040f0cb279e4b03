"""``pinnace``: start a cluster or one of its components, and operate its datastore.

pinnace up [--data-dir DIR] [--port PORT] [--hollow-nodes N]
                                                    all-in-one cluster, in the foreground
pinnace apiserver [--data-dir DIR] [--port PORT]    the API server alone
pinnace controller-manager [--kubeconfig K]         the control loops
pinnace scheduler [--kubeconfig K] [--config F]     the scheduler
pinnace hollow-nodes [--kubeconfig K] --count N     simulated nodes
pinnace kubeconfig --user NAME [--group G]...       a kubeconfig for a user, signed by the cluster CA
pinnace datastore snapshot save|restore FILE        back up or restore the store
pinnace version

A component command lives in its own module under ``pinnace/cli/`` (``NAME``, ``add_parser``, ``run``) and is
listed in ``COMPONENT_COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

from pinnace import __version__
from pinnace.cli import (
    admissionflags,
    auditflags,
    authflags,
    controller_manager,
    hollow_nodes,
    kubeconfig,
    scheduler,
)
from pinnace.cli.lifecycle import DEFAULT_DATA_DIR, configure_logging, run_until_signalled


class ComponentCommand(Protocol):
    """A module under ``pinnace/cli/`` that runs one component."""

    NAME: str

    def add_parser(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


#: Commands that run one component, each from its own module.
COMPONENT_COMMANDS: dict[str, ComponentCommand] = {
    module.NAME: module
    for module in cast(list[ComponentCommand], [controller_manager, hollow_nodes, kubeconfig, scheduler])
}

DEFAULT_PORT = 6443


def _datastore_url(args: argparse.Namespace) -> str:
    """--datastore if given, else the embedded SQLite file in the data dir."""
    if args.datastore:
        return str(args.datastore)
    return f"sqlite://{Path(args.data_dir).absolute() / 'state.db'}"


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where state, certificates and the kubeconfig live (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--datastore",
        metavar="URL",
        default="",
        help="sqlite:///path/state.db (default: DATA_DIR/state.db) or etcd://host:port[,host:port]",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _add_encryption(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encryption-provider-config",
        type=Path,
        metavar="FILE",
        help="an EncryptionConfiguration: which resources are encrypted at rest, with which keys",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pinnace", description="A Kubernetes-compatible cluster in Python.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="run an all-in-one cluster in the foreground")
    _add_common(up)
    up.add_argument("--port", type=int, default=DEFAULT_PORT, help="API server port (default 6443)")
    up.add_argument(
        "--hollow-nodes",
        type=int,
        default=0,
        metavar="N",
        help="add N simulated nodes (labelled node.pinnace.dev/hollow) for pods to run on",
    )

    _add_encryption(up)
    auditflags.add(up)
    admissionflags.add(up)

    apiserver = commands.add_parser("apiserver", help="run the API server")
    _add_common(apiserver)
    apiserver.add_argument("--port", type=int, default=DEFAULT_PORT, help="secure port (default 6443)")
    apiserver.add_argument("--bind-address", default="127.0.0.1", help="address to listen on")
    apiserver.add_argument(
        "--tls-san", action="append", default=[], help="extra name or IP for the serving certificate"
    )
    apiserver.add_argument("--token-auth-file", type=Path, help="static bearer tokens (CSV)")
    authflags.add(apiserver)
    auditflags.add(apiserver)
    admissionflags.add(apiserver)
    _add_encryption(apiserver)

    datastore = commands.add_parser("datastore", help="operate the cluster's store")
    datastore_commands = datastore.add_subparsers(dest="datastore_command", required=True, metavar="ACTION")
    snapshot = datastore_commands.add_parser("snapshot", help="save or restore a backup")
    snapshot_commands = snapshot.add_subparsers(dest="snapshot_command", required=True, metavar="ACTION")
    save = snapshot_commands.add_parser("save", help="write a backup of the running store to FILE")
    _add_common(save)
    save.add_argument("file", type=Path)
    restore = snapshot_commands.add_parser("restore", help="replace the (stopped) store with FILE")
    _add_common(restore)
    restore.add_argument("file", type=Path)
    restore.add_argument("--etcd-data-dir", type=Path, help="for etcd: the new member data dir to create")

    for module in COMPONENT_COMMANDS.values():
        module.add_parser(commands)

    commands.add_parser("version", help="print the Pinnace version")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "version":
        print(f"pinnace {__version__} (Kubernetes API v1.32)")
        return 0
    configure_logging(args.verbose)
    try:
        return _dispatch(args)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"pinnace {args.command}: {err}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from pinnace.storage.errors import StorageError

    if args.command in COMPONENT_COMMANDS:
        return COMPONENT_COMMANDS[args.command].run(args)
    try:
        if args.command == "up":
            from pinnace.cli import up

            config = up.UpConfig(
                Path(args.data_dir).absolute(),
                args.port,
                args.datastore,
                hollow_nodes=args.hollow_nodes,
                encryption_provider_config=args.encryption_provider_config,
                apiserver_audit_args=auditflags.forward(args),
                apiserver_admission_args=admissionflags.forward(args),
            )
            return run_until_signalled(up.run(config))
        if args.command == "apiserver":
            from pinnace.apiserver.config import APIServerConfig
            from pinnace.apiserver.server import run

            apiserver_config = APIServerConfig(
                data_dir=Path(args.data_dir),
                bind_address=args.bind_address,
                port=args.port,
                datastore_url=_datastore_url(args),
                extra_sans=tuple(args.tls_san),
                token_auth_file=args.token_auth_file,
                authentication=authflags.options(args),
                encryption_provider_config=args.encryption_provider_config,
                audit=auditflags.options(args),
                admission=admissionflags.options(args),
            )
            return run_until_signalled(run(apiserver_config))
        if args.command == "datastore":
            from pinnace.cli import datastore

            if args.snapshot_command == "save":
                return datastore.snapshot_save(_datastore_url(args), args.file)
            return datastore.snapshot_restore(_datastore_url(args), args.file, args.etcd_data_dir)
    except StorageError as err:
        print(f"pinnace {args.command}: {err}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
