"""The ``continue`` token of a paginated list: the revision the list is pinned to, and where to resume.

Same shape as upstream's (apiserver/pkg/storage/continue.go): base64 of
``{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the prefix>"}``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import orjson

TOKEN_VERSION = "meta.k8s.io/v1"


class InvalidContinueToken(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ContinueToken:
    revision: int
    start: str  # relative to the list's prefix

    def encode(self) -> str:
        raw = orjson.dumps({"v": TOKEN_VERSION, "rv": self.revision, "start": self.start})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ContinueToken:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = orjson.loads(raw)
        except (binascii.Error, ValueError) as err:
            raise InvalidContinueToken("continue key is not valid: illegal base64 data") from err
        if not isinstance(data, dict) or data.get("v") != TOKEN_VERSION:
            raise InvalidContinueToken(
                "continue key is not valid: server does not recognize this encoded key"
            )
        revision, start = data.get("rv"), data.get("start")
        if not isinstance(revision, int) or revision <= 0 or not isinstance(start, str):
            raise InvalidContinueToken("continue key is not valid: incorrect encoded start resourceVersion")
        if start.startswith("/") or ".." in start.split("/"):
            raise InvalidContinueToken("continue key is not valid: key cannot be a path")
        return cls(revision, start)
