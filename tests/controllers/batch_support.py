"""A FakeClient cluster for the Job, CronJob and TTL-after-finished controllers' unit tests.

Objects are built as the API server stores them (defaulted, Jobs with their generated selector), the
controllers run with real informers and work queues on a fake clock, and a test plays the kubelet by
setting pod phases. Nothing sleeps: :meth:`Batch.until` yields to the loop and moves the fake clock on in
small steps while the code under test waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from pinnace.api.defaults import apply_defaults, job_generated_selector
from pinnace.client import resources
from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.informer import SharedInformerFactory
from pinnace.client.interface import Object
from pinnace.controllers.context import Controller, ControllerContext

NAMESPACE = "default"
CLOCK_STEP = 0.05


def job(name: str, *, command: str = "true", labels: dict[str, str] | None = None, **spec: Any) -> Object:
    """A Job as stored after defaulting and selector generation (uid ``uid-<name>``)."""
    body: Object = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}"},
        "spec": {
            "template": {
                "metadata": {"labels": dict(labels or {})},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox", "command": [command]}],
                },
            },
            **spec,
        },
    }
    apply_defaults(body)
    job_generated_selector(body, f"uid-{name}")
    return body


def cron_job(name: str, schedule: str, **spec: Any) -> Object:
    body: Object = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}"},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "main", "image": "busybox", "command": ["date"]}],
                        }
                    }
                }
            },
            **spec,
        },
    }
    apply_defaults(body)
    return body


@dataclass
class Batch:
    client: FakeClient
    clock: FakeClock
    ctx: ControllerContext

    async def until(
        self, condition: Callable[[], bool], *, seconds: float = 60.0, step: float = CLOCK_STEP
    ) -> None:
        """Wait until ``condition()`` holds, advancing the fake clock by ``step`` at a time, at most
        ``seconds`` in total."""
        elapsed = 0.0
        while True:
            # Conditions read copies of the fake store: check once per batch of loop turns, not per turn.
            if condition():
                return
            for _ in range(50):
                await asyncio.sleep(0)
            if condition():
                return
            if elapsed >= seconds:
                raise AssertionError(f"condition never became true within {seconds} fake seconds")
            self.clock.advance(step)
            elapsed += step

    async def settle(self, seconds: float = 2.0, *, step: float = CLOCK_STEP) -> None:
        """Let the controllers run for ``seconds`` of fake time (to show something does NOT happen)."""
        elapsed = 0.0
        while elapsed < seconds:
            for _ in range(50):
                await asyncio.sleep(0)
            self.clock.advance(step)
            elapsed += step

    # Reading ----------------------------------------------------------------------------------------------

    def job(self, name: str) -> Object:
        return self.get(resources.JOBS, name)

    def get(self, resource: resources.Resource, name: str) -> Object:
        for item in self.client.objects(resource, NAMESPACE):
            if item["metadata"]["name"] == name:
                return item
        raise KeyError(name)

    def exists(self, resource: resources.Resource, name: str) -> bool:
        return any(i["metadata"]["name"] == name for i in self.client.objects(resource, NAMESPACE))

    def pods(self, *, active_only: bool = False) -> list[Object]:
        items = self.client.objects(resources.PODS, NAMESPACE)
        if active_only:
            items = [
                p
                for p in items
                if not p["metadata"].get("deletionTimestamp")
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            ]
        return items

    def condition(self, obj: Object, condition_type: str) -> Object | None:
        for condition in (obj.get("status") or {}).get("conditions") or []:
            if condition["type"] == condition_type:
                return dict(condition)
        return None

    def has_condition(self, name: str, condition_type: str, status: str = "True") -> bool:
        found = self.condition(self.job(name), condition_type)
        return found is not None and found["status"] == status

    async def events(self, reason: str = "") -> list[str]:
        """Messages of the Events written so far (optionally of one reason), oldest first."""
        for recorder in self.ctx.recorders:
            await recorder.flush()
        items = self.client.objects(resources.EVENTS)
        items.sort(key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))
        return [e["message"] for e in items if not reason or e.get("reason") == reason]

    # Playing the kubelet ----------------------------------------------------------------------------------

    async def finish_pod(self, name: str, phase: str, *, exit_code: int | None = None) -> None:
        """Move a pod to ``Succeeded``/``Failed`` (optionally with a terminated container's exit code)."""
        status: Object = {"phase": phase}
        if exit_code is not None:
            status["containerStatuses"] = [
                {
                    "name": "main",
                    "state": {"terminated": {"exitCode": exit_code, "reason": "Error"}},
                    "ready": False,
                    "restartCount": 0,
                    "image": "busybox",
                    "imageID": "",
                }
            ]
        await self.client.patch(resources.PODS, name, {"status": status}, NAMESPACE, subresource="status")

    async def run_pod(self, name: str, *, ready: bool = True) -> None:
        stamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        status = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": str(ready), "lastTransitionTime": stamp}],
        }
        await self.client.patch(resources.PODS, name, {"status": status}, NAMESPACE, subresource="status")


@contextlib.asynccontextmanager
async def running(
    *builds: Callable[[ControllerContext], Controller],
    seed: dict[resources.Resource, list[Object]] | None = None,
    workers: int = 2,
) -> AsyncIterator[Batch]:
    """Seed objects, build the controllers over one context, run informers, recorders and workers; all is
    cancelled on exit."""
    clock = FakeClock()
    client = FakeClient(clock=clock)
    for resource, items in (seed or {}).items():
        client.seed(resource, *(copy.deepcopy(item) for item in items))
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
        yield Batch(client, clock, ctx)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
