"""`pinnace up` as a user runs it: starts, says how to connect, restarts a crashed child, stops on Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import kubectl


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def children_of(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except FileNotFoundError:
        return []


def component_pid(up_pid: int, component: str) -> int:
    """The PID of the child running ``pinnace <component>``."""
    (pid,) = [child for child in children_of(up_pid) if component in command_line(child)]
    return pid


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


class Up:
    def __init__(self, data_dir: Path, port: int, *extra: str) -> None:
        self.data_dir = data_dir
        self.port = port
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pinnace.cli.main",
                "up",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = ""
        self._lines: queue.Queue[str] = queue.Queue()
        # A thread drains stdout: the child must never block on a full pipe, and readline blocks.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self._lines.put(line)

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"`pinnace up` did not print {text!r}; it printed:\n{self.output}")
            try:
                self.output += self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self.process.poll() is not None and self._lines.empty():
                    pytest.fail(f"`pinnace up` exited before printing {text!r}:\n{self.output}")
        return self.output

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(10)


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    started = Up(tmp_path / "data", free_port())
    try:
        yield started
    finally:
        children = children_of(started.process.pid)
        started.stop()
        for pid in children:  # only if up itself failed to stop them
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_up_prints_the_kubeconfig_and_kubectl_reaches_the_cluster(up: Up, tmp_path: Path) -> None:
    banner = up.read_until("Press Ctrl-C to stop.")
    kubeconfig = up.data_dir / "kubeconfig.yaml"
    assert f"export KUBECONFIG={kubeconfig}" in banner
    assert f"https://127.0.0.1:{up.port}" in banner
    result = kubectl(kubeconfig, tmp_path / "cache", "get", "--raw", "/healthz")
    assert (result.returncode, result.stdout.strip()) == (0, "ok"), result.stderr


def test_ctrl_c_stops_every_component_and_exits_zero(up: Up) -> None:
    up.read_until("Press Ctrl-C to stop.")
    children = children_of(up.process.pid)
    assert children, "pinnace up runs its components as child processes"
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(30) == 0
    assert not [pid for pid in children if alive(pid)], "a component outlived pinnace up"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", up.port)) != 0, "the API server port is still open"


def test_a_crashed_component_is_restarted(up: Up, tmp_path: Path) -> None:
    up.read_until("Press Ctrl-C to stop.")
    apiserver = component_pid(up.process.pid, "apiserver")
    os.kill(apiserver, signal.SIGKILL)
    up.read_until("restarting in")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = kubectl(up.data_dir / "kubeconfig.yaml", tmp_path / "cache", "get", "--raw", "/readyz")
        if result.returncode == 0:
            break
        time.sleep(0.5)
    assert result.stdout.strip() == "ok", result.stderr
    assert component_pid(up.process.pid, "apiserver") != apiserver


def test_up_runs_the_controller_manager_as_its_own_user(up: Up, tmp_path: Path) -> None:
    up.read_until("Press Ctrl-C to stop.")
    kubeconfig = up.data_dir / "kubeconfig.yaml"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # Leader election: the manager holds the kube-system/kube-controller-manager Lease while it runs.
        result = kubectl(
            kubeconfig,
            tmp_path / "cache",
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-controller-manager",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        )
        if result.returncode == 0 and result.stdout:
            break
        time.sleep(0.5)
    assert result.returncode == 0, result.stderr
    pid = component_pid(up.process.pid, "controller-manager")
    assert result.stdout.endswith(f"_{pid}")


def test_up_with_hollow_nodes_runs_a_deployment_end_to_end(tmp_path: Path) -> None:
    """The whole control plane: the Deployment and ReplicaSet controllers create pods, the scheduler binds
    them, hollow nodes run them."""
    started = Up(tmp_path / "data", free_port(), "--hollow-nodes", "2")
    try:
        started.read_until("Press Ctrl-C to stop.")
        kubeconfig, cache = started.data_dir / "kubeconfig.yaml", tmp_path / "cache"
        created = kubectl(
            kubeconfig, cache, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=3"
        )
        assert created.returncode == 0, created.stderr
        rollout = kubectl(
            kubeconfig, cache, "rollout", "status", "deployment/web", "--timeout=90s", timeout=120
        )
        assert rollout.returncode == 0, rollout.stderr + rollout.stdout
        pods = kubectl(
            kubeconfig,
            cache,
            "get",
            "pods",
            "-l",
            "app=web",
            "-o",
            "jsonpath={range .items[*]}{.status.phase} {.spec.nodeName}{'\\n'}{end}",
        )
        lines = pods.stdout.split()
        assert lines.count("Running") == 3, pods.stdout
        assert {word for word in lines if word.startswith("hollow-node-")} <= {
            "hollow-node-0",
            "hollow-node-1",
        }
    finally:
        children = children_of(started.process.pid)
        started.stop()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
