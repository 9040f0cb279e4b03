"""Informer and SharedInformerFactory over FakeClient: sync, events, re-watch, relist on Gone, back-off."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.errors import ServerError
from pinnace.client.fake import FakeClient
from pinnace.client.informer import Informer, SharedInformerFactory
from pinnace.client.interface import Object
from pinnace.client.keys import ObjectKey


def cm(name: str, **data: str) -> Object:
    return {"metadata": {"name": name, "namespace": "d"}, "data": data}


class Recorder:
    """Handlers that record what they saw as (event, name) pairs."""

    def __init__(self, informer: Informer) -> None:
        self.seen: list[tuple[str, str]] = []
        informer.add_handler(
            lambda o: self.seen.append(("add", o["metadata"]["name"])),
            lambda old, new: self.seen.append(("update", new["metadata"]["name"])),
            lambda o: self.seen.append(("delete", o["metadata"]["name"])),
        )

    def take(self) -> list[tuple[str, str]]:
        seen, self.seen = self.seen, []
        return seen


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


@contextlib.asynccontextmanager
async def running(informer: Informer) -> AsyncIterator[None]:
    task = asyncio.create_task(informer.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_lists_then_follows_the_watch() -> None:
    client = FakeClient()
    await client.create(r.CONFIGMAPS, cm("a"))
    informer = Informer(client, r.CONFIGMAPS, clock=FakeClock())
    seen = Recorder(informer)
    async with running(informer):
        await informer.wait_synced()
        assert seen.take() == [("add", "a")]
        await client.create(r.CONFIGMAPS, cm("b"))
        await client.patch(r.CONFIGMAPS, "a", {"data": {"k": "v"}}, "d")
        await client.delete(r.CONFIGMAPS, "b", "d")
        await until(lambda: len(seen.seen) == 3)
        assert seen.take() == [("add", "b"), ("update", "a"), ("delete", "b")]
        cached = informer.indexer.get(ObjectKey("d", "a"))
        assert cached is not None and cached["data"] == {"k": "v"}
        assert informer.indexer.get(ObjectKey("d", "b")) is None


async def test_lists_in_pages_of_500() -> None:
    client = FakeClient()
    client.seed(r.CONFIGMAPS, *(cm(f"c{i:04}") for i in range(1200)))
    informer = Informer(client, r.CONFIGMAPS, clock=FakeClock())
    async with running(informer):
        await informer.wait_synced()
    assert len(informer.indexer) == 1200
    assert len(client.actions_of("list")) == 3


async def test_resumes_from_the_last_resource_version_when_the_server_ends_the_watch() -> None:
    client = FakeClient()
    informer = Informer(client, r.CONFIGMAPS, clock=FakeClock())
    seen = Recorder(informer)
    async with running(informer):
        await informer.wait_synced()
        await client.create(r.CONFIGMAPS, cm("a"))
        await until(lambda: len(seen.seen) == 1)
        # The server times the watch out; a change lands before the informer watches again.
        client.end_watches()
        await client.create(r.CONFIGMAPS, cm("b"))
        await until(lambda: len(seen.seen) == 2)
        assert seen.take() == [("add", "a"), ("add", "b")]
    assert (informer.list_count, informer.watch_count) == (1, 2)


async def test_relists_on_gone_and_synthesises_what_was_missed() -> None:
    client = FakeClient()
    for name in "abc":
        await client.create(r.CONFIGMAPS, cm(name))
    clock = FakeClock()
    informer = Informer(client, r.CONFIGMAPS, clock=clock)
    seen = Recorder(informer)
    async with running(informer):
        await informer.wait_synced()
        seen.take()
        # Nothing of the following reaches the informer's task until it runs again: the watch ends, the
        # objects change, and the history is compacted, so re-watching from the last version is Gone.
        client.end_watches()
        await client.delete(r.CONFIGMAPS, "a", "d")
        await client.patch(r.CONFIGMAPS, "b", {"data": {"x": "y"}}, "d")
        await client.create(r.CONFIGMAPS, cm("z"))
        client.compact()
        # A watch that ended at once with nothing delivered waits out a back-off before the next one.
        await clock.wait_for_sleepers(1)
        await clock.step(2)
        await until(lambda: informer.list_count == 2 and len(seen.seen) == 3)
        assert sorted(seen.take()) == [("add", "z"), ("delete", "a"), ("update", "b")]
        relist = client.actions_of("list")[-1]
        assert relist.resource == "configmaps"
        assert sorted(k.name for k in informer.indexer.keys()) == ["b", "c", "z"]


async def test_backs_off_after_a_failed_list() -> None:
    clock = FakeClock()
    client = FakeClient()
    client.fail_next("list", "configmaps", ServerError({"code": 500, "message": "down"}))
    informer = Informer(client, r.CONFIGMAPS, clock=clock)
    async with running(informer):
        await clock.wait_for_sleepers(1)
        assert not informer.has_synced
        await clock.step(1.7)  # at most 0.8 s plus 100 % jitter
        await informer.wait_synced()
    assert informer.list_count == 2


async def test_resync_redelivers_everything_and_late_handlers_get_adds() -> None:
    clock = FakeClock()
    client = FakeClient()
    await client.create(r.CONFIGMAPS, cm("a"))
    informer = Informer(client, r.CONFIGMAPS, resync_seconds=30, clock=clock)
    early = Recorder(informer)
    async with running(informer):
        await informer.wait_synced()
        late = Recorder(informer)
        assert late.take() == [("add", "a")]
        await clock.wait_for_sleepers(1)
        await clock.step(30)
        await until(lambda: len(early.seen) == 2)
        assert early.take() == [("add", "a"), ("update", "a")]


async def test_a_failing_handler_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    informer = Informer(client, r.CONFIGMAPS, clock=FakeClock())

    def broken(obj: Object) -> None:
        raise RuntimeError("bug")

    informer.add_handler(on_add=broken)
    seen = Recorder(informer)
    async with running(informer):
        await informer.wait_synced()
        await client.create(r.CONFIGMAPS, cm("a"))
        await until(lambda: len(seen.seen) == 1)
    assert "event handler" in caplog.text and "d/a" in caplog.text


async def test_factory_shares_informers_and_waits_for_sync() -> None:
    client = FakeClient()
    await client.create(r.PODS, {"metadata": {"name": "p", "namespace": "d"}, "spec": {"nodeName": "n"}})
    factory = SharedInformerFactory(client, clock=FakeClock())
    pods = factory.informer(r.PODS)
    assert factory.informer(r.PODS) is pods
    assert factory.informer(r.PODS, "d") is not pods
    on_node = factory.informer(r.PODS, field_selector="spec.nodeName=n")
    with contextlib.suppress(asyncio.CancelledError):
        async with asyncio.TaskGroup() as group:
            factory.start(group)
            await factory.wait_for_cache_sync()
            assert pods.has_synced and len(on_node.indexer) == 1
            raise asyncio.CancelledError  # leave the group: cancels the informers
