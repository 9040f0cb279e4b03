"""What the server owns in ``metadata`` (apiserver/pkg/registry/rest/create.go and update.go).

On create it assigns uid, creationTimestamp and (for generateName) the name, and drops what only
the server may set. On update it keeps what may never change after create.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

Object = dict[str, Any]

# Upstream's generateName suffix: 5 characters from an alphabet without vowels or look-alikes
# (apiserver/pkg/storage/names/generate.go, util/rand.String).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SUFFIX_LENGTH = 5
_MAX_NAME_LENGTH = 63

# Set only by the server on create; a client's values are ignored.
_SERVER_ONLY_ON_CREATE = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)
# Never changed by an update, whatever the client sends.
# uid is not among them: a request may omit it (the stored one is kept) but not change it, which
# validation then refuses as an immutable field (upstream's BeforeUpdate).
_IMMUTABLE = ("creationTimestamp", "namespace", "name")


def rfc3339(moment: datetime) -> str:
    """Seconds precision with a Z, the form metav1.Time marshals to."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_name(base: str) -> str:
    base = base[: _MAX_NAME_LENGTH - _SUFFIX_LENGTH]
    return base + "".join(secrets.choice(_ALPHABET) for _ in range(_SUFFIX_LENGTH))


# ObjectMeta's collections are all ``omitempty`` in Go: an empty one is not stored, e.g. ownerReferences
# after a patch removed the last reference.
_OMITTED_WHEN_EMPTY = ("labels", "annotations", "ownerReferences", "finalizers")


def drop_empty_collections(metadata: Object) -> None:
    for name in _OMITTED_WHEN_EMPTY:
        if name in metadata and metadata[name] in ([], {}, None):
            del metadata[name]


def prepare_for_create(obj: Object, *, namespace: str, namespaced: bool, now: datetime) -> None:
    metadata = obj.setdefault("metadata", {})
    drop_empty_collections(metadata)
    for name in _SERVER_ONLY_ON_CREATE:
        metadata.pop(name, None)
    metadata.pop("resourceVersion", None)
    metadata.pop("generation", None)
    if namespaced:
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    if not metadata.get("name") and metadata.get("generateName"):
        metadata["name"] = generate_name(str(metadata["generateName"]))
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = rfc3339(now)


def prepare_for_update(new: Object, old: Object) -> None:
    """Keep the server-owned fields of ``old`` in ``new``."""
    new_meta = new.setdefault("metadata", {})
    old_meta = old.get("metadata", {})
    drop_empty_collections(new_meta)
    for name in _IMMUTABLE:
        if name in old_meta:
            new_meta[name] = old_meta[name]
    if not new_meta.get("uid") and "uid" in old_meta:
        new_meta["uid"] = old_meta["uid"]
    for name in ("generation", "deletionTimestamp", "deletionGracePeriodSeconds"):
        if name in old_meta:
            new_meta[name] = old_meta[name]
        else:
            new_meta.pop(name, None)
    new_meta.pop("selfLink", None)
