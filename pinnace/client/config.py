"""Where a component finds the API server and who it is there: kubeconfig files and in-cluster config.

Reproduces the parts of client-go's ``tools/clientcmd`` (kubeconfig loading) and ``rest.InClusterConfig`` that
components use. Certificates and keys end up as PEM bytes in :class:`ClientConfig`, so a config is a value
that can be passed around without touching the file system again; a ``tokenFile`` is remembered as a path
because bound service account tokens rotate (client-go's ``NewCachedFileTokenSource`` re-reads it).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# rest.InClusterConfig reads these (k8s.io/client-go/rest/config.go).
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


class ConfigError(Exception):
    """A kubeconfig or in-cluster environment that does not describe a usable connection."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """How to reach and authenticate to one API server (``rest.Config``).

    ``qps``/``burst`` feed the client-side token bucket (client-go's defaults are 5/10; Pinnace's components
    default higher, as kube-controller-manager and kube-scheduler configure theirs). ``qps <= 0`` turns rate
    limiting off.
    """

    server: str
    ca_data: bytes | None = None
    cert_data: bytes | None = None
    key_data: bytes | None = None
    token: str | None = None
    qps: float = 50.0
    burst: int = 100
    user_agent: str = "pinnace"
    # Additions beyond the brief's fields:
    token_file: Path | None = None  # re-read periodically when set (rotating service account tokens)
    insecure_skip_tls_verify: bool = False
    timeout: float = 60.0  # seconds for a whole non-watch request; watches are bounded by timeoutSeconds
    max_retries: int = 5  # attempts after the first for retriable failures (see rest.py)

    def with_overrides(self, **overrides: Any) -> ClientConfig:
        """A copy with some fields replaced (``user_agent="kube-scheduler"``, ``qps=100``...)."""
        return dataclasses.replace(self, **overrides)


def load_kubeconfig(path: Path, context: str | None = None, **overrides: Any) -> ClientConfig:
    """The connection a kubeconfig file's ``context`` (default: ``current-context``) describes.

    Relative file paths in the kubeconfig are resolved against the kubeconfig's directory, as clientcmd does
    (``ResolvePaths``). ``overrides`` replace :class:`ClientConfig` fields after loading. Blocking file I/O:
    call it before the event loop starts or from a thread.
    """
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read kubeconfig {path}: {err}") from err
    if not isinstance(doc, dict):
        raise ConfigError(f"kubeconfig {path} is not a mapping")
    context_name = context or doc.get("current-context") or ""
    if not context_name:
        raise ConfigError(f"kubeconfig {path} has no current-context and none was given")
    ctx = _named(doc, "contexts", "context", context_name, path)
    cluster = _named(doc, "clusters", "cluster", str(ctx.get("cluster", "")), path)
    user_name = str(ctx.get("user", ""))
    user = _named(doc, "users", "user", user_name, path) if user_name else {}
    base = path.parent
    server = str(cluster.get("server", ""))
    if not server:
        raise ConfigError(f'cluster "{ctx.get("cluster")}" in {path} has no server')
    token_file = _path(base, user.get("tokenFile"))
    token = user.get("token")
    if token is None and token_file is not None:
        token = _read_text(token_file).strip()
    config = ClientConfig(
        server=server.rstrip("/"),
        ca_data=_data_or_file(cluster, "certificate-authority", base),
        cert_data=_data_or_file(user, "client-certificate", base),
        key_data=_data_or_file(user, "client-key", base),
        token=str(token) if token is not None else None,
        token_file=token_file,
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
    )
    return config.with_overrides(**overrides) if overrides else config


def in_cluster_config(
    *,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    **overrides: Any,
) -> ClientConfig:
    """The connection a pod has (``rest.InClusterConfig``): ``https://$KUBERNETES_SERVICE_HOST:$..._PORT``,
    the mounted service account token (re-read as it rotates) and CA."""
    env = os.environ if environ is None else environ
    host, port = env.get("KUBERNETES_SERVICE_HOST", ""), env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError(
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
            "must be defined"
        )
    token_file = service_account_dir / "token"
    token = _read_text(token_file).strip()
    ca_file = service_account_dir / "ca.crt"
    # net.JoinHostPort: an IPv6 literal needs brackets.
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    config = ClientConfig(
        server=f"https://{authority}",
        ca_data=_read_bytes(ca_file) if ca_file.exists() else None,
        token=token,
        token_file=token_file,
    )
    return config.with_overrides(**overrides) if overrides else config


def _named(doc: Mapping[str, Any], section: str, field: str, name: str, path: Path) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(field) or {}
            if not isinstance(value, dict):
                raise ConfigError(f'{field} "{name}" in {path} is not a mapping')
            return value
    raise ConfigError(f'{field} "{name}" not found in kubeconfig {path}')


def _path(base: Path, value: Any) -> Path | None:
    if not value:
        return None
    candidate = Path(str(value)).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _data_or_file(section: Mapping[str, Any], key: str, base: Path) -> bytes | None:
    """``<key>-data`` (base64 PEM) wins over ``<key>`` (a file), as in clientcmd."""
    data = section.get(f"{key}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except ValueError as err:
            raise ConfigError(f"{key}-data is not valid base64: {err}") from err
    file = _path(base, section.get(key))
    return _read_bytes(file) if file is not None else None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err}") from err


def _read_text(path: Path) -> str:
    return _read_bytes(path).decode()


#: How long a component waits for its kubeconfig to appear.
KUBECONFIG_WAIT_SECONDS = 120.0


async def wait_for_kubeconfig(path: Path, seconds: float = KUBECONFIG_WAIT_SECONDS) -> None:
    """Wait until ``path`` exists. Under ``pinnace up`` every component starts at once and the API server
    writes each component's kubeconfig when it serves; polling needs no inotify dependency."""
    try:
        async with asyncio.timeout(seconds):
            while not await asyncio.to_thread(path.exists):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise TimeoutError(f"no kubeconfig at {path} after {seconds:.0f}s") from None
