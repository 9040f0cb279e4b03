"""Supervise the components of ``pinnace up`` as child processes (so both cores work).

Each child is a ``pinnace <component>`` command. A child that dies is restarted with exponential
back-off; on shutdown every child gets SIGTERM, then SIGKILL after a grace period. Only processes
this supervisor started are ever signalled, by PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import sys
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 30.0
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One supervised component: its name and the ``pinnace`` arguments that start it."""

    name: str
    args: list[str]
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    stopping: bool = field(default=False)

    @property
    def argv(self) -> list[str]:
        return [sys.executable, "-m", "pinnace.cli.main", *self.args]


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the supervisor dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def start(child: Child) -> None:
    # A session of its own keeps the terminal's Ctrl-C away from the children: the supervisor
    # decides when and in which order they stop.
    child.process = await asyncio.create_subprocess_exec(
        *child.argv, start_new_session=True, preexec_fn=_die_with_parent
    )
    log.info("started %s (pid %d)", child.name, child.process.pid)


async def keep_running(child: Child) -> None:
    """Restart ``child`` whenever it exits, until cancelled."""
    backoff = 1.0
    while True:
        if child.process is None:
            await start(child)
        assert child.process is not None
        code = await child.process.wait()
        if child.stopping:
            return
        child.restarts += 1
        log.error("%s exited with code %d; restarting in %.0fs", child.name, code, backoff)
        child.process = None
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


async def stop(child: Child) -> None:
    child.stopping = True
    process = child.process
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_GRACE_SECONDS):
            await process.wait()
    except TimeoutError:
        log.warning(
            "%s did not stop within %.0fs; killing pid %d", child.name, STOP_GRACE_SECONDS, process.pid
        )
        process.kill()
        await process.wait()


async def supervise(children: list[Child]) -> None:
    """Run every child until cancelled; then stop them all, in reverse start order."""
    watchers: list[asyncio.Task[None]] = []
    try:
        for child in children:
            await start(child)
            watchers.append(asyncio.create_task(keep_running(child), name=f"supervise-{child.name}"))
        await asyncio.gather(*watchers)
    finally:
        for child in reversed(children):
            child.stopping = True
        for task in watchers:
            task.cancel()
        for task in watchers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for child in reversed(children):
            await stop(child)
