"""Kubeconfig files that carry everything inline, so a single file is enough to reach the cluster.

The admin kubeconfig (``DATA_DIR/kubeconfig.yaml``) names its cluster, user and context ``pinnace`` and embeds
the CA and the admin client certificate as base64 ``*-data`` fields, like kubeadm's ``admin.conf``. It holds a
private key, so it is written atomically with mode 0600.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from pinnace.apiserver.atomicfile import write_atomically
from pinnace.apiserver.pki import ClusterPKI

DEFAULT_NAME = "pinnace"


def build_kubeconfig(
    *, server_url: str, ca_pem: bytes, cert_pem: bytes, key_pem: bytes, name: str = DEFAULT_NAME
) -> dict[str, Any]:
    """A kubeconfig (as a dict) with one cluster, user and context, all called ``name``."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": server_url, "certificate-authority-data": _b64(ca_pem)}},
        ],
        "users": [
            {
                "name": name,
                "user": {"client-certificate-data": _b64(cert_pem), "client-key-data": _b64(key_pem)},
            },
        ],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(kubeconfig: dict[str, Any], path: Path) -> None:
    """Write ``kubeconfig`` as YAML to ``path`` (mode 0600, atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig, default_flow_style=False, sort_keys=False)
    write_atomically(path, text.encode(), mode=0o600)


def write_admin_kubeconfig(pki: ClusterPKI, server_url: str, path: Path) -> None:
    """Write the kubeconfig of the ``kubernetes-admin`` user (group ``system:masters``) to ``path``.

    Blocking (file I/O): call it from a thread in async code.
    """
    kubeconfig = build_kubeconfig(
        server_url=server_url,
        ca_pem=pki.ca_cert.read_bytes(),
        cert_pem=pki.admin_cert.read_bytes(),
        key_pem=pki.admin_key.read_bytes(),
    )
    write_kubeconfig(kubeconfig, path)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
