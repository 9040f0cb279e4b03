"""ControllerRevisions: the recorded history of a workload's pod template (upstream's
``pkg/controller/history/controller_history.go``), shared by the StatefulSet controller (and the helpers the
DaemonSet controller uses for its own naming scheme).

A revision is an ``apps/v1`` ControllerRevision owned (controller ownerReference) by its workload, carrying
the template's labels, ``.revision`` (1, 2, 3... in order of use) and ``.data``: the strategic merge patch
``{"spec":{"template":{...,"$patch":"replace"}}}`` that puts the template back (upstream's ``getPatch``) —
``kubectl rollout undo`` sends exactly that ``.data`` as a PATCH.

Names are ``<owner>-<hash>``: FNV-32 (FNV-1, not 1a, as ``hash/fnv.New32``) over the bytes of ``.data``
and, after name collisions, the decimal ``collisionCount``, through ``rand.SafeEncodeString``. The bytes are
those Go's ``json.Marshal`` writes for the same map (sorted keys, no spaces, ``<``/``>``/``&`` escaped), so
a template stored with the API's defaults hashes as it would in a real cluster.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from pinnace.api.labels import LabelSelector
from pinnace.api.strategicpatch import apply_strategic_merge_patch
from pinnace.client.errors import AlreadyExists, Conflict, Invalid, NotFound
from pinnace.client.informer import Informer
from pinnace.client.interface import Client
from pinnace.client.resources import CONTROLLERREVISIONS
from pinnace.controllers.deployment.hash import safe_encode_string
from pinnace.controllers.ownerrefs import controller_ref, new_controller_ref

log = logging.getLogger(__name__)

Object = dict[str, Any]

#: Upstream's ``ControllerRevisionHashLabel``: on a StatefulSet's revisions, the hash in the name.
CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"
#: ``apps/v1.ControllerRevisionHashLabelKey``: on StatefulSet and DaemonSet pods (the revision's name or
#: hash they were made from), and on a DaemonSet's revisions.
POD_REVISION_LABEL = "controller-revision-hash"
#: ``retry.DefaultBackoff`` allows 4 attempts; ``retry.DefaultRetry`` 5.
UPDATE_ATTEMPTS = 4

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_MAX_PREFIX = 223
# encoding/json's HTML-safe escaping, and the two line separators JavaScript cannot take raw.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(value: Any) -> bytes:
    """``json.Marshal`` of a decoded JSON value, byte for byte for what the API stores: map keys sorted,
    compact, HTML characters escaped, everything else raw UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text.encode()


def fnv32(data: bytes) -> int:
    """``hash/fnv.New32`` (FNV-1: multiply, then xor)."""
    value = _FNV32_OFFSET
    for byte in data:
        value = ((value * _FNV32_PRIME) & 0xFFFFFFFF) ^ byte
    return value


def revision_name(prefix: str, hash_: str) -> str:
    """``ControllerRevisionName``: the prefix is cut to 223 bytes so the name fits in 253."""
    return f"{prefix[:_MAX_PREFIX]}-{hash_}"


def hash_controller_revision(revision: Object, probe: int | None) -> str:
    """``HashControllerRevision``: FNV-32 of ``.data`` (and of ``probe``, the collision count)."""
    data = go_json(revision.get("data")) if revision.get("data") is not None else b""
    if probe is not None:
        data += str(probe).encode()
    return safe_encode_string(str(fnv32(data)))


def template_patch(owner: Object) -> Object:
    """``getPatch``: the strategic merge patch that restores ``owner``'s pod template.

    Keys are in Go's order (sorted at every level), so the API server returns ``.data`` as the bytes
    upstream stores: ``kubectl rollout undo`` compares them with its own encoding to skip a roll back to the
    running template."""
    template = dict((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": _sorted(template)}}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def apply_revision(owner: Object, revision: Object, api_version: str, kind: str) -> Object:
    """``ApplyRevision``: ``owner`` with the template ``revision`` recorded (a new object)."""
    return apply_strategic_merge_patch(owner, revision.get("data") or {}, api_version, kind)


def new_controller_revision(
    parent: Object,
    api_version: str,
    kind: str,
    template_labels: dict[str, str],
    data: Object,
    revision: int,
    collision_count: int | None,
) -> Object:
    """``NewControllerRevision``: labelled like the template plus the hash label, named after the hash."""
    body: Object = {
        "apiVersion": CONTROLLERREVISIONS.api_version,
        "kind": CONTROLLERREVISIONS.kind,
        "metadata": {
            "namespace": parent["metadata"].get("namespace", ""),
            "labels": dict(template_labels),
            "ownerReferences": [new_controller_ref(parent, api_version, kind)],
        },
        "data": data,
        "revision": revision,
    }
    hash_ = hash_controller_revision(body, collision_count)
    body["metadata"]["name"] = revision_name(parent["metadata"]["name"], hash_)
    body["metadata"]["labels"][CONTROLLER_REVISION_HASH_LABEL] = hash_
    return body


def revision_number(revision: Object) -> int:
    return int(revision.get("revision") or 0)


def _sort_key(revision: Object) -> tuple[int, str, str]:
    metadata = revision.get("metadata") or {}
    return (revision_number(revision), str(metadata.get("creationTimestamp") or ""), metadata.get("name", ""))


def sort_controller_revisions(revisions: list[Object]) -> list[Object]:
    """``SortControllerRevisions``: by ``.revision``, ties by creation time, then name."""
    return sorted(revisions, key=_sort_key)


def equal_revision(left: Object | None, right: Object | None) -> bool:
    """``EqualRevision``: the same ``.data`` (upstream first compares hash labels, but only when both
    parse as decimal integers, which SafeEncodeString's letters never do)."""
    if left is None or right is None:
        return left is right
    return bool(left.get("data") == right.get("data"))


def find_equal_revisions(revisions: list[Object], needle: Object) -> list[Object]:
    return [revision for revision in revisions if equal_revision(revision, needle)]


def next_revision(revisions: list[Object]) -> int:
    """``nextRevision``: one more than the last of the sorted ``revisions`` (1 for none)."""
    return revision_number(revisions[-1]) + 1 if revisions else 1


class History:
    """``realHistory``: ControllerRevisions read from an informer's cache, written through the client."""

    def __init__(self, client: Client, informer: Informer) -> None:
        self._client = client
        self._informer = informer

    def list_controller_revisions(self, parent: Object, selector: LabelSelector) -> list[Object]:
        """The revisions in ``parent``'s namespace that match ``selector`` and are owned by ``parent`` or by
        no controller (cached objects: copy before changing)."""
        metadata = parent["metadata"]
        owned: list[Object] = []
        for revision in self._informer.indexer.list_namespace(metadata.get("namespace", "")):
            if not selector.matches((revision.get("metadata") or {}).get("labels") or {}):
                continue
            ref = controller_ref(revision)
            if ref is None or ref.get("uid") == metadata.get("uid"):
                owned.append(revision)
        return owned

    async def create_controller_revision(
        self, parent: Object, revision: Object, collision_count: int
    ) -> tuple[Object, int]:
        """Create ``revision`` under the name its hash gives; when the name is taken by a revision with
        other data, count the collision and try the next name. Returns the revision (created, or the equal
        one that was there) and the collision count."""
        namespace = parent["metadata"].get("namespace", "")
        clone = copy.deepcopy(revision)
        while True:
            clone["metadata"]["name"] = revision_name(
                parent["metadata"]["name"], hash_controller_revision(revision, collision_count)
            )
            try:
                created = await self._client.create(CONTROLLERREVISIONS, clone, namespace)
            except AlreadyExists:
                existing = await self._client.get(CONTROLLERREVISIONS, clone["metadata"]["name"], namespace)
                if existing.get("data") == clone.get("data"):
                    return existing, collision_count
                collision_count += 1
                continue
            return created, collision_count

    async def update_controller_revision(self, revision: Object, new_revision: int) -> Object:
        """Set ``.revision`` (a roll back to an earlier template makes it the newest), retrying on
        conflicts with a fresh copy."""
        clone = copy.deepcopy(revision)
        for attempt in range(UPDATE_ATTEMPTS):
            if revision_number(clone) == new_revision:
                return clone
            clone["revision"] = new_revision
            try:
                return await self._client.update(CONTROLLERREVISIONS, clone)
            except Conflict:
                if attempt == UPDATE_ATTEMPTS - 1:
                    raise
                metadata = clone["metadata"]
                clone = await self._client.get(CONTROLLERREVISIONS, metadata["name"], metadata["namespace"])
        return clone  # pragma: no cover - the loop returns or raises

    async def delete_controller_revision(self, revision: Object) -> None:
        metadata = revision["metadata"]
        await self._client.delete(CONTROLLERREVISIONS, metadata["name"], metadata.get("namespace", ""))

    async def adopt_controller_revision(
        self, parent: Object, api_version: str, kind: str, revision: Object
    ) -> Object:
        """Add ``parent``'s controller reference to an orphan (an owned revision is an error)."""
        owner = controller_ref(revision)
        if owner is not None:
            raise ValueError(f"attempt to adopt revision owned by {owner}")
        metadata = revision["metadata"]
        patch = {
            "metadata": {
                "ownerReferences": [new_controller_ref(parent, api_version, kind)],
                "uid": metadata["uid"],
            }
        }
        return await self._client.patch(
            CONTROLLERREVISIONS,
            metadata["name"],
            patch,
            metadata.get("namespace", ""),
            patch_type="strategic",
        )

    async def release_controller_revision(self, parent: Object, revision: Object) -> Object | None:
        """Remove ``parent``'s reference; a revision already gone (or not ours) is released already."""
        metadata = revision["metadata"]
        patch = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": parent["metadata"]["uid"]}],
                "uid": metadata["uid"],
            }
        }
        try:
            return await self._client.patch(
                CONTROLLERREVISIONS,
                metadata["name"],
                patch,
                metadata.get("namespace", ""),
                patch_type="strategic",
            )
        except (NotFound, Invalid):
            return None
