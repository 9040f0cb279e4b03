"""``metav1.Time`` and ``metav1.MicroTime`` as they appear in JSON: one place to write and read them."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """``metav1.Time``: whole seconds, UTC, ``Z`` (``2006-01-02T15:04:05Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(moment: datetime) -> str:
    """``metav1.MicroTime`` (``2006-01-02T15:04:05.000000Z``), as Leases and events.k8s.io use."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str | None) -> datetime | None:
    """A ``metav1.Time`` or ``MicroTime`` read back; None when absent."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
