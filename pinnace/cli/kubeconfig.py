"""``pinnace kubeconfig --user NAME [--group G]... [--days N] [-o FILE]``: a kubeconfig for a user, with a
client certificate minted directly by the cluster CA.

For operators on a control-plane machine (the CA key must be readable, under ``DATA_DIR/pki``): the
certificate's subject CN is the user and each O a group, as the API server's x509 authenticator reads them,
so RBAC bindings to that user or group decide what the kubeconfig may do. Users without access to the CA
ask through a CertificateSigningRequest instead (``kubectl certificate approve``). The server address is the
admin kubeconfig's (``DATA_DIR/kubeconfig.yaml``) unless ``--server`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from pinnace.cli.lifecycle import DEFAULT_DATA_DIR

NAME = "kubeconfig"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(NAME, help="mint a client certificate for a user and write a kubeconfig")
    parser.add_argument("--user", required=True, help="the user name (the certificate's subject CN)")
    parser.add_argument(
        "--group", action="append", default=[], help="a group (subject O); repeat for more groups"
    )
    parser.add_argument("--days", type=int, default=365, help="validity of the certificate (default 365)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"the cluster's data dir, holding pki/ca.crt and pki/ca.key (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--server", default="", help="the API server URL (default: the admin kubeconfig's)")
    parser.add_argument("-o", "--output", type=Path, default=None, help="write here (default: stdout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _server_of(admin_kubeconfig: Path) -> str:
    config: Any = yaml.safe_load(admin_kubeconfig.read_text())
    clusters = config.get("clusters") or [] if isinstance(config, dict) else []
    for cluster in clusters:
        server = (cluster.get("cluster") or {}).get("server")
        if server:
            return str(server)
    raise ValueError(f"{admin_kubeconfig} names no server")


def run(args: argparse.Namespace) -> int:
    from pinnace.apiserver.kubeconfig import build_kubeconfig, write_kubeconfig
    from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate

    pki = ClusterPKI.at(Path(args.data_dir))
    if not pki.ca_cert.exists() or not pki.ca_key.exists():
        print(f"pinnace kubeconfig: no cluster CA under {pki.directory} (see --data-dir)", file=sys.stderr)
        return 1
    try:
        server = args.server or _server_of(Path(args.data_dir) / "kubeconfig.yaml")
        minted = mint_client_certificate(pki, args.user, args.group, args.days)
    except (OSError, ValueError) as err:
        print(f"pinnace kubeconfig: {err}", file=sys.stderr)
        return 1
    kubeconfig = build_kubeconfig(
        server_url=server, ca_pem=pki.ca_cert.read_bytes(), cert_pem=minted.cert_pem, key_pem=minted.key_pem
    )
    user_name = args.user
    kubeconfig["users"][0]["name"] = user_name
    kubeconfig["contexts"][0]["context"]["user"] = user_name
    kubeconfig["contexts"][0]["name"] = f"{user_name}@pinnace"
    kubeconfig["current-context"] = f"{user_name}@pinnace"
    if args.output is None:
        sys.stdout.write(yaml.safe_dump(kubeconfig, default_flow_style=False, sort_keys=False))
    else:
        write_kubeconfig(kubeconfig, args.output)  # mode 0600: it holds a private key
    return 0
