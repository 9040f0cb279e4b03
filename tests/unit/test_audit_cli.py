"""The ``--audit-*`` flags reach the API server from ``pinnace apiserver`` and through ``pinnace up``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnace.apiserver.audit.options import AuditOptions
from pinnace.cli import auditflags, up
from pinnace.cli.main import build_parser

FLAGS = [
    "--audit-policy-file",
    "policy.yaml",
    "--audit-log-path",
    "logs/audit.log",
    "--audit-log-maxage",
    "30",
    "--audit-log-maxbackup",
    "10",
    "--audit-log-maxsize",
    "100",
    "--audit-log-compress",
]


def test_apiserver_flags_make_the_audit_options() -> None:
    args = build_parser().parse_args(["apiserver", *FLAGS])
    assert auditflags.options(args) == AuditOptions(
        policy_file=Path("policy.yaml"),
        log_path="logs/audit.log",
        log_maxage=30,
        log_maxbackup=10,
        log_maxsize=100,
        log_compress=True,
    )


def test_no_flags_audit_nothing() -> None:
    assert auditflags.options(build_parser().parse_args(["apiserver"])) == AuditOptions()


def test_up_passes_the_flags_with_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["up", *FLAGS])
    config = up.UpConfig(tmp_path / "data", 6443, apiserver_audit_args=auditflags.forward(args))
    apiserver = next(child for child in up.components(config) if child.name == "apiserver")
    assert apiserver.args[apiserver.args.index("--audit-policy-file") :] == [
        "--audit-policy-file",
        str(tmp_path / "policy.yaml"),
        "--audit-log-path",
        str(tmp_path / "logs" / "audit.log"),
        "--audit-log-maxage",
        "30",
        "--audit-log-maxbackup",
        "10",
        "--audit-log-maxsize",
        "100",
        "--audit-log-compress",
    ]
    # What up passes, the API server's parser takes back unchanged.
    forwarded = build_parser().parse_args(["apiserver", *auditflags.forward(args)])
    assert auditflags.options(forwarded).log_path == str(tmp_path / "logs" / "audit.log")


def test_up_keeps_standard_output_as_dash() -> None:
    args = build_parser().parse_args(["up", "--audit-policy-file", "/p.yaml", "--audit-log-path", "-"])
    assert auditflags.forward(args) == ("--audit-policy-file", "/p.yaml", "--audit-log-path", "-")
    assert auditflags.forward(build_parser().parse_args(["up"])) == ()


def test_up_refuses_bad_values_before_starting_anything() -> None:
    args = build_parser().parse_args(["up", "--audit-log-path", "a.log", "--audit-log-maxsize", "-1"])
    with pytest.raises(ValueError, match="--audit-log-maxsize -1 can't be a negative number"):
        auditflags.forward(args)
