"""``pinnace up``: an all-in-one cluster on this machine, in the foreground.

Starts every component that exists as a supervised child process, waits for the API server to be
ready, and tells the user where the kubeconfig is. Ctrl-C (SIGINT) or SIGTERM stops everything.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pinnace.cli import supervisor

READY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class UpConfig:
    data_dir: Path
    port: int
    datastore_url: str = ""
    #: Simulated nodes to add (``pinnace hollow-nodes``); until the kubelet exists they are where pods run.
    hollow_nodes: int = 0
    #: Passed to the API server as ``--encryption-provider-config`` (made absolute: children run elsewhere).
    encryption_provider_config: Path | None = None
    #: ``--audit-*`` flags for the API server, paths made absolute (``pinnace.cli.auditflags.forward``).
    apiserver_audit_args: tuple[str, ...] = ()
    #: Admission flags for the API server (``pinnace.cli.admissionflags.forward``).
    apiserver_admission_args: tuple[str, ...] = ()


def _kubeconfig(config: UpConfig, component: str) -> str:
    """Each component runs as itself, with the identity the API server minted for it."""
    return str(config.data_dir / "components" / f"{component}.kubeconfig")


def components(config: UpConfig) -> list[supervisor.Child]:
    """The children of an all-in-one cluster. They start together; each waits for its kubeconfig, which the
    API server writes once it serves."""
    apiserver = ["apiserver", "--data-dir", str(config.data_dir), "--port", str(config.port)]
    if config.datastore_url:
        apiserver += ["--datastore", config.datastore_url]
    if config.encryption_provider_config is not None:
        apiserver += ["--encryption-provider-config", str(config.encryption_provider_config.absolute())]
    apiserver += config.apiserver_audit_args
    apiserver += config.apiserver_admission_args
    controller_manager = ["controller-manager", "--kubeconfig", _kubeconfig(config, "controller-manager")]
    # The csrsigning controller signs with the cluster CA, as kubeadm points kube-controller-manager's
    # --cluster-signing-*-file at /etc/kubernetes/pki/ca.{crt,key}.
    pki = config.data_dir.absolute() / "pki"
    controller_manager += ["--cluster-signing-cert-file", str(pki / "ca.crt")]
    controller_manager += ["--cluster-signing-key-file", str(pki / "ca.key")]
    scheduler = ["scheduler", "--kubeconfig", _kubeconfig(config, "scheduler")]
    children = [
        supervisor.Child("apiserver", apiserver),
        supervisor.Child("controller-manager", controller_manager),
        supervisor.Child("scheduler", scheduler),
    ]
    if config.hollow_nodes > 0:
        hollow = ["hollow-nodes", "--kubeconfig", _kubeconfig(config, "hollow-nodes")]
        children.append(supervisor.Child("hollow-nodes", [*hollow, "--count", str(config.hollow_nodes)]))
    return children


def wait_until_ready(config: UpConfig, deadline: float) -> None:
    """Poll /readyz over HTTPS, trusting only the cluster CA, until it answers ok."""
    ca = config.data_dir / "pki" / "ca.crt"
    url = f"https://127.0.0.1:{config.port}/readyz"
    last_error = "not started"
    while time.monotonic() < deadline:
        if ca.exists():
            try:
                context = ssl.create_default_context(cafile=str(ca))
                with urllib.request.urlopen(url, context=context, timeout=2) as response:
                    if response.read() == b"ok":
                        return
            except (urllib.error.URLError, OSError, ssl.SSLError) as err:
                last_error = str(err)
        time.sleep(0.2)
    raise TimeoutError(f"the API server did not become ready at {url}: {last_error}")


def banner(config: UpConfig) -> str:
    kubeconfig = config.data_dir / "kubeconfig.yaml"
    return (
        f"Pinnace is up: API server https://127.0.0.1:{config.port}\n"
        f"Admin kubeconfig: {kubeconfig}\n"
        f"  export KUBECONFIG={kubeconfig}\n"
        f"  kubectl get --raw /healthz\n"
        f"Press Ctrl-C to stop.\n"
    )


async def run(config: UpConfig) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    children = components(config)
    supervision = asyncio.create_task(supervisor.supervise(children), name="supervisor")
    try:
        await asyncio.to_thread(wait_until_ready, config, time.monotonic() + READY_TIMEOUT_SECONDS)
        sys.stdout.write(banner(config))
        sys.stdout.flush()
        await supervision
    finally:
        supervision.cancel()
        try:
            await supervision
        except asyncio.CancelledError:
            pass
