"""The admission flags of ``pinnace apiserver`` and ``pinnace up``, named as kube-apiserver's.

``--enable-admission-plugins`` and ``--disable-admission-plugins`` take comma-separated upstream plugin names
and may be repeated; ``pinnace up`` hands them to the API server it starts (:func:`forward`), with the
configuration file's path made absolute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pinnace.apiserver.admission.options import AdmissionOptions


def add(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("admission")
    group.add_argument(
        "--enable-admission-plugins",
        action="append",
        default=[],
        metavar="NAMES",
        help="admission plugins to enable in addition to the default-on ones (comma-separated)",
    )
    group.add_argument(
        "--disable-admission-plugins",
        action="append",
        default=[],
        metavar="NAMES",
        help="admission plugins to disable, even default-on ones (comma-separated)",
    )
    group.add_argument(
        "--admission-control-config-file",
        type=Path,
        metavar="FILE",
        help="an AdmissionConfiguration (apiserver.config.k8s.io/v1) with each plugin's configuration",
    )


def _names(values: list[str]) -> tuple[str, ...]:
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


def options(args: argparse.Namespace) -> AdmissionOptions:
    return AdmissionOptions(
        enable_plugins=_names(args.enable_admission_plugins),
        disable_plugins=_names(args.disable_admission_plugins),
        config_file=args.admission_control_config_file,
    )


def forward(args: argparse.Namespace) -> tuple[str, ...]:
    """The same flags for a child API server."""
    parsed = options(args)
    out: list[str] = []
    if parsed.enable_plugins:
        out += ["--enable-admission-plugins", ",".join(parsed.enable_plugins)]
    if parsed.disable_plugins:
        out += ["--disable-admission-plugins", ",".join(parsed.disable_plugins)]
    if parsed.config_file is not None:
        out += ["--admission-control-config-file", str(parsed.config_file.absolute())]
    return tuple(out)
