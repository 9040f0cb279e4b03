"""``EventRecorder``: Events about objects, written in the background (client-go's ``record.EventRecorder``
with its broadcaster and sink, in one asyncio task).

``recorder.event(pod, "Warning", "FailedScheduling", "0/3 nodes are available: ...")`` never blocks and
never fails: it puts the event on a bounded queue (1000, like the broadcaster's channel) and drops it with a
log line when the queue is full. :meth:`EventRecorder.run`, a task in the component's task group, drains the
queue through the :class:`~pinnace.client.eventcorrelator.EventCorrelator` and writes core/v1 Events: a new
Event named ``<object name>.<hex UnixNano>`` in the object's namespace (``default`` for cluster-scoped
objects), or a PATCH of ``count``/``lastTimestamp`` on the Event an identical earlier one created. Writes
that fail for transport reasons are retried a few times with back-off; anything else is logged and dropped,
as in client-go (``recordToSink``): events are best effort.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pinnace.client.backoff import Backoff
from pinnace.client.clock import REAL_CLOCK, Clock, rfc3339
from pinnace.client.errors import ApiError, ConnectionFailed, NotFound, ServerError, TooManyRequests
from pinnace.client.eventcorrelator import Correlated, EventCorrelator
from pinnace.client.interface import Client, Object
from pinnace.client.resources import EVENTS

log = logging.getLogger(__name__)

EventType = Literal["Normal", "Warning"]

QUEUE_SIZE = 1000
WRITE_ATTEMPTS = 4
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: The last event name suffix given out in this process (see ``_make``).
_last_nanos = 0


class EventRecorder:
    """Records Events with ``source.component`` = ``component`` (and ``host``, a node name for kubelets)."""

    def __init__(
        self,
        client: Client,
        component: str,
        host: str = "",
        clock: Clock = REAL_CLOCK,
        *,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self.client = client
        self.component = component
        self.host = host
        self._clock = clock
        self._queue: asyncio.Queue[Object] = asyncio.Queue(maxsize=queue_size)
        self._correlator = EventCorrelator(clock)
        self.dropped = 0

    def event(self, obj: Object, type: EventType, reason: str, message: str) -> None:
        """Record an event about ``obj`` (which needs ``kind``, ``apiVersion`` and ``metadata.name``)."""
        if type not in ("Normal", "Warning"):
            log.error("unsupported event type %r (reason %s); dropped", type, reason)
            return
        event = self._make(obj, type, reason, message)
        if event is None:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("dropping event because the queue is full: %s %s %s", type, reason, message)

    def eventf(self, obj: Object, type: EventType, reason: str, fmt: str, *args: Any) -> None:
        """:meth:`event` with a ``%``-style message (``Eventf``)."""
        self.event(obj, type, reason, fmt % args if args else fmt)

    async def run(self) -> None:
        """Write queued events until cancelled."""
        while True:
            event = await self._queue.get()
            try:
                await self._write(event)
            finally:
                self._queue.task_done()

    async def flush(self) -> None:
        """Wait until every event recorded so far has been written or dropped (needs :meth:`run`)."""
        await self._queue.join()

    def _make(self, obj: Object, type: str, reason: str, message: str) -> Object | None:
        metadata = obj.get("metadata") or {}
        kind, api_version, name = obj.get("kind"), obj.get("apiVersion"), metadata.get("name")
        if not (kind and api_version and name):
            log.error("cannot record event %s about an object without kind, apiVersion or name", reason)
            return None
        now = self._clock.now()
        namespace = str(metadata.get("namespace") or "")
        involved = {
            "kind": kind,
            "namespace": namespace,
            "name": name,
            "uid": metadata.get("uid", ""),
            "apiVersion": api_version,
            "resourceVersion": metadata.get("resourceVersion", ""),
        }
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        timestamp = rfc3339(now)
        # Upstream's name suffix is the time in nanoseconds; Python's clock has microseconds, so two events in
        # one microsecond would collide (AlreadyExists). Keep the suffix strictly increasing across the
        # process: several recorders (one per controller) may name events about the same object.
        global _last_nanos
        nanos = max((now - _EPOCH) // _MICROSECOND * 1000, _last_nanos + 1)
        _last_nanos = nanos
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{name}.{nanos:x}", "namespace": namespace or "default"},
            "involvedObject": {k: v for k, v in involved.items() if v},
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": timestamp,
            "lastTimestamp": timestamp,
            "count": 1,
            "type": type,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }

    async def _write(self, event: Object) -> None:
        correlated = self._correlator.correlate(event)
        if correlated is None:
            log.debug("spam filter dropped event %s", event["metadata"]["name"])
            return
        backoff = Backoff(initial=0.5, cap=10.0, clock=self._clock)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                stored = await self._send(correlated)
            except (ConnectionFailed, ServerError, TooManyRequests) as err:
                if attempt + 1 == WRITE_ATTEMPTS:
                    log.warning("unable to write event %s (giving up): %s", event["metadata"]["name"], err)
                    return
                await backoff.wait()
                continue
            except ApiError as err:
                log.warning("server rejected event %s (will not retry): %s", event["metadata"]["name"], err)
                return
            self._correlator.written(correlated.key, stored)
            return

    async def _send(self, correlated: Correlated) -> Object:
        event = correlated.event
        metadata = event["metadata"]
        if correlated.patch is not None:
            try:
                return await self.client.patch(
                    EVENTS, metadata["name"], correlated.patch, metadata["namespace"], patch_type="merge"
                )
            except NotFound:
                # Someone deleted the Event (or it expired): create it again, keeping the count.
                self._correlator.forget(correlated.key)
        return await self.client.create(EVENTS, event, metadata["namespace"])
