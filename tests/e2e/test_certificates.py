"""CertificateSigningRequests and ``pinnace kubeconfig`` as a user meets them, with real kubectl 1.32 and
1.37: a request made with ``cryptography`` (no openssl), ``kubectl certificate approve`` and the csrsigning
controller issuing a certificate that then authenticates (``kubectl auth whoami``), ``kubectl certificate
deny`` leaving it unsigned, a request that breaks its signer's rules failing with upstream's reason, and an
operator-minted kubeconfig whose rights come from RBAC."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pinnace.apiserver.kubeconfig import build_kubeconfig, write_kubeconfig
from tests.e2e.conftest import (
    APIServerProcess,
    ComponentProcess,
    kubectl,
    start_apiserver,
    start_component,
)

pytestmark = pytest.mark.e2e

VERSIONS = ("1.32", "1.37")


@dataclass
class Cluster:
    server: APIServerProcess
    manager: ComponentProcess
    base: Path

    def admin(self, *args: str, version: str | None = None) -> subprocess.CompletedProcess[str]:
        return kubectl(self.server.kubeconfig, self.base / "cache-admin", *args, version=version)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("csr")
    server = start_apiserver(base / "data")
    manager = None
    try:
        pki = (base / "data" / "pki").absolute()
        manager = start_component(
            server,
            "controller-manager",
            "--controllers",
            "csrsigning",
            "--no-leader-elect",
            "--cluster-signing-cert-file",
            str(pki / "ca.crt"),
            "--cluster-signing-key-file",
            str(pki / "ca.key"),
        )
        yield Cluster(server, manager, base)
    finally:
        if manager is not None:
            manager.stop()
        server.stop()


def make_request(cn: str, orgs: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
    """A private key and a PEM certificate request for ``cn`` in ``orgs``."""
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    names += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in orgs]
    request = (
        x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, request.public_bytes(serialization.Encoding.PEM)


def csr_manifest(name: str, request_pem: bytes, signer: str, usages: list[str], seconds: int = 0) -> str:
    spec: dict[str, object] = {
        "request": base64.b64encode(request_pem).decode(),
        "signerName": signer,
        "usages": usages,
    }
    if seconds:
        spec["expirationSeconds"] = seconds
    body = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": spec,
    }
    return json.dumps(body)


def create(cluster: Cluster, manifest: str, version: str) -> None:
    path = cluster.base / f"{json.loads(manifest)['metadata']['name']}.json"
    path.write_text(manifest)
    result = cluster.admin("create", "-f", str(path), version=version)
    assert result.returncode == 0, result.stderr


def get_csr(cluster: Cluster, name: str) -> dict[str, object]:
    result = cluster.admin("get", "csr", name, "-o", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def status_of(csr: dict[str, object]) -> dict[str, object]:
    status = csr.get("status")
    return status if isinstance(status, dict) else {}


@pytest.mark.parametrize("version", VERSIONS)
def test_approved_request_gets_a_working_certificate(cluster: Cluster, version: str) -> None:
    name = f"bob-{version}"
    key_pem, request_pem = make_request("bob", ("devs",))
    client = ["client auth", "digital signature"]
    create(
        cluster, csr_manifest(name, request_pem, "kubernetes.io/kube-apiserver-client", client, 3600), version
    )

    csr = get_csr(cluster, name)
    spec = csr["spec"]
    assert isinstance(spec, dict)
    assert spec["username"] == "kubernetes-admin"  # the requester, from authentication
    assert "system:masters" in spec["groups"]
    listed = cluster.admin("get", "csr", name, version=version)
    assert "Pending" in listed.stdout, listed.stdout

    approved = cluster.admin("certificate", "approve", name, version=version)
    assert approved.returncode == 0, approved.stderr
    assert f"certificatesigningrequest.certificates.k8s.io/{name} approved" in approved.stdout
    eventually(lambda: bool(status_of(get_csr(cluster, name)).get("certificate")))
    listed = cluster.admin("get", "csr", name, version=version)
    assert "Approved,Issued" in listed.stdout, listed.stdout

    status = status_of(get_csr(cluster, name))
    conditions = status["conditions"]
    assert isinstance(conditions, list)
    assert conditions[0]["type"] == "Approved" and conditions[0]["reason"] == "KubectlApprove"
    cert_pem = base64.b64decode(str(status["certificate"]))
    cert = x509.load_pem_x509_certificate(cert_pem)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    # Short-lived (< 8 h): backdated 5 minutes, not shortened.
    assert 3600 + 290 <= lifetime.total_seconds() <= 3600 + 310

    kubeconfig = cluster.base / f"{name}.kubeconfig"
    write_kubeconfig(
        build_kubeconfig(
            server_url=cluster.server.url,
            ca_pem=cluster.server.ca_cert.read_bytes(),
            cert_pem=cert_pem,
            key_pem=key_pem,
        ),
        kubeconfig,
    )
    whoami = kubectl(
        kubeconfig, cluster.base / f"cache-{name}", "auth", "whoami", "-o", "json", version=version
    )
    assert whoami.returncode == 0, whoami.stderr
    user = json.loads(whoami.stdout)["status"]["userInfo"]
    assert user["username"] == "bob"
    assert user["groups"] == ["devs", "system:authenticated"]


@pytest.mark.parametrize("version", VERSIONS)
def test_denied_request_gets_no_certificate(cluster: Cluster, version: str) -> None:
    name = f"mallory-{version}"
    _key, request_pem = make_request("mallory")
    create(
        cluster,
        csr_manifest(name, request_pem, "kubernetes.io/kube-apiserver-client", ["client auth"]),
        version,
    )
    denied = cluster.admin("certificate", "deny", name, version=version)
    assert denied.returncode == 0, denied.stderr
    assert f"certificatesigningrequest.certificates.k8s.io/{name} denied" in denied.stdout
    time.sleep(1.0)  # give the signer the chance to (wrongly) act
    status = status_of(get_csr(cluster, name))
    assert "certificate" not in status
    listed = cluster.admin("get", "csr", name, version=version)
    assert "Denied" in listed.stdout, listed.stdout


def test_request_breaking_the_signer_rules_fails(cluster: Cluster) -> None:
    name = "not-a-kubelet"
    _key, request_pem = make_request("system:node:n1", ("devs",))
    usages = ["client auth", "digital signature"]
    create(
        cluster,
        csr_manifest(name, request_pem, "kubernetes.io/kube-apiserver-client-kubelet", usages),
        "1.32",
    )
    assert cluster.admin("certificate", "approve", name).returncode == 0

    def failed() -> bool:
        conditions = status_of(get_csr(cluster, name)).get("conditions") or []
        return any(isinstance(c, dict) and c.get("type") == "Failed" for c in conditions)

    eventually(failed)
    status = status_of(get_csr(cluster, name))
    failure = next(c for c in status["conditions"] if c["type"] == "Failed")  # type: ignore[union-attr,index]
    assert failure["reason"] == "SignerValidationFailure"
    assert failure["message"] == "subject organization is not system:nodes"
    assert "certificate" not in status
    listed = cluster.admin("get", "csr", name)
    assert "Approved,Failed" in listed.stdout, listed.stdout


def test_invalid_request_is_refused(cluster: Cluster) -> None:
    _key, request_pem = make_request("eve")
    manifest = csr_manifest("short", request_pem, "kubernetes.io/kube-apiserver-client", ["client auth"], 60)
    path = cluster.base / "short.json"
    path.write_text(manifest)
    result = cluster.admin("create", "-f", str(path))
    assert result.returncode != 0
    assert (
        'The CertificateSigningRequest "short" is invalid: spec.expirationSeconds: Invalid value: 60: '
        "may not specify a duration less than 600 seconds (10 minutes)"
    ) in result.stderr


def test_pinnace_kubeconfig_gives_rbac_governed_access(cluster: Cluster) -> None:
    out = cluster.base / "alice.kubeconfig"
    minted = subprocess.run(
        [
            sys.executable,
            "-m",
            "pinnace.cli.main",
            "kubeconfig",
            "--user",
            "alice",
            "--group",
            "dev",
            "--days",
            "2",
            "--data-dir",
            str(cluster.server.data_dir),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert minted.returncode == 0, minted.stderr
    assert out.stat().st_mode & 0o777 == 0o600

    def alice(*args: str) -> subprocess.CompletedProcess[str]:
        return kubectl(out, cluster.base / "cache-alice", *args)

    whoami = alice("auth", "whoami", "-o", "json")
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["status"]["userInfo"]["groups"] == ["dev", "system:authenticated"]
    forbidden = alice("get", "pods", "-n", "default")
    assert forbidden.returncode != 0
    assert (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"'
        in forbidden.stderr
    )
    granted = cluster.admin(
        "create", "rolebinding", "dev-view", "--clusterrole=view", "--group=dev", "-n", "default"
    )
    assert granted.returncode == 0, granted.stderr
    eventually(lambda: alice("get", "pods", "-n", "default").returncode == 0)
