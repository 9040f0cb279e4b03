"""gRPC plumbing for the etcd store: the URL, the channel, protobuf conversion, and error translation.

Everything that touches ``grpc`` objects directly lives here or in :mod:`pinnace.storage.etcd_watch`;
both turn every gRPC failure into a :mod:`pinnace.storage.errors` exception before it leaves them.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
from aetcd import rpc

from pinnace.storage.errors import StorageError, StoreClosedError, StoreUnavailableError
from pinnace.storage.interface import KeyValue, prefix_end

DEFAULT_PORT = 2379

# gRPC clients refuse responses over 4 MiB by default. One watch event can carry a 1.5 MiB value
# plus its 1.5 MiB previous value, so leave room above that; lists are paged far below it anyway
# (see pinnace.storage.etcd_list).
MAX_RECEIVE_BYTES = 16 * 1024 * 1024

CHANNEL_OPTIONS: list[tuple[str, int]] = [
    ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
    # Notice a dead etcd under an idle watch; same numbers as kube-apiserver's etcd client
    # (keepalive time 30s, timeout 10s). etcd permits pings every 5s (--grpc-keepalive-min-time).
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # gRPC core stops sending keepalive pings after two without data frames unless told otherwise.
    ("grpc.http2.max_pings_without_data", 0),
    # gRPC backs off up to 120s between reconnects by default; a restarted etcd should be found
    # again within seconds, since every request fails fast while the channel is down.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 5_000),
]

# Exact messages of etcd's server errors (go.etcd.io/etcd/etcdserver/api/v3rpc/rpctypes/error.go).
_ERR_COMPACTED = "etcdserver: mvcc: required revision has been compacted"
_ERR_FUTURE_REV = "etcdserver: mvcc: required revision is a future revision"
_ERR_REQUEST_TOO_LARGE = "etcdserver: request is too large"
# gRPC core's own wording when a response exceeds grpc.max_receive_message_length.
_ERR_RESPONSE_TOO_LARGE = "larger than max"


@dataclass(frozen=True, slots=True)
class EtcdOptions:
    """What an ``etcd://`` URL says: ``etcd://host:port[,host:port...][?timeout=SECONDS]``."""

    endpoints: tuple[str, ...]
    request_timeout: float = 30.0
    connect_timeout: float = 5.0

    @classmethod
    def from_url(cls, url: str) -> EtcdOptions:
        parts = urlsplit(url)
        if parts.scheme != "etcd":
            raise ValueError(f"not an etcd URL: {url!r}")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError(f"etcd URL {url!r} must name only endpoints, like etcd://127.0.0.1:2379")
        endpoints = tuple(_endpoint(item, url) for item in parts.netloc.split(",") if item)
        if not endpoints:
            raise ValueError(f"etcd URL {url!r} names no endpoint; use etcd://127.0.0.1:2379")
        query = parse_qs(parts.query, keep_blank_values=True)
        # TLS arrives here later (etcds:// or ?cacert=&cert=&key=, like kube-apiserver's
        # --etcd-cafile/--etcd-certfile/--etcd-keyfile); until then unknown parameters fail loudly
        # rather than silently connecting in plain text.
        unknown = sorted(set(query) - {"timeout"})
        if unknown:
            raise ValueError(f"etcd URL {url!r}: unsupported parameter(s) {unknown}; supported: timeout")
        options = cls(endpoints)
        if "timeout" in query:
            timeout = float(query["timeout"][-1])
            if timeout <= 0:
                raise ValueError(f"etcd URL {url!r}: timeout must be positive")
            options = cls(endpoints, request_timeout=timeout, connect_timeout=min(timeout, 5.0))
        return options


def _endpoint(item: str, url: str) -> str:
    """``host[:port]`` or ``[v6addr][:port]`` as a gRPC target ``host:port``."""
    host, sep, port = item.rpartition(":")
    if not sep or host.endswith(":") or (item.startswith("[") and not host.endswith("]")):
        host, port = item, str(DEFAULT_PORT)  # no port, or a bare IPv6 address in brackets
    if not host or not port.isdigit():
        raise ValueError(f"etcd URL {url!r}: bad endpoint {item!r}; expected host:port")
    return f"{host}:{port}"


def open_channel(endpoint: str) -> Any:
    """A gRPC channel to one etcd member; connects lazily.

    This is the one place TLS will go: ``rpc.secure_channel(endpoint, grpc.ssl_channel_credentials(
    ca, key, cert), ...)``. aetcd's own Client cannot do TLS, which is one reason the store drives
    aetcd's generated stubs directly.
    """
    return rpc.insecure_channel(endpoint, options=CHANNEL_OPTIONS)


class RpcFailure(enum.Enum):
    COMPACTED = "compacted"
    FUTURE_REVISION = "future revision"
    REQUEST_TOO_LARGE = "request too large"
    RESPONSE_TOO_LARGE = "response too large"
    UNAVAILABLE = "unavailable"


class EtcdRpcError(StoreUnavailableError):
    """A failed etcd call, classified. Callers turn the revision failures into CompactedError /
    FutureRevisionError / ValueTooLargeError; any that escape are still StoreUnavailableErrors."""

    def __init__(self, failure: RpcFailure, endpoint: str, detail: str) -> None:
        super().__init__(f"etcd at {endpoint}: {detail}")
        self.failure = failure


def is_rpc_error(err: BaseException) -> bool:
    """True for anything raised by grpc or aetcd (AioRpcError, UsageError on a closed channel, ...)."""
    return isinstance(err, grpc.RpcError) or type(err).__module__.split(".")[0] in ("grpc", "aetcd")


def classify(err: BaseException) -> tuple[RpcFailure, str]:
    """What a gRPC error means for the store, and its detail text."""
    if not isinstance(err, grpc.aio.AioRpcError):
        return RpcFailure.UNAVAILABLE, f"{type(err).__name__}: {err}"
    code, detail = err.code(), str(err.details() or "")
    if code == grpc.StatusCode.OUT_OF_RANGE and detail == _ERR_COMPACTED:
        return RpcFailure.COMPACTED, detail
    if code == grpc.StatusCode.OUT_OF_RANGE and detail == _ERR_FUTURE_REV:
        return RpcFailure.FUTURE_REVISION, detail
    if code == grpc.StatusCode.INVALID_ARGUMENT and detail == _ERR_REQUEST_TOO_LARGE:
        return RpcFailure.REQUEST_TOO_LARGE, detail
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and _ERR_RESPONSE_TOO_LARGE in detail:
        return RpcFailure.RESPONSE_TOO_LARGE, detail
    return RpcFailure.UNAVAILABLE, f"{code.name}: {detail}"


class EtcdConnection:
    """One channel to one etcd member, with aetcd's stubs and a translated ``call``."""

    def __init__(self, endpoint: str, channel: Any, options: EtcdOptions) -> None:
        self.endpoint = endpoint
        self.options = options
        self.closed = False
        self._channel = channel
        self.kv: Any = rpc.KVStub(channel)
        self.watch: Any = rpc.WatchStub(channel)
        self.maintenance: Any = rpc.MaintenanceStub(channel)

    async def call(self, method: Any, request: Any, *, deadline: float | None = None) -> Any:
        """Send one unary request; raises only storage errors (EtcdRpcError for etcd's failures).

        ``deadline`` (seconds, default the URL's timeout) travels with the request as a gRPC
        deadline, so etcd stops working on it too.
        """
        if self.closed:
            raise StoreClosedError("the etcd store is closed")
        try:
            return await method(request, timeout=deadline or self.options.request_timeout)
        except asyncio.CancelledError:
            if self.cancelled_by_close():
                raise StoreClosedError("the etcd store was closed while the operation was pending") from None
            raise
        except Exception as err:
            if not is_rpc_error(err):
                raise
            raise self.error(err) from err

    def cancelled_by_close(self) -> bool:
        """Whether a CancelledError came from close(), not from cancelling the caller's task.

        grpc.aio raises asyncio.CancelledError from a call that the channel's close() cancelled
        (grpc/aio/_call.py, _raise_for_status), although nobody cancelled the task. That one is a
        closed store; a real task cancellation (``cancelling()`` > 0) must propagate untouched.
        """
        task = asyncio.current_task()
        return self.closed and (task is None or task.cancelling() == 0)

    def error(self, err: BaseException) -> StorageError:
        """The storage error for a gRPC failure; StoreClosedError once close() has begun, because
        closing the channel fails every pending call with CANCELLED."""
        if self.closed:
            return StoreClosedError("the etcd store was closed while the operation was pending")
        failure, detail = classify(err)
        return EtcdRpcError(failure, self.endpoint, detail)

    async def close(self) -> None:
        self.closed = True
        await self._channel.close()


async def connect(options: EtcdOptions) -> EtcdConnection:
    """Connect to the first endpoint that answers.

    Fail-over between members on later errors is the HA issue's job; for now one reachable member
    is enough because etcd forwards writes to the leader itself.
    """
    failures: list[str] = []
    for endpoint in options.endpoints:
        connection = EtcdConnection(endpoint, open_channel(endpoint), options)
        try:
            await connection.call(connection.kv.Range, probe_request(), deadline=options.connect_timeout)
        except StoreUnavailableError as err:
            failures.append(str(err))
            await connection.close()
            continue
        return connection
    raise StoreUnavailableError("no etcd endpoint answered: " + "; ".join(failures))


def probe_request(revision: int = 0) -> Any:
    """The cheapest read etcd serves: count one key that Pinnace never writes.

    Its response header carries the current revision, and at ``revision`` it tells whether that
    revision has been compacted (etcd checks the revision before looking at keys).
    """
    return rpc.RangeRequest(key=b"/pinnace/probe", count_only=True, revision=revision)


def encode_key(key: str) -> bytes:
    """A key on the wire: UTF-8. etcd keys are bytes, and other clients (etcdctl, a shared
    cluster) may have written ones that are not UTF-8; ``surrogateescape`` carries those through
    decode_key and back unchanged instead of failing on them."""
    return key.encode("utf-8", "surrogateescape")


def decode_key(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def key_range(prefix: str) -> tuple[bytes, bytes]:
    """etcd's [key, range_end) for a prefix; the empty prefix is the whole keyspace ("\\0", "\\0")."""
    if not prefix:
        return b"\0", b"\0"
    # UTF-8 preserves code point order, so the encoded prefix_end bounds the encoded prefix.
    return encode_key(prefix), encode_key(prefix_end(prefix))


def to_key_value(kv: Any, *, mod_revision: int = 0) -> KeyValue:
    return KeyValue(
        key=decode_key(bytes(kv.key)),
        value=bytes(kv.value),
        create_revision=int(kv.create_revision),
        mod_revision=mod_revision or int(kv.mod_revision),
    )


def to_key_values(kvs: Sequence[Any]) -> list[KeyValue]:
    return [to_key_value(kv) for kv in kvs]
