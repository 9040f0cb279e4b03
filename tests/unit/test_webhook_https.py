"""Calling a webhook for real over HTTPS on 127.0.0.1: the server certificate is checked against the
caBundle, and transport failures read as a Go client words them."""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.webhook.validating import ValidatingWebhook
from pinnace.apiserver.pki import ClusterPKI, ensure_pki
from pinnace.apiserver.tls import serving_ssl_context
from tests.unit.admission_fakes import FakeObjects, attributes, context, namespace, pod
from tests.unit.webhook_fakes import add_configuration, webhook


async def _deny(request: web.Request) -> web.Response:
    review = await request.json()
    assert request.query["timeout"] == "10s"
    response = {"uid": review["request"]["uid"], "allowed": False, "status": {"message": "no pods today"}}
    return web.json_response(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
    )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[int, ClusterPKI]]:
    pki = ensure_pki(tmp_path / "pki")
    app = web.Application()
    app.router.add_post("/validate", _deny)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=serving_ssl_context(pki))
    await site.start()
    try:
        assert site._server is not None
        yield site._server.sockets[0].getsockname()[1], pki
    finally:
        await runner.cleanup()


def objects_with(url: str, ca: bytes) -> FakeObjects:
    objects = FakeObjects((GroupVersionResource("", "v1", "namespaces"), namespace("ns")))
    hook = webhook("tls", clientConfig={"url": url, "caBundle": base64.b64encode(ca).decode()})
    add_configuration(objects, "cfg", hook)
    return objects


async def refusal(objects: FakeObjects) -> status.StatusError:
    with pytest.raises(status.StatusError) as caught:
        await ValidatingWebhook(context(objects)).validate(attributes(pod()))
    return caught.value


async def test_a_webhook_whose_certificate_the_ca_bundle_signs_is_asked(
    server: tuple[int, ClusterPKI],
) -> None:
    port, pki = server
    error = await refusal(objects_with(f"https://127.0.0.1:{port}/validate", pki.ca_cert.read_bytes()))
    assert error.message == 'admission webhook "tls" denied the request: no pods today'


async def test_a_certificate_from_another_ca_is_refused(
    server: tuple[int, ClusterPKI], tmp_path: Path
) -> None:
    port, _ = server
    other = ensure_pki(tmp_path / "other")
    error = await refusal(objects_with(f"https://127.0.0.1:{port}/validate", other.ca_cert.read_bytes()))
    assert error.message == (
        'Internal error occurred: failed calling webhook "tls": failed to call webhook: '
        f'Post "https://127.0.0.1:{port}/validate?timeout=10s": tls: failed to verify certificate: '
        "x509: certificate signed by unknown authority"
    )


async def test_nothing_listening(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pki = ensure_pki(tmp_path / "pki")
    error = await refusal(objects_with(f"https://127.0.0.1:{port}/validate", pki.ca_cert.read_bytes()))
    assert error.message == (
        'Internal error occurred: failed calling webhook "tls": failed to call webhook: '
        f'Post "https://127.0.0.1:{port}/validate?timeout=10s": dial tcp 127.0.0.1:{port}: connect: '
        "connection refused"
    )
