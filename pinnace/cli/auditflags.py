"""The audit flags of ``pinnace apiserver`` and ``pinnace up``, named as kube-apiserver's.

``pinnace up`` does not audit itself: it hands the same flags to the API server it starts (:func:`forward`),
with paths made absolute because the child need not share the working directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.apiserver.audit.backend import DEFAULT_BUFFER_SIZE
from pinnace.apiserver.audit.options import STDOUT, AuditOptions


def add(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("auditing")
    group.add_argument(
        "--audit-policy-file",
        type=Path,
        metavar="FILE",
        help="an audit Policy (audit.k8s.io/v1): which requests are recorded, at which level",
    )
    group.add_argument(
        "--audit-log-path",
        default="",
        metavar="FILE",
        help="if set, requests the policy selects are logged to this file as JSON lines; '-' means "
        "standard out",
    )
    group.add_argument(
        "--audit-log-maxage",
        type=int,
        default=0,
        metavar="DAYS",
        help="days to keep old audit log files, by the time in their names (0: no limit)",
    )
    group.add_argument(
        "--audit-log-maxbackup",
        type=int,
        default=0,
        metavar="N",
        help="old audit log files to keep (0: no limit)",
    )
    group.add_argument(
        "--audit-log-maxsize",
        type=int,
        default=0,
        metavar="MB",
        help="size in megabytes at which the audit log is rotated (0: never)",
    )
    group.add_argument("--audit-log-compress", action="store_true", help="gzip rotated audit log files")
    group.add_argument(
        "--audit-log-batch-buffer-size",
        type=int,
        default=DEFAULT_BUFFER_SIZE,
        metavar="N",
        help=f"events queued for the log writer before new ones are dropped (default {DEFAULT_BUFFER_SIZE})",
    )


def options(args: argparse.Namespace) -> AuditOptions:
    return AuditOptions(
        policy_file=args.audit_policy_file,
        log_path=args.audit_log_path,
        log_maxage=args.audit_log_maxage,
        log_maxbackup=args.audit_log_maxbackup,
        log_maxsize=args.audit_log_maxsize,
        log_compress=args.audit_log_compress,
        log_batch_buffer_size=args.audit_log_batch_buffer_size,
    )


def forward(args: argparse.Namespace) -> tuple[str, ...]:
    """The audit flags given to ``pinnace up``, as arguments of the ``pinnace apiserver`` it starts."""
    audit = options(args)  # refuses bad values before anything starts
    out: list[str] = []
    if audit.policy_file is not None:
        out += ["--audit-policy-file", str(audit.policy_file.absolute())]
    if audit.log_path:
        path = audit.log_path if audit.log_path == STDOUT else str(Path(audit.log_path).absolute())
        out += ["--audit-log-path", path]
    for flag, value, default in (
        ("--audit-log-maxage", audit.log_maxage, 0),
        ("--audit-log-maxbackup", audit.log_maxbackup, 0),
        ("--audit-log-maxsize", audit.log_maxsize, 0),
        ("--audit-log-batch-buffer-size", audit.log_batch_buffer_size, DEFAULT_BUFFER_SIZE),
    ):
        if value != default:
            out += [flag, str(value)]
    if audit.log_compress:
        out.append("--audit-log-compress")
    return tuple(out)
