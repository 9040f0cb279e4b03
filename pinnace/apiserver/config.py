"""What an API server is told at start: one frozen value, built by the CLI and passed to ``server.run()``.

Field names follow kube-apiserver's flags (``--bind-address``, ``--secure-port``, ``--token-auth-file``) and
k3s' (``--datastore-endpoint``, ``--tls-san``) so that a reader who knows those finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pinnace.apiserver.admission.options import AdmissionOptions
from pinnace.apiserver.audit.options import AuditOptions
from pinnace.apiserver.authnoptions import AuthenticationOptions

DEFAULT_PORT = 6443


@dataclass(frozen=True, slots=True)
class APIServerConfig:
    """Settings of one API server.

    ``data_dir`` is made absolute, so that the derived paths and the datastore URL do not depend on the
    working directory. An empty ``datastore_url`` means the embedded SQLite store ``DATA_DIR/state.db``.
    """

    data_dir: Path
    bind_address: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    datastore_url: str = ""
    # Extra names for the serving certificate: IP literals become IP SANs, anything else a DNS SAN.
    extra_sans: tuple[str, ...] = ()
    # Static bearer tokens in kube-apiserver's CSV format: token,user,uid,"group1,group2".
    token_auth_file: Path | None = None
    # Service account tokens, API audiences and OIDC (kube-apiserver's other authentication flags).
    authentication: AuthenticationOptions = field(default_factory=AuthenticationOptions)
    # An EncryptionConfiguration (apiserver.config.k8s.io/v1): how resources are encrypted at rest.
    encryption_provider_config: Path | None = None
    # --audit-policy-file and --audit-log-*: what is recorded about each request, and where.
    audit: AuditOptions = field(default_factory=AuditOptions)
    # --enable/--disable-admission-plugins and --admission-control-config-file.
    admission: AdmissionOptions = field(default_factory=AdmissionOptions)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be within 0..65535, got {self.port}")
        # A frozen dataclass fills derived defaults through object.__setattr__; this is the documented way.
        data_dir = Path(self.data_dir).absolute()
        object.__setattr__(self, "data_dir", data_dir)
        if not self.datastore_url:
            object.__setattr__(self, "datastore_url", f"sqlite://{data_dir / 'state.db'}")

    @property
    def kubeconfig_path(self) -> Path:
        """Where the admin kubeconfig is written."""
        return self.data_dir / "kubeconfig.yaml"

    def server_url(self, port: int | None = None) -> str:
        """The URL clients on this machine use: loopback when listening on a wildcard or loopback address.

        ``port`` overrides the configured one (the server passes the port it really bound, which differs
        when the configured port is 0).
        """
        host = self.bind_address
        if host in ("", "0.0.0.0", "::", "127.0.0.1", "localhost"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"https://{host}:{self.port if port is None else port}"
