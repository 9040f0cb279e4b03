"""Calling a webhook over HTTPS (``k8s.io/apiserver/pkg/util/webhook/client.go`` and the REST client).

Where a webhook lives (``clientConfig``):

- ``url``: called as given; a URL without a port uses 443.
- ``service``: upstream names it ``https://<name>.<namespace>.svc:<port><path>`` and resolves it with
  kube-apiserver's service resolver - the Service's ClusterIP, or, with ``--enable-aggregator-routing``,
  one of its ready endpoints. Pinnace has no service proxy yet, so a ClusterIP leads nowhere on a machine
  without one; it resolves as the aggregator-routing resolver does: a ready endpoint address of the Service
  (from its EndpointSlices) and the endpoint port named like the Service port. An ExternalName Service
  resolves to its external name. The TLS server name stays ``<name>.<namespace>.svc``, so the webhook's
  certificate must name it, as upstream requires.

TLS: the server certificate is verified against ``caBundle`` (PEM, base64 in JSON), or the system's roots
without one. The request carries ``?timeout=<n>s`` as client-go adds it. Every failure is reported in the
words a Go client uses, since they reach users inside ``failed calling webhook`` messages:
``Post "https://127.0.0.1:8443/validate?timeout=10s": dial tcp 127.0.0.1:8443: connect: connection
refused``.

The network is behind :class:`Transport` (one method) so tests can answer without sockets.
"""

from __future__ import annotations

import base64
import binascii
import errno
import functools
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver.admission.interfaces import ObjectSource

Object = dict[str, Any]

SERVICES = GroupVersionResource("", "v1", "services")
ENDPOINT_SLICES = GroupVersionResource("discovery.k8s.io", "v1", "endpointslices")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class CallError(Exception):
    """The webhook could not be called; the text is what a Go client would say (without the
    ``Post "<url>": `` prefix, which :func:`post_error` adds)."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Target:
    """Where to send one request: ``url`` as users see it, ``connect`` where the socket goes."""

    url: str
    connect: str
    server_hostname: str | None
    ca_bundle: bytes


class Transport(Protocol):
    """POSTs one JSON body; raises :class:`CallError` (or TimeoutError) when no HTTP answer came."""

    async def post(self, target: Target, body: bytes) -> Response: ...


def post_error(url: str, reason: str) -> str:
    """``Post "<url>": <reason>`` (Go's ``url.Error``)."""
    return f'Post "{url}": {reason}'


def timeout_query(timeout_seconds: float | None) -> str:
    """client-go's ``timeout`` parameter: whole seconds, rounded up."""
    if not timeout_seconds or timeout_seconds <= 0:
        return ""
    whole = int(timeout_seconds)
    if whole != timeout_seconds:
        whole += 1
    return f"timeout={whole}s"


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def ca_bundle(client_config: Mapping[str, Any]) -> bytes:
    raw = client_config.get("caBundle")
    if not raw:
        return b""
    try:
        return base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as err:
        raise CallError(f"invalid caBundle: {err}") from None


async def resolve(
    client_config: Mapping[str, Any], objects: ObjectSource, timeout_seconds: float | None
) -> tuple[Target, str]:
    """The target of ``client_config`` and the URL to report it by; raises CallError for an unusable
    configuration or a Service that has nowhere to send to (then the URL is in the message)."""
    query = timeout_query(timeout_seconds)
    bundle = ca_bundle(client_config)
    service = client_config.get("service")
    if isinstance(service, dict):
        name = str(service.get("name") or "")
        namespace = str(service.get("namespace") or "")
        port = service.get("port") or 443
        path = str(service.get("path") or "")
        server_name = f"{name}.{namespace}.svc"
        url = _with_query(f"https://{server_name}:{port}{path}", query)
        try:
            host, host_port = await resolve_service(objects, namespace, name, int(port))
        except CallError as err:
            raise CallError(post_error(url, str(err))) from None
        connect = _with_query(f"https://{_join_host(host, host_port)}{path}", query)
        return Target(url, connect, server_name, bundle), url
    raw_url = client_config.get("url")
    if not raw_url:
        raise CallError("webhook configuration must have either service or URL")
    try:
        parsed = urllib.parse.urlsplit(str(raw_url))
        parsed.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        raise CallError(f"Unparsable URL: {err}") from None
    url = _with_query(str(raw_url), query)
    return Target(url, url, None, bundle), url


def _join_host(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def resolve_service(objects: ObjectSource, namespace: str, name: str, port: int) -> tuple[str, int]:
    """``ResolveEndpoint`` (aggregator routing): a ready endpoint of the Service, on the port that carries
    the Service port's name; an ExternalName Service is its external name."""
    service = await objects.get(SERVICES, namespace, name)
    if service is None:
        raise CallError(f'service "{name}" not found')
    spec = service.get("spec") or {}
    service_type = spec.get("type") or "ClusterIP"
    if service_type == "ExternalName":
        return str(spec.get("externalName") or ""), port
    if service_type not in ("ClusterIP", "LoadBalancer", "NodePort"):
        raise CallError(f'unsupported service type "{service_type}"')
    service_port = next((p for p in spec.get("ports") or () if p.get("port") == port), None)
    if service_port is None:
        raise CallError(f'no service port {port} found for service "{name}"')
    port_name = service_port.get("name") or ""
    for endpoint_slice in await objects.list(ENDPOINT_SLICES, namespace):
        labels = (endpoint_slice.get("metadata") or {}).get("labels") or {}
        if labels.get(SERVICE_NAME_LABEL) != name:
            continue
        slice_port = next(
            (p for p in endpoint_slice.get("ports") or () if (p.get("name") or "") == port_name), None
        )
        if slice_port is None or not slice_port.get("port"):
            continue
        for endpoint in endpoint_slice.get("endpoints") or ():
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            addresses = endpoint.get("addresses") or ()
            if addresses:
                return str(addresses[0]), int(slice_port["port"])
    raise CallError(f'no endpoints available for service "{name}"')


@functools.lru_cache(maxsize=64)
def ssl_context(bundle: bytes) -> ssl.SSLContext:
    """A client context trusting ``bundle`` (PEM), or the system's roots if it is empty."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if bundle:
        try:
            context.load_verify_locations(cadata=bundle.decode("ascii", "replace"))
        except ssl.SSLError as err:
            raise CallError(f"unable to load root certificates: {err.reason or err}") from None
    # Upstream speaks HTTP/1.1 to webhooks (issue 75791); aiohttp speaks nothing else.
    context.set_alpn_protocols(["http/1.1"])
    return context


class AiohttpTransport:
    """The real network: one short-lived session per call, so nothing outlives the request."""

    async def post(self, target: Target, body: bytes) -> Response:
        context = ssl_context(target.ca_bundle)
        headers = {"Content-Type": "application/json", "Accept": "application/json, */*"}
        connect = urllib.parse.urlsplit(target.connect)
        if target.server_hostname:
            shown = urllib.parse.urlsplit(target.url)
            headers["Host"] = shown.netloc
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    target.connect,
                    data=body,
                    headers=headers,
                    ssl=context if connect.scheme == "https" else False,
                    server_hostname=target.server_hostname,
                    allow_redirects=False,
                ) as response,
            ):
                return Response(response.status, await response.read(), response.content_type)
        except aiohttp.ClientConnectorCertificateError as err:
            raise CallError(_certificate_error(err, target)) from None
        except aiohttp.ClientConnectorDNSError:
            raise CallError(f"dial tcp: lookup {connect.hostname}: no such host") from None
        except aiohttp.ClientConnectorSSLError as err:
            raise CallError(f"tls: {getattr(err, 'reason', None) or err}") from None
        except aiohttp.ClientConnectorError as err:
            raise CallError(_dial_error(err, connect)) from None
        except aiohttp.ServerDisconnectedError:
            raise CallError("EOF") from None
        except aiohttp.ClientError as err:
            raise CallError(str(err) or type(err).__name__) from None


def _certificate_error(err: aiohttp.ClientConnectorCertificateError, target: Target) -> str:
    certificate_error = err.certificate_error
    code = getattr(certificate_error, "verify_code", 0)
    if code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH
        host = target.server_hostname or urllib.parse.urlsplit(target.url).hostname or ""
        return f"tls: failed to verify certificate: x509: certificate is not valid for {host}"
    if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
    return "tls: failed to verify certificate: x509: certificate signed by unknown authority"


def _dial_error(err: aiohttp.ClientConnectorError, connect: urllib.parse.SplitResult) -> str:
    port = connect.port or (443 if connect.scheme == "https" else 80)
    address = _join_host(connect.hostname or "", port)
    os_error = err.os_error
    if os_error.errno == errno.ECONNREFUSED:
        return f"dial tcp {address}: connect: connection refused"
    if os_error.errno == errno.ENETUNREACH:
        return f"dial tcp {address}: connect: network is unreachable"
    if os_error.errno == errno.EHOSTUNREACH:
        return f"dial tcp {address}: connect: no route to host"
    detail = (os_error.strerror or str(os_error)).lower()
    return f"dial tcp {address}: connect: {detail}"
