"""Scale benchmark: how fast N hollow nodes become Ready and P pods reach Running, through the API.

    .venv/bin/python bench/scale.py [--nodes 5000] [--pods 10000] [--rounds 3] [--quick] [--json FILE]

Each round starts a fresh ``pinnace apiserver`` (SQLite, a temporary data dir, a free loopback port) and
measures, with the same client code the components use (``pinnace.client.RestClient``):

1. **nodes Ready**: from starting ``pinnace hollow-nodes --count N`` (a child process, its own identity,
   64 requests in flight) until a watch shows all N Nodes with Ready=True. Includes the process start
   (Python imports, ~0.5 s).
2. **pods Running**, in one of two modes (``--mode``, default ``auto``):
   - ``deployment``: a Deployment of P replicas, scheduled by ``pinnace scheduler`` and scaled by the
     controller manager's deployment and replicaset controllers; from its creation until a watch shows P
     pods Running. ``auto`` picks it when the scheduler command and both controllers exist;
   - ``direct``: the benchmark creates the P pods and binds each through ``pods/binding`` to a hollow node
     (round-robin) as fast as 64 lanes allow, and the hollow nodes mark them Running; from the first create
     until P pods are Running.
3. **steady state** for S seconds after that: Lease writes/s seen by a watch on ``kube-node-lease`` (N/10
   are needed: every node renews every 10 s), and the CPU% of the hollow-nodes process and of the API
   server, read from ``/proc/PID/stat``.
4. **baselines**, measured in the same round at the same concurrency (64): on a fresh API server of their
   own started first (as empty as the one the hollow nodes meet), N raw Node creates by the benchmark and
   then Lease updates as fast as it can send them for S seconds; and in direct mode the benchmark's own
   create+bind time. ``nodes Ready / raw creates`` and ``pods Running / create+bind`` say what the
   simulation costs on top of the API writes it cannot avoid; ``steady Lease writes / raw Lease updates``
   whether the hollow process or the API server limits the renewal rate.

Figures are medians over rounds. A plot of Ready nodes and Running pods over time (the last round) is
written next to the JSON as SVG when ``--json`` is given. Machines are shared and small (the API server,
the hollow process and this client share the cores), so compare ratios within a run, not absolute numbers
across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Results

from pinnace.client.config import load_kubeconfig
from pinnace.client.errors import AlreadyExists, ApiError, ConnectionFailed
from pinnace.client.informer import Informer
from pinnace.client.interface import Object
from pinnace.client.resources import DEPLOYMENTS, LEASES, NAMESPACES, NODES, PODS, SERVICEACCOUNTS
from pinnace.client.rest import RestClient
from pinnace.hollow.config import HollowConfig
from pinnace.hollow.ipam import node_addresses
from pinnace.hollow.nodeobjects import HOLLOW_LABEL, build_lease, build_node

REPO = Path(__file__).resolve().parent.parent
PINNACE = (sys.executable, "-m", "pinnace.cli.main")
CONCURRENCY = 64
NAMESPACE = "bench-scale"
START_SECONDS = 60.0
STOP_SECONDS = 15.0
PHASE_TIMEOUT_SECONDS = 3600.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SVG_POINTS = 400


@dataclass(frozen=True)
class Scale:
    nodes: int
    pods: int
    rounds: int
    steady_seconds: float


FULL = Scale(nodes=5000, pods=10_000, rounds=3, steady_seconds=30.0)
QUICK = Scale(nodes=100, pods=200, rounds=1, steady_seconds=5.0)


# --- processes --------------------------------------------------------------------------------------------


@dataclass
class Child:
    """A process this benchmark started; only ever signalled by its own PID."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float

    @classmethod
    def start(cls, name: str, argv: list[str], log_path: Path) -> Child:
        with log_path.open("ab") as log:
            started = time.monotonic()
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        print(f"started {name} pid={process.pid}", file=sys.stderr, flush=True)
        return cls(name, process, log_path, started)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (``/proc/PID/stat`` fields 14 and 15)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it has not exited after STOP_SECONDS."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def component_available(name: str) -> bool:
    from pinnace.cli.main import COMPONENT_COMMANDS

    return name in COMPONENT_COMMANDS


def controllers_available(*names: str) -> bool:
    from pinnace.controllers.registry import CONTROLLER_MODULES

    return all(name in CONTROLLER_MODULES for name in names)


# --- watching for a condition over many objects ------------------------------------------------------------


@dataclass
class Progress:
    """How many objects satisfy a predicate, over time, and when ``target`` of them first did."""

    target: int
    started: float
    timeline: list[tuple[float, int]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    reached_at: float | None = None


def track(informer: Informer, predicate: Callable[[Object], bool], progress: Progress) -> None:
    satisfied: set[str] = set()

    def observe(obj: Object) -> None:
        metadata = obj.get("metadata") or {}
        key = f"{metadata.get('namespace', '')}/{metadata.get('name')}"
        before = len(satisfied)
        if predicate(obj):
            satisfied.add(key)
        else:
            satisfied.discard(key)
        if len(satisfied) != before:
            now = time.monotonic()
            progress.timeline.append((now - progress.started, len(satisfied)))
            if len(satisfied) >= progress.target and progress.reached_at is None:
                progress.reached_at = now
                progress.done.set()

    informer.add_handler(observe, lambda old, new: observe(new), lambda obj: observe({**obj, "status": {}}))


def node_ready(node: Object) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def pod_running(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


async def until(progress: Progress, what: str, children: list[Child]) -> float:
    """Seconds from ``progress.started`` until its target was reached (watching the children meanwhile)."""
    deadline = time.monotonic() + PHASE_TIMEOUT_SECONDS
    while not progress.done.is_set():
        for child in children:
            child.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not reached after {PHASE_TIMEOUT_SECONDS}s")
        try:
            async with asyncio.timeout(0.5):
                await progress.done.wait()
        except TimeoutError:
            pass
    assert progress.reached_at is not None
    return progress.reached_at - progress.started


async def lanes(total: int, op: Callable[[int], Awaitable[object]]) -> float:
    """Run ``op(i)`` for every i on CONCURRENCY lanes; seconds taken."""
    started = time.monotonic()

    async def lane(first: int) -> None:
        for index in range(first, total, CONCURRENCY):
            await op(index)

    await asyncio.gather(*(lane(i) for i in range(min(CONCURRENCY, total))))
    return time.monotonic() - started


# --- objects ---------------------------------------------------------------------------------------------


def pod_template() -> Object:
    return {
        "metadata": {"labels": {"app": "bench-scale"}},
        "spec": {
            "containers": [
                {
                    "name": "pause",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }
            ],
            "terminationGracePeriodSeconds": 0,
        },
    }


def deployment(replicas: int) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bench-scale", "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "bench-scale"}},
            "template": pod_template(),
        },
    }


# --- one round ---------------------------------------------------------------------------------------------


@dataclass
class Round:
    figures: dict[str, tuple[str, float]] = field(default_factory=dict)  # name -> (column, value)
    nodes_timeline: list[tuple[float, int]] = field(default_factory=list)
    pods_timeline: list[tuple[float, int]] = field(default_factory=list)

    def put(self, column: str, name: str, value: float) -> None:
        self.figures[f"{column}\0{name}"] = (column, value)


async def wait_serving(client: RestClient, apiserver: Child) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        apiserver.check_alive()
        try:
            await client.get(NAMESPACES, "kube-node-lease")
            return
        except (ApiError, ConnectionFailed) as err:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"API server not serving after {START_SECONDS}s:\n{apiserver.log_tail()}"
                ) from err
            await asyncio.sleep(0.2)


async def measure_round(
    scale: Scale, mode: str, root: Path, data_dir: Path, apiserver: Child, result: Round
) -> Round:
    admin = RestClient(load_kubeconfig(data_dir / "kubeconfig.yaml", qps=0, user_agent="bench-scale"))
    children: list[Child] = [apiserver]
    components: list[Child] = []
    try:
        await wait_serving(admin, apiserver)
        await admin.create(NAMESPACES, {"metadata": {"name": NAMESPACE}})
        # ServiceAccount admission wants it; the serviceaccount controller may not run (direct mode).
        with contextlib.suppress(AlreadyExists):
            await admin.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": NAMESPACE}})
        async with asyncio.TaskGroup() as group:
            nodes_informer = Informer(admin, NODES, label_selector=f"{HOLLOW_LABEL}=true")
            nodes_progress = Progress(scale.nodes, time.monotonic())
            track(nodes_informer, node_ready, nodes_progress)
            pods_informer = Informer(admin, PODS, namespace=NAMESPACE)
            pods_progress = Progress(scale.pods, time.monotonic())
            track(pods_informer, pod_running, pods_progress)
            tasks = [group.create_task(nodes_informer.run()), group.create_task(pods_informer.run())]
            await nodes_informer.wait_synced()
            await pods_informer.wait_synced()
            try:
                if mode == "deployment":
                    components += start_control_plane(data_dir, root)
                    children += components
                # Nodes Ready ------------------------------------------------------------------------------
                hollow = Child.start(
                    "hollow-nodes",
                    [
                        *PINNACE,
                        "hollow-nodes",
                        "--kubeconfig",
                        str(data_dir / "components" / "hollow-nodes.kubeconfig"),
                        "--count",
                        str(scale.nodes),
                        "--concurrency",
                        str(CONCURRENCY),
                        "--stats-interval",
                        "10",
                    ],
                    root / "hollow-nodes.log",
                )
                children.append(hollow)
                components.append(hollow)
                nodes_progress.started = hollow.started
                seconds = await until(nodes_progress, f"{scale.nodes} nodes Ready", children)
                result.put("hollow", f"{scale.nodes} nodes Ready s", seconds)
                print(f"{scale.nodes} hollow nodes Ready in {seconds:.1f}s", file=sys.stderr, flush=True)
                # Pods Running -----------------------------------------------------------------------------
                pods_progress.started = time.monotonic()
                if mode == "deployment":
                    await admin.create(DEPLOYMENTS, deployment(scale.pods))
                else:
                    created = await create_and_bind(admin, scale)
                    result.put("baseline", f"{scale.pods} pods Running s", created)
                seconds = await until(pods_progress, f"{scale.pods} pods Running", children)
                result.put("hollow", f"{scale.pods} pods Running s", seconds)
                print(f"{scale.pods} pods Running in {seconds:.1f}s ({mode})", file=sys.stderr, flush=True)
                # Steady state -----------------------------------------------------------------------------
                await steady_state(admin, scale, hollow, apiserver, result)
            finally:
                for task in tasks:
                    task.cancel()
        result.nodes_timeline = nodes_progress.timeline
        result.pods_timeline = pods_progress.timeline
        return result
    finally:
        for component in reversed(components):
            component.stop()
        await admin.close()


async def measure_baseline(scale: Scale, data_dir: Path, apiserver: Child, result: Round) -> None:
    """On an API server of its own, as empty as the hollow nodes found theirs: N raw Node creates at the same
    concurrency, then N Leases (untimed) renewed as fast as 64 lanes go for the steady-state window."""
    admin = RestClient(load_kubeconfig(data_dir / "kubeconfig.yaml", qps=0, user_agent="bench-scale"))
    try:
        await wait_serving(admin, apiserver)
        config = HollowConfig(kubeconfig=Path("unused"), count=scale.nodes)
        nodes: list[Object] = []

        async def create_node(index: int) -> None:
            addresses = node_addresses(config.node_cidr, config.cluster_cidr, index)
            nodes.append(await admin.create(NODES, build_node(config, index, addresses, _now())))

        seconds = await lanes(scale.nodes, create_node)
        result.put("baseline", f"{scale.nodes} nodes Ready s", seconds)
        print(f"baseline: {scale.nodes} raw Node creates in {seconds:.1f}s", file=sys.stderr, flush=True)

        async def create_lease(index: int) -> None:
            node = nodes[index]
            lease = build_lease(node["metadata"]["name"], node["metadata"]["uid"], _now(), 40)
            await admin.create(LEASES, lease)

        await lanes(len(nodes), create_lease)
        rate = await lease_update_capacity(admin, scale.steady_seconds)
        result.put("baseline", "steady Lease writes/s", rate)
        print(f"baseline: raw Lease updates {rate:.0f}/s", file=sys.stderr, flush=True)
    finally:
        await admin.close()


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def start_control_plane(data_dir: Path, root: Path) -> list[Child]:
    scheduler = Child.start(
        "scheduler",
        [
            *PINNACE,
            "scheduler",
            "--kubeconfig",
            str(data_dir / "components" / "scheduler.kubeconfig"),
            # One instance: an overloaded API server must not end the run by a lost leader election.
            "--no-leader-elect",
        ],
        root / "scheduler.log",
    )
    manager = Child.start(
        "controller-manager",
        [
            *PINNACE,
            "controller-manager",
            "--kubeconfig",
            str(data_dir / "components" / "controller-manager.kubeconfig"),
            "--controllers",
            "deployment,replicaset",
            "--no-leader-elect",
        ],
        root / "controller-manager.log",
    )
    return [scheduler, manager]


async def create_and_bind(client: RestClient, scale: Scale) -> float:
    """Create and bind every pod at full speed (the scheduler's and controllers' writes, done directly)."""

    async def one(index: int) -> None:
        name = f"pod-{index}"
        body = {"apiVersion": "v1", "kind": "Pod", **pod_template()}
        body["metadata"] = {**body["metadata"], "name": name, "namespace": NAMESPACE}
        await client.create(PODS, body)
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "target": {"apiVersion": "v1", "kind": "Node", "name": f"hollow-node-{index % scale.nodes}"},
        }
        await client.create(PODS, binding, NAMESPACE, subresource="binding", name=name)

    return await lanes(scale.pods, one)


async def steady_state(
    client: RestClient, scale: Scale, hollow: Child, apiserver: Child, result: Round
) -> None:
    writes = 0
    listed = await client.list(LEASES, "kube-node-lease", limit=1)
    version = str(listed["metadata"]["resourceVersion"])

    async def count() -> None:
        nonlocal writes
        async for event in client.watch(LEASES, "kube-node-lease", resource_version=version):
            if event.type in ("ADDED", "MODIFIED"):
                writes += 1

    watcher = asyncio.create_task(count())
    try:
        await asyncio.sleep(1.0)  # let the watch start before the window opens
        start_writes, hollow_cpu, server_cpu, started = (
            writes,
            hollow.cpu_seconds(),
            apiserver.cpu_seconds(),
            time.monotonic(),
        )
        await asyncio.sleep(scale.steady_seconds)
        seconds = time.monotonic() - started
        result.put("hollow", "steady Lease writes/s", (writes - start_writes) / seconds)
        result.put("hollow", "Lease writes/s needed (one per node per 10 s)", scale.nodes / 10.0)
        result.put("hollow", "steady hollow-nodes CPU %", 100 * (hollow.cpu_seconds() - hollow_cpu) / seconds)
        result.put("hollow", "steady apiserver CPU %", 100 * (apiserver.cpu_seconds() - server_cpu) / seconds)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def lease_update_capacity(client: RestClient, seconds: float) -> float:
    """Lease updates/s the API server takes from 64 lanes renewing the hollow nodes' Leases as fast as they
    can, with nothing else running: the most the hollow process could get."""
    leases = (await client.list(LEASES, "kube-node-lease"))["items"]
    if not leases:
        return 0.0
    done = 0
    stop_at = time.monotonic() + seconds
    width = min(CONCURRENCY, len(leases))

    async def lane(first: int) -> None:
        nonlocal done
        mine = range(first, len(leases), width)  # each lane renews its own Leases: no conflicts
        turn = 0
        while time.monotonic() < stop_at:
            index = mine[turn % len(mine)]
            lease = leases[index]
            spec = {**lease["spec"], "renewTime": _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            leases[index] = await client.update(LEASES, {**lease, "spec": spec})
            done += 1
            turn += 1

    started = time.monotonic()
    await asyncio.gather(*(lane(i) for i in range(width)))
    return done / (time.monotonic() - started)


# --- rounds, report ---------------------------------------------------------------------------------------


def start_apiserver(root: Path, name: str) -> tuple[Child, Path]:
    data_dir = root / name
    apiserver = Child.start(
        "apiserver", [*PINNACE, "apiserver", "--data-dir", str(data_dir), "--port", "0"], root / f"{name}.log"
    )
    deadline = time.monotonic() + START_SECONDS
    while not (data_dir / "kubeconfig.yaml").exists():
        apiserver.check_alive()
        if time.monotonic() > deadline:
            apiserver.stop()
            raise RuntimeError(f"no kubeconfig after {START_SECONDS}s:\n{apiserver.log_tail()}")
        time.sleep(0.05)
    return apiserver, data_dir


def run(scale: Scale, mode: str) -> tuple[Results, Round]:
    rounds: list[Round] = []
    for number in range(scale.rounds):
        with tempfile.TemporaryDirectory(prefix="pinnace-bench-scale-") as tmp:
            root = Path(tmp)
            print(f"round {number + 1}/{scale.rounds} in {root}", file=sys.stderr, flush=True)
            servers: list[Child] = []
            try:
                apiserver, data_dir = start_apiserver(root, "baseline")
                servers.append(apiserver)
                result = Round()
                asyncio.run(measure_baseline(scale, data_dir, apiserver, result))
                apiserver.stop()
                apiserver, data_dir = start_apiserver(root, "apiserver")
                servers.append(apiserver)
                rounds.append(asyncio.run(measure_round(scale, mode, root, data_dir, apiserver, result)))
            except BaseException:
                for log in sorted(root.glob("*.log")):
                    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                    print(f"--- {log.name} (tail) ---\n{tail}", file=sys.stderr)
                raise
            finally:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up
                for server in servers:
                    server.stop()
                signal.signal(signal.SIGTERM, signal.default_int_handler)
    results = Results()
    for key in rounds[0].figures:
        column, _ = rounds[0].figures[key]
        name = key.split("\0", 1)[1]
        results.put(column, name, statistics.median(r.figures[key][1] for r in rounds))
    return results, rounds[-1]


def report(results: Results, mode: str, scale: Scale) -> str:
    title = f"figure (median of {scale.rounds} rounds)"
    header = f"{title:44}{'hollow':>12}{'baseline':>12}{'ratio':>10}"
    lines = [header, "-" * len(header)]
    for name, columns in results.figures.items():
        hollow, baseline = columns.get("hollow"), columns.get("baseline")
        row = f"{name:44}" + "".join(
            f"{v:>12.2f}" if v is not None else f"{'':>12}" for v in (hollow, baseline)
        )
        if hollow is not None and baseline:
            row += f"{hollow / baseline:>10.2f}"
        lines.append(row)
    pods_baseline = (
        "the benchmark's own create+bind of every pod (64 lanes)"
        if mode == "direct"
        else "none (the Deployment path has no comparable raw write)"
    )
    lines += [
        "",
        f"mode: {mode} — "
        + (
            "pods created and bound by the benchmark through pods/binding, marked Running by the hollow nodes"
            if mode == "direct"
            else "a Deployment scaled by the controllers, scheduled by the scheduler, run by the hollow nodes"
        ),
        f"baselines: nodes — {scale.nodes} raw Node creates by the benchmark at the same concurrency (64); "
        f"pods — {pods_baseline}; Lease writes — the benchmark's own updates of N Leases as fast as 64 lanes "
        "go, with nothing else running (what the API server can take). Baselines use a fresh API server.",
    ]
    return "\n".join(lines)


def write_svg(path: Path, last: Round, scale: Scale) -> None:
    """Two panels, each on its own time axis: Ready nodes and Running pods against seconds since their
    phase started (the last round), at most SVG_POINTS points each."""
    panel, height, pad = 360, 300, 44
    panels = [
        (f"{scale.nodes} nodes Ready", last.nodes_timeline, scale.nodes, "#1f77b4"),
        (f"{scale.pods} pods Running", last.pods_timeline, scale.pods, "#d62728"),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * panel}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{2 * panel}" height="{height}" fill="white"/>',
    ]
    for number, (label, timeline, target, colour) in enumerate(panels):
        left, right, top, bottom = number * panel + pad, (number + 1) * panel - 12, 28, height - pad
        span = max((t for t, _ in timeline), default=1.0) or 1.0
        step = max(1, len(timeline) // SVG_POINTS)
        sampled = [(0.0, 0), *timeline[::step], *timeline[-1:]]
        points = " ".join(
            f"{left + (right - left) * t / span:.1f},{bottom - (bottom - top) * n / max(target, 1):.1f}"
            for t, n in sampled
        )
        parts += [
            f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="black"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>',
            f'<text x="{left}" y="{top - 10}" fill="{colour}">{label} (fraction done)</text>',
            f'<text x="{(left + right) / 2}" y="{height - 14}" text-anchor="middle">'
            f"seconds (0 to {span:.1f})</text>",
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>',
        ]
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 nodes, 200 pods, one round (a smoke test)")
    parser.add_argument("--nodes", type=int, help=f"hollow nodes (default {FULL.nodes})")
    parser.add_argument("--pods", type=int, help=f"pods (default {FULL.pods})")
    parser.add_argument("--rounds", type=int, help=f"rounds (default {FULL.rounds})")
    parser.add_argument("--steady-seconds", type=float, help="length of the steady-state window")
    parser.add_argument("--mode", choices=("auto", "deployment", "direct"), default="auto")
    parser.add_argument(
        "--json", type=Path, help="also write the figures as JSON (and a .svg plot beside it)"
    )
    args = parser.parse_args()
    base = QUICK if args.quick else FULL
    scale = Scale(
        nodes=args.nodes or base.nodes,
        pods=args.pods or base.pods,
        rounds=args.rounds or base.rounds,
        steady_seconds=args.steady_seconds or base.steady_seconds,
    )
    mode = args.mode
    if mode == "auto":
        ready = component_available("scheduler") and controllers_available("deployment", "replicaset")
        mode = "deployment" if ready else "direct"
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM unwinds like Ctrl-C
    try:
        results, last = run(scale, mode)
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        return 130
    print(report(results, mode, scale))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {"mode": mode, "nodes": scale.nodes, "pods": scale.pods, "rounds": scale.rounds}
        args.json.write_text(json.dumps({**document, "figures": results.figures}, indent=2, sort_keys=True))
        write_svg(args.json.with_suffix(".svg"), last, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
