"""Printers for ``policy/v1``, after kubernetes/pkg/printers/internalversion/printers.go."""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import Obj, creation_timestamp, get_dict, get_int, name_of
from pinnace.api.printers.formatting import int_or_string


def pod_disruption_budget_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    return [
        name_of(obj),
        "N/A" if min_available is None else int_or_string(min_available),
        "N/A" if max_unavailable is None else int_or_string(max_unavailable),
        get_int(obj, "status", "disruptionsAllowed"),
        translate_timestamp_since(creation_timestamp(obj), now),
    ]


POD_DISRUPTION_BUDGET = TablePrinter(
    (
        NAME,
        column("Min Available", "The minimum number of pods that must be available."),
        column("Max Unavailable", "The maximum number of pods that may be unavailable."),
        column(
            "Allowed Disruptions",
            "Calculated number of pods that may be disrupted at this time.",
            type="integer",
        ),
        AGE,
    ),
    pod_disruption_budget_cells,
)


PRINTERS: dict[str, TablePrinter] = {"PodDisruptionBudget": POD_DISRUPTION_BUDGET}
"""``policy`` printers by kind."""
