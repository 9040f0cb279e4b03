"""The log backend queues events off the request path, writes them from its thread and flushes on close."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from pinnace.apiserver.audit.auditlog import build
from pinnace.apiserver.audit.backend import LogBackend, StreamWriter
from pinnace.apiserver.audit.options import AuditOptions


class RecordingWriter:
    def __init__(self, fail_on: bytes = b"", on_flush: Callable[[], object] = lambda: None) -> None:
        self.lines: list[bytes] = []
        self.flushes = 0
        self.closed = False
        self.fail_on = fail_on
        self.on_flush = on_flush

    def write(self, data: bytes) -> None:
        if self.fail_on and data == self.fail_on:
            raise OSError("no space left on device")
        self.lines.append(data)

    def flush(self) -> None:
        self.flushes += 1
        self.on_flush()

    def close(self) -> None:
        self.closed = True


def test_close_writes_every_queued_event_and_closes_the_writer() -> None:
    writer = RecordingWriter()
    backend = LogBackend(writer)
    backend.start()
    lines = [f'{{"n":{n}}}\n'.encode() for n in range(500)]
    assert all(backend.process(line) for line in lines)
    backend.close()
    assert writer.lines == lines
    assert writer.closed and writer.flushes >= 1
    assert not backend.process(b"late\n")  # nothing is accepted once closed


async def test_on_a_loop_events_are_handed_over_in_batches() -> None:
    writer = RecordingWriter()
    backend = LogBackend(writer, hand_off_seconds=3600)  # only MAX_BATCH or aclose hands over here
    backend.start()
    for n in range(10):
        assert backend.process(f"{n}\n".encode())
    assert writer.lines == []  # still pending on the loop: no thread woken per event
    await backend.aclose()
    assert writer.lines == [f"{n}\n".encode() for n in range(10)]
    assert writer.flushes == 1 and writer.closed


async def test_the_timer_hands_over_without_waiting_for_close() -> None:
    loop = asyncio.get_running_loop()
    flushed = asyncio.Event()
    writer = RecordingWriter(on_flush=lambda: loop.call_soon_threadsafe(flushed.set))
    backend = LogBackend(writer, hand_off_seconds=0)
    backend.start()
    backend.process(b"a\n")
    backend.process(b"b\n")
    async with asyncio.timeout(10):
        await flushed.wait()
    assert writer.lines == [b"a\n", b"b\n"] and writer.flushes == 1  # one batch of two
    await backend.aclose()


async def test_pending_events_count_against_the_bound() -> None:
    backend = LogBackend(RecordingWriter(), buffer_size=2, hand_off_seconds=3600)
    assert [backend.process(b"x\n") for _ in range(3)] == [True, True, False]
    await backend.aclose()


def test_a_full_queue_refuses_events(caplog: pytest.LogCaptureFixture) -> None:
    writer = RecordingWriter()
    backend = LogBackend(writer, buffer_size=3)  # not started: nothing drains the queue
    with caplog.at_level(logging.ERROR):
        accepted = [backend.process(f"{n}\n".encode()) for n in range(5)]
    assert accepted == [True, True, True, False, False]
    assert backend.dropped == 2
    assert "audit buffer queue blocked" in caplog.text
    backend.close()  # without a thread, close still writes what was queued
    assert writer.lines == [b"0\n", b"1\n", b"2\n"]


def test_a_failing_write_loses_only_its_event(caplog: pytest.LogCaptureFixture) -> None:
    writer = RecordingWriter(fail_on=b"bad\n")
    backend = LogBackend(writer)
    for line in (b"a\n", b"bad\n", b"b\n"):
        backend.process(line)
    with caplog.at_level(logging.ERROR):
        backend.close()
    assert writer.lines == [b"a\n", b"b\n"]
    assert "Error in audit plugin 'log' affecting 1 audit events: no space left on device" in caplog.text


def test_the_buffer_must_hold_something() -> None:
    with pytest.raises(ValueError, match="invalid audit batch log buffer size 0, must be a positive number"):
        LogBackend(RecordingWriter(), buffer_size=0)


def test_stdout_writer_flushes_and_stays_open() -> None:
    stream = io.BytesIO()
    backend = LogBackend(StreamWriter(stream))
    backend.start()
    backend.process(b"{}\n")
    backend.close()
    assert stream.getvalue() == b"{}\n" and not stream.closed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"log_maxage": -1}, "--audit-log-maxage -1 can't be a negative number"),
        ({"log_maxbackup": -2}, "--audit-log-maxbackup -2 can't be a negative number"),
        ({"log_maxsize": -3}, "--audit-log-maxsize -3 can't be a negative number"),
        ({"log_batch_buffer_size": 0}, "invalid audit batch log buffer size 0, must be a positive number"),
    ],
    ids=["a negative age", "a negative backup count", "a negative size", "an empty buffer"],
)
def test_bad_flag_values(fields: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError) as err:
        AuditOptions(log_path="a.log", **fields)  # type: ignore[arg-type]
    assert str(err.value) == message


SEED_POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"


def test_build_needs_both_a_policy_and_a_log(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(SEED_POLICY)
    assert build(AuditOptions()) is None
    assert build(AuditOptions(policy_file=policy)) is None
    assert build(AuditOptions(log_path=str(tmp_path / "a.log"))) is None
    audit_log = build(AuditOptions(policy_file=policy, log_path=str(tmp_path / "logs" / "audit.log")))
    assert audit_log is not None
    # The file exists from the start, private, in a private directory.
    assert (tmp_path / "logs" / "audit.log").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
    audit_log.start()
    assert audit_log.backend.process(b"{}\n")
    audit_log.close()
    assert (tmp_path / "logs" / "audit.log").read_bytes() == b"{}\n"


def test_an_unwritable_log_stops_the_start(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(SEED_POLICY)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError, match=r"^ensureLogFile: "):
        build(AuditOptions(policy_file=policy, log_path=str(blocker / "audit.log")))
