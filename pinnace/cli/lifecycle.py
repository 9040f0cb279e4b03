"""Run a component until SIGINT/SIGTERM, then cancel it so that it shuts down cleanly."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path(os.environ.get("PINNACE_DATA_DIR", "~/.pinnace")).expanduser()


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def _until_signalled(main: Coroutine[Any, Any, Any]) -> int:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(main)
    received: list[int] = []

    def stop(signum: int) -> None:
        received.append(signum)
        task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    try:
        await task
    except asyncio.CancelledError:
        if not received:
            raise
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0


def run_until_signalled(main: Coroutine[Any, Any, Any]) -> int:
    """Run ``main``; a signal cancels it, and its cleanup runs before the process exits with 0."""
    return asyncio.run(_until_signalled(main))
