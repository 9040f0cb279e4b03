"""RestClient over a scripted in-process HTTP server on loopback: retries, error mapping, watch framing, and
that no aiohttp exception ever reaches a caller."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from pinnace.client import resources as r
from pinnace.client.clock import FakeClock
from pinnace.client.config import ClientConfig
from pinnace.client.errors import (
    ApiError,
    ConnectionFailed,
    Gone,
    NotFound,
    ServerError,
    TooManyRequests,
)
from pinnace.client.ratelimit import TokenBucket
from pinnace.client.rest import RestClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class InstantClock:
    """Real time for reading, but sleeps return at once and are recorded (retries without waiting)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def client_for(server: str, clock: InstantClock, **config: object) -> AsyncIterator[RestClient]:
    client = RestClient(ClientConfig(server=server, qps=0, **config), clock=clock)  # type: ignore[arg-type]
    try:
        yield client
    finally:
        await client.close()


def status(code: int, reason: str, message: str) -> web.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    return web.json_response(body, status=code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_reads_retry_5xx_with_backoff() -> None:
    calls: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        calls.append(request.method)
        if len(calls) < 3:
            return status(503, "ServiceUnavailable", "not yet")
        return web.json_response({"kind": "Pod", "metadata": {"name": "p"}})

    clock = InstantClock()
    async with serve(handler) as url, client_for(url, clock) as client:
        assert (await client.get(r.PODS, "p", "default"))["metadata"]["name"] == "p"
    assert calls == ["GET", "GET", "GET"]
    assert len(clock.sleeps) == 2 and 0.1 <= clock.sleeps[0] <= 0.2 and 0.2 <= clock.sleeps[1] <= 0.4


async def test_writes_do_not_retry_5xx_and_reads_give_up() -> None:
    calls: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        calls.append(request.method)
        return status(500, "InternalError", "boom")

    clock = InstantClock()
    async with serve(handler) as url, client_for(url, clock, max_retries=2) as client:
        with pytest.raises(ServerError, match="boom"):
            await client.create(r.CONFIGMAPS, {"metadata": {"name": "c", "namespace": "d"}})
        assert calls == ["POST"]
        with pytest.raises(ServerError):
            await client.list(r.CONFIGMAPS)
    assert calls == ["POST", "GET", "GET", "GET"]


async def test_429_with_retry_after_is_retried_for_any_verb_and_without_it_is_not() -> None:
    calls: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        calls.append(request.path)
        if request.path.endswith("/eviction"):
            return status(
                429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget."
            )
        if len(calls) == 1:
            response = status(429, "TooManyRequests", "slow down")
            response.headers["Retry-After"] = "3"
            return response
        return web.json_response({"kind": "ConfigMap", "metadata": {"name": "c"}}, status=201)

    clock = InstantClock()
    async with serve(handler) as url, client_for(url, clock) as client:
        await client.create(r.CONFIGMAPS, {"metadata": {"name": "c", "namespace": "d"}})
        assert clock.sleeps == [3.0]
        with pytest.raises(TooManyRequests, match="disruption budget"):
            await client.create(r.PODS, {"metadata": {"name": "p"}}, "d", subresource="eviction", name="p")
    assert len(calls) == 3


async def test_connection_refused_is_retried_even_for_writes() -> None:
    clock = InstantClock()
    async with client_for(f"http://127.0.0.1:{free_port()}", clock, max_retries=3) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.create(r.CONFIGMAPS, {"metadata": {"name": "c", "namespace": "d"}})
    assert caught.value.sent is False
    assert len(clock.sleeps) == 3


async def test_request_paths_bodies_and_content_types() -> None:
    seen: list[tuple[str, str, str, object]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        body = orjson.loads(await request.read()) if request.can_read_body else None
        seen.append((request.method, request.path_qs, request.headers.get("Content-Type", ""), body))
        return web.json_response({"kind": "X", "metadata": {}})

    clock = InstantClock()
    async with serve(handler) as url, client_for(url, clock, token="t0k") as client:
        await client.patch(r.DEPLOYMENTS, "web", {"spec": {"replicas": 2}}, "ns", patch_type="strategic")
        await client.patch(
            r.DEPLOYMENTS, "web", {"a": 1}, "ns", patch_type="apply", field_manager="m", force=True
        )
        await client.delete(r.PODS, "p", "ns", grace_period_seconds=0, propagation_policy="Background")
        await client.update(r.PODS, {"metadata": {"name": "p", "namespace": "ns"}}, subresource="status")
        await client.list(r.PODS, label_selector="app=web,tier!=db", limit=500, resource_version="0")
    assert seen[0][:3] == (
        "PATCH",
        "/apis/apps/v1/namespaces/ns/deployments/web",
        "application/strategic-merge-patch+json",
    )
    assert seen[1][:3] == (
        "PATCH",
        "/apis/apps/v1/namespaces/ns/deployments/web?fieldManager=m&force=true",
        "application/apply-patch+yaml",
    )
    assert seen[2][3] == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Background",
        "gracePeriodSeconds": 0,
    }
    assert seen[3][:2] == ("PUT", "/api/v1/namespaces/ns/pods/p/status")
    assert seen[4][1] == "/api/v1/pods?labelSelector=app%3Dweb,tier!%3Ddb&limit=500&resourceVersion=0"


async def test_plain_text_errors_become_typed_errors() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404, text="404 page not found")

    async with serve(handler) as url, client_for(url, InstantClock()) as client:
        with pytest.raises(
            NotFound, match=r"the server could not find the requested resource \(get pods p1\)"
        ):
            await client.get(r.PODS, "p1", "default")


async def test_watch_frames_long_lines_across_chunks_and_maps_error_events() -> None:
    big = "x" * (3 * 1024 * 1024)

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        first = (
            orjson.dumps(
                {
                    "type": "ADDED",
                    "object": {"metadata": {"name": "a", "resourceVersion": "5"}, "data": {"big": big}},
                }
            )
            + b"\n"
        )
        second = orjson.dumps(
            {"type": "MODIFIED", "object": {"metadata": {"name": "a", "resourceVersion": "6"}}}
        )
        await response.write(first[:1000])
        await response.write(first[1000:] + second[:10])
        await response.write(second[10:] + b"\n\n")
        if request.query.get("resourceVersion") == "1":
            error = {
                "kind": "Status",
                "code": 410,
                "reason": "Expired",
                "message": "too old resource version: 1 (5)",
            }
            await response.write(orjson.dumps({"type": "ERROR", "object": error}) + b"\n")
        await response.write_eof()
        return response

    async with serve(handler) as url, client_for(url, InstantClock()) as client:
        async with contextlib.aclosing(client.watch(r.CONFIGMAPS, "d", resource_version="5")) as stream:
            events = [event async for event in stream]
        assert [(e.type, e.resource_version) for e in events] == [("ADDED", "5"), ("MODIFIED", "6")]
        assert events[0].object["data"]["big"] == big
        with pytest.raises(Gone, match="too old resource version"):
            async with contextlib.aclosing(client.watch(r.CONFIGMAPS, "d", resource_version="1")) as stream:
                async for _ in stream:
                    pass


async def cut_short(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b'{"type":"ADDED","object":{"metadata":{"name":"a"')
    assert request.transport is not None
    request.transport.close()
    return response


async def not_json(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>proxy</html>", content_type="text/html")


@pytest.mark.parametrize(
    ("handler", "operation", "expected"),
    [
        (cut_short, "get", ConnectionFailed),
        (cut_short, "watch", ConnectionFailed),
        (not_json, "get", ServerError),
        (None, "get", ConnectionFailed),
        ("tls", "get", ConnectionFailed),
    ],
    ids=[
        "response cut short",
        "watch stream cut short",
        "a 200 that is not JSON",
        "connection refused",
        "TLS to a plain HTTP server",
    ],
)
async def test_no_aiohttp_exception_leaks(
    handler: Handler | str | None, operation: str, expected: type
) -> None:
    async def run(url: str) -> None:
        async with client_for(url, InstantClock(), max_retries=1) as client:
            if operation == "get":
                await client.get(r.PODS, "p", "default")
            else:
                async with contextlib.aclosing(client.watch(r.PODS)) as stream:
                    async for _ in stream:
                        pass

    with pytest.raises(ApiError) as caught:
        if handler is None:
            await run(f"http://127.0.0.1:{free_port()}")
        else:
            async with serve(cut_short if handler == "tls" else handler) as url:  # type: ignore[arg-type]
                await run(url.replace("http://", "https://") if handler == "tls" else url)
    assert type(caught.value) is expected
    assert not isinstance(caught.value, aiohttp.ClientError)


async def test_token_bucket_allows_a_burst_then_paces() -> None:
    clock = FakeClock()
    bucket = TokenBucket(qps=2, burst=3, clock=clock)
    for _ in range(3):
        await bucket.acquire()  # the bucket starts full
    assert not bucket.try_accept()
    waiter = asyncio.create_task(bucket.acquire())
    await clock.wait_for_sleepers(1)
    await clock.step(0.4)
    assert not waiter.done()
    await clock.step(0.1)
    assert waiter.done()
    await clock.step(10)
    assert [bucket.try_accept() for _ in range(4)] == [True, True, True, False]  # refilled to burst, no more


async def test_close_ends_open_watches() -> None:
    finished = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b'{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}\n')
        await finished.wait()
        return response

    async with serve(endless) as url:
        client = RestClient(ClientConfig(server=url, qps=0), clock=InstantClock())
        stream = client.watch(r.PODS)
        async with contextlib.aclosing(stream):
            assert (await anext(stream)).type == "ADDED"
            pending = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(0.05)
            await client.close()
            async with asyncio.timeout(2):
                with pytest.raises(ConnectionFailed):
                    await pending
        finished.set()


async def test_a_rotating_token_file_is_re_read(tmp_path: Path) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"kind": "Pod", "metadata": {}})

    token_file = tmp_path / "token"
    token_file.write_text("first\n")
    clock = FakeClock()
    async with serve(handler) as url:
        client = RestClient(ClientConfig(server=url, qps=0, token_file=token_file), clock=clock)
        try:
            await client.get(r.PODS, "p", "d")
            token_file.write_text("second\n")
            await client.get(r.PODS, "p", "d")  # still cached
            clock.advance(61)
            await client.get(r.PODS, "p", "d")
        finally:
            await client.close()
    assert seen == ["Bearer first", "Bearer first", "Bearer second"]
