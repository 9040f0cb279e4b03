"""Fixtures for the store contract suite: every test runs once per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pinnace.storage import Store, open_store
from pinnace.storage.etcd_server import EtcdServer

BACKENDS = ["sqlite", "etcd"]


@pytest.fixture
def etcd_server(tmp_path: Path) -> Iterator[EtcdServer]:
    with EtcdServer(tmp_path / "etcd-data") as server:
        yield server


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL naming an empty store of each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'state.db'}"
    server: EtcdServer = request.getfixturevalue("etcd_server")
    return server.url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
