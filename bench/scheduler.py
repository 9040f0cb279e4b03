"""Scheduler benchmark: Kubernetes' scheduler_perf workloads, in process and through a real API server.

    .venv/bin/python bench/scheduler.py [--mode inprocess|api|both] [--workloads A,B] [--quick]
                                        [--rounds N] [--json FILE]

Workloads (test/integration/scheduler_perf/config/performance-config.yaml; nodes: 4 cpu, 32Gi, 110 pods; pods
request 100m/500Mi unless said):

=========================  =====  ==========  ========  ============================================
workload                   nodes  init pods   measured  measured pods
=========================  =====  ==========  ========  ============================================
SchedulingBasic            5000   1000        10000     plain
TopologySpreading          5000   5000        5000      zone spread maxSkew 5 over 3 zones
SchedulingPodAntiAffinity  5000   1000        1000      required anti-affinity on hostname
SchedulingPodAffinity      5000   1000        5000      required affinity on zone (one zone)
SchedulingNodeAffinity     5000   1000        5000      required node affinity zone In (zone1, zone2)
Preemption                 500    2000 (900m) 500       priority 10, 3 cpu: each preempts 3 pods
=========================  =====  ==========  ========  ============================================

Targets (upstream CI's minimums for the Go scheduler on 16 threads): 700, 460, 60 and 35 pods/s for the
first four.

Modes:

* **inprocess**: the real scheduler (profiles, queue, cache, snapshot, every default plugin, scheduling and
  binding cycles) with :class:`~pinnace.scheduler.inprocess.InProcessCluster` standing in for the API server
  and informers; isolates the algorithm. Time runs from handing the measured pods to the scheduler's event
  handlers until the last is bound. Baseline, same run, same snapshot and cache: a trivial scheduler that puts
  each pod on the first node (from a rotating start) with room for its requests.
* **api**: ``pinnace apiserver`` and ``pinnace scheduler`` as child processes; nodes and pods are created
  through the API by the benchmark (64 concurrent lanes); pods/s = measured pods / time from the first
  measured pod created to the last one seen bound (a watch). Baseline, same run: the benchmark binding each
  pod itself, round-robin, through ``pods/binding`` as fast as pods appear -- what the API server allows.
  Defaults to 1000 nodes and a fifth of the pods (``--api-full`` for the table's sizes).

Every figure is the median of the rounds (3, or 1 with --quick, which also divides sizes by 10).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Results

from pinnace.client.clock import FakeClock
from pinnace.scheduler.framework.types import new_pod_info
from pinnace.scheduler.inprocess import InProcessCluster

Object = dict[str, Any]
ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
PINNACE = [sys.executable, "-m", "pinnace.cli.main"]
LANES = 64


# Workloads as data ----------------------------------------------------------------------------------------


def node(name: str, zone: str) -> Object:
    resources = {"cpu": "4", "memory": "32Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {HOST: name, ZONE: zone}},
        "spec": {},
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }


def pod(name: str, namespace: str, *, cpu: str = "100m", priority: int | None = None, **spec: Any) -> Object:
    labels = spec.pop("labels", {})
    body: Object = {
        "containers": [
            {
                "name": "pause",
                "image": "registry.k8s.io/pause:3.10",
                "ports": [{"containerPort": 80}],
                "resources": {
                    "requests": {"cpu": cpu, "memory": "500Mi"},
                    "limits": {"cpu": cpu, "memory": "500Mi"},
                },
            }
        ],
        **spec,
    }
    if priority is not None:
        body["priority"] = priority
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": body,
    }


def plain(name: str, ns: str) -> Object:
    return pod(name, ns)


def anti_affinity(name: str, ns: str) -> Object:
    term = {
        "labelSelector": {"matchLabels": {"color": "green"}},
        "topologyKey": HOST,
        "namespaces": ["sched-0", "sched-1"],
    }
    return pod(
        name,
        ns,
        labels={"color": "green"},
        affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}},
    )


def affinity(name: str, ns: str) -> Object:
    term = {
        "labelSelector": {"matchLabels": {"color": "blue"}},
        "topologyKey": ZONE,
        "namespaces": ["sched-0", "sched-1"],
    }
    return pod(
        name,
        ns,
        labels={"color": "blue"},
        affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}},
    )


def spreading(name: str, ns: str) -> Object:
    constraint = {
        "maxSkew": 5,
        "topologyKey": ZONE,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"color": "blue"}},
    }
    return pod(name, ns, labels={"color": "blue"}, topologySpreadConstraints=[constraint])


def node_affinity(name: str, ns: str) -> Object:
    expression = {"key": ZONE, "operator": "In", "values": ["zone1", "zone2"]}
    required = {"nodeSelectorTerms": [{"matchExpressions": [expression]}]}
    return pod(
        name, ns, affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required}}
    )


def low_priority(name: str, ns: str) -> Object:
    return pod(name, ns, cpu="900m", terminationGracePeriodSeconds=0)


def high_priority(name: str, ns: str) -> Object:
    return pod(name, ns, cpu="3000m", priority=10)


@dataclass(frozen=True)
class Workload:
    name: str
    nodes: int
    zones: tuple[str, ...]
    init_pods: int
    init: Callable[[str, str], Object]
    measured_pods: int
    measured: Callable[[str, str], Object]
    target: float | None = None

    def scaled(self, factor: float, nodes: int | None = None) -> Workload:
        def scale(n: int) -> int:
            return max(1, int(n * factor))

        return replace(
            self,
            nodes=nodes if nodes is not None else scale(self.nodes),
            init_pods=scale(self.init_pods),
            measured_pods=scale(self.measured_pods),
        )


WORKLOADS = (
    Workload("SchedulingBasic", 5000, ("zone1",), 1000, plain, 10000, plain, 700),
    Workload("TopologySpreading", 5000, ("moon-1", "moon-2", "moon-3"), 5000, plain, 5000, spreading, 460),
    Workload("SchedulingPodAntiAffinity", 5000, ("zone1",), 1000, anti_affinity, 1000, anti_affinity, 60),
    Workload("SchedulingPodAffinity", 5000, ("zone1",), 1000, affinity, 5000, affinity, 35),
    Workload("SchedulingNodeAffinity", 5000, ("zone1",), 1000, node_affinity, 5000, node_affinity),
    Workload("Preemption", 500, ("zone1",), 2000, low_priority, 500, high_priority),
)


def nodes_of(w: Workload) -> list[Object]:
    return [node(f"node-{i}", w.zones[i % len(w.zones)]) for i in range(w.nodes)]


def pods_of(make: Callable[[str, str], Object], prefix: str, count: int, namespace: str) -> list[Object]:
    return [make(f"{prefix}-{i}", namespace) for i in range(count)]


# In process -----------------------------------------------------------------------------------------------


async def drive(cluster: InProcessCluster, clock: FakeClock, wanted: set[tuple[str, str]]) -> None:
    """Schedule until every wanted pod is bound; advance the fake clock when only back-off holds pods."""
    idle = 0
    while any(not cluster.node_of(ns, name) for ns, name in wanted):
        if await cluster.schedule_pending():
            idle = 0
            continue
        idle += 1
        if idle > 30:
            missing = [f"{ns}/{n}" for ns, n in wanted if not cluster.node_of(ns, n)]
            raise RuntimeError(f"{len(missing)} pods never scheduled, e.g. {missing[:3]}")
        clock.advance(1.0)
        cluster.queue.flush_backoff_completed()
        if idle > 10:
            clock.advance(300.0)
            cluster.queue.flush_unschedulable_left_over()


async def prepared(w: Workload) -> tuple[InProcessCluster, FakeClock, list[Object]]:
    clock = FakeClock()
    cluster = InProcessCluster(clock=clock, seed=1)
    cluster.add_nodes(nodes_of(w))
    init = pods_of(w.init, "init", w.init_pods, "sched-0")
    for p in init:
        cluster.add_pod(p)
    await drive(cluster, clock, {("sched-0", p["metadata"]["name"]) for p in init})
    return cluster, clock, pods_of(w.measured, "pod", w.measured_pods, "sched-1")


async def inprocess_round(w: Workload) -> dict[str, float]:
    cluster, clock, measured = await prepared(w)
    wanted = {("sched-1", p["metadata"]["name"]) for p in measured}
    started = time.perf_counter()
    for p in measured:
        cluster.add_pod(p)
    await drive(cluster, clock, wanted)
    scheduler = time.perf_counter() - started

    cluster, clock, measured = await prepared(w)
    started = time.perf_counter()
    first_fit(cluster, measured)
    baseline = time.perf_counter() - started
    return {"scheduler": w.measured_pods / scheduler, "baseline": w.measured_pods / baseline}


def first_fit(cluster: InProcessCluster, pods: list[Object]) -> None:
    """The baseline: the first node, from a rotating start, with room for the pod's requests."""
    cache, snapshot = cluster.cache, cluster.snapshot
    start = 0
    for body in pods:
        info = new_pod_info(body)
        snapshot.update(cache)
        n = snapshot.num_nodes
        for k in range(n):
            i = (start + k) % n
            candidate = snapshot.node_infos[i]
            if len(candidate.pods) >= candidate.allowed_pod_number:
                continue
            if all(
                candidate.requested.get(r, 0) + q <= candidate.allocatable.get(r, 0)
                for r, q in info.requests.items()
            ):
                bound = {**body, "spec": {**body["spec"], "nodeName": candidate.name}}
                cache.add_pod(info.with_pod(bound, candidate.name))
                start = i + 1
                break


# Through the API ------------------------------------------------------------------------------------------


async def lanes(items: list[Any], op: Callable[[Any], Awaitable[object]]) -> None:
    async def lane(first: int) -> None:
        for index in range(first, len(items), LANES):
            await op(items[index])

    await asyncio.gather(*(lane(i) for i in range(min(LANES, len(items)))))


async def api_round(w: Workload, root: Path) -> dict[str, float]:
    from apiserver import Child, wait_for_file

    from pinnace.client.config import load_kubeconfig
    from pinnace.client.errors import ApiError, ConnectionFailed
    from pinnace.client.informer import Informer
    from pinnace.client.resources import NAMESPACES, NODES, PODS
    from pinnace.client.rest import RestClient

    data_dir = root / "data"
    apiserver = Child.start(
        "apiserver",
        [*PINNACE, "apiserver", "--data-dir", str(data_dir), "--port", "0"],
        root / "apiserver.log",
    )
    scheduler: Child | None = None
    try:
        wait_for_file(data_dir / "kubeconfig.yaml", apiserver)
        admin = RestClient(load_kubeconfig(data_dir / "kubeconfig.yaml", qps=0, user_agent="bench-scheduler"))
        deadline = time.monotonic() + 60
        while True:
            try:
                await admin.list(NAMESPACES, limit=1)
                break
            except (ApiError, ConnectionFailed):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        for ns in ("sched-0", "sched-1", "baseline"):
            await admin.create(NAMESPACES, {"metadata": {"name": ns}})
        await lanes(nodes_of(w), lambda n: admin.create(NODES, n))
        config = root / "scheduler.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "kubescheduler.config.k8s.io/v1",
                    "kind": "KubeSchedulerConfiguration",
                    "clientConnection": {"qps": 5000, "burst": 10000},
                    "leaderElection": {"leaderElect": False},
                }
            )
        )
        scheduler = Child.start(
            "scheduler",
            [
                *PINNACE,
                "scheduler",
                "--kubeconfig",
                str(data_dir / "components" / "scheduler.kubeconfig"),
                "--config",
                str(config),
            ],
            root / "scheduler.log",
        )
        bound_at: dict[str, float] = {}
        pods = Informer(admin, PODS)

        def seen(obj: Object) -> None:
            if (obj.get("spec") or {}).get("nodeName"):
                key = f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
                bound_at.setdefault(key, time.monotonic())

        pods.add_handler(seen, lambda old, new: seen(new), None)
        async with asyncio.TaskGroup() as group:
            informer_task = group.create_task(pods.run())
            try:
                await pods.wait_synced()

                async def wait_bound(prefix: str, count: int) -> None:
                    deadline = time.monotonic() + 1800
                    while sum(1 for k in bound_at if k.startswith(prefix)) < count:
                        apiserver.check_alive()
                        if scheduler is not None:
                            scheduler.check_alive()
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"{prefix}: pods not bound in time")
                        await asyncio.sleep(0.05)

                await lanes(pods_of(w.init, "init", w.init_pods, "sched-0"), lambda p: admin.create(PODS, p))
                await wait_bound("sched-0/", w.init_pods)
                started = time.monotonic()
                await lanes(
                    pods_of(w.measured, "pod", w.measured_pods, "sched-1"), lambda p: admin.create(PODS, p)
                )
                created = time.monotonic() - started
                await wait_bound("sched-1/", w.measured_pods)
                scheduler_rate = w.measured_pods / (
                    max(v for k, v in bound_at.items() if k.startswith("sched-1/")) - started
                )
                scheduler.stop()
                scheduler = None

                # Baseline: bind round-robin from here, through the same API, as pods appear.
                names = [f"pod-{i}" for i in range(w.measured_pods)]
                node_names = [f"node-{i}" for i in range(w.nodes)]
                started = time.monotonic()

                async def create_and_bind(index: int) -> None:
                    body = w.measured(names[index], "baseline")
                    body["spec"]["schedulerName"] = "nobody"
                    await admin.create(PODS, body)
                    binding = {
                        "apiVersion": "v1",
                        "kind": "Binding",
                        "metadata": {"name": names[index], "namespace": "baseline"},
                        "target": {"kind": "Node", "name": node_names[index % len(node_names)]},
                    }
                    await admin.create(PODS, binding, "baseline", subresource="binding", name=names[index])

                await lanes(list(range(w.measured_pods)), create_and_bind)
                await wait_bound("baseline/", w.measured_pods)
                baseline_rate = w.measured_pods / (
                    max(v for k, v in bound_at.items() if k.startswith("baseline/")) - started
                )
            finally:
                informer_task.cancel()
        await admin.close()
        return {
            "scheduler": scheduler_rate,
            "baseline": baseline_rate,
            "created /s": w.measured_pods / created,
        }
    finally:
        if scheduler is not None:
            scheduler.stop()
        apiserver.stop()


# Driver ---------------------------------------------------------------------------------------------------


def median_rounds(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("inprocess", "api", "both"), default="inprocess")
    parser.add_argument("--workloads", default="", help="comma-separated names (default: all)")
    parser.add_argument("--quick", action="store_true", help="one round, a tenth of the sizes")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--api-full", action="store_true", help="API mode at the table's sizes")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    chosen = [w for w in WORKLOADS if not args.workloads or w.name in args.workloads.split(",")]
    rounds = args.rounds or (1 if args.quick else 3)
    results = Results()
    modes = ("inprocess", "api") if args.mode == "both" else (args.mode,)
    for mode in modes:
        for w in chosen:
            workload = w.scaled(0.1) if args.quick else w
            if mode == "api" and not args.api_full:
                workload = workload.scaled(0.2, nodes=min(workload.nodes, 1000))
            samples = []
            for number in range(rounds):
                print(f"{mode} {workload.name} round {number + 1}/{rounds}", file=sys.stderr, flush=True)
                if mode == "inprocess":
                    samples.append(asyncio.run(inprocess_round(workload)))
                else:
                    with tempfile.TemporaryDirectory(prefix="pinnace-bench-scheduler-") as tmp:
                        samples.append(asyncio.run(api_round(workload, Path(tmp))))
            figures = median_rounds(samples)
            label = f"{mode} {workload.name} ({workload.nodes} nodes, {workload.measured_pods} pods)"
            for column, value in figures.items():
                results.put(
                    column, f"{label} pods/s" if column != "created /s" else f"{label} created/s", value
                )
            ratio = figures["scheduler"] / figures["baseline"]
            results.put("ratio", f"{label} pods/s", ratio)
            target = f", target {w.target:.0f}" if w.target and mode == "inprocess" and not args.quick else ""
            print(
                f"{label}: {figures['scheduler']:.0f} pods/s, baseline {figures['baseline']:.0f} pods/s, "
                f"ratio {ratio:.2f}{target}",
                flush=True,
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results.figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
