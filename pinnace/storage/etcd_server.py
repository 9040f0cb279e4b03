"""Run Debian's ``etcd`` binary as a child process on loopback (tests, benchmarks, single machine).

The HA issue will grow this into a multi-member launcher with TLS; today it starts one member with
a private data dir on free 127.0.0.1 ports and stops exactly the process it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EtcdServer:
    """One etcd member on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(
        self, data_dir: Path, *, binary: str = "etcd", quota_bytes: int = 0, progress_interval: str = "1s"
    ) -> None:
        self.data_dir = Path(data_dir)
        # Watch progress notifications tell a quiet watch how current it is (the store's PROGRESS
        # events); etcd's default of 10 minutes is far too slow for a watch cache.
        self.progress_interval = progress_interval
        self.binary = binary
        self.quota_bytes = quota_bytes
        self.client_port = 0
        self.peer_port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.client_port}"

    @property
    def url(self) -> str:
        return f"etcd://{self.endpoint}"

    def start(self, timeout: float = 20.0) -> EtcdServer:
        if shutil.which(self.binary) is None:
            raise RuntimeError(
                f"{self.binary!r} not found on PATH: install Debian's etcd-server (make system-deps)"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.client_port, self.peer_port = free_port(), free_port()
        client_url = f"http://127.0.0.1:{self.client_port}"
        peer_url = f"http://127.0.0.1:{self.peer_port}"
        args = [
            self.binary,
            "--name", "pinnace-test",
            "--data-dir", str(self.data_dir / "etcd"),
            "--listen-client-urls", client_url,
            "--advertise-client-urls", client_url,
            "--listen-peer-urls", peer_url,
            "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"pinnace-test={peer_url}",
            "--experimental-watch-progress-notify-interval", self.progress_interval,
            "--log-level", "error",
            "--logger", "zap",
        ]  # fmt: skip
        if self.quota_bytes:
            args += ["--quota-backend-bytes", str(self.quota_bytes)]
        log = open(self.data_dir / "etcd.log", "ab")
        env = {**os.environ, "ETCD_UNSUPPORTED_ARCH": os.environ.get("ETCD_UNSUPPORTED_ARCH", "")}
        self.process = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"etcd exited with {self.process.returncode}; see {self.data_dir / 'etcd.log'}"
                )
            try:
                with urllib.request.urlopen(f"{client_url}/health", timeout=1) as response:
                    if b'"true"' in response.read():
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"etcd did not become healthy in {timeout}s; see {self.data_dir / 'etcd.log'}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EtcdServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
