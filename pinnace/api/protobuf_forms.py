"""Text forms of apimachinery's time types, as their Go ``MarshalJSON``/``UnmarshalJSON`` write and read them.

``metav1.Time`` is RFC 3339 in UTC to the second (``2024-01-02T03:04:05Z``); ``metav1.MicroTime`` keeps six
fractional digits (``2024-01-02T03:04:05.000000Z``); ``metav1.Duration`` is Go's ``time.Duration.String()``
(``1h0m0s``, ``1.5s``, ``300ms``) and parses with ``time.ParseDuration`` (:func:`go_parse_duration`, checked
against Go's own on random input, which CronJob validation also uses for ``@every`` schedules).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NS: Final = 1_000_000_000
_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_UNITS: Final[dict[str, int]] = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # U+00B5 micro sign, what Go prints
    "\u03bcs": 1_000,  # U+03BC Greek mu, also accepted by Go
    "ms": 1_000_000,
    "s": _NS,
    "m": 60 * _NS,
    "h": 3600 * _NS,
}
_MAX_DURATION: Final = (1 << 63) - 1


def format_time(seconds: int) -> str:
    """``metav1.Time``: Kubernetes keeps whole seconds (time_proto.go drops the nanoseconds on decode)."""
    moment = _moment(seconds)
    return f"{_date_time(moment)}Z"


def format_micro_time(seconds: int, nanos: int) -> str:
    seconds, nanos = divmod(seconds * _NS + nanos, _NS)  # Go's time.Unix normalises nanos outside [0, 1e9)
    return f"{_date_time(_moment(seconds))}.{nanos // 1000:06d}Z"


def parse_time(text: str) -> tuple[int, int]:
    """RFC 3339 (Go's ``time.RFC3339`` layout, fraction optional) -> (Unix seconds, nanoseconds)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 time")
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    fraction, sign, offset_hours, offset_minutes = match.group(7, 9, 10, 11)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as err:
        raise ValueError(f"{text!r} is not an RFC 3339 time: {err}") from None
    if sign:
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        moment = moment - offset if sign == "+" else moment + offset
    delta = moment - _EPOCH
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    return delta.days * 86400 + delta.seconds, nanos


def format_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String()``: ``0s``, ``1.5µs``, ``300ms``, ``1h2m3.5s``."""
    negative = nanoseconds < 0
    magnitude = -nanoseconds if negative else nanoseconds
    if magnitude == 0:
        return "0s"
    if magnitude < _NS:
        unit, precision = (
            ("ns", 0) if magnitude < 1_000 else ("\u00b5s", 3) if magnitude < 1_000_000 else ("ms", 6)
        )
        whole, fraction = _split(magnitude, precision)
        text = f"{whole}{fraction}{unit}"
    else:
        seconds, fraction = _split(magnitude, 9)
        text = f"{seconds % 60}{fraction}s"
        minutes = seconds // 60
        if minutes:
            text = f"{minutes % 60}m{text}"
            if minutes // 60:
                text = f"{minutes // 60}h{text}"
    return f"-{text}" if negative else text


class DurationError(ValueError):
    """A string Go's ``time.ParseDuration`` refuses; ``str(err)`` is Go's message."""


def _time_quote(text: str) -> str:
    """The time package's ``quote``: quote and backslash escaped, non-ASCII and control bytes as ``\\xNN``."""
    out = ['"']
    for ch in text:
        if ch < " " or ch >= "\x80":
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


def _leading_digits(text: str) -> int:
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end


def go_parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration``: optionally signed decimal numbers, each with a unit -> nanoseconds.

    Raises :class:`DurationError` with Go's message (``time: invalid duration "x"``, ``time: missing unit in
    duration "1"``, ``time: unknown unit "x" in duration "1x"``); shared by ``metav1.Duration`` here and the
    ``@every`` schedules of :mod:`pinnace.api.validation.cron`.
    """
    invalid = DurationError(f"time: invalid duration {_time_quote(text)}")
    rest, negative = text, False
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            raise invalid
        digits = _leading_digits(rest)
        value = 0
        for digit in rest[:digits]:  # leadingInt
            if value > (1 << 63) // 10:
                raise invalid
            value = value * 10 + int(digit)
            if value > 1 << 63:
                raise invalid
        rest, fraction, scale, fraction_digits = rest[digits:], 0, 1.0, 0
        if rest[:1] == ".":
            fraction_digits = _leading_digits(rest[1:])
            for digit in rest[1 : 1 + fraction_digits]:  # leadingFraction: digits past int64 are dropped
                if fraction > ((1 << 63) - 1) // 10 or fraction * 10 + int(digit) > 1 << 63:
                    break
                fraction, scale = fraction * 10 + int(digit), scale * 10
            rest = rest[1 + fraction_digits :]
        if not digits and not fraction_digits:
            raise invalid
        end = 0
        while end < len(rest) and not (rest[end] == "." or "0" <= rest[end] <= "9"):
            end += 1
        if end == 0:
            raise DurationError(f"time: missing unit in duration {_time_quote(text)}")
        unit_name, rest = rest[:end], rest[end:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            detail = f"unknown unit {_time_quote(unit_name)} in duration {_time_quote(text)}"
            raise DurationError(f"time: {detail}")
        if value > (1 << 63) // unit:
            raise invalid
        value *= unit
        if fraction:
            # Go adds the fraction through float64: exact to the nanosecond for every unit up to hours.
            value += int(float(fraction) * (float(unit) / scale))
            if value > 1 << 63:
                raise invalid
        total += value
        if total > 1 << 63:
            raise invalid
    if negative:
        return -total
    if total > _MAX_DURATION:
        raise invalid
    return total


def parse_duration(text: str) -> int:
    """``metav1.Duration``'s reading (:func:`go_parse_duration`); refusals say ``invalid duration '1x'``."""
    try:
        return go_parse_duration(text)
    except DurationError:
        raise ValueError(f"invalid duration {text!r}") from None


def _moment(seconds: int) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"time {seconds}s after the Unix epoch is out of range") from None


def _date_time(moment: datetime) -> str:
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def _split(magnitude: int, precision: int) -> tuple[int, str]:
    """Go's fmtFrac: the whole part, and ``.digits`` without trailing zeros (nothing when all are zero)."""
    whole, digits = divmod(magnitude, 10**precision)
    if digits == 0:
        return whole, ""
    return whole, "." + f"{digits:0{precision}d}".rstrip("0")
