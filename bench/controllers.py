"""Workload controllers benchmark: a Deployment of N replicas created, made available and rolled.

    .venv/bin/python bench/controllers.py [--replicas 1000] [--rounds 3] [--quick] [--json FILE]

Each round starts a fresh ``pinnace apiserver`` (SQLite, a temporary data dir, a free loopback port) and
``pinnace controller-manager --controllers deployment,replicaset`` (its own identity and its default client
limits: 50 requests/s, bursts of 100), then measures from the benchmark's own client:

1. **created**: from the Deployment's creation until a watch has seen all N pods (the Deployment controller
   makes the ReplicaSet, the ReplicaSet controller creates the pods in slow-start batches, at most 500 per
   sync); pods created per second = N / that time;
2. **available**: until the Deployment reports N available replicas. There is no kubelet: a fake one in the
   benchmark (64 lanes) marks every pod Running and Ready through the status subresource as soon as it
   appears, so this adds the status writes and the controllers' status bookkeeping;
3. **rolled**: a new image in the template, until the rollout is complete (N updated, N available, the old
   ReplicaSet at zero), with the default 25% surge / 25% unavailable: N new pods created, N old deleted.

Baselines in the same round, after the controller manager stopped, at the same concurrency (64 lanes):
N raw pod creates by the benchmark with no client-side limit, and with the controller manager's limits
(50/s, burst 100). ``created / limited raw creates`` near 1 means the controllers cost little beyond the
request budget they are given; the unlimited baseline is what the API server itself can take.

Figures are medians over rounds; with ``--json`` a plot of pods created and Ready over time (last round)
is written beside the JSON as SVG. Machines are shared and small (the API server, the controller manager and
this client share the cores), so compare ratios within a run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from apiserver import Child, wait_for_file
from measure import Results

from pinnace.client.config import load_kubeconfig
from pinnace.client.errors import ApiError, ConnectionFailed
from pinnace.client.informer import Informer
from pinnace.client.interface import Object
from pinnace.client.resources import DEPLOYMENTS, NAMESPACES, PODS
from pinnace.client.rest import RestClient

PINNACE = [sys.executable, "-m", "pinnace.cli.main"]
CONCURRENCY = 64
NAMESPACE = "bench-controllers"
PHASE_TIMEOUT_SECONDS = 900.0
# The controller manager's RestClient defaults (pinnace.client.config.ClientConfig).
MANAGER_QPS, MANAGER_BURST = 50.0, 100
CONTROLLERS, BASELINE, LIMITED = "controllers", "raw creates", "raw creates at 50/s"


@dataclass(frozen=True)
class Scale:
    replicas: int
    rounds: int


FULL = Scale(replicas=1000, rounds=3)
QUICK = Scale(replicas=100, rounds=1)


def template(image: str) -> Object:
    return {
        "metadata": {"labels": {"app": "bench"}},
        "spec": {
            "containers": [{"name": "app", "image": image, "resources": {"requests": {"cpu": "10m"}}}],
            "terminationGracePeriodSeconds": 0,
        },
    }


def deployment(replicas: int) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bench", "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "bench"}},
            "template": template("registry.k8s.io/pause:3.9"),
        },
    }


@dataclass
class Round:
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    created: list[tuple[float, int]] = field(default_factory=list)
    ready: list[tuple[float, int]] = field(default_factory=list)

    def put(self, column: str, name: str, value: float) -> None:
        self.figures.setdefault(name, {})[column] = value


class FakeKubelet:
    """Marks every pod of the namespace Running and Ready through the status subresource, on 64 lanes,
    and records how many pods exist and are Ready over time."""

    def __init__(self, client: RestClient, started: float) -> None:
        self.client = client
        self.started = started
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.seen: set[str] = set()
        self.ready: set[str] = set()
        self.created_timeline: list[tuple[float, int]] = []
        self.ready_timeline: list[tuple[float, int]] = []

    def observe(self, pod: Object) -> None:
        name = pod["metadata"]["name"]
        now = time.monotonic() - self.started
        if name not in self.seen:
            self.seen.add(name)
            self.created_timeline.append((now, len(self.seen)))
            self.queue.put_nowait(name)
        conditions = (pod.get("status") or {}).get("conditions") or []
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            if name not in self.ready:
                self.ready.add(name)
                self.ready_timeline.append((now, len(self.ready)))

    def gone(self, pod: Object) -> None:
        name = pod["metadata"]["name"]
        self.seen.discard(name)
        self.ready.discard(name)

    async def lane(self) -> None:
        while True:
            name = await self.queue.get()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            status = {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": stamp}],
            }
            try:
                await self.client.patch(PODS, name, {"status": status}, NAMESPACE, subresource="status")
            except ApiError:
                pass  # deleted meanwhile (a scale-down during the rollout)


async def wait_for(what: str, condition: Callable[[], bool], children: list[Child]) -> None:
    deadline = time.monotonic() + PHASE_TIMEOUT_SECONDS
    while not condition():
        for child in children:
            child.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not reached after {PHASE_TIMEOUT_SECONDS}s")
        await asyncio.sleep(0.02)


async def lanes(total: int, op: Callable[[int], Awaitable[object]]) -> float:
    started = time.monotonic()

    async def lane(first: int) -> None:
        for index in range(first, total, CONCURRENCY):
            await op(index)

    await asyncio.gather(*(lane(i) for i in range(min(CONCURRENCY, total))))
    return time.monotonic() - started


async def raw_creates(client: RestClient, namespace: str, count: int) -> float:
    await client.create(NAMESPACES, {"metadata": {"name": namespace}})

    async def one(index: int) -> None:
        body = {"apiVersion": "v1", "kind": "Pod", **template("registry.k8s.io/pause:3.9")}
        body["metadata"] = {**body["metadata"], "name": f"raw-{index}", "namespace": namespace}
        await client.create(PODS, body, namespace)

    return await lanes(count, one)


def rollout_complete(d: Object | None, replicas: int) -> bool:
    if d is None:
        return False
    status = d.get("status") or {}
    return (
        int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation") or 0)
        and status.get("updatedReplicas") == replicas
        and status.get("replicas") == replicas
        and status.get("availableReplicas") == replicas
    )


async def wait_serving(client: RestClient, apiserver: Child) -> None:
    deadline = time.monotonic() + 60.0
    while True:
        apiserver.check_alive()
        try:
            await client.list(NAMESPACES, limit=1)
            return
        except (ApiError, ConnectionFailed):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def measure(scale: Scale, root: Path, data_dir: Path, apiserver: Child) -> Round:
    result = Round()
    n = scale.replicas
    kubeconfig = data_dir / "kubeconfig.yaml"
    admin = RestClient(load_kubeconfig(kubeconfig, qps=0, user_agent="bench-controllers"))
    manager: Child | None = None
    try:
        await wait_serving(admin, apiserver)
        await admin.create(NAMESPACES, {"metadata": {"name": NAMESPACE}})
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
        children = [apiserver, manager]
        pods = Informer(admin, PODS, namespace=NAMESPACE)
        deployments = Informer(admin, DEPLOYMENTS, namespace=NAMESPACE)
        kubelet = FakeKubelet(admin, time.monotonic())
        pods.add_handler(kubelet.observe, lambda old, new: kubelet.observe(new), kubelet.gone)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(pods.run()), group.create_task(deployments.run())]
            tasks += [group.create_task(kubelet.lane()) for _ in range(CONCURRENCY)]
            try:
                await pods.wait_synced()
                await deployments.wait_synced()
                await asyncio.sleep(2.0)  # the controller manager's informers list and sync
                kubelet.started = started = time.monotonic()
                await admin.create(DEPLOYMENTS, deployment(n))
                await wait_for(f"{n} pods created", lambda: len(kubelet.seen) >= n, children)
                created = time.monotonic() - started
                result.put(CONTROLLERS, f"{n} pods created s", created)
                result.put(CONTROLLERS, "pods created /s", n / created)

                def current() -> Object | None:
                    return deployments.indexer.list()[0] if len(deployments.indexer) else None

                await wait_for("all available", lambda: rollout_complete(current(), n), children)
                result.put(CONTROLLERS, f"{n} replicas available s", time.monotonic() - started)
                result.created, result.ready = list(kubelet.created_timeline), list(kubelet.ready_timeline)
                print(
                    f"created in {created:.1f}s, available after {time.monotonic() - started:.1f}s",
                    file=sys.stderr,
                )
                rolled_from = time.monotonic()
                patch = {"spec": {"template": template("registry.k8s.io/pause:3.10")}}
                await admin.patch(DEPLOYMENTS, "bench", patch, NAMESPACE, patch_type="strategic")
                await asyncio.sleep(0.1)
                await wait_for("rolling update", lambda: rollout_complete(current(), n), children)
                rolled = time.monotonic() - rolled_from
                result.put(CONTROLLERS, f"rolling update of {n} s", rolled)
                print(f"rolled in {rolled:.1f}s", file=sys.stderr)
            finally:
                for task in tasks:
                    task.cancel()
        manager.stop()
        # Baselines: nothing else runs now.
        seconds = await raw_creates(admin, "bench-raw", n)
        result.put(BASELINE, f"{n} pods created s", seconds)
        result.put(BASELINE, "pods created /s", n / seconds)
        limited = RestClient(
            load_kubeconfig(kubeconfig, qps=MANAGER_QPS, burst=MANAGER_BURST, user_agent="bench-limited")
        )
        try:
            seconds = await raw_creates(limited, "bench-raw-limited", n)
        finally:
            await limited.close()
        result.put(LIMITED, f"{n} pods created s", seconds)
        result.put(LIMITED, "pods created /s", n / seconds)
        return result
    finally:
        if manager is not None:
            manager.stop()
        await admin.close()


def run(scale: Scale) -> tuple[Results, Round]:
    rounds: list[Round] = []
    for number in range(scale.rounds):
        with tempfile.TemporaryDirectory(prefix="pinnace-bench-controllers-") as tmp:
            root = Path(tmp)
            data_dir = root / "data"
            print(f"round {number + 1}/{scale.rounds} in {root}", file=sys.stderr, flush=True)
            apiserver = Child.start(
                "apiserver",
                [*PINNACE, "apiserver", "--data-dir", str(data_dir), "--port", "0"],
                root / "apiserver.log",
            )
            try:
                wait_for_file(data_dir / "kubeconfig.yaml", apiserver)
                rounds.append(asyncio.run(measure(scale, root, data_dir, apiserver)))
            except BaseException:
                for log in sorted(root.glob("*.log")):
                    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                    print(f"--- {log.name} (tail) ---\n{tail}", file=sys.stderr)
                raise
            finally:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up
                apiserver.stop()
                signal.signal(signal.SIGTERM, signal.default_int_handler)
    results = Results()
    for name, columns in rounds[0].figures.items():
        for column in columns:
            results.put(column, name, statistics.median(r.figures[name][column] for r in rounds))
    return results, rounds[-1]


def report(results: Results, scale: Scale) -> str:
    columns = (CONTROLLERS, BASELINE, LIMITED)
    title = f"figure (median of {scale.rounds} rounds)"
    header = f"{title:36}" + "".join(f"{c:>22}" for c in columns)
    lines = [header, "-" * len(header)]
    for name, by_column in results.figures.items():
        lines.append(
            f"{name:36}"
            + "".join(f"{by_column[c]:>22.2f}" if c in by_column else f"{'':>22}" for c in columns)
        )
    n = scale.replicas
    created = results.figures[f"{n} pods created s"]
    lines += [
        "",
        f"created / raw creates: {created[CONTROLLERS] / created[BASELINE]:.2f}; created / raw creates "
        f"at the controller manager's limits: {created[CONTROLLERS] / created[LIMITED]:.2f}",
        "baselines: the benchmark's own pod creates, 64 lanes, after the controller manager stopped; "
        "unlimited, and limited to the controller manager's client budget (50/s, burst 100)",
    ]
    return "\n".join(lines)


def write_svg(path: Path, last: Round, scale: Scale) -> None:
    """Pods created and Ready against seconds since the Deployment was created (the last round)."""
    width, height, pad = 720, 360, 48
    series = [("pods created", last.created, "#1f77b4"), ("pods Ready", last.ready, "#d62728")]
    span = max([t for _, timeline, _ in series for t, _ in timeline] or [1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">'
        f"seconds since the Deployment was created (0 to {span:.1f})</text>",
        f'<text x="{pad}" y="{pad - 16}">pods (of {scale.replicas})</text>',
    ]
    for number, (label, timeline, colour) in enumerate(series):
        points = " ".join(
            f"{pad + (width - 2 * pad) * t / span:.1f},"
            f"{height - pad - (height - 2 * pad) * count / max(scale.replicas, 1):.1f}"
            for t, count in timeline
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{width - pad - 120}" y="{pad + 16 * (number + 1)}" fill="{colour}">{label}</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 replicas, one round (a smoke test)")
    parser.add_argument("--replicas", type=int, help=f"replicas (default {FULL.replicas})")
    parser.add_argument("--rounds", type=int, help=f"rounds (default {FULL.rounds})")
    parser.add_argument(
        "--json", type=Path, help="also write the figures as JSON (and a .svg plot beside it)"
    )
    args = parser.parse_args()
    base = QUICK if args.quick else FULL
    scale = Scale(replicas=args.replicas or base.replicas, rounds=args.rounds or base.rounds)
    # SIGTERM unwinds like Ctrl-C: the children are stopped and the temporary directory removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        results, last = run(scale)
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        return 130
    print(report(results, scale))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results.figures, indent=2, sort_keys=True))
        write_svg(args.json.with_suffix(".svg"), last, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
