"""Kubeconfig and in-cluster loading."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from pinnace.client.config import ConfigError, in_cluster_config, load_kubeconfig


def write_kubeconfig(path: Path, user: dict[str, object], cluster: dict[str, object] | None = None) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster or {"server": "https://127.0.0.1:6443/"}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [
            {"name": "main", "context": {"cluster": "c", "user": "u"}},
            {"name": "anonymous", "context": {"cluster": "c"}},
        ],
        "current-context": "main",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_inline_data_wins_and_server_is_normalised(tmp_path: Path) -> None:
    path = write_kubeconfig(
        tmp_path / "kc",
        {"client-certificate-data": b64(b"CERT"), "client-key-data": b64(b"KEY")},
        {"server": "https://127.0.0.1:6443/", "certificate-authority-data": b64(b"CA")},
    )
    config = load_kubeconfig(path, user_agent="kube-scheduler", qps=10)
    assert (config.server, config.ca_data, config.cert_data, config.key_data) == (
        "https://127.0.0.1:6443",
        b"CA",
        b"CERT",
        b"KEY",
    )
    assert (config.user_agent, config.qps, config.burst) == ("kube-scheduler", 10, 100)


def test_files_resolve_relative_to_the_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_bytes(b"CA")
    (tmp_path / "token").write_text("s3cret\n")
    path = write_kubeconfig(
        tmp_path / "kc",
        {"tokenFile": "token"},
        {"server": "https://h:1", "certificate-authority": "pki/ca.crt"},
    )
    config = load_kubeconfig(path)
    assert (config.ca_data, config.token, config.token_file) == (b"CA", "s3cret", tmp_path / "token")


def test_named_context_and_missing_pieces(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", {"token": "abc"})
    assert load_kubeconfig(path).token == "abc"
    assert load_kubeconfig(path, context="anonymous").token is None
    with pytest.raises(ConfigError, match='context "nope" not found'):
        load_kubeconfig(path, context="nope")
    with pytest.raises(ConfigError, match="cannot read kubeconfig"):
        load_kubeconfig(tmp_path / "missing")


def test_in_cluster(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("jwt")
    (tmp_path / "ca.crt").write_bytes(b"CA")
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    config = in_cluster_config(environ=env, service_account_dir=tmp_path)
    assert (config.server, config.token, config.ca_data) == ("https://[fd00::1]:443", "jwt", b"CA")
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT"):
        in_cluster_config(environ={}, service_account_dir=tmp_path)
