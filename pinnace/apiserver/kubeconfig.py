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
from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate

DEFAULT_NAME = "pinnace"

#: The identity each built-in component authenticates as (kubeadm's controller-manager.conf, scheduler.conf):
#: file name under ``DATA_DIR/components/`` -> (user, groups).
COMPONENT_IDENTITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "controller-manager": ("system:kube-controller-manager", ()),
    "scheduler": ("system:kube-scheduler", ()),
    # One process plays many nodes, so it is not a node to the Node authorizer: its own user, with the
    # ClusterRole pinnace:hollow-nodes (pinnace.apiserver.rbac.hollownodes), as KWOK's controller has.
    "hollow-nodes": ("system:pinnace:hollow-nodes", ()),
}


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


def component_kubeconfig_path(data_dir: Path, component: str) -> Path:
    return data_dir / "components" / f"{component}.kubeconfig"


def write_component_kubeconfigs(pki: ClusterPKI, server_url: str, data_dir: Path) -> None:
    """Mint a client certificate for each built-in component and write its kubeconfig (mode 0600).

    Re-minted at every start, so a changed port or CA is picked up; components read theirs at their own
    start. Blocking (key generation, file I/O): call it from a thread in async code.
    """
    ca_pem = pki.ca_cert.read_bytes()
    for component, (user, groups) in COMPONENT_IDENTITIES.items():
        certificate = mint_client_certificate(pki, user, groups)
        kubeconfig = build_kubeconfig(
            server_url=server_url,
            ca_pem=ca_pem,
            cert_pem=certificate.cert_pem,
            key_pem=certificate.key_pem,
        )
        write_kubeconfig(kubeconfig, component_kubeconfig_path(data_dir, component))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
