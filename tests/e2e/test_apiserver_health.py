"""The API server's first slice, driven from outside: a real server process, the real kubectl binaries.

Covers HTTPS with the generated PKI, the admin kubeconfig, /version, the health endpoints and the
authentication/authorization chain with its Status errors. The health registry's failure output is checked
in-process (a failing check cannot be injected into the child), over aiohttp's test server.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml
from aiohttp import test_utils, web
from cryptography import x509
from cryptography.x509.oid import NameOID

from pinnace.apiserver.app import create_app
from pinnace.apiserver.authn import PUBLIC_INFO_PATHS, AnonymousAuthenticator, AuthenticationChain
from pinnace.apiserver.authz import new_authorizer
from pinnace.apiserver.health import default_registry
from pinnace.apiserver.kubeconfig import build_kubeconfig, component_kubeconfig_path, write_kubeconfig
from pinnace.apiserver.pki import ClusterPKI, mint_client_certificate
from pinnace.apiserver.server import SHUTDOWN_TIMEOUT_SECONDS
from tests.e2e.conftest import (
    KUBECTL_VERSIONS,
    APIServerProcess,
    https_get,
    kubectl,
    kubectl_binary,
    start_apiserver,
)

e2e = pytest.mark.e2e

TOKENS = """\
alice-token,alice,1001,"dev,ops"
root-token,root,1000,system:masters
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServerProcess]:
    data_dir = tmp_path_factory.mktemp("apiserver")
    token_file = data_dir / "tokens.csv"
    token_file.write_text(TOKENS)
    started = start_apiserver(data_dir / "data", token_auth_file=token_file)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A fresh kubectl cache per test, so that no discovery result leaks between tests."""
    return tmp_path / "kube-cache"


# --- kubectl with the admin kubeconfig ----------------------------------------------------------------------


@e2e
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/healthz", "ok", id="healthz says ok"),
        pytest.param("/livez", "ok", id="livez says ok"),
        pytest.param("/readyz", "ok", id="readyz says ok"),
        pytest.param("/livez/ping", "ok", id="a single check says ok"),
        pytest.param(
            "/readyz?verbose",
            "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\nreadyz check passed",
            id="verbose readyz lists checks",
        ),
        pytest.param(
            "/livez?verbose&exclude=ping",
            "[+]ping excluded: ok\n[+]etcd ok\nlivez check passed",
            id="an excluded check is reported as excluded",
        ),
    ],
)
def test_kubectl_get_raw(server: APIServerProcess, cache_dir: Path, path: str, expected: str) -> None:
    result = kubectl(server.kubeconfig, cache_dir, "get", "--raw", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@e2e
def test_kubectl_version_reports_kubernetes_1_32(server: APIServerProcess, cache_dir: Path) -> None:
    result = kubectl(server.kubeconfig, cache_dir, "version", "-o", "json")
    assert result.returncode == 0, result.stderr
    server_version = json.loads(result.stdout)["serverVersion"]
    assert (server_version["major"], server_version["minor"]) == ("1", "32")
    assert server_version["gitVersion"].startswith("v1.32.0+pinnace")


@e2e
@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_every_installed_kubectl_reaches_the_server(
    server: APIServerProcess, cache_dir: Path, version: str
) -> None:
    result = kubectl(server.kubeconfig, cache_dir, "version", "-o", "json", version=version)
    assert result.returncode == 0, result.stderr
    versions = json.loads(result.stdout)
    assert versions["clientVersion"]["minor"].rstrip("+") == version.split(".")[1]
    assert versions["serverVersion"]["minor"] == "32"

    result = kubectl(server.kubeconfig, cache_dir, "get", "--raw", "/readyz", version=version)
    assert (result.returncode, result.stdout) == (0, "ok"), result.stderr


@e2e
def test_admin_passes_authorization(server: APIServerProcess, cache_dir: Path) -> None:
    result = kubectl(server.kubeconfig, cache_dir, "get", "--raw", "/api")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "APIVersions"


@e2e
def test_client_certificate_user_without_masters_is_forbidden(
    server: APIServerProcess, cache_dir: Path, tmp_path: Path
) -> None:
    minted = mint_client_certificate(ClusterPKI.at(server.data_dir), "bob", ["dev"], days=1)
    kubeconfig = tmp_path / "bob.yaml"
    write_kubeconfig(
        build_kubeconfig(
            server_url=server.url,
            ca_pem=server.ca_cert.read_bytes(),
            cert_pem=minted.cert_pem,
            key_pem=minted.key_pem,
        ),
        kubeconfig,
    )
    # Discovery is open to every authenticated user (RBAC's system:discovery); other paths need a grant.
    result = kubectl(kubeconfig, cache_dir, "get", "--raw", "/api")
    assert result.returncode == 0, result.stderr
    result = kubectl(kubeconfig, cache_dir, "get", "--raw", "/metrics")
    assert result.returncode != 0
    assert 'Error from server (Forbidden): forbidden: User "bob" cannot get path "/metrics"' in result.stderr

    result = kubectl(kubeconfig, cache_dir, "get", "--raw", "/healthz")
    assert (result.returncode, result.stdout) == (0, "ok"), result.stderr

    # A resource request is described by resource, group and namespace, as upstream words it.
    result = kubectl(kubeconfig, cache_dir, "get", "--raw", "/api/v1/namespaces/default/pods")
    assert result.returncode != 0
    assert (
        'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" '
        'in API group "" in the namespace "default"'
    ) in result.stderr


# --- plain HTTPS: anonymous and bearer-token requests -------------------------------------------------------

UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@e2e
@pytest.mark.parametrize(
    ("token", "method", "path", "status", "body"),
    [
        pytest.param(None, "GET", "/api", 401, UNAUTHORIZED, id="anonymous is unauthorized for /api"),
        pytest.param(None, "GET", "/", 401, UNAUTHORIZED, id="anonymous is unauthorized for /"),
        pytest.param(None, "GET", "/healthz", 200, "ok", id="anonymous may read healthz"),
        pytest.param(
            None,
            "GET",
            "/readyz/ping",
            403,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": 'forbidden: User "system:anonymous" cannot get path "/readyz/ping"',
                "reason": "Forbidden",
                "details": {},
                "code": 403,
            },
            # system:public-info-viewer grants /readyz itself; single checks need system:monitoring.
            id="anonymous may not read a single check",
        ),
        pytest.param("root-token", "GET", "/readyz/ping", 200, "ok", id="an admin may read a single check"),
        pytest.param(
            None,
            "POST",
            "/healthz",
            403,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": 'forbidden: User "system:anonymous" cannot post path "/healthz"',
                "reason": "Forbidden",
                "details": {},
                "code": 403,
            },
            id="anonymous may only get the public paths",
        ),
        pytest.param(
            "root-token",
            "GET",
            "/livez/nope",
            404,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "the server could not find the requested resource",
                "reason": "NotFound",
                "code": 404,
            },
            id="an unknown check is not found",
        ),
        pytest.param(
            "alice-token",
            "GET",
            "/metrics",
            403,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": 'forbidden: User "alice" cannot get path "/metrics"',
                "reason": "Forbidden",
                "details": {},
                "code": 403,
            },
            id="a token user outside system:masters is forbidden",
        ),
        pytest.param("alice-token", "GET", "/livez", 200, "ok", id="a token user may read livez"),
        pytest.param("alice-token", "GET", "/api", 200, None, id="a token user may read discovery"),
        pytest.param("root-token", "GET", "/api", 200, None, id="a system:masters token user is authorized"),
        pytest.param(
            "wrong-token",
            "GET",
            "/healthz",
            401,
            UNAUTHORIZED,
            id="a bad token never falls back to anonymous",
        ),
    ],
)
def test_https_request(
    server: APIServerProcess,
    token: str | None,
    method: str,
    path: str,
    status: int,
    body: dict[str, object] | str | None,
) -> None:
    got_status, content_type, got_body = https_get(
        server.url + path, ca_cert=server.ca_cert, token=token, method=method
    )
    assert got_status == status
    if isinstance(body, dict):
        assert content_type == "application/json"
        assert json.loads(got_body) == body
    elif isinstance(body, str):
        assert content_type.startswith("text/plain")
        assert got_body == body


@e2e
def test_version_is_public_and_shaped_like_upstream(server: APIServerProcess) -> None:
    status, content_type, body = https_get(server.url + "/version", ca_cert=server.ca_cert)
    assert (status, content_type) == (200, "application/json")
    info = json.loads(body)
    assert sorted(info) == sorted(
        [
            "major",
            "minor",
            "gitVersion",
            "gitCommit",
            "gitTreeState",
            "buildDate",
            "goVersion",
            "compiler",
            "platform",
        ]
    )
    assert info["minor"] == "32"


# --- process lifetime ---------------------------------------------------------------------------------------


@e2e
def test_sigterm_shuts_down_cleanly_and_a_restart_reuses_the_pki(tmp_path: Path, cache_dir: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_apiserver(data_dir)
    try:
        pki_before = {p.name: p.read_bytes() for p in (data_dir / "pki").iterdir()}
    finally:
        exit_code = first.stop()
    assert exit_code == 0, first.log()
    assert "API server stopped" in first.log()

    second = start_apiserver(data_dir)
    try:
        pki_after = {p.name: p.read_bytes() for p in (data_dir / "pki").iterdir()}
        result = kubectl(second.kubeconfig, cache_dir, "get", "--raw", "/livez")
    finally:
        exit_code = second.stop()
    assert pki_after == pki_before
    assert (result.returncode, result.stdout) == (0, "ok"), result.stderr
    assert exit_code == 0, second.log()


@e2e
def test_open_watches_end_at_once_on_shutdown(tmp_path: Path, cache_dir: Path) -> None:
    server = start_apiserver(tmp_path / "data")
    try:
        with subprocess.Popen(
            [
                str(kubectl_binary()),
                f"--kubeconfig={server.kubeconfig}",
                f"--cache-dir={cache_dir}",
                "get",
                "namespaces",
                "--watch",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as watcher:
            assert watcher.stdout is not None
            watcher.stdout.readline()  # the watch is open once the first rows arrive
            started = time.monotonic()
            exit_code = server.stop()
            elapsed = time.monotonic() - started
            watcher.kill()
    finally:
        server.stop()
    assert exit_code == 0, server.log()
    # Without ending watches the server would wait out its whole shutdown grace period (5 s).
    assert elapsed < SHUTDOWN_TIMEOUT_SECONDS, f"shutdown took {elapsed:.1f}s with a watch open"


# --- the health registry's failure output, in-process -------------------------------------------------------


HealthClient = test_utils.TestClient[web.Request, web.Application]


async def broken_datastore() -> None:
    raise RuntimeError("database is locked")


@pytest.fixture
async def health_client() -> AsyncIterator[HealthClient]:
    registry = default_registry()
    registry.add("datastore", broken_datastore, endpoints=["readyz"])
    app = create_app(
        authenticator=AuthenticationChain([], anonymous=AnonymousAuthenticator(PUBLIC_INFO_PATHS)),
        authorizer=new_authorizer(),
        health_checks=registry,
    )
    async with test_utils.TestClient(test_utils.TestServer(app)) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        pytest.param(
            "/readyz",
            500,
            "[+]ping ok\n[-]datastore failed: reason withheld\nreadyz check failed\n",
            id="a failing check fails readyz verbosely without its reason",
        ),
        pytest.param(
            "/readyz?exclude=datastore",
            200,
            "ok",
            id="excluding the failing check makes readyz pass",
        ),
        pytest.param(
            "/readyz/datastore",
            500,
            "internal server error: database is locked\n",
            id="the single-check path tells the reason",
        ),
        pytest.param("/livez?verbose", 200, "[+]ping ok\nlivez check passed\n", id="a readyz-only check"),
        pytest.param(
            "/healthz?verbose&exclude=nope",
            200,
            '[+]ping ok\nwarn: some health checks cannot be excluded: no matches for "nope"\n'
            "healthz check passed\n",
            id="excluding an unknown check warns",
        ),
    ],
)
async def test_health_output(health_client: HealthClient, path: str, status: int, body: str) -> None:
    response = await health_client.get(path)
    assert response.status == status
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert await response.text() == body


async def test_checks_registered_after_start_are_served() -> None:
    registry = default_registry()
    app = create_app(
        authenticator=AuthenticationChain([], anonymous=AnonymousAuthenticator(PUBLIC_INFO_PATHS)),
        authorizer=new_authorizer(),
        health_checks=registry,
    )
    async with test_utils.TestClient(test_utils.TestServer(app)) as client:
        assert (await client.get("/livez/late")).status == 404
        registry.add("late", broken_datastore)
        response = await client.get("/livez/late")
        assert response.status == 500


@e2e
@pytest.mark.parametrize(
    ("component", "user"),
    [
        ("controller-manager", "system:kube-controller-manager"),
        ("scheduler", "system:kube-scheduler"),
        ("hollow-nodes", "system:pinnace:hollow-nodes"),
    ],
)
def test_each_component_has_its_own_working_identity(
    server: APIServerProcess, cache_dir: Path, component: str, user: str
) -> None:
    kubeconfig = component_kubeconfig_path(server.data_dir, component)
    assert oct(kubeconfig.stat().st_mode & 0o777) == "0o600"
    result = kubectl(kubeconfig, cache_dir, "get", "pods", "-A", "-o", "name")
    assert result.returncode == 0, result.stderr
    # The identity is the component's own, not the admin's (SelfSubjectReview is not served yet, so the
    # certificate says who it is).
    certificate = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["client-certificate-data"]
    subject = x509.load_pem_x509_certificate(base64.b64decode(certificate)).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user
