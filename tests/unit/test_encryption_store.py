"""Encryption at rest through the REST layer over a real SQLite store: what is on disk, what readers see."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pinnace.apiserver import apis, status
from pinnace.apiserver.encryption import EncryptingStore, ResourceTransformers, load
from pinnace.apiserver.rest.deletion import DeleteOptions
from pinnace.apiserver.rest.resource import ListOptions, ResourceStore
from pinnace.apiserver.watchcache import CacheEvent
from pinnace.storage import Store, open_store
from pinnace.storage.etcd_server import EtcdServer

Object = dict[str, Any]
KEY1 = base64.b64encode(b"k" * 32).decode()
KEY2 = base64.b64encode(b"K" * 32).decode()
SECRET_KEY = "/registry/secrets/default/s"


def config(tmp_path: Path, providers: str, resources: str = "[secrets, events]") -> ResourceTransformers:
    path = tmp_path / "encryption.yaml"
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
        f"resources:\n- resources: {resources}\n  providers: {providers}\n"
    )
    return load(path)


def aescbc(*names_and_keys: tuple[str, str]) -> str:
    keys = ", ".join(f"{{name: {name}, secret: {key}}}" for name, key in names_and_keys)
    return f"[{{aescbc: {{keys: [{keys}]}}}}]"


class Cluster:
    """The REST layer of one API server start, over ``raw`` through the encryption ``transformers``."""

    def __init__(self, raw: Store, transformers: ResourceTransformers) -> None:
        self.raw = raw
        registry = apis.served_registry()
        self.store = EncryptingStore.around(raw, transformers, registry)
        self.stores = apis.build_stores(self.store, registry)

    def rest(self, group: str, resource: str, version: str = "v1") -> ResourceStore:
        found = self.stores.get(group, version, resource)
        assert found is not None
        return found

    async def raw_value(self, key: str) -> bytes:
        kv = await self.raw.get(key)
        assert kv is not None
        return kv.value


@pytest.fixture
async def raw_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
    yield store
    await store.close()


async def started(raw: Store, transformers: ResourceTransformers) -> Cluster:
    cluster = Cluster(raw, transformers)
    cluster.stores.start()
    await cluster.stores.wait_ready()
    await apis.ensure_default_namespaces(cluster.stores)
    return cluster


def secret(name: str = "s", password: str = "hunter2") -> Object:
    encoded = base64.b64encode(password.encode()).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": {"password": encoded}}


async def test_a_secret_is_stored_encrypted_and_read_back_in_clear(tmp_path: Path, raw_store: Store) -> None:
    cluster = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))))
    try:
        secrets = cluster.rest("", "secrets")
        await secrets.create("default", secret())
        raw = await cluster.raw_value(SECRET_KEY)
        assert raw.startswith(b"k8s:enc:aescbc:v1:key1:")
        assert b"hunter2" not in raw and b"aHVudGVyMg" not in raw and b'"Secret"' not in raw
        assert (await secrets.get("default", "s"))["data"] == {"password": "aHVudGVyMg=="}
        from_store = await secrets.list(ListOptions(namespace="default"))
        from_cache = await secrets.list(ListOptions(namespace="default", resource_version="0"))
        assert (
            [s["data"] for s in from_store.items]
            == [s["data"] for s in from_cache.items]
            == [{"password": "aHVudGVyMg=="}]
        )
    finally:
        await cluster.stores.stop()


async def test_watchers_see_decrypted_objects(tmp_path: Path, raw_store: Store) -> None:
    cluster = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))))
    try:
        secrets = cluster.rest("", "secrets")
        since = str(await cluster.store.current_revision())
        events = await secrets.watch("default", since, send_initial_events=False)
        created = await secrets.create("default", secret())
        await secrets.update("default", "s", lambda obj: {**obj, "data": {"password": "c2VjcmV0"}})
        await secrets.delete("default", "s", DeleteOptions())
        seen: list[tuple[str, Object]] = []
        async with asyncio.timeout(5):
            async for item in events:
                if isinstance(item, CacheEvent):
                    seen.append((item.type, item.object.get("data", {})))
                if len(seen) == 3:
                    break
        assert created["data"] == {"password": "aHVudGVyMg=="}
        assert seen == [
            ("ADDED", {"password": "aHVudGVyMg=="}),
            ("MODIFIED", {"password": "c2VjcmV0"}),
            ("DELETED", {"password": "c2VjcmV0"}),
        ]
    finally:
        await cluster.stores.stop()


async def test_resources_not_configured_stay_plain_and_cohabiting_events_follow_events(
    tmp_path: Path, raw_store: Store
) -> None:
    cluster = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))))
    try:
        await cluster.rest("", "configmaps").create(
            "default",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}},
        )
        assert (await cluster.raw_value("/registry/configmaps/default/c")).startswith(b"{")
        # events.k8s.io Events are stored as core Events: the "events" entry covers them.
        await cluster.rest("events.k8s.io", "events").create(
            "default",
            {
                "apiVersion": "events.k8s.io/v1",
                "kind": "Event",
                "metadata": {"name": "e"},
                "eventTime": "2026-01-01T00:00:00.000000Z",
                "reportingController": "test",
                "reportingInstance": "test-1",
                "action": "Testing",
                "reason": "Tested",
                "type": "Normal",
                "regarding": {"kind": "Pod", "namespace": "default", "name": "p"},
            },
        )
        assert (await cluster.raw_value("/registry/events/default/e")).startswith(b"k8s:enc:aescbc:v1:key1:")
        core = await cluster.rest("", "events").get("default", "e")
        assert core["reason"] == "Tested"
    finally:
        await cluster.stores.stop()


async def test_a_value_under_a_key_no_longer_configured_is_an_internal_error(
    tmp_path: Path, raw_store: Store
) -> None:
    first = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))))
    await first.rest("", "secrets").create("default", secret())
    await first.stores.stop()
    # The next start knows only key2; its watch cache cannot load secrets, so only store reads are asked.
    second = Cluster(raw_store, config(tmp_path, aescbc(("key2", KEY2))))
    secrets = second.rest("", "secrets")
    with pytest.raises(status.StatusError) as err:
        await secrets.get("default", "s")
    assert err.value.code == 500 and err.value.reason == "InternalError"
    assert (
        err.value.message
        == "Internal error occurred: no matching key was found for the provided AES transformer"
    )
    with pytest.raises(status.StatusError) as err:
        await secrets.list(ListOptions(namespace="default"))
    assert err.value.message == (
        'Internal error occurred: unable to transform key "/registry/secrets/default/s": '
        "no matching key was found for the provided AES transformer"
    )
    # With no configuration at all, encrypted data is refused rather than served as garbage.
    plain = Cluster(raw_store, config(tmp_path, "[{identity: {}}]", resources="[configmaps]"))
    with pytest.raises(status.StatusError) as err:
        await plain.rest("", "secrets").get("default", "s")
    assert err.value.message == "Internal error occurred: identity transformer tried to read encrypted data"


async def test_rotation_rewrites_an_unchanged_secret_under_the_new_first_key(
    tmp_path: Path, raw_store: Store
) -> None:
    first = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))))
    created = await first.rest("", "secrets").create("default", secret())
    await first.stores.stop()
    # Upstream's steps: add key2 (second, then first once every server knows it), restart, rewrite.
    rotated = await started(raw_store, config(tmp_path, aescbc(("key2", KEY2), ("key1", KEY1))))
    try:
        secrets = rotated.rest("", "secrets")
        assert (await rotated.raw_value(SECRET_KEY)).startswith(b"k8s:enc:aescbc:v1:key1:")
        rewritten, _ = await secrets.update("default", "s", lambda obj: obj)
        assert int(rewritten["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
        assert (await rotated.raw_value(SECRET_KEY)).startswith(b"k8s:enc:aescbc:v1:key2:")
        # Now current: an unchanged update is skipped again, as upstream skips no-op writes.
        again, _ = await secrets.update("default", "s", lambda obj: obj)
        assert again["metadata"]["resourceVersion"] == rewritten["metadata"]["resourceVersion"]
    finally:
        await rotated.stores.stop()
    final = Cluster(raw_store, config(tmp_path, aescbc(("key2", KEY2))))
    assert (await final.rest("", "secrets").get("default", "s"))["data"] == {"password": "aHVudGVyMg=="}


async def test_turning_encryption_on_encrypts_plain_values_when_rewritten(
    tmp_path: Path, raw_store: Store
) -> None:
    before = await started(raw_store, config(tmp_path, "[{identity: {}}]"))
    await before.rest("", "secrets").create("default", secret())
    await before.stores.stop()
    assert (await before.raw_value(SECRET_KEY)).startswith(b"{")
    after = await started(raw_store, config(tmp_path, aescbc(("key1", KEY1))[:-1] + ", {identity: {}}]"))
    try:
        secrets = after.rest("", "secrets")
        assert (await secrets.get("default", "s"))["data"] == {"password": "aHVudGVyMg=="}
        await secrets.update("default", "s", lambda obj: obj)
        assert (await after.raw_value(SECRET_KEY)).startswith(b"k8s:enc:aescbc:v1:key1:")
    finally:
        await after.stores.stop()


@pytest.fixture(params=["sqlite", pytest.param("etcd", marks=pytest.mark.etcd)])
async def any_raw_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        store = await open_store(f"sqlite://{tmp_path / 'state.db'}")
        yield store
        await store.close()
        return
    with EtcdServer(tmp_path / "etcd-data") as server:
        store = await open_store(server.url)
        yield store
        await store.close()


async def test_every_backend_holds_only_ciphertext(tmp_path: Path, any_raw_store: Store) -> None:
    transformers = config(tmp_path, "[{secretbox: {keys: [{name: key1, secret: " + KEY1 + "}]}}]")
    store = EncryptingStore.around(any_raw_store, transformers, apis.served_registry())
    plaintext = b'{"data":{"password":"aHVudGVyMg=="}}'
    revision = await store.create(SECRET_KEY, plaintext)
    raw = await any_raw_store.get(SECRET_KEY)
    assert raw is not None and raw.value.startswith(b"k8s:enc:secretbox:v1:key1:")
    assert b"aHVudGVyMg" not in raw.value
    got = await store.get(SECRET_KEY)
    assert got is not None and (got.value, got.stale) == (plaintext, False)
    assert [kv.value for kv in (await store.list("/registry/secrets/")).items] == [plaintext]
    watch = store.watch("/registry/secrets/", start_revision=revision)
    async with asyncio.timeout(10):
        async for event in watch:
            if event.key == SECRET_KEY:
                assert event.value == plaintext
                break
    await watch.aclose()  # type: ignore[attr-defined]
