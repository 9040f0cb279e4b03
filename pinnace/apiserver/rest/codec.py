"""Objects in the store are JSON without a resourceVersion: the revision of the write is the version.

Like kube-apiserver's etcd3 store, the resourceVersion is cleared before writing and set from the
key's mod_revision on reading, so it can never disagree with the store.
"""

from __future__ import annotations

from typing import Any

import orjson

Object = dict[str, Any]


def encode(obj: Object) -> bytes:
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "resourceVersion" in metadata:
        obj = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
    return orjson.dumps(obj)


def decode(value: bytes, revision: int) -> Object:
    obj: Object = orjson.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj
