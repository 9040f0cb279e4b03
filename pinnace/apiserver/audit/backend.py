"""The audit log backend: events leave the request path in batches, for one writer thread to write.

    event loop: Sink.process(line) -> pending batch --(every HAND_OFF_SECONDS)--> queue
    writer thread: queue -> LogWriter (RotatingFile | stdout), one flush per batch

kube-apiserver writes its audit log synchronously by default (``--audit-log-mode=blocking``); here the
blocking file I/O must stay off the event loop, so the backend is upstream's *batch* mode
(``plugin/pkg/audit/buffered``): at most ``buffer_size`` events (upstream's default 10000) wait to be written.
When that many wait, a new event is refused, as upstream's buffered backend refuses it ("audit buffer queue
blocked"); the request filter then answers a request whose ``RequestReceived`` event was refused with a 500,
as upstream does.

Why batches: every hand-over wakes the writer thread, and a woken thread takes the GIL from the event loop
(measured: a queue ``put`` per event cost ~30 µs of the loop's time, and every system call the loop made
afterwards waited for the GIL too). Events are therefore collected on the loop and handed over together,
``HAND_OFF_SECONDS`` after the first one (or at ``MAX_BATCH`` events): the writer wakes at most about twenty
times a second, and writes and flushes each batch at once.

:meth:`LogBackend.aclose` hands over what is pending, then waits (in a thread) for the writer to write
everything, flush and close the file; the API server calls it on shutdown, after the last request finished.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sys
import threading
from typing import BinaryIO, Final, Protocol

log = logging.getLogger(__name__)

DEFAULT_BUFFER_SIZE: Final = 10000
HAND_OFF_SECONDS: Final = 0.05
MAX_BATCH: Final = 1000
PLUGIN_NAME: Final = "log"


class Sink(Protocol):
    """Where the request filter hands encoded events. ``process`` never blocks; False means dropped."""

    def process(self, line: bytes) -> bool: ...


class LogWriter(Protocol):
    """Blocking output of the writer thread: :class:`~.rotation.RotatingFile` or a stream."""

    def write(self, data: bytes) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class StreamWriter:
    """``--audit-log-path -``: standard output, flushed after each batch and left open at close."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout.buffer

    def write(self, data: bytes) -> None:
        self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


class LogBackend:
    """A :class:`Sink` that writes JSON lines to a :class:`LogWriter` from its own thread.

    ``process`` runs on the event loop (or, without a running loop, hands each event over at once);
    ``start`` starts the writer thread, ``aclose``/``close`` stop it after writing everything.
    """

    def __init__(
        self,
        writer: LogWriter,
        *,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        hand_off_seconds: float = HAND_OFF_SECONDS,
    ) -> None:
        if buffer_size <= 0:
            raise ValueError(
                f"invalid audit batch {PLUGIN_NAME} buffer size {buffer_size}, must be a positive number"
            )
        self._writer = writer
        self._buffer_size = buffer_size
        self._hand_off_seconds = hand_off_seconds
        self._pending: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        # Batches for the writer; None tells it to stop.
        self._queue: queue.SimpleQueue[list[bytes] | None] = queue.SimpleQueue()
        # Events handed over (counted by the producer) and done with (by the writer): each counter has a
        # single writer, so their difference is the queue's length without a lock.
        self._handed = 0
        self._written = 0
        self._thread = threading.Thread(target=self._run, name="audit-log-writer", daemon=True)
        self._closed = False
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def process(self, line: bytes) -> bool:
        waiting = len(self._pending) + self._handed - self._written
        if self._closed or waiting >= self._buffer_size:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error(
                    "Error in audit plugin 'buffered' affecting 1 audit events: audit buffer queue blocked "
                    "dropped=%d",
                    self.dropped,
                )
            return False
        self._pending.append(line)
        if len(self._pending) >= MAX_BATCH:
            self._hand_off()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._hand_off()  # no event loop to batch on
            else:
                self._timer = loop.call_later(self._hand_off_seconds, self._hand_off)
        return True

    def _hand_off(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            batch, self._pending = self._pending, []
            self._handed += len(batch)
            self._queue.put(batch)

    async def aclose(self) -> None:
        """Hand over what is pending (on the loop), then write it all and close the writer (in a thread)."""
        if self._closed:
            return
        self._closed = True
        self._hand_off()
        await asyncio.to_thread(self._stop)

    def close(self) -> None:
        """:meth:`aclose` for callers without a running event loop; blocking."""
        if self._closed:
            return
        self._closed = True
        self._hand_off()
        self._stop()

    def _stop(self) -> None:
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join()
        else:
            self._run()  # never started: write what was handed over here

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                break
            self._write(batch)
        self._close_writer()

    def _write(self, batch: list[bytes]) -> None:
        for line in batch:
            try:
                self._writer.write(line)
            except OSError as err:
                self._plugin_error(1, err)
        try:
            self._writer.flush()
        except OSError as err:
            self._plugin_error(len(batch), err)
        self._written += len(batch)

    @staticmethod
    def _plugin_error(events: int, err: OSError) -> None:
        # Upstream's HandlePluginError wording.
        log.error("Error in audit plugin '%s' affecting %d audit events: %s", PLUGIN_NAME, events, err)

    def _close_writer(self) -> None:
        try:
            self._writer.close()
        except OSError as err:
            log.error("Error in audit plugin '%s' closing the log: %s", PLUGIN_NAME, err)
