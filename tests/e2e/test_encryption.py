"""Encryption at rest, as an operator meets it: a real API server process, kubectl, and the SQLite file on disk.

Follows upstream's task pages "Encrypting Confidential Data at Rest" and its key rotation steps: create a
secret, check the raw stored value is ciphertext under ``k8s:enc:aescbc:v1:key1:``, read it back with
kubectl; add a second key, restart, make it first, restart, rewrite every secret with
``kubectl get secrets -A -o json | kubectl replace -f -``, drop the old key, restart, read again.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import APIServerProcess, kubectl, kubectl_binary, start_apiserver

pytestmark = pytest.mark.e2e

KEY1 = base64.b64encode(os.urandom(32)).decode()
KEY2 = base64.b64encode(os.urandom(32)).decode()
PASSWORD_B64 = base64.b64encode(b"hunter2").decode()


def write_config(path: Path, *keys: tuple[str, str]) -> Path:
    """Secrets encrypted with aescbc under ``keys`` (the first encrypts), identity last to read plain ones."""
    key_lines = "".join(f"          - name: {name}\n            secret: {secret}\n" for name, secret in keys)
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\n"
        "kind: EncryptionConfiguration\n"
        "resources:\n"
        "  - resources:\n"
        "      - secrets\n"
        "    providers:\n"
        "      - aescbc:\n"
        "          keys:\n"
        f"{key_lines}"
        "      - identity: {}\n"
    )
    return path


def raw_values(data_dir: Path, prefix: str) -> dict[str, bytes]:
    """The latest stored value of each key under ``prefix``, read from the SQLite file itself."""
    with sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT name, value FROM log WHERE id IN (SELECT MAX(id) FROM log WHERE name LIKE ? GROUP BY name) "
            "AND deleted = 0",
            (prefix + "%",),
        ).fetchall()
    return {name: bytes(value) for name, value in rows}


def every_stored_version(data_dir: Path, prefix: str) -> list[bytes]:
    """Every value the log still holds under ``prefix``: history must not leak plaintext either."""
    with sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT value FROM log WHERE name LIKE ? AND value IS NOT NULL", (prefix + "%",))
        return [bytes(value) for (value,) in rows.fetchall()]


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_secrets_are_ciphertext_on_disk_and_keys_rotate_by_rewriting(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = tmp_path / "encryption.yaml"
    cache = tmp_path / "kube-cache"

    def restart(server: APIServerProcess | None) -> APIServerProcess:
        if server is not None:
            assert server.stop() == 0, server.log()
        return start_apiserver(data_dir, encryption_provider_config=config)

    server = start_apiserver(data_dir, encryption_provider_config=write_config(config, ("key1", KEY1)))
    try:
        ok(
            kubectl(
                server.kubeconfig,
                cache,
                "create",
                "secret",
                "generic",
                "s",
                "--from-literal=password=hunter2",
            )
        )
        ok(kubectl(server.kubeconfig, cache, "create", "namespace", "other"))
        ok(
            kubectl(
                server.kubeconfig,
                cache,
                "create",
                "secret",
                "generic",
                "t",
                "-n",
                "other",
                "--from-literal=a=b",
            )
        )
        ok(kubectl(server.kubeconfig, cache, "create", "configmap", "c", "--from-literal=password=hunter2"))

        stored = raw_values(data_dir, "/registry/secrets/")
        assert set(stored) == {"/registry/secrets/default/s", "/registry/secrets/other/t"}
        for value in stored.values():
            assert value.startswith(b"k8s:enc:aescbc:v1:key1:")
        for value in every_stored_version(data_dir, "/registry/secrets/"):
            assert b"hunter2" not in value and PASSWORD_B64.encode() not in value
        # Resources the configuration does not name stay plain JSON.
        assert raw_values(data_dir, "/registry/configmaps/default/c")[
            "/registry/configmaps/default/c"
        ].startswith(b"{")

        shown = ok(kubectl(server.kubeconfig, cache, "get", "secret", "s", "-o", "yaml"))
        assert f"password: {PASSWORD_B64}" in shown

        # Rotation, step 1: the new key is added second; every server restarts and can read it.
        write_config(config, ("key1", KEY1), ("key2", KEY2))
        server = restart(server)
        ok(kubectl(server.kubeconfig, cache, "create", "secret", "generic", "u", "--from-literal=x=y"))
        assert raw_values(data_dir, "/registry/secrets/default/u")["/registry/secrets/default/u"].startswith(
            b"k8s:enc:aescbc:v1:key1:"
        )

        # Step 2: the new key moves first and the servers restart; old values still read.
        write_config(config, ("key2", KEY2), ("key1", KEY1))
        server = restart(server)
        assert f"password: {PASSWORD_B64}" in ok(
            kubectl(server.kubeconfig, cache, "get", "secret", "s", "-o", "yaml")
        )

        # Step 3: rewrite every secret, exactly as upstream's page says.
        listed = ok(kubectl(server.kubeconfig, cache, "get", "secrets", "-A", "-o", "json"))
        replaced = subprocess.run(
            [
                str(kubectl_binary()),
                f"--kubeconfig={server.kubeconfig}",
                f"--cache-dir={cache}",
                "replace",
                "-f",
                "-",
            ],
            input=listed,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert replaced.returncode == 0, replaced.stderr
        stored = raw_values(data_dir, "/registry/secrets/")
        assert len(stored) == 3
        for value in stored.values():
            assert value.startswith(b"k8s:enc:aescbc:v1:key2:")

        # Step 4: the old key is removed; a restart later everything still reads.
        write_config(config, ("key2", KEY2))
        server = restart(server)
        assert f"password: {PASSWORD_B64}" in ok(
            kubectl(server.kubeconfig, cache, "get", "secret", "s", "-o", "yaml")
        )
        assert ok(
            kubectl(server.kubeconfig, cache, "get", "secret", "t", "-n", "other", "-o", "jsonpath={.data.a}")
        ) == (base64.b64encode(b"b").decode())
    finally:
        server.stop()


def test_a_bad_config_stops_the_apiserver_with_upstreams_error(tmp_path: Path) -> None:
    config = tmp_path / "encryption.yaml"
    config.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        "- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n"
        "        secret: c2VjcmV0\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pinnace.cli.main",
            "apiserver",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            "0",
            "--encryption-provider-config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "pinnace apiserver: error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: "
        'Invalid value: "REDACTED": secret is not of the expected length, got 6, expected one of [16 24 32]'
    )
    assert not (tmp_path / "data" / "kubeconfig.yaml").exists()
