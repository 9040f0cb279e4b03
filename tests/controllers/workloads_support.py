"""A FakeClient cluster for the workload controllers' unit tests: real informers, real work queues, a fake
clock, and a pretend kubelet that makes pods Ready when a test asks.

Nothing sleeps: :meth:`Cluster.until` yields to the event loop and, when everything is parked on the fake
clock (a back-off, an ``add_after``), moves the clock on a little.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from pinnace.client import resources
from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.informer import SharedInformerFactory
from pinnace.client.interface import Object
from pinnace.controllers.context import Controller, ControllerContext

CLOCK_STEP = 0.05
NAMESPACE = "default"


def rfc3339(clock: FakeClock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def pod_template(labels: dict[str, str], image: str = "nginx:1.27") -> Object:
    return {
        "metadata": {"labels": dict(labels)},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def replica_set(name: str, replicas: int, *, labels: dict[str, str] | None = None, **spec: Any) -> Object:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": pod_template(labels),
            **spec,
        },
    }


def deployment(name: str, replicas: int, *, image: str = "nginx:1.27", **spec: Any) -> Object:
    """A Deployment as the API server stores it after defaulting (RollingUpdate 25%/25%, history 10,
    progress deadline 600 s)."""
    labels = {"app": name}
    body: Object = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": pod_template(labels, image),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
    }
    body["spec"].update(spec)
    return body


def pod(name: str, labels: dict[str, str], **extra: Any) -> Object:
    body: Object = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict(labels)},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    }
    for key, value in extra.items():
        body.setdefault(key, {}).update(value)
    return body


@dataclass
class Cluster:
    client: FakeClient
    clock: FakeClock
    ctx: ControllerContext
    controllers: list[Controller]
    #: When true, the pretend kubelet marks every new pod Running and Ready.
    auto_ready: bool = False
    _readied: set[str] = field(default_factory=set)

    async def until(
        self, condition: Callable[[], bool], *, seconds: float = 60.0, step: float = CLOCK_STEP
    ) -> None:
        """Wait until ``condition()`` holds, advancing the fake clock (by ``step``) at most ``seconds``."""
        elapsed = 0.0
        while True:
            for _ in range(50):
                await self._kubelet()
                if condition():
                    return
                await asyncio.sleep(0)
            if elapsed >= seconds:
                raise AssertionError(f"condition never became true within {seconds} fake seconds")
            self.clock.advance(step)
            elapsed += step

    async def settle(self, seconds: float = 1.0) -> None:
        """Let everything run for a while of fake time (to show that something does NOT happen)."""
        elapsed = 0.0
        while elapsed < seconds:
            for _ in range(50):
                await self._kubelet()
                await asyncio.sleep(0)
            self.clock.advance(CLOCK_STEP)
            elapsed += CLOCK_STEP

    async def _kubelet(self) -> None:
        if not self.auto_ready:
            return
        for item in self.pods():
            uid = item["metadata"]["uid"]
            if uid not in self._readied and not item["metadata"].get("deletionTimestamp"):
                self._readied.add(uid)
                await self.make_ready(item["metadata"]["name"])

    async def make_ready(self, name: str, *, ready: bool = True, node: str = "") -> None:
        """What a kubelet reports for a started pod: Running, and Ready (or not)."""
        now = rfc3339(self.clock)
        status = {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now}
            ],
        }
        if node:
            await self.client.patch(resources.PODS, name, {"spec": {"nodeName": node}}, NAMESPACE)
        await self.client.patch(resources.PODS, name, {"status": status}, NAMESPACE, subresource="status")

    def pods(self, *, active: bool = True) -> list[Object]:
        items = self.client.objects(resources.PODS, NAMESPACE)
        if active:
            items = [p for p in items if not p["metadata"].get("deletionTimestamp")]
        return items

    def get(self, resource: resources.Resource, name: str) -> Object:
        for item in self.client.objects(resource, NAMESPACE):
            if item["metadata"]["name"] == name:
                return item
        raise KeyError(name)

    def status(self, resource: resources.Resource, name: str) -> Object:
        return dict(self.get(resource, name).get("status") or {})

    def events(self, reason: str = "") -> list[str]:
        """Messages of the Events recorded so far (optionally of one reason), oldest first."""
        items = self.client.objects(resources.EVENTS)
        items.sort(key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))
        return [e["message"] for e in items if not reason or e.get("reason") == reason]

    async def flush_events(self) -> None:
        for recorder in self.ctx.recorders:
            await recorder.flush()


@contextlib.asynccontextmanager
async def running(
    *builds: Callable[[ControllerContext], Controller],
    client: FakeClient | None = None,
    clock: FakeClock | None = None,
    workers: int = 2,
) -> AsyncIterator[Cluster]:
    """Build the controllers over one context, start informers, recorders and workers; cancel on exit."""
    clock = clock or FakeClock()
    client = client or FakeClient(clock=clock)
    informers = SharedInformerFactory(client, clock=clock)
    ctx = ControllerContext(client=client, informers=informers, clock=clock)
    controllers = [build(ctx) for build in builds]

    async def run_all() -> None:
        async with asyncio.TaskGroup() as group:
            informers.start(group)
            for recorder in ctx.recorders:
                group.create_task(recorder.run())
            for controller in controllers:
                group.create_task(controller.run(workers))

    task = asyncio.create_task(run_all())
    try:
        await informers.wait_for_cache_sync()
        yield Cluster(client, clock, ctx, controllers)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def copy_of(obj: Object) -> Object:
    return copy.deepcopy(obj)
