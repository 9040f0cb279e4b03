"""The audit log backend: events leave the request path through a bounded queue to one writer thread.

    request handling (event loop) --encode--> Sink.process(line) --queue--> writer thread --> LogWriter
                                                                                (RotatingFile | stdout)

kube-apiserver writes its audit log synchronously by default (``--audit-log-mode=blocking``); here the
blocking file I/O must stay off the event loop, so the backend is upstream's *batch* mode
(``plugin/pkg/audit/buffered``): a queue of at most ``buffer_size`` events (upstream's default 10000) that a
writer thread drains, writing whatever has accumulated and flushing once per batch. When the queue is full
the event is refused, as upstream's buffered backend refuses it ("audit buffer queue blocked"); the request
filter then answers a request whose ``RequestReceived`` event was refused with a 500, as upstream does.

:meth:`LogBackend.close` writes every queued event, flushes and closes the file; the API server calls it on
shutdown, after the last request finished.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import BinaryIO, Final, Protocol

log = logging.getLogger(__name__)

DEFAULT_BUFFER_SIZE: Final = 10000
PLUGIN_NAME: Final = "log"
_STOP: Final = b""  # no event encodes to an empty line


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
    """A :class:`Sink` that writes JSON lines to a :class:`LogWriter` from its own thread."""

    def __init__(self, writer: LogWriter, *, buffer_size: int = DEFAULT_BUFFER_SIZE) -> None:
        if buffer_size <= 0:
            raise ValueError(
                f"invalid audit batch {PLUGIN_NAME} buffer size {buffer_size}, must be a positive number"
            )
        self._writer = writer
        self._buffer_size = buffer_size
        self._queue: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-log-writer", daemon=True)
        self._closed = False
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def process(self, line: bytes) -> bool:
        # One producer (the event loop), one consumer: the size can only shrink under us; the bound holds.
        if self._closed or self._queue.qsize() >= self._buffer_size:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error(
                    "Error in audit plugin 'buffered' affecting 1 audit events: audit buffer queue blocked "
                    "dropped=%d",
                    self.dropped,
                )
            return False
        self._queue.put(line)
        return True

    def close(self) -> None:
        """Write what is queued, flush and close the writer; blocking (call it from a thread)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join()
        else:
            self._drain_without_thread()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if _STOP in batch:
                stop = True
                batch = [line for line in batch if line]
            self._write(batch)
        self._close_writer()

    def _drain_without_thread(self) -> None:
        batch: list[bytes] = []
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line:
                batch.append(line)
        self._write(batch)
        self._close_writer()

    def _write(self, batch: list[bytes]) -> None:
        if not batch:
            return
        for line in batch:
            try:
                self._writer.write(line)
            except OSError as err:
                self._plugin_error(1, err)
        try:
            self._writer.flush()
        except OSError as err:
            self._plugin_error(len(batch), err)

    @staticmethod
    def _plugin_error(events: int, err: OSError) -> None:
        # Upstream's HandlePluginError wording.
        log.error("Error in audit plugin '%s' affecting %d audit events: %s", PLUGIN_NAME, events, err)

    def _close_writer(self) -> None:
        try:
            self._writer.close()
        except OSError as err:
            log.error("Error in audit plugin '%s' closing the log: %s", PLUGIN_NAME, err)
