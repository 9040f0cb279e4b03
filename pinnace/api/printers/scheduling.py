"""Printers for ``scheduling.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

PREEMPTIONPOLICY is a priority-0 column upstream although it is filled only in wide output; the API server
always renders wide, so it shows in plain ``kubectl get priorityclasses`` too. A missing policy reads as its
v1 default, ``PreemptLowerPriority``.
"""

from __future__ import annotations

from pinnace.api.printers.columns import AGE, NAME, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import creation_timestamp, get_bool, get_int, get_str, name_of

PRIORITY_CLASS = TablePrinter(
    (
        NAME,
        column("Value", doc("scheduling/v1.PriorityClass.value"), type="integer"),
        column("Global-Default", doc("scheduling/v1.PriorityClass.globalDefault"), type="boolean"),
        AGE,
        column("PreemptionPolicy", doc("scheduling/v1.PriorityClass.preemptionPolicy")),
    ),
    lambda obj, now: [
        name_of(obj),
        get_int(obj, "value"),
        get_bool(obj, "globalDefault"),
        translate_timestamp_since(creation_timestamp(obj), now),
        get_str(obj, "preemptionPolicy") or "PreemptLowerPriority",
    ],
)

PRINTERS: dict[str, TablePrinter] = {"PriorityClass": PRIORITY_CLASS}
"""``scheduling.k8s.io`` printers by kind."""
