"""API server benchmark: Pinnace's Kubernetes API over HTTPS, with a trivial HTTPS server as the ceiling.

    .venv/bin/python bench/apiserver.py [--quick] [--json FILE] [--audit [LEVEL]]

Starts ``pinnace apiserver`` in a child process (the default SQLite store, a temporary data dir, a free
loopback port) and drives it over HTTPS with the admin client certificate of the kubeconfig it writes:

- create: POST of a ConfigMap; rate and p50/p99 latency at 1, 16 and 64 concurrent clients, each on
  its own keep-alive connection, opened before the clock starts;
- get: GET of those ConfigMaps (no resourceVersion, so a consistent read from the store) at the same
  concurrencies;
- list: 10k and 50k pods in one namespace (1k and 2k with --quick), read as one unpaginated LIST, as
  pages of ``limit=500`` following ``continue`` tokens, and with ``resourceVersion=0`` (served from the
  watch cache); the time includes reading and parsing the body, as any client must;
- memory: the API server's VmRSS idle, before and with all those pods stored, its peak (VmHWM)
  after the lists, and its VmRSS after the watches;
- watch fan-out: W watchers, each on its own connection, watch one namespace's ConfigMaps from its
  current resourceVersion while E ConfigMaps are created there by 16 concurrent writers. Reported:
  delivered events/s (W x E / time from the first write until every watcher has every event) and
  the delay from each write's response to each delivery of its event (clamped at zero: an event may
  overtake the response to its own write).

With ``--audit`` a second API server runs with an audit policy that records every request at LEVEL
(Metadata by default) to a file; create and get are measured on it too, interleaved with the first in each
round, so the column ``pinnace+audit`` against ``pinnace`` is what auditing costs per request. Besides rates
and latencies it reports each server's CPU time per request (user + system, from ``/proc/PID/stat``, the
audit writer thread included), which other load on the machine disturbs far less than wall-clock figures.
Lists and watches, which do not involve the audited server, are skipped in this mode.

Each rate or time is the median of several rounds (3, or 1 with --quick); latency percentiles pool
the samples of all rounds.

Why a ceiling: the machines are shared and noisy, so absolute numbers from different runs cannot be
compared, and "N requests/s" alone does not say whether Pinnace or Python is the limit. The ceiling
is a trivial aiohttp server in its own process, with Pinnace's own TLS settings and serving
certificate, that answers every GET (and POST) with a fixed body the size and shape of the ConfigMap
Pinnace returns, without logging. It is measured in the same run, interleaved with Pinnace, with the
same client code, so the ratio Pinnace/ceiling isolates what Pinnace's own work per request costs
(authentication, authorization, decoding, defaulting, validation, the store, encoding, the access
log) over what Python, aiohttp and TLS cost here. The client runs on the same machine: with few
cores it competes with the server, most visibly in the watch fan-out, where one client process
reads every stream.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import yaml
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Results, percentile, timed_ops

from pinnace.apiserver.pki import ClusterPKI
from pinnace.apiserver.tls import serving_ssl_context

REPO = Path(__file__).resolve().parent.parent
APISERVER = (sys.executable, "-m", "pinnace.cli.main", "apiserver")


@dataclass(frozen=True)
class Scale:
    requests: int  # per concurrency level and round, for create and get alike
    list_sizes: tuple[int, ...]  # pods, loaded cumulatively
    watchers: tuple[int, ...]
    watch_events: int
    rounds: int


FULL = Scale(requests=2000, list_sizes=(10_000, 50_000), watchers=(100, 1000), watch_events=200, rounds=3)
QUICK = Scale(requests=200, list_sizes=(1000, 2000), watchers=(10, 50), watch_events=50, rounds=1)
CONCURRENCY = (1, 16, 64)
LOAD_CONCURRENCY = 64
WATCH_WRITERS = 16
WATCH_OPENING = 32  # watch connections being opened at once
PAGE = 500

PINNACE, CEILING = "pinnace", "ceiling"
AUDITED = "pinnace+audit"  # the same API server with --audit-policy-file and --audit-log-path
START_SECONDS = 60.0
STOP_SECONDS = 15.0
REQUEST_TIMEOUT_SECONDS = 300.0
WATCH_ROUND_SECONDS = 300.0

NAMESPACES = "/api/v1/namespaces"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
LIST_NAMESPACE = "bench-list"
WATCH_NAMESPACE = "bench-watch"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

CONFIGMAP_DATA = {"key": "v" * 200}
# What Pinnace answers to a GET of one benchmark ConfigMap, fixed: the ceiling's reply to everything.
CEILING_BODY = orjson.dumps(
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "cm-c64-r0-1999",
            "namespace": "default",
            "uid": "c2664fa9-ed00-44e0-a260-12ff7fb21d3f",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "resourceVersion": "123456",
        },
        "data": CONFIGMAP_DATA,
    }
)


def configmap(name: str) -> bytes:
    return orjson.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": CONFIGMAP_DATA}
    )


def pod(name: str) -> bytes:
    return orjson.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }
    )


def service_account(name: str) -> bytes:
    return orjson.dumps({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})


def namespace(name: str) -> bytes:
    return orjson.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


# --- processes ------------------------------------------------------------------------------


@dataclass
class Child:
    """A process this benchmark started; only ever signalled by its own PID."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(cls, name: str, argv: list[str], log_path: Path) -> Child:
        with log_path.open("ab") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        print(f"started {name} pid={process.pid}", file=sys.stderr, flush=True)
        return cls(name, process, log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

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


def wait_for_file(path: Path, child: Child) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not path.exists():
        child.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name}: no {path.name} after {START_SECONDS}s:\n{child.log_tail()}")
        time.sleep(0.05)


def memory_kib(pid: int, field_name: str) -> int:
    """A ``/proc/PID/status`` memory field (VmRSS, VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} in /proc/{pid}/status")


def raise_open_files_limit(wanted: int) -> None:
    """Each watcher holds a connection at both ends; children inherit the raised soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


# --- the ceiling: a trivial HTTPS server ------------------------------------------------------


def serve_ceiling(data_dir: Path, port_file: Path) -> int:
    """Answer every GET with CEILING_BODY (and every POST with it and 201) until SIGTERM or SIGINT."""

    async def respond(request: web.Request) -> web.Response:
        if request.method == "POST":
            await request.read()
            return web.Response(body=CEILING_BODY, status=201, content_type="application/json")
        return web.Response(body=CEILING_BODY, content_type="application/json")

    async def serve() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", respond)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            context = serving_ssl_context(ClusterPKI.at(data_dir))
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
            await site.start()
            port = runner.addresses[0][1]
            written = port_file.with_suffix(".tmp")
            written.write_text(str(port))
            written.replace(port_file)  # appears whole: its existence means "listening"
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(serve())
    return 0


# --- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    url: str
    ssl_context: ssl.SSLContext

    def session(
        self, connections: int, timeout: float | None = REQUEST_TIMEOUT_SECONDS
    ) -> aiohttp.ClientSession:
        """A session of at most ``connections`` keep-alive connections (0: no limit)."""
        connector = aiohttp.TCPConnector(ssl=self.ssl_context, limit=connections)
        return aiohttp.ClientSession(
            self.url, connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
        )


def client_endpoint(kubeconfig: Path, directory: Path) -> Endpoint:
    """The server and TLS client credentials of a kubeconfig whose certificates are inline (base64)."""
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    directory.mkdir(mode=0o700)
    paths = {}
    for name, data in (
        ("ca.crt", cluster["certificate-authority-data"]),
        ("client.crt", user["client-certificate-data"]),
        ("client.key", user["client-key-data"]),
    ):
        paths[name] = directory / name
        paths[name].write_bytes(base64.b64decode(data))
        paths[name].chmod(0o600)
    context = ssl.create_default_context(cafile=str(paths["ca.crt"]))
    context.load_cert_chain(paths["client.crt"], paths["client.key"])
    return Endpoint(str(cluster["server"]), context)


async def call(
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    body: bytes | None = None,
    params: Mapping[str, str] | None = None,
) -> bytes:
    """One request; its body, or RuntimeError for any status other than 200 and 201."""
    async with session.request(method, path, data=body, params=params, headers=JSON_HEADERS) as response:
        data = await response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
        return data


async def wait_ready(endpoint: Endpoint, child: Child, answer: bytes | None) -> None:
    """Poll ``/readyz`` until it answers 200 (with ``answer``, if given)."""
    deadline = time.monotonic() + START_SECONDS
    async with endpoint.session(1, timeout=5) as session:
        while True:
            child.check_alive()
            try:
                body = await call(session, "GET", "/readyz")
                if answer is None or body == answer:
                    return
            except (aiohttp.ClientError, RuntimeError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{child.name} not ready after {START_SECONDS}s:\n{child.log_tail()}")
            await asyncio.sleep(0.1)


async def open_connections(session: aiohttp.ClientSession, count: int) -> None:
    """Open ``count`` keep-alive connections, so that no measured request pays for a TLS handshake."""
    await asyncio.gather(*(call(session, "GET", "/version") for _ in range(count)))


# --- the figures ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/PID/stat`` fields 14 and 15), all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench_requests(
    pinnace: Endpoint,
    ceiling: Endpoint,
    scale: Scale,
    results: Results,
    audited: Endpoint | None = None,
    pids: Mapping[str, int] | None = None,
) -> None:
    """Create then get ConfigMaps, Pinnace (and the audited Pinnace) and the ceiling alternately within
    each round. With ``pids`` (column -> server process), also each server's CPU ms per request."""
    columns = [(PINNACE, pinnace), (CEILING, ceiling)]
    if audited is not None:
        columns.insert(1, (AUDITED, audited))
    for concurrency in CONCURRENCY:
        rates: dict[tuple[str, str], list[float]] = {}
        latencies: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for round_ in range(scale.rounds):
            names = [f"cm-c{concurrency}-r{round_}-{i}" for i in range(scale.requests)]
            for column, endpoint in columns:
                pid = (pids or {}).get(column)
                async with endpoint.session(concurrency) as session:
                    await open_connections(session, concurrency)
                    measured = await create_then_get(session, concurrency, names, pid)
                    for verb, (rate, samples, cpu_per_request) in measured.items():
                        rates.setdefault((column, verb), []).append(rate)
                        latencies.setdefault((column, verb), []).extend(samples)
                        if pid is not None:
                            cpu.setdefault((column, verb), []).append(cpu_per_request)
        for (column, verb), values in rates.items():
            samples = latencies[(column, verb)]
            results.put(column, f"{verb}/s @{concurrency}", statistics.median(values))
            results.put(column, f"{verb} p50 ms @{concurrency}", percentile(samples, 0.5) * 1000)
            results.put(column, f"{verb} p99 ms @{concurrency}", percentile(samples, 0.99) * 1000)
        for (column, verb), values in cpu.items():
            results.put(
                column, f"{verb} server CPU ms per request @{concurrency}", statistics.median(values) * 1000
            )


async def create_then_get(
    session: aiohttp.ClientSession, concurrency: int, names: list[str], pid: int | None = None
) -> dict[str, tuple[float, list[float], float]]:
    """(rate, latencies, server CPU seconds per request or 0 without ``pid``) of each verb."""

    async def create(index: int) -> bytes:
        return await call(session, "POST", CONFIGMAPS, configmap(names[index]))

    async def get(index: int) -> bytes:
        return await call(session, "GET", f"{CONFIGMAPS}/{names[index]}")

    measured = {}
    for verb, op in (("create", create), ("get", get)):
        before = cpu_seconds(pid) if pid is not None else 0.0
        rate, samples = await timed_ops(concurrency, len(names), op)
        used = cpu_seconds(pid) - before if pid is not None else 0.0
        measured[verb] = (rate, samples, used / len(names))
    return measured


async def bench_lists(pinnace: Endpoint, pid: int, scale: Scale, results: Results) -> None:
    """Load pods up to each size, then time whole, paged and watch-cache lists of all of them."""
    pods = f"{NAMESPACES}/{LIST_NAMESPACE}/pods"
    loaded, load_seconds = 0, 0.0
    results.put(PINNACE, "apiserver RSS MiB before the pods", memory_kib(pid, "VmRSS") / 1024)
    async with pinnace.session(LOAD_CONCURRENCY) as session:
        await call(session, "POST", NAMESPACES, namespace(LIST_NAMESPACE))
        # ServiceAccount admission needs the namespace's default account; the serviceaccount controller,
        # which the benchmark does not run, would create it.
        accounts = f"{NAMESPACES}/{LIST_NAMESPACE}/serviceaccounts"
        await call(session, "POST", accounts, service_account("default"))
        for size in scale.list_sizes:
            print(f"loading {size} pods ...", file=sys.stderr, flush=True)

            async def create(index: int, offset: int = loaded) -> bytes:
                return await call(session, "POST", pods, pod(f"pod-{offset + index:06d}"))

            start = time.perf_counter()
            await timed_ops(LOAD_CONCURRENCY, size - loaded, create)
            load_seconds += time.perf_counter() - start
            loaded = size
            await wait_for_watch_cache(session, pods, "pod-000000")
            results.put(PINNACE, f"apiserver RSS MiB with {size} pods", memory_kib(pid, "VmRSS") / 1024)
            whole, paged, cached = [], [], []
            for _ in range(scale.rounds):
                whole.append(await timed_list(session, pods, {}, size))
                paged.append(await timed_paged_list(session, pods, size))
                cached.append(await timed_list(session, pods, {"resourceVersion": "0"}, size))
            results.put(PINNACE, f"list {size} pods ms", statistics.median(whole) * 1000)
            results.put(PINNACE, f"list {size} pods in pages of {PAGE} ms", statistics.median(paged) * 1000)
            results.put(PINNACE, f"list {size} pods resourceVersion=0 ms", statistics.median(cached) * 1000)
    results.put(PINNACE, f"pod create/s @{LOAD_CONCURRENCY} (loading the lists)", loaded / load_seconds)
    results.put(PINNACE, "apiserver peak RSS MiB (VmHWM) after the lists", memory_kib(pid, "VmHWM") / 1024)


async def wait_for_watch_cache(session: aiohttp.ClientSession, collection: str, name: str) -> None:
    """Return once the watch cache has every write so far, so that resourceVersion=0 lists see them all.

    A GET with a resourceVersion is served from the cache after it has caught up with that revision.
    """
    listed = orjson.loads(await call(session, "GET", collection, params={"limit": "1"}))
    revision = listed["metadata"]["resourceVersion"]
    await call(session, "GET", f"{collection}/{name}", params={"resourceVersion": revision})


async def timed_list(session: aiohttp.ClientSession, path: str, params: dict[str, str], size: int) -> float:
    start = time.perf_counter()
    items = orjson.loads(await call(session, "GET", path, params=params))["items"]
    elapsed = time.perf_counter() - start
    if len(items) != size:
        raise RuntimeError(f"GET {path} {params}: {len(items)} items, expected {size}")
    return elapsed


async def timed_paged_list(session: aiohttp.ClientSession, path: str, size: int) -> float:
    start = time.perf_counter()
    seen, token = 0, ""
    for _ in range(size // PAGE + 2):
        params = {"limit": str(PAGE), **({"continue": token} if token else {})}
        page = orjson.loads(await call(session, "GET", path, params=params))
        seen += len(page["items"])
        token = page["metadata"].get("continue", "")
        if not token:
            break
    elapsed = time.perf_counter() - start
    if seen != size or token:
        raise RuntimeError(f"GET {path} in pages of {PAGE}: {seen} items, expected {size}")
    return elapsed


async def bench_watch(pinnace: Endpoint, scale: Scale, results: Results) -> None:
    async with pinnace.session(WATCH_WRITERS) as writer:
        await call(writer, "POST", NAMESPACES, namespace(WATCH_NAMESPACE))
        for watchers in scale.watchers:
            print(f"watch fan-out to {watchers} watchers ...", file=sys.stderr, flush=True)
            rates, delays = [], []
            for round_ in range(scale.rounds):
                rate, round_delays = await watch_round(
                    pinnace, writer, watchers, scale.watch_events, f"w{watchers}-r{round_}"
                )
                rates.append(rate)
                delays += round_delays
            label = f"{watchers} watchers x {scale.watch_events} writes"
            results.put(PINNACE, f"watch events/s ({label})", statistics.median(rates))
            results.put(PINNACE, f"watch delay p50 ms ({label})", percentile(delays, 0.5) * 1000)
            results.put(PINNACE, f"watch delay p99 ms ({label})", percentile(delays, 0.99) * 1000)


async def watch_round(
    pinnace: Endpoint, writer: aiohttp.ClientSession, watchers: int, events: int, tag: str
) -> tuple[float, list[float]]:
    """One fan-out: open every watch, write ``events`` ConfigMaps; (delivered events/s, delays)."""
    configmaps = f"{NAMESPACES}/{WATCH_NAMESPACE}/configmaps"
    listed = orjson.loads(await call(writer, "GET", configmaps, params={"limit": "1"}))
    watch_params = {"watch": "true", "resourceVersion": listed["metadata"]["resourceVersion"]}
    names = [f"{tag}-{i}" for i in range(events)]
    index_of = {name: i for i, name in enumerate(names)}
    acknowledged = [0.0] * events
    deliveries: list[list[tuple[int, float]]] = [[] for _ in range(watchers)]
    responses: list[aiohttp.ClientResponse] = []
    readers: list[asyncio.Task[float]] = []
    opening = asyncio.Semaphore(WATCH_OPENING)
    # No connection limit: a streaming response holds its connection, so each watcher has its own.
    session = pinnace.session(0, timeout=None)

    async def open_watch() -> None:
        async with opening:
            response = await session.get(configmaps, params=watch_params, headers=JSON_HEADERS)
            responses.append(response)
            if response.status != 200:
                raise RuntimeError(f"watch {configmaps}: HTTP {response.status}: {await response.text()}")

    async def write(index: int) -> None:
        await call(writer, "POST", configmaps, configmap(names[index]))
        acknowledged[index] = time.perf_counter()

    try:
        async with asyncio.timeout(WATCH_ROUND_SECONDS):
            # The server registers a watcher before it sends the response headers: once every
            # response has arrived, every watcher will see every write.
            async with asyncio.TaskGroup() as opened:
                for _ in range(watchers):
                    opened.create_task(open_watch())
            readers = [
                asyncio.create_task(read_events(response, index_of, received))
                for response, received in zip(responses, deliveries, strict=True)
            ]
            start = time.perf_counter()
            await timed_ops(WATCH_WRITERS, events, write)
            finished = await asyncio.gather(*readers)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for response in responses:
            response.close()
        await session.close()
    # The server notices a closed watch when it next writes to it: one more event ends them all now,
    # so that the next round does not fan out to this round's watchers.
    await call(writer, "POST", configmaps, configmap(f"{tag}-end"))
    await asyncio.sleep(0.5)
    delays = [max(0.0, at - acknowledged[index]) for received in deliveries for index, at in received]
    return watchers * events / (max(finished) - start), delays


async def read_events(
    response: aiohttp.ClientResponse, index_of: dict[str, int], received: list[tuple[int, float]]
) -> float:
    """Read a watch stream until every name in ``index_of`` has been ADDED; the time of the last one."""
    pending = set(index_of)
    while pending:
        line = await response.content.readline()
        at = time.perf_counter()
        if not line:
            raise RuntimeError(f"watch stream ended with {len(pending)} events missing")
        event = orjson.loads(line)
        if event["type"] == "ERROR":
            raise RuntimeError(f"watch error: {event['object']}")
        name = event["object"]["metadata"]["name"]
        if event["type"] == "ADDED" and name in pending:
            pending.discard(name)
            received.append((index_of[name], at))
    return time.perf_counter()


@dataclass(frozen=True)
class Audited:
    """The second API server of ``--audit``: its endpoint, process and audit log."""

    endpoint: Endpoint
    child: Child
    log: Path


def audit_policy(level: str) -> str:
    """One rule for every request: the cost of auditing all of them at ``level``."""
    return f"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: {level}\n"


async def bench(
    scale: Scale,
    pinnace: Endpoint,
    ceiling: Endpoint,
    apiserver: Child,
    ceiling_child: Child,
    audited: Audited | None = None,
) -> Results:
    results = Results()
    await wait_ready(pinnace, apiserver, b"ok")
    await wait_ready(ceiling, ceiling_child, None)  # any 200 will do: it answers everything alike
    if audited is not None:
        await wait_ready(audited.endpoint, audited.child, b"ok")
    results.put(PINNACE, "apiserver RSS MiB idle", memory_kib(apiserver.pid, "VmRSS") / 1024)
    print("benchmarking create and get ...", file=sys.stderr, flush=True)
    if audited is not None:
        pids = {PINNACE: apiserver.pid, AUDITED: audited.child.pid, CEILING: ceiling_child.pid}
        await bench_requests(pinnace, ceiling, scale, results, audited.endpoint, pids)
        text = audited.log.read_bytes()
        results.put(AUDITED, "audit events written", text.count(b"\n"))
        results.put(AUDITED, "audit log bytes per event", len(text) / max(1, text.count(b"\n")))
        return results  # lists and watches do not involve the audited server
    await bench_requests(pinnace, ceiling, scale, results)
    await bench_lists(pinnace, apiserver.pid, scale, results)
    await bench_watch(pinnace, scale, results)
    # asyncio gives every TLS connection a 256 KiB read buffer (sslproto.SSLProtocol.max_size); the
    # heap keeps much of it after the watches end.
    results.put(PINNACE, "apiserver RSS MiB after the watches", memory_kib(apiserver.pid, "VmRSS") / 1024)
    return results


def run(scale: Scale, audit_level: str | None = None) -> Results:
    """Start the servers, measure, and stop them (by PID) whatever happens."""
    raise_open_files_limit(2 * max(scale.watchers) + 1024)
    with tempfile.TemporaryDirectory(prefix="pinnace-bench-apiserver-") as tmp:
        root = Path(tmp)
        print(f"temporary directory {root}", file=sys.stderr, flush=True)
        data_dir = root / "data"
        children: list[Child] = []
        try:
            # Port 0: a free port, which the kubeconfig then names.
            argv = [*APISERVER, "--data-dir", str(data_dir), "--port", "0"]
            apiserver = Child.start(PINNACE, argv, root / "apiserver.log")
            children.append(apiserver)
            wait_for_file(data_dir / "kubeconfig.yaml", apiserver)
            pinnace = client_endpoint(data_dir / "kubeconfig.yaml", root / "client")
            port_file = root / "ceiling.port"
            ceiling_child = Child.start(
                CEILING,
                [sys.executable, __file__, "--serve-ceiling", str(data_dir), "--port-file", str(port_file)],
                root / "ceiling.log",
            )
            children.append(ceiling_child)
            wait_for_file(port_file, ceiling_child)
            ceiling = Endpoint(f"https://127.0.0.1:{port_file.read_text()}", pinnace.ssl_context)
            audited = None
            if audit_level is not None:
                policy, log = root / "audit-policy.yaml", root / "audit" / "audit.log"
                policy.write_text(audit_policy(audit_level))
                audited_dir = root / "audited"
                audit_argv = [*APISERVER, "--data-dir", str(audited_dir), "--port", "0"]
                audit_argv += ["--audit-policy-file", str(policy), "--audit-log-path", str(log)]
                audited_child = Child.start(AUDITED, audit_argv, root / "audited.log")
                children.append(audited_child)
                wait_for_file(audited_dir / "kubeconfig.yaml", audited_child)
                endpoint = client_endpoint(audited_dir / "kubeconfig.yaml", root / "audited-client")
                audited = Audited(endpoint, audited_child, log)
            return asyncio.run(bench(scale, pinnace, ceiling, apiserver, ceiling_child, audited))
        except BaseException:
            for child in children:
                print(f"--- {child.name} log (tail) ---\n{child.log_tail()}", file=sys.stderr)
            raise
        finally:
            # A second SIGTERM must not interrupt the clean-up it asks for.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for child in reversed(children):
                child.stop()


def report(results: Results, audit_level: str | None = None) -> str:
    audited_column = f"{AUDITED:>16}" if audit_level else ""
    header = f"{'figure':58}{PINNACE:>14}{audited_column}{CEILING:>14}{'pinnace/ceiling':>18}"
    if audit_level:
        header += f"{'audit/pinnace':>16}"
    lines = [header, "-" * len(header)]

    def cell(value: float | None, width: int = 14) -> str:
        if value is None:
            return " " * width
        return f"{value:>{width}.1f}" if abs(value) >= 100 else f"{value:>{width}.2f}"

    for name, by_column in results.figures.items():
        pinnace, ceiling = by_column.get(PINNACE), by_column.get(CEILING)
        audited = by_column.get(AUDITED)
        row = f"{name:58}{cell(pinnace)}"
        if audit_level:
            row += cell(audited, 16)
        row += cell(ceiling)
        if pinnace is not None and ceiling:
            row += f"{pinnace / ceiling:>18.3f}"
        elif audit_level:
            row += " " * 18
        if audit_level and pinnace and audited is not None:
            row += f"{audited / pinnace:>16.3f}"
        lines.append(row.rstrip())
    lines += [
        "",
        "ceiling: a trivial aiohttp HTTPS server with the same TLS setup, answering a fixed ConfigMap body;",
        "a rate ratio below 1 and a latency ratio above 1 are what Pinnace's own work per request costs.",
    ]
    for verb in ("create", "get"):
        best = {
            column: max(results.figures[f"{verb}/s @{c}"][column] for c in CONCURRENCY)
            for column in (PINNACE, CEILING)
        }
        lines.append(
            f"pinnace: best {verb} rate {best[PINNACE]:.0f}/s is {best[PINNACE] / best[CEILING]:.3f} "
            f"of the ceiling's best ({best[CEILING]:.0f}/s)"
        )
    if audit_level:
        lines += audit_summary(results, audit_level)
    return "\n".join(lines)


def audit_summary(results: Results, level: str) -> list[str]:
    """What auditing every request at ``level`` adds: server CPU time per request (the median over the
    concurrencies) and the latency of one request at a time."""
    lines = [f"{AUDITED}: every request audited at level {level} to a file (JSON lines, writer thread)."]
    for verb in ("create", "get"):
        cpu = [results.figures[f"{verb} server CPU ms per request @{c}"] for c in CONCURRENCY]
        plain = statistics.median(figures[PINNACE] for figures in cpu)
        audited = statistics.median(figures[AUDITED] for figures in cpu)
        p50 = results.figures[f"{verb} p50 ms @1"]
        lines.append(
            f"audit cost per {verb}: {audited - plain:+.3f} ms server CPU ({audited:.3f} vs {plain:.3f} ms, "
            f"{(audited / plain - 1) * 100:+.0f}%); p50 latency @1 {p50[AUDITED] - p50[PINNACE]:+.3f} ms"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (a smoke test)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--audit",
        nargs="?",
        const="Metadata",
        choices=("Metadata", "Request", "RequestResponse"),
        metavar="LEVEL",
        help="also measure create and get with every request audited at LEVEL (default Metadata)",
    )
    # The ceiling server is this same file, run as a child process.
    parser.add_argument("--serve-ceiling", type=Path, metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--port-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        return serve_ceiling(args.serve_ceiling, args.port_file)
    # SIGTERM unwinds like Ctrl-C: the children are stopped and the temporary directory removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        results = run(QUICK if args.quick else FULL, args.audit)
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        return 130
    print(report(results, args.audit))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results.figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
