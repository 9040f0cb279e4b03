"""The ``pod-template-hash``: which ReplicaSet holds which version of a Deployment's pod template.

Upstream's ``controller.ComputeHash`` (``pkg/controller/controller_utils.go``) feeds a deep print of the Go
``PodTemplateSpec`` (``hashutil.DeepHashObject``: go-spew with sorted keys) into FNV-32a, then the
collision count as 8 little-endian bytes (4 of them the uint32, 4 zero), and renders the decimal sum through
``rand.SafeEncodeString`` (each byte of the decimal string picks a letter from a vowel-free alphabet).

Go's struct printing cannot be reproduced over JSON dicts, so the bytes hashed here are a canonical JSON
encoding of the template (sorted keys, no whitespace, empty values dropped as :func:`semantic` does). The
algorithm, alphabet and shape are upstream's, so a name looks like ``web-7d4b9c8f5``; **the value differs
from what a real cluster computes for the same template**. Nothing depends on matching it: the hash only has
to be stable for one template and differ between templates.

Templates are compared as upstream's ``EqualIgnoreHash`` does: ignoring the ``pod-template-hash`` label,
with ``apiequality.Semantic.DeepEqual``'s tolerance of empty versus missing lists and maps.
"""

from __future__ import annotations

import copy
import struct
from typing import Any

import orjson

Object = dict[str, Any]

DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = "pod-template-hash"
# k8s.io/apimachinery/pkg/util/rand: consonants and digits that cannot spell words or look alike.
_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
# Fields of a PodTemplateSpec that are Go maps: Semantic.DeepEqual treats an empty map as a nil one. (Empty
# objects elsewhere are pointers to structs, e.g. ``emptyDir: {}``, and do matter.)
_MAP_FIELDS = frozenset(
    {"labels", "annotations", "nodeSelector", "limits", "requests", "overhead", "volumeAttributes"}
)


def fnv32a(data: bytes, seed: int = _FNV32_OFFSET) -> int:
    value = seed
    for byte in data:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode_string(text: str) -> str:
    """``rand.SafeEncodeString``."""
    return "".join(_SAFE_ALPHANUMS[byte % len(_SAFE_ALPHANUMS)] for byte in text.encode())


def compute_hash(template: Object, collision_count: int | None) -> str:
    """The ``pod-template-hash`` of ``template`` (bumped by ``status.collisionCount`` after a collision)."""
    value = fnv32a(orjson.dumps(semantic(template), option=orjson.OPT_SORT_KEYS))
    if collision_count is not None:
        value = fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\x00" * 4, value)
    return safe_encode_string(str(value))


def semantic(value: Any, key: str = "") -> Any:
    """``value`` without the differences Semantic.DeepEqual ignores: nulls, empty lists, empty maps."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            cleaned = semantic(item, name)
            if cleaned is None or cleaned == [] or (cleaned == {} and name in _MAP_FIELDS):
                continue
            out[name] = cleaned
        return out
    if isinstance(value, list):
        return [semantic(item) for item in value]
    return value


def without_hash_label(template: Object) -> Object:
    """A copy of ``template`` without the ``pod-template-hash`` label."""
    stripped = copy.deepcopy(template)
    labels = (stripped.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, None)
    return stripped


def equal_ignore_hash(left: Object, right: Object) -> bool:
    """Upstream's ``EqualIgnoreHash``: the same template apart from the ``pod-template-hash`` label."""
    return bool(semantic(without_hash_label(left)) == semantic(without_hash_label(right)))
