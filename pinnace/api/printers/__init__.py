"""Server-side printing: the ``as=Table`` responses ``kubectl get`` renders.

A Kubernetes 1.32 API server answers ``Accept: application/json;as=Table;g=meta.k8s.io;v=v1`` with a
``meta.k8s.io/v1`` Table whose columns and cells come from
kubernetes/pkg/printers/internalversion/printers.go.
This package reproduces them for every built-in kind, one module per API group (:mod:`.core` with
:mod:`.pods`, :mod:`.apps`, :mod:`.batch`, :mod:`.autoscaling`, :mod:`.networking`, ...), and assembles the
Table in :mod:`.table`, falling back to upstream's ``Name``/``Created At`` columns for kinds it has no
printer for. Cells are computed from plain JSON dicts against an injected ``now``.

    table = table_for(pods, group="", kind="Pod", include_object="Metadata", now=now, list_metadata=meta)
"""

from pinnace.api.printers.columns import Cell, ColumnDefinition, RowCondition, TablePrinter
from pinnace.api.printers.durations import human_duration, translate_timestamp_since
from pinnace.api.printers.table import DEFAULT_PRINTER, PRINTERS, Table, TableRow, printer_for, table_for

__all__ = [
    "DEFAULT_PRINTER",
    "PRINTERS",
    "Cell",
    "ColumnDefinition",
    "RowCondition",
    "Table",
    "TablePrinter",
    "TableRow",
    "human_duration",
    "printer_for",
    "table_for",
    "translate_timestamp_since",
]
