"""Assemble ``meta.k8s.io/v1`` Table responses, the way kube-apiserver does for ``kubectl get``.

Three upstream pieces meet here:

* the table generator (kubernetes/pkg/printers/tablegenerator.go, run by pkg/printers/storage with
  ``Wide: true``): the kind's columns, one row per object, and the list's ``resourceVersion``, ``continue``
  and ``remainingItemCount`` as the Table's metadata (a single object lends its ``resourceVersion``);
* the default table convertor (apiserver/pkg/registry/rest/table.go) for kinds without a printer --
  Role, ClusterRole, LimitRange, CustomResourceDefinition and anything unknown: ``Name`` and ``Created At``
  (an RFC 3339 cell);
* ``asTable`` (apiserver/pkg/endpoints/handlers/response.go), which sets each row's ``object`` from the
  request's ``includeObject``: ``Metadata`` (the default) a PartialObjectMetadata, ``Object`` the full
  object, ``None`` null.

:data:`PRINTERS` is the registry: ``(group, kind)`` to its
:class:`~pinnace.api.printers.columns.TablePrinter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, TypedDict

from pinnace.api.printers import (
    admissionregistration,
    apps,
    autoscaling,
    batch,
    certificates,
    coordination,
    core,
    discovery,
    events,
    networking,
    policy,
    rbac,
    scheduling,
    storage,
)
from pinnace.api.printers.columns import (
    Cell,
    ColumnDefinition,
    RowCondition,
    TablePrinter,
    column,
    doc,
)
from pinnace.api.printers.durations import rfc3339
from pinnace.api.printers.fields import Obj, creation_timestamp, get_dict, get_str, name_of

TableAPIVersion = Literal["meta.k8s.io/v1", "meta.k8s.io/v1beta1"]

_BY_GROUP: dict[str, dict[str, TablePrinter]] = {
    "": core.PRINTERS,
    "admissionregistration.k8s.io": admissionregistration.PRINTERS,
    "apps": apps.PRINTERS,
    "autoscaling": autoscaling.PRINTERS,
    "batch": batch.PRINTERS,
    "certificates.k8s.io": certificates.PRINTERS,
    "coordination.k8s.io": coordination.PRINTERS,
    "discovery.k8s.io": discovery.PRINTERS,
    "events.k8s.io": events.PRINTERS,
    "networking.k8s.io": networking.PRINTERS,
    "policy": policy.PRINTERS,
    "rbac.authorization.k8s.io": rbac.PRINTERS,
    "scheduling.k8s.io": scheduling.PRINTERS,
    "storage.k8s.io": storage.PRINTERS,
}

PRINTERS: Mapping[tuple[str, str], TablePrinter] = MappingProxyType(
    {(group, kind): printer for group, printers in _BY_GROUP.items() for kind, printer in printers.items()}
)
"""Every built-in printer, by ``(group, kind)``; the core group is ``""``."""


def _default_cells(obj: Obj, now: datetime) -> list[Cell]:
    return [name_of(obj), rfc3339(creation_timestamp(obj))]


DEFAULT_PRINTER = TablePrinter(
    (
        column("Name", doc("meta/v1.ObjectMeta.name"), format="name"),
        column("Created At", doc("meta/v1.ObjectMeta.creationTimestamp"), type="date"),
    ),
    _default_cells,
)
"""``rest.NewDefaultTableConvertor``: what kinds without a printer (and custom resources' CRDs) show."""


def printer_for(group: str, kind: str) -> TablePrinter:
    """The printer for a kind, or :data:`DEFAULT_PRINTER` when upstream has none."""
    return PRINTERS.get((group, kind), DEFAULT_PRINTER)


class TableRow(TypedDict, total=False):
    cells: list[Cell]
    conditions: list[RowCondition]
    object: dict[str, Any] | None


class Table(TypedDict):
    kind: Literal["Table"]
    apiVersion: TableAPIVersion
    metadata: dict[str, Any]
    columnDefinitions: list[ColumnDefinition]
    rows: list[TableRow] | None


def _row_object(
    obj: Obj, include_object: str, table_api_version: str, kind: str, api_version: str | None
) -> dict[str, Any] | None:
    if include_object == "Metadata":
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": table_api_version,
            "metadata": dict(get_dict(obj, "metadata")),
        }
    if include_object == "Object":
        full = dict(obj)
        full.setdefault("kind", kind)
        if api_version:
            full.setdefault("apiVersion", api_version)
        return full
    return None


def _table_metadata(objects: Sequence[Obj], list_metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """``ListMeta`` of the Table: the list's own, or the single object's ``resourceVersion``."""
    if list_metadata is None:
        if len(objects) == 1:
            resource_version = get_str(objects[0], "metadata", "resourceVersion")
            return {"resourceVersion": resource_version} if resource_version else {}
        return {}
    meta: dict[str, Any] = {}
    for key in ("resourceVersion", "continue"):
        value = list_metadata.get(key)
        if isinstance(value, str) and value:
            meta[key] = value
    remaining = list_metadata.get("remainingItemCount")
    if isinstance(remaining, int) and not isinstance(remaining, bool):
        meta["remainingItemCount"] = remaining
    return meta


def table_for(
    objects: Sequence[Obj],
    *,
    group: str,
    kind: str,
    include_object: str = "Metadata",
    now: datetime,
    list_metadata: Mapping[str, Any] | None = None,
    version: str | None = None,
    table_api_version: TableAPIVersion = "meta.k8s.io/v1",
) -> Table:
    """A complete Table body for ``objects`` of ``group``/``kind``.

    ``list_metadata`` is the list's ``metadata`` for a list request; pass None for a single-object GET
    (then the one object's ``resourceVersion`` is the Table's). ``include_object`` is the request's
    ``includeObject``: ``Metadata`` (also for ``""``), ``Object`` or ``None``; anything else raises ValueError
    with upstream's BadRequest message. ``version`` fills ``apiVersion`` on full row objects that lack it.
    ``table_api_version`` is the Table version the client asked for (kubectl asks for v1 first).
    """
    include = include_object or "Metadata"
    if include not in ("Metadata", "Object", "None"):
        raise ValueError(f'unrecognized includeObject value: "{include_object}"')
    printer = printer_for(group, kind)
    api_version = None
    if version:
        api_version = f"{group}/{version}" if group else version
    rows: list[TableRow] = []
    for obj in objects:
        row: TableRow = {"cells": printer.cells(obj, now)}
        conditions = printer.conditions(obj) if printer.conditions is not None else []
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(obj, include, table_api_version, kind, api_version)
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": table_api_version,
        "metadata": _table_metadata(objects, list_metadata),
        "columnDefinitions": [definition.copy() for definition in printer.columns],
        # The default convertor leaves Rows nil for an empty list, which Go serializes as null.
        "rows": None if not rows and printer is DEFAULT_PRINTER else rows,
    }
