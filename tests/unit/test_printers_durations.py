"""Ages, durations and quantities exactly as kubectl prints them (apimachinery duration.HumanDuration,
printers.go translateTimestampSince, resource.Quantity.String)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pinnace.api.printers import human_duration, translate_timestamp_since
from pinnace.api.printers.durations import rfc3339
from pinnace.api.printers.formatting import quantity_string, zero_or_quantity
from pinnace.api.quantity import parse_quantity

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        pytest.param(0, "0s", id="now is zero seconds"),
        pytest.param(1.9, "1s", id="fractions of a second are truncated"),
        pytest.param(-1.5, "0s", id="up to two seconds in the future count as now (clock skew)"),
        pytest.param(-2, "<invalid>", id="further in the future is invalid"),
        pytest.param(119, "119s", id="seconds up to two minutes"),
        pytest.param(2 * MINUTE, "2m", id="whole minutes drop the seconds"),
        pytest.param(5 * MINUTE + 30, "5m30s", id="minutes and seconds under ten minutes"),
        pytest.param(10 * MINUTE + 30, "10m", id="minutes only from ten minutes"),
        pytest.param(179 * MINUTE + 59, "179m", id="minutes up to three hours"),
        pytest.param(3 * HOUR, "3h", id="whole hours"),
        pytest.param(7 * HOUR + 59 * MINUTE, "7h59m", id="hours and minutes under eight hours"),
        pytest.param(47 * HOUR + 59 * MINUTE, "47h", id="hours only up to two days"),
        pytest.param(2 * DAY + 3 * HOUR, "2d3h", id="days and hours under eight days"),
        pytest.param(5 * DAY, "5d", id="whole days"),
        pytest.param(400 * DAY, "400d", id="days only up to two years"),
        pytest.param(3 * YEAR + 45 * DAY, "3y45d", id="years and days under eight years"),
        pytest.param(9 * YEAR + 45 * DAY, "9y", id="years only from eight years"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        pytest.param("2025-01-01T11:55:00Z", "5m", id="an RFC 3339 timestamp five minutes ago"),
        pytest.param("2024-12-30T09:00:00Z", "2d3h", id="two days and three hours ago"),
        pytest.param("2025-01-01T11:59:59.500000Z", "0s", id="a MicroTime half a second ago"),
        pytest.param("2025-01-01T13:00:00+01:00", "0s", id="an offset timestamp for the same instant"),
        pytest.param(None, "<unknown>", id="a missing timestamp is unknown"),
        pytest.param("", "<unknown>", id="an empty timestamp is unknown"),
        pytest.param("yesterday", "<unknown>", id="an unreadable timestamp is unknown"),
    ],
)
def test_translate_timestamp_since(timestamp: str | None, expected: str) -> None:
    assert translate_timestamp_since(timestamp, NOW) == expected


def test_a_naive_now_is_taken_as_utc() -> None:
    naive = NOW.replace(tzinfo=None) + timedelta(minutes=5)
    assert translate_timestamp_since("2025-01-01T12:00:00Z", naive) == "5m"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        pytest.param("2024-06-01T10:20:30Z", "2024-06-01T10:20:30Z", id="UTC seconds are kept"),
        pytest.param("2024-06-01T10:20:30.123456Z", "2024-06-01T10:20:30Z", id="fractions are dropped"),
        pytest.param("2024-06-01T12:20:30+02:00", "2024-06-01T10:20:30Z", id="offsets become UTC"),
        pytest.param(None, "0001-01-01T00:00:00Z", id="a missing timestamp is Go's zero time"),
    ],
)
def test_rfc3339_created_at(timestamp: str | None, expected: str) -> None:
    assert rfc3339(timestamp) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("10Gi", "10Gi", id="a canonical binary quantity is kept"),
        pytest.param("1024Mi", "1Gi", id="binary amounts move to the largest exact suffix"),
        pytest.param("1536Mi", "1536Mi", id="a binary amount that is not a whole Gi stays in Mi"),
        pytest.param("1.5Gi", "1536Mi", id="a fractional binary amount is made whole"),
        pytest.param("500m", "500m", id="a canonical milli quantity is kept"),
        pytest.param("0.5", "500m", id="a decimal fraction becomes milli"),
        pytest.param("1000m", "1", id="a thousand milli is one"),
        pytest.param("1000", "1k", id="a round thousand gets the k suffix"),
        pytest.param("1500", "1500", id="a non-round number stays plain"),
        pytest.param("1e3", "1e3", id="a canonical exponent form is kept"),
        pytest.param("12e2", "1200", id="an exponent form is normalised to a multiple of three"),
        pytest.param("1.5Ki", "1536", id="a binary amount that is not a whole Ki prints plainly"),
        pytest.param("512", "512", id="small numbers stay plain"),
        pytest.param("0", "0", id="zero"),
        pytest.param("0Gi", "0", id="zero with a suffix is zero"),
        pytest.param("0.0000000001", "1n", id="amounts finer than a nano-unit round up"),
        pytest.param("-1.5", "-1500m", id="negative amounts keep their sign"),
    ],
)
def test_quantity_string(text: str, expected: str) -> None:
    assert quantity_string(text) == expected


def test_quantity_cells_for_missing_values() -> None:
    assert quantity_string(None) == "<nil>"  # a nil *Quantity
    assert zero_or_quantity(None) == "0"  # a missing ResourceList entry
    assert quantity_string(2) == "2"  # a JSON number
    assert quantity_string("12 apples") == "12 apples"  # not a quantity: shown as stored


def test_parse_quantity_rejects_unknown_suffixes() -> None:
    with pytest.raises(ValueError, match="suffix"):
        parse_quantity("5ki")
