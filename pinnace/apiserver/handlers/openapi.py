"""``GET /openapi/v3`` and ``/openapi/v3/<group-version>``: the OpenAPI v3 documents kubectl validates with.

Reproduces kube-openapi's ``pkg/handler3/handler.go`` (wire-notes §2.2):

* The index (``HandleDiscovery``) is ``{"paths": {"apis/apps/v1": {"serverRelativeURL":
  "/openapi/v3/apis/apps/v1?hash=<SHA-512>"}}}``. kubectl fetches it on every run.
* A document (``HandleGroupVersion``) is served as JSON with its hash as ``ETag`` (``If-None-Match``
  gives 304). With ``?hash=`` equal to the current hash the answer is cacheable for good (``Cache-Control:
  public, immutable``, ``Expires`` a year ahead), which kubectl's disk cache relies on; with a stale hash the
  client is sent (301) to the current URL. An unknown group-version is Go's plain ``404 page not found``; a
  client that accepts neither JSON nor ``application/*`` gets 406 (upstream's protobuf form is not served).

``/openapi/v2``: kubectl asks for it only as protobuf (gnostic ``openapi_v2.Document``). 1.28+ tolerate a 404,
but kubectl 1.27 loads it before every ``create -f``/``apply``/``replace`` under default validation (and fails
on a 404), and reads only it for ``kubectl explain`` and for the strategic-merge-patch metadata of client-side
``apply``. It gets the 1.32 document's definitions of every served kind, generated into package data by
``hack/gen_openapi_v2.py`` (``paths`` are left out: kubectl reads operations from v3), with its SHA-512 as
``ETag`` like kube-openapi's v2 handler. Other media types get a 404 (upstream would also answer JSON).

The bytes and their gzip form are computed once; a client sending ``Accept-Encoding: gzip`` (every Go client)
gets the latter, as upstream's response compression does for large bodies.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import gzip
import html
from dataclasses import dataclass, field
from importlib import resources

from aiohttp import web

from pinnace.api.openapi import URL_PREFIX, OpenAPIDocument, OpenAPIDocuments, document_hash

JSON = "application/json"
# handler3: the JSON form is chosen for application/json, application/* and */*.
_JSON_RANGES = frozenset(("application/json", "application/*", "*/*"))
# Go's http.Error / http.NotFound body.
_NOT_FOUND_BODY = b"404 page not found\n"
CACHE_FOR = datetime.timedelta(days=365)


@dataclass
class _Served:
    """The documents and, filled on first use, each one's gzip bytes."""

    documents: OpenAPIDocuments
    gzipped: dict[str, bytes] = field(default_factory=dict)

    def gzip(self, key: str, data: bytes) -> bytes:
        compressed = self.gzipped.get(key)
        if compressed is None:
            # mtime=0: the same bytes every time, so the compressed form is as stable as the document.
            compressed = self.gzipped[key] = gzip.compress(data, compresslevel=6, mtime=0)
        return compressed


SERVED_KEY = web.AppKey("pinnace.openapi", _Served)


def _accepts_gzip(request: web.Request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        if pieces[0].lower() in ("gzip", "*") and "q=0" not in pieces[1:]:
            return True
    return False


def _accepts_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "") or "*/*"
    for part in accept.split(","):
        pieces = [piece.strip().lower() for piece in part.split(";")]
        if pieces[0] in _JSON_RANGES and "q=0" not in pieces[1:]:
            return True
    return False


def _body(request: web.Request, key: str, data: bytes, headers: dict[str, str]) -> web.Response:
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        data = request.app[SERVED_KEY].gzip(key, data)
    headers["Vary"] = "Accept, Accept-Encoding"
    return web.Response(body=data, headers={"Content-Type": JSON, **headers})


def _moved_permanently(url: str) -> web.Response:
    # Go's http.Redirect(w, r, url, 301) for a GET: the Location plus a one-line HTML body.
    body = f'<a href="{html.escape(url)}">Moved Permanently</a>.\n\n'.encode()
    return web.Response(
        status=301, body=body, content_type="text/html", charset="utf-8", headers={"Location": url}
    )


async def handle_index(request: web.Request) -> web.Response:
    documents = request.app[SERVED_KEY].documents
    return _body(request, "", documents.index, {})


async def handle_document(request: web.Request) -> web.StreamResponse:
    document: OpenAPIDocument | None = request.app[SERVED_KEY].documents.get(request.match_info["path"])
    if document is None:
        return web.Response(status=404, body=_NOT_FOUND_BODY, content_type="text/plain", charset="utf-8")
    if not _accepts_json(request):
        return web.Response(status=406, headers={"Vary": "Accept"})
    headers = {"ETag": f'"{document.hash}"'}
    wanted = request.query.get("hash")
    if wanted is not None and wanted != "":
        if wanted != document.hash:
            return _moved_permanently(document.server_relative_url)
        expires = datetime.datetime.now(datetime.UTC) + CACHE_FOR
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = email.utils.format_datetime(expires, usegmt=True)
    if request.headers.get("If-None-Match", "") in (headers["ETag"], "*"):
        return web.Response(status=304, headers=headers)
    return _body(request, document.path, document.data, headers)


# What client-go's discovery asks for (``openAPIV2mimePb``), and what kube-openapi answers with: Go's
# mime.ParseMediaType rejects the "@", so the response spells it with a dot.
V2_PROTOBUF_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
V2_DOCUMENT_FILE = "openapi-v2.pb"
_V2_KEY = "/openapi/v2"


@functools.cache
def v2_document() -> tuple[bytes, str]:
    """The gnostic protobuf ``openapi_v2.Document`` (package data, read once) and its hash."""
    data = resources.files("pinnace.api").joinpath("data").joinpath(V2_DOCUMENT_FILE).read_bytes()
    return data, document_hash(data)


async def handle_v2(request: web.Request) -> web.Response:
    accept = request.headers.get("Accept", "")
    ranges = {part.split(";")[0].strip() for part in accept.split(",")}
    if not ranges & {V2_PROTOBUF_ACCEPT, V2_PROTOBUF}:
        return web.Response(status=404, body=_NOT_FOUND_BODY, content_type="text/plain", charset="utf-8")
    data, etag = v2_document()
    headers = {"ETag": f'"{etag}"', "Vary": "Accept, Accept-Encoding"}
    if request.headers.get("If-None-Match", "") in (headers["ETag"], "*"):
        return web.Response(status=304, headers=headers)
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        data = request.app[SERVED_KEY].gzip(_V2_KEY, data)
    return web.Response(body=data, headers={"Content-Type": V2_PROTOBUF, **headers})


def add_routes(app: web.Application, documents: OpenAPIDocuments) -> None:
    app[SERVED_KEY] = _Served(documents)
    app.router.add_get(URL_PREFIX, handle_index)
    app.router.add_get(URL_PREFIX + "/{path:.+}", handle_document)
    app.router.add_get("/openapi/v2", handle_v2)
