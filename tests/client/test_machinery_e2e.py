"""Informer, leader election and event recorder against real API server processes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from pinnace.client import resources as r
from pinnace.client.config import ClientConfig, load_kubeconfig
from pinnace.client.errors import ConnectionFailed, Gone
from pinnace.client.events import EventRecorder
from pinnace.client.informer import Informer
from pinnace.client.interface import Client, Object
from pinnace.client.keys import ObjectKey
from pinnace.client.leaderelection import LeaderElector
from pinnace.client.rest import RestClient
from tests.e2e.conftest import APIServerProcess, start_apiserver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def apiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    server = start_apiserver(tmp_path_factory.mktemp("apiserver"))
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def rest_client(server: APIServerProcess) -> AsyncIterator[RestClient]:
    client = RestClient(load_kubeconfig(server.kubeconfig))
    try:
        yield client
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def background(coro: Awaitable[Any]) -> AsyncIterator[asyncio.Task[Any]]:
    task = asyncio.ensure_future(coro)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling another process's effects
            await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configmap(name: str, ns: str) -> Object:
    return {"metadata": {"name": name, "namespace": ns}}


async def test_informer_survives_server_side_watch_timeouts(apiserver: APIServerProcess) -> None:
    async with rest_client(apiserver) as client:
        await client.create(r.NAMESPACES, {"metadata": {"name": "informed"}})
        informer = Informer(client, r.CONFIGMAPS, namespace="informed", min_watch_timeout=1)
        async with background(informer.run()):
            await informer.wait_synced()
            await client.create(r.CONFIGMAPS, configmap("before", "informed"))
            await eventually(lambda: ObjectKey("informed", "before") in informer.indexer)
            await eventually(lambda: informer.watch_count >= 3)  # the server ended at least two watches
            await client.create(r.CONFIGMAPS, configmap("after", "informed"))
            await eventually(lambda: ObjectKey("informed", "after") in informer.indexer)
        assert informer.list_count == 1  # resumed from the last resourceVersion each time, never relisted


def crash(server: APIServerProcess) -> None:
    """SIGKILL by PID (acknowledged writes are durable, so a restart finds them)."""
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()
    server.stop()


class Redirectable:
    """A Client whose target can be swapped, to follow an API server that restarts on another port."""

    def __init__(self, target: RestClient) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


async def test_informer_relists_after_a_restart_made_its_resource_version_too_old(tmp_path: Path) -> None:
    first = start_apiserver(tmp_path / "data")
    second: APIServerProcess | None = None
    try:
        async with rest_client(first) as client:
            await client.create(r.NAMESPACES, {"metadata": {"name": "restart"}})
            target = Redirectable(client)
            informer = Informer(cast(Client, target), r.CONFIGMAPS, namespace="restart", max_backoff=1)
            async with background(informer.run()):
                await informer.wait_synced()
                await client.create(r.CONFIGMAPS, configmap("a", "restart"))
                await eventually(lambda: ObjectKey("restart", "a") in informer.indexer)
                seen = informer.last_resource_version
                # Writes to another resource move the revision past what the informer has seen; the restarted
                # server's watch cache starts after them, so watching from `seen` is 410 Gone.
                for i in range(3):
                    await client.create(r.SECRETS, {"metadata": {"name": f"s{i}", "namespace": "restart"}})
                # The server crashes (its clean shutdown would wait out a grace period for the open watch);
                # the informer retries against an address nobody listens on until the restart.
                nowhere = RestClient(ClientConfig(server=f"https://127.0.0.1:{free_port()}"))
                target.target = nowhere
                crash(first)
                await client.close()
                await nowhere.close()
                second = start_apiserver(tmp_path / "data")
                async with rest_client(second) as restarted:
                    with pytest.raises(Gone, match="too old resource version"):
                        stream = restarted.watch(r.CONFIGMAPS, "restart", resource_version=seen)
                        async with contextlib.aclosing(stream):
                            await anext(stream)
                    target.target = restarted
                    await eventually(lambda: informer.list_count == 2, seconds=60)
                    await restarted.create(r.CONFIGMAPS, configmap("b", "restart"))
                    await eventually(lambda: ObjectKey("restart", "b") in informer.indexer)
                    assert ObjectKey("restart", "a") in informer.indexer
    finally:
        crash(first)
        if second is not None:
            crash(second)


class Pausable:
    """Forwards the calls leader election makes; while ``paused`` they fail as if the network were down."""

    def __init__(self, target: RestClient) -> None:
        self.target = target
        self.paused = False

    def _check(self) -> None:
        if self.paused:
            raise ConnectionFailed("paused by the test", sent=False)

    async def get(self, *args: Any, **kwargs: Any) -> Object:
        self._check()
        return await self.target.get(*args, **kwargs)

    async def create(self, *args: Any, **kwargs: Any) -> Object:
        self._check()
        return await self.target.create(*args, **kwargs)

    async def update(self, *args: Any, **kwargs: Any) -> Object:
        self._check()
        return await self.target.update(*args, **kwargs)


class Leading:
    def __init__(self) -> None:
        self.running = False

    async def __call__(self) -> None:
        self.running = True
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


async def test_leader_election_hand_over_and_expiry(apiserver: APIServerProcess) -> None:
    timings = {"lease_duration": 3, "renew_deadline": 2, "retry_period": 0.5}
    async with rest_client(apiserver) as client_a, rest_client(apiserver) as client_b:
        flaky = Pausable(client_a)
        a = LeaderElector(cast(Client, flaky), "default", "e2e-lock", "a", **timings)
        b = LeaderElector(client_b, "default", "e2e-lock", "b", **timings)
        lead_a, lead_b = Leading(), Leading()
        async with background(a.run(lead_a)) as task_a:
            await eventually(lambda: lead_a.running)
            async with background(b.run(lead_b)) as task_b:
                await asyncio.sleep(2)
                assert not lead_b.running  # a renews in time
                # a stops renewing: it gives up after renew_deadline, b takes over once the lease expired.
                flaky.paused = True
                await eventually(task_a.done, seconds=5)
                assert not lead_a.running and not a.is_leader
                await eventually(lambda: lead_b.running, seconds=8)
                lease = await client_b.get(r.LEASES, "e2e-lock", "default")
                assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == ("b", 1)
                # A clean shutdown releases at once: a new candidate does not wait for expiry.
                c = LeaderElector(client_a, "default", "e2e-lock", "c", **timings)
                lead_c = Leading()
                async with background(c.run(lead_c)):
                    await asyncio.sleep(1)
                    assert not lead_c.running
                    task_b.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task_b
                    loop = asyncio.get_running_loop()
                    released = loop.time()
                    await eventually(lambda: lead_c.running, seconds=5)
                    assert loop.time() - released < 2.0  # well under the 3 s lease duration


async def test_event_recorder_aggregates_repeats(apiserver: APIServerProcess) -> None:
    async with rest_client(apiserver) as client:
        target = await client.create(r.CONFIGMAPS, configmap("noisy", "default"))
        recorder = EventRecorder(client, "e2e-controller")
        async with background(recorder.run()):
            for _ in range(3):
                recorder.event(target, "Warning", "Flapping", "it happened again")
                await recorder.flush()
        events = await client.list(r.EVENTS, "default", field_selector="involvedObject.name=noisy")
        [event] = events["items"]
        assert (event["count"], event["reason"], event["type"]) == (3, "Flapping", "Warning")
        assert event["source"]["component"] == "e2e-controller"
        assert event["involvedObject"]["uid"] == target["metadata"]["uid"]
