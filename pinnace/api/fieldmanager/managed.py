"""``metadata.managedFields``: decoding, encoding, manager identifiers and the cap on Update entries.

Reproduces apimachinery ``util/managedfields/internal`` ``managedfields.go`` and ``capmanagers.go``. Inside
the field manager each entry is keyed by a *manager identifier*: the JSON of the entry without its time and
fields (and, for appliers, without its apiVersion, so one applier is one entry whatever version it applies),
e.g. ``{"manager":"kubectl","operation":"Apply"}`` or
``{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","subresource":"status"}``.
Encoding turns them back into entries sorted as upstream sorts them: Apply before Update, then by time,
manager, apiVersion and subresource.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import orjson

from pinnace.api.conversion.gojson import marshal
from pinnace.api.fieldmanager.fieldpath import FieldPathError, FieldSet
from pinnace.api.fieldmanager.updater import VersionedSet

APPLY: Final = "Apply"
UPDATE: Final = "Update"
FIELDS_V1: Final = "FieldsV1"
#: ``DefaultMaxUpdateManagers``: more Update entries than this are merged, oldest first.
MAX_UPDATE_MANAGERS: Final = 10
ANCIENT_CHANGES: Final = "ancient-changes"


class ManagedFieldsError(ValueError):
    """An entry ``DecodeManagedFields`` rejects; ``str()`` is upstream's message."""


@dataclass(slots=True)
class Managed:
    """``ManagedInterface``: each manager's fields and the time of its last change (RFC 3339, or None)."""

    fields: dict[str, VersionedSet] = field(default_factory=dict)
    times: dict[str, str | None] = field(default_factory=dict)


@functools.lru_cache(maxsize=1024)
def manager_identifier(manager: str, operation: str, api_version: str = "", subresource: str = "") -> str:
    """``BuildManagerIdentifier``: the entry's JSON without time and fields (keys in Go's field order)."""
    entry: dict[str, str] = {}
    if manager:
        entry["manager"] = manager
    if operation:
        entry["operation"] = operation
    if api_version and operation != APPLY:
        entry["apiVersion"] = api_version
    if subresource:
        entry["subresource"] = subresource
    return marshal(entry)


def is_reset(entries: Any) -> bool:
    """``isResetManagedFields``: ``[]`` or ``[{}]`` asks for the managed fields to be cleared."""
    if not isinstance(entries, list):
        return False
    return not entries or (len(entries) == 1 and entries[0] == {})


def decode(entries: Sequence[Any]) -> Managed:
    """``DecodeManagedFields``; raises ManagedFieldsError."""
    managed = Managed()
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ManagedFieldsError("operation must be `Apply` or `Update`")
        operation = entry.get("operation") or ""
        if operation not in (APPLY, UPDATE):
            raise ManagedFieldsError("operation must be `Apply` or `Update`")
        api_version = entry.get("apiVersion") or ""
        if not api_version:
            raise ManagedFieldsError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType") or ""
        if not fields_type:
            raise ManagedFieldsError(f"missing fieldsType in managed fields entry {position}")
        if fields_type != FIELDS_V1:
            raise ManagedFieldsError(
                f"invalid fieldsType {marshal(fields_type)} in managed fields entry {position}"
            )
        identifier = manager_identifier(
            str(entry.get("manager") or ""), operation, api_version, str(entry.get("subresource") or "")
        )
        try:
            fields = FieldSet.from_fields_v1(entry.get("fieldsV1") or {})
        except FieldPathError as err:
            raise ManagedFieldsError(
                f"error decoding versioned set from {_go_entry(entry)}: error decoding set: {err}"
            ) from None
        managed.fields[identifier] = VersionedSet(fields, api_version, operation == APPLY)
        managed.times[identifier] = entry.get("time")
    return managed


def _go_entry(entry: dict[str, Any]) -> str:
    """A ManagedFieldsEntry as ``%v`` prints the struct (the time and fields as opaque values)."""
    parts = [str(entry.get(name) or "") for name in ("manager", "operation", "apiVersion")]
    parts += ["nil" if entry.get("time") is None else str(entry["time"]), str(entry.get("fieldsType") or "")]
    parts += ["&FieldsV1{...}" if "fieldsV1" in entry else "nil", str(entry.get("subresource") or "")]
    return "{" + " ".join(parts) + "}"


def encode(managed: Managed) -> list[dict[str, Any]] | None:
    """``encodeManagedFields``: the entries in upstream's order; None when nobody manages anything."""
    if not managed.fields:
        return None
    entries: list[dict[str, Any]] = []
    for identifier, owned in managed.fields.items():
        base = orjson.loads(identifier)
        entry: dict[str, Any] = {}
        if base.get("manager"):
            entry["manager"] = base["manager"]
        entry["operation"] = APPLY if owned.applied else base.get("operation", UPDATE)
        entry["apiVersion"] = owned.api_version
        stamp = managed.times.get(identifier)
        if stamp:
            entry["time"] = stamp
        entry["fieldsType"] = FIELDS_V1
        entry["fieldsV1"] = owned.set.to_fields_v1()
        if base.get("subresource"):
            entry["subresource"] = base["subresource"]
        entries.append(entry)
    entries.sort(
        key=lambda e: (
            e["operation"],
            seconds(e.get("time")),
            e.get("manager", ""),
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


@functools.lru_cache(maxsize=1024)
def seconds(stamp: str | None) -> int:
    """``Time.Unix()`` of an RFC 3339 time stamp; 0 for none or an unreadable one."""
    if not stamp:
        return 0
    try:
        return int(datetime.fromisoformat(stamp).timestamp())
    except ValueError:
        return 0


def cap_update_managers(managed: Managed, limit: int = MAX_UPDATE_MANAGERS) -> None:
    """``capUpdateManagers``: merge the oldest Update entries into one "ancient-changes" entry per version."""
    updaters = [manager for manager, owned in managed.fields.items() if not owned.applied]
    if len(updaters) <= limit:
        return
    updaters.sort(key=lambda manager: (seconds(managed.times.get(manager)), manager))
    first_of_version: dict[str, str] = {}
    length = len(updaters)
    for manager in updaters:
        if length <= limit:
            break
        owned = managed.fields[manager]
        version = owned.api_version
        bucket = manager_identifier(ANCIENT_CHANGES, UPDATE, version)
        first = first_of_version.get(version)
        if first is None:
            first_of_version[version] = manager
            continue
        if bucket not in managed.fields:
            managed.fields[bucket] = managed.fields.pop(first)
            managed.times.pop(first, None)
        managed.fields[bucket] = VersionedSet(
            owned.set.union(managed.fields[bucket].set), version, owned.applied
        )
        del managed.fields[manager]
        # The bucket takes the time of the update merged into it, the more recent one.
        managed.times[bucket] = managed.times.pop(manager, None)
        length -= 1
