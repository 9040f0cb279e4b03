"""HTTP to the API server: one aiohttp session, rate limiting, retries, and error translation.

What client-go's ``rest.Request`` does around each call, reproduced:

* every request first takes a token from the client's bucket (:mod:`pinnace.client.ratelimit`), retries too;
* a 429 is retried when the server names a delay (``Retry-After``, which API Priority and Fairness always
  sends) or the verb is a read; a 5xx only for reads (GET, LIST, the start of a WATCH); a transport failure
  for reads, and for writes only when the connection was refused, i.e. the request was certainly never sent
  (``request.go`` ``IsRetryableError`` / ``checkWait``). Delays grow exponentially with jitter, or are the
  server's ``Retry-After``;
* an error response becomes the :mod:`pinnace.client.errors` class its Status names; nothing from aiohttp,
  ``ssl`` or ``socket`` escapes.

Watch responses are streamed line by line (the API server frames events with ``\\n``). Lines are assembled
from chunks by hand: aiohttp's ``readline`` refuses lines over its buffer limit, and a watch event carrying a
large object (a ConfigMap near 1 MiB) is one line.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from yarl import URL

from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.config import ClientConfig
from pinnace.client.errors import (
    ApiError,
    ConnectionFailed,
    error_from_status,
    generic_server_error,
)
from pinnace.client.ratelimit import TokenBucket
from pinnace.client.tls import ssl_context

log = logging.getLogger(__name__)

# Back-off between retries: 100 ms doubling to 5 s, plus up to 100 % jitter (wait.Backoff Jitter=1).
RETRY_BASE_SECONDS = 0.1
RETRY_MAX_SECONDS = 5.0
# A Retry-After longer than this is not waited for; the error goes to the caller.
RETRY_AFTER_MAX_SECONDS = 60.0
# client-go's cached token file source re-reads a rotating service account token this often.
TOKEN_FILE_REFRESH_SECONDS = 60.0
# Extra read allowance beyond a watch's timeoutSeconds before a silent stream counts as dead.
WATCH_READ_GRACE_SECONDS = 30.0

_TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError, OSError, ssl.SSLError)


@dataclass(frozen=True, slots=True)
class Call:
    """One API call: what is sent, and how errors are worded and retried."""

    method: str
    path: str
    verb: str  # the Kubernetes verb, for generic error messages: get, list, create, watch...
    resource: str = ""  # "pods", "deployments.apps"
    name: str = ""
    params: Mapping[str, str] | None = None
    body: bytes | None = None
    content_type: str = "application/json"

    @property
    def idempotent(self) -> bool:
        return self.method == "GET"


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """The wait before retry number ``attempt`` (0-based)."""
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * (2**attempt))
    return float(base * (1.0 + rng.random()))


def should_retry(call: Call, error: ApiError, retry_after: float | None) -> bool:
    """Whether a failed attempt may be repeated (see the module docstring)."""
    if isinstance(error, ConnectionFailed):
        return call.idempotent or not error.sent
    if error.code == 429:
        return retry_after is not None or call.idempotent
    return error.code >= 500 and call.idempotent


class Transport:
    """The session and the policies around it; one per :class:`~pinnace.client.rest.RestClient`."""

    def __init__(
        self, config: ClientConfig, *, clock: Clock = REAL_CLOCK, rng: random.Random | None = None
    ) -> None:
        self.config = config
        self._clock = clock
        self._rng = rng or random.Random()
        self._limiter = TokenBucket(config.qps, config.burst, clock=clock)
        self._session: aiohttp.ClientSession | None = None
        self._session_lock = asyncio.Lock()
        self._token = config.token
        self._token_read_at = clock.monotonic()
        self._closed = False
        self._streams: set[aiohttp.ClientResponse] = set()

    async def close(self) -> None:
        self._closed = True
        # Closing the session leaves a streaming read waiting forever; end open watches explicitly.
        for response in list(self._streams):
            response.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ConnectionFailed("the client is closed", sent=False)
        async with self._session_lock:
            if self._session is None:
                tls: ssl.SSLContext | bool = False
                if self.config.server.startswith("https://"):
                    tls = await asyncio.to_thread(ssl_context, self.config)
                # Watches hold a connection each; do not let them starve ordinary requests of a slot.
                connector = aiohttp.TCPConnector(ssl=tls, limit=0)
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    headers={"User-Agent": self.config.user_agent, "Accept": "application/json"},
                )
            return self._session

    async def _headers(self, content_type: str | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if content_type:
            headers["Content-Type"] = content_type
        token_file = self.config.token_file
        if token_file is not None and (
            self._token is None or self._clock.monotonic() - self._token_read_at > TOKEN_FILE_REFRESH_SECONDS
        ):
            try:
                self._token = (await asyncio.to_thread(token_file.read_text)).strip()
                self._token_read_at = self._clock.monotonic()
            except OSError as err:  # keep the last token, as client-go does
                log.warning("cannot re-read token file %s: %s", token_file, err)
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _url(self, call: Call) -> URL:
        url = URL(self.config.server + call.path, encoded=True)
        return url.update_query(dict(call.params)) if call.params else url

    async def request(self, call: Call) -> Any:
        """Send ``call`` (with retries) and return its decoded JSON answer."""
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        response = await self._send(call, timeout)
        try:
            data = await response.read()
        except _TRANSPORT_ERRORS as err:
            raise ConnectionFailed(f"{call.method} {call.path}: {err}") from err
        finally:
            response.release()
        return _decode(data, call)

    async def stream_lines(self, call: Call, read_timeout: float | None) -> AsyncIterator[bytes]:
        """Send ``call`` and yield its body line by line until the server ends it."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.config.timeout, sock_read=read_timeout)
        response = await self._send(call, timeout)
        self._streams.add(response)
        pending = bytearray()
        try:
            async for chunk in response.content.iter_any():
                pending += chunk
                start = 0
                while (end := pending.find(b"\n", start)) >= 0:
                    line = bytes(pending[start:end])
                    start = end + 1
                    if line.strip():
                        yield line
                del pending[:start]
            if pending.strip():
                yield bytes(pending)
        except _TRANSPORT_ERRORS as err:
            raise ConnectionFailed(f"watch {call.path}: stream broken: {err or type(err).__name__}") from err
        finally:
            self._streams.discard(response)
            response.close()

    async def _send(self, call: Call, limits: aiohttp.ClientTimeout) -> aiohttp.ClientResponse:
        session = await self._get_session()
        url = self._url(call)
        attempt = 0
        while True:
            await self._limiter.acquire()
            headers = await self._headers(call.content_type if call.body is not None else None)
            retry_after: float | None = None
            try:
                response = await session.request(
                    call.method, url, data=call.body, headers=headers, timeout=limits, allow_redirects=False
                )
            except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as err:
                raise ConnectionFailed(f"{call.method} {call.path}: TLS: {err}", sent=False) from err
            except aiohttp.ClientConnectorError as err:
                error: ApiError = ConnectionFailed(f"{call.method} {call.path}: {err}", sent=False)
                cause: BaseException = err
            except _TRANSPORT_ERRORS as err:
                error = ConnectionFailed(f"{call.method} {call.path}: {err or type(err).__name__}")
                cause = err
            else:
                if response.status < 400:
                    return response
                try:
                    data = await response.read()
                except _TRANSPORT_ERRORS:
                    data = b""
                finally:
                    response.release()
                error = _error_response(response.status, response.headers.get("Content-Type", ""), data, call)
                retry_after = _retry_after(response.headers.get("Retry-After"), error)
                cause = error
            if attempt >= self.config.max_retries or not should_retry(call, error, retry_after):
                raise error from (cause if cause is not error else None)
            delay = retry_after if retry_after is not None else backoff_delay(attempt, self._rng)
            log.debug("retrying %s %s in %.2fs after: %s", call.method, call.path, delay, error)
            attempt += 1
            await self._clock.sleep(delay)


def _decode(data: bytes, call: Call) -> Any:
    try:
        return orjson.loads(data) if data else {}
    except orjson.JSONDecodeError as err:
        raise generic_server_error(
            500, data.decode(errors="replace"), verb=call.verb, resource=call.resource, name=call.name
        ) from err


def _error_response(code: int, content_type: str, data: bytes, call: Call) -> ApiError:
    if "json" in content_type:
        try:
            status = orjson.loads(data)
        except orjson.JSONDecodeError:
            status = None
        if isinstance(status, dict) and status.get("kind") == "Status":
            status.setdefault("code", code)
            return error_from_status(status)
    return generic_server_error(
        code, data.decode(errors="replace"), verb=call.verb, resource=call.resource, name=call.name
    )


def _retry_after(header: str | None, error: ApiError) -> float | None:
    """Seconds from ``Retry-After`` (integer form) or the Status's ``retryAfterSeconds``, if sane."""
    seconds: float | None = None
    if header:
        try:
            seconds = float(int(header.strip()))
        except ValueError:
            seconds = None
    if seconds is None and error.retry_after_seconds is not None:
        seconds = float(error.retry_after_seconds)
    if seconds is None or seconds < 0 or seconds > RETRY_AFTER_MAX_SECONDS:
        return None
    return seconds
