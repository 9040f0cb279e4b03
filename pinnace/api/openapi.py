"""The OpenAPI v3 documents of the served group-versions, as package data, loaded once.

``hack/gen_openapi_v3.py`` writes one compact JSON document per group-version to ``data/openapi-v3/``
(named as upstream's ``api/openapi-spec/v3/`` files: ``apis__apps__v1_openapi.json``) plus ``index.json``,
which maps the index key (``apis/apps/v1``) to its file. The bytes are served exactly as stored, so each
document's hash is computed from them once: the uppercase hex SHA-512 that kube-openapi's ``handler3``
uses both as the ``ETag`` and in the index's ``serverRelativeURL`` (``/openapi/v3/apis/apps/v1?hash=...``).
A client caches a document under that URL for good, so the hash must change whenever the bytes do.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

DATA_DIRECTORY = "openapi-v3"
INDEX_NAME = "index.json"
URL_PREFIX = "/openapi/v3"


@dataclass(frozen=True, slots=True)
class OpenAPIDocument:
    """One group-version's document: its index key (``api/v1``, ``apis/apps/v1``), bytes and their hash."""

    path: str
    data: bytes
    hash: str

    @property
    def server_relative_url(self) -> str:
        return f"{URL_PREFIX}/{self.path}?hash={self.hash}"

    def parse(self) -> dict[str, Any]:
        """The document as JSON (a fresh copy each call; the served bytes stay the reference)."""
        parsed: dict[str, Any] = json.loads(self.data)
        return parsed


def document_hash(data: bytes) -> str:
    """kube-openapi handler3 ``computeETag``: ``fmt.Sprintf("%X", sha512.Sum512(data))``."""
    return hashlib.sha512(data).hexdigest().upper()


@dataclass(frozen=True, slots=True)
class OpenAPIDocuments:
    """Every document by index key, and the ``/openapi/v3`` index, serialized once."""

    documents: Mapping[str, OpenAPIDocument]
    index: bytes

    @classmethod
    def from_bytes(cls, documents: Mapping[str, bytes]) -> OpenAPIDocuments:
        by_path = {path: OpenAPIDocument(path, data, document_hash(data)) for path, data in documents.items()}
        # Upstream marshals a Go map, so the keys come out sorted; serverRelativeURL is the only field.
        index = {
            "paths": {
                path: {"serverRelativeURL": by_path[path].server_relative_url} for path in sorted(by_path)
            }
        }
        return cls(MappingProxyType(by_path), json.dumps(index, separators=(",", ":")).encode())

    def get(self, path: str) -> OpenAPIDocument | None:
        return self.documents.get(path)


@functools.cache
def load_documents() -> OpenAPIDocuments:
    """The packaged documents (read on first use, then shared by every caller in the process)."""
    directory = resources.files("pinnace.api").joinpath("data").joinpath(DATA_DIRECTORY)
    index = json.loads(directory.joinpath(INDEX_NAME).read_bytes())
    files: dict[str, str] = index["documents"]
    return OpenAPIDocuments.from_bytes(
        {path: directory.joinpath(name).read_bytes() for path, name in files.items()}
    )
