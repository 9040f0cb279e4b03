"""Ages and durations as kubectl shows them.

``human_duration`` is apimachinery's ``pkg/util/duration/duration.go`` ``HumanDuration`` (two to three
significant figures: ``"90s"``, ``"5m30s"``, ``"2d3h"``, ``"3y45d"``); ``translate_timestamp_since`` is
``translateTimestampSince`` of kubernetes/pkg/printers/internalversion/printers.go. The current time is always
passed in, so cells are deterministic under test (style rule 11).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

_ZERO_TIME = "0001-01-01T00:00:00Z"


def human_duration(seconds: float) -> str:
    """Format a duration like apimachinery ``duration.HumanDuration``.

    Up to two seconds in the past counts as "now" ("0s", clock skew); further in the past is "<invalid>".
    """
    # Go: int(d.Seconds()) truncates toward zero; every later division is of a non-negative whole.
    whole = math.trunc(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 60 * 2:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        sec = whole % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        mins = minutes % 60
        return f"{hours}h" if mins == 0 else f"{hours}h{mins}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d" if rest == 0 else f"{days}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{years}y"


def parse_time(value: object) -> datetime | None:
    """Parse a ``metav1.Time`` or ``MicroTime`` (RFC 3339); None when missing or unreadable (a zero time)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def seconds_between(start: datetime, end: datetime) -> float:
    return (_aware(end) - _aware(start)).total_seconds()


def translate_time_since(when: datetime, now: datetime) -> str:
    """``duration.HumanDuration(time.Since(when))`` with the clock passed in."""
    return human_duration(seconds_between(when, now))


def translate_timestamp_since(ts: str | None, now: datetime) -> str:
    """The age of a timestamp (``"5m"``), or ``"<unknown>"`` when it is missing (printers.go)."""
    parsed = parse_time(ts)
    if parsed is None:
        return "<unknown>"
    return translate_time_since(parsed, now)


def rfc3339(ts: str | None) -> str:
    """``metav1.Time.UTC().Format(time.RFC3339)``: whole seconds, ``Z``; the zero time when missing."""
    parsed = parse_time(ts)
    if parsed is None:
        return _ZERO_TIME
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
