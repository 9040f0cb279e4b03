"""The cluster PKI: what the first start creates, what later starts reuse, and when leaves are reissued."""

from __future__ import annotations

import base64
import ipaddress
import socket
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store

from pinnace.apiserver.kubeconfig import write_admin_kubeconfig
from pinnace.apiserver.pki import ClusterPKI, PKIError, ensure_pki, mint_client_certificate


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def snapshot(pki: ClusterPKI) -> dict[str, bytes]:
    paths = [pki.ca_cert, pki.ca_key, pki.serving_cert, pki.serving_key, pki.admin_cert, pki.admin_key]
    return {path.name: path.read_bytes() for path in paths}


def subject_values(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attr.value) for attr in cert.subject.get_attributes_for_oid(oid)]


def verify_server(pki: ClusterPKI, name: x509.DNSName | x509.IPAddress) -> None:
    """Full path validation, as a TLS client connecting to ``name`` would do it."""
    verifier = PolicyBuilder().store(Store([load_cert(pki.ca_cert)])).build_server_verifier(name)
    verifier.verify(load_cert(pki.serving_cert), [])


@pytest.fixture
def pki(tmp_path: Path) -> ClusterPKI:
    return ensure_pki(tmp_path, extra_sans=["api.example.test", "10.0.0.7"])


def test_first_start_creates_the_layout_under_pki(pki: ClusterPKI, tmp_path: Path) -> None:
    assert pki == ClusterPKI.at(tmp_path)
    assert sorted(p.name for p in pki.directory.iterdir()) == [
        "admin.crt",
        "admin.key",
        "apiserver.crt",
        "apiserver.key",
        "ca.crt",
        "ca.key",
    ]


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        pytest.param("ca.key", 0o600, id="the CA key is private"),
        pytest.param("apiserver.key", 0o600, id="the serving key is private"),
        pytest.param("admin.key", 0o600, id="the admin key is private"),
        pytest.param("ca.crt", 0o644, id="the CA certificate is world-readable"),
    ],
)
def test_file_modes(pki: ClusterPKI, name: str, mode: int) -> None:
    assert stat.S_IMODE((pki.directory / name).stat().st_mode) == mode
    assert stat.S_IMODE(pki.directory.stat().st_mode) == 0o700


def test_ca_is_a_ten_year_ca(pki: ClusterPKI) -> None:
    ca = load_cert(pki.ca_cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.not_valid_after_utc - ca.not_valid_before_utc >= timedelta(days=3650)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(x509.DNSName("localhost"), id="localhost"),
        pytest.param(x509.IPAddress(ipaddress.ip_address("127.0.0.1")), id="IPv4 loopback"),
        pytest.param(x509.IPAddress(ipaddress.ip_address("::1")), id="IPv6 loopback"),
        pytest.param(x509.DNSName(socket.gethostname().lower()), id="the host name"),
        pytest.param(x509.DNSName("kubernetes.default.svc"), id="the in-cluster service name"),
        pytest.param(x509.DNSName("api.example.test"), id="an extra DNS name"),
        pytest.param(x509.IPAddress(ipaddress.ip_address("10.0.0.7")), id="an extra IP"),
    ],
)
def test_serving_certificate_verifies_for(pki: ClusterPKI, name: x509.DNSName | x509.IPAddress) -> None:
    verify_server(pki, name)


def test_serving_certificate_does_not_verify_for_other_names(pki: ClusterPKI) -> None:
    with pytest.raises(x509.verification.VerificationError):
        verify_server(pki, x509.DNSName("elsewhere.example.test"))


def test_admin_certificate_is_kubernetes_admin_in_system_masters(pki: ClusterPKI) -> None:
    admin = load_cert(pki.admin_cert)
    admin.verify_directly_issued_by(load_cert(pki.ca_cert))
    assert subject_values(admin, NameOID.COMMON_NAME) == ["kubernetes-admin"]
    assert subject_values(admin, NameOID.ORGANIZATION_NAME) == ["system:masters"]
    eku = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_second_start_reuses_everything(pki: ClusterPKI, tmp_path: Path) -> None:
    before = snapshot(pki)
    ensure_pki(tmp_path, extra_sans=["api.example.test", "10.0.0.7"])
    assert snapshot(pki) == before


def test_changed_sans_reissue_the_serving_certificate_only(pki: ClusterPKI, tmp_path: Path) -> None:
    before = snapshot(pki)
    ensure_pki(tmp_path, extra_sans=["other.example.test"])
    after = snapshot(pki)
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["apiserver.crt", "apiserver.key"]
    verify_server(pki, x509.DNSName("other.example.test"))
    with pytest.raises(x509.verification.VerificationError):
        verify_server(pki, x509.DNSName("api.example.test"))


def test_leaves_close_to_expiry_are_renewed_and_the_ca_kept(pki: ClusterPKI, tmp_path: Path) -> None:
    before = snapshot(pki)
    later = datetime.now(UTC) + timedelta(days=300)
    ensure_pki(tmp_path, extra_sans=["api.example.test", "10.0.0.7"], now=later)
    after = snapshot(pki)
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["admin.crt", "admin.key", "apiserver.crt", "apiserver.key"]
    assert load_cert(pki.serving_cert).not_valid_after_utc > later + timedelta(days=300)


def test_a_leaf_whose_key_does_not_match_is_reissued(pki: ClusterPKI, tmp_path: Path) -> None:
    # What a crash between writing the new key and the new certificate leaves behind.
    stray = ec.generate_private_key(ec.SECP256R1())
    pki.admin_key.write_bytes(
        stray.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ensure_pki(tmp_path, extra_sans=["api.example.test", "10.0.0.7"])
    key = serialization.load_pem_private_key(pki.admin_key.read_bytes(), password=None)
    assert load_cert(pki.admin_cert).public_key() == key.public_key()


@pytest.mark.parametrize(
    "missing", [pytest.param("ca.key", id="CA key lost"), pytest.param("ca.crt", id="CA certificate lost")]
)
def test_half_a_ca_is_an_error_not_a_new_ca(pki: ClusterPKI, tmp_path: Path, missing: str) -> None:
    (pki.directory / missing).unlink()
    with pytest.raises(PKIError, match="remove both to create a new cluster CA"):
        ensure_pki(tmp_path)


def test_admin_kubeconfig(pki: ClusterPKI, tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig.yaml"
    write_admin_kubeconfig(pki, "https://127.0.0.1:6443", path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "pinnace"
    assert config["contexts"] == [{"name": "pinnace", "context": {"cluster": "pinnace", "user": "pinnace"}}]
    [cluster] = config["clusters"]
    assert cluster["name"] == "pinnace"
    assert cluster["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]) == pki.ca_cert.read_bytes()
    [user] = config["users"]
    assert user["name"] == "pinnace"
    cert = x509.load_pem_x509_certificate(base64.b64decode(user["user"]["client-certificate-data"]))
    key = serialization.load_pem_private_key(base64.b64decode(user["user"]["client-key-data"]), None)
    assert cert.public_key() == key.public_key()
    assert subject_values(cert, NameOID.ORGANIZATION_NAME) == ["system:masters"]


def test_minted_client_certificate_carries_user_and_groups(pki: ClusterPKI) -> None:
    minted = mint_client_certificate(pki, "alice", ["dev", "ops"], days=7)
    cert = x509.load_pem_x509_certificate(minted.cert_pem)
    key = serialization.load_pem_private_key(minted.key_pem, password=None)

    cert.verify_directly_issued_by(load_cert(pki.ca_cert))
    assert cert.public_key() == key.public_key()
    assert subject_values(cert, NameOID.COMMON_NAME) == ["alice"]
    assert subject_values(cert, NameOID.ORGANIZATION_NAME) == ["dev", "ops"]
    assert cert.not_valid_after_utc - datetime.now(UTC) < timedelta(days=7, minutes=1)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


@pytest.mark.parametrize(
    ("user", "days"),
    [pytest.param("", 1, id="no user name"), pytest.param("alice", 0, id="no validity")],
)
def test_minting_rejects(pki: ClusterPKI, user: str, days: int) -> None:
    with pytest.raises(ValueError):
        mint_client_certificate(pki, user, days=days)


def test_minting_needs_the_ca(tmp_path: Path) -> None:
    with pytest.raises(PKIError, match="cannot load the cluster CA"):
        mint_client_certificate(ClusterPKI.at(tmp_path), "alice")
