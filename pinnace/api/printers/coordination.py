"""Printers for ``coordination.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go."""

from __future__ import annotations

from pinnace.api.printers.columns import AGE, NAME, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import creation_timestamp, get_str, name_of

LEASE = TablePrinter(
    (NAME, column("Holder", doc("coordination/v1.LeaseSpec.holderIdentity")), AGE),
    lambda obj, now: [
        name_of(obj),
        get_str(obj, "spec", "holderIdentity"),
        translate_timestamp_since(creation_timestamp(obj), now),
    ],
)

PRINTERS: dict[str, TablePrinter] = {"Lease": LEASE}
"""``coordination.k8s.io`` printers by kind."""
