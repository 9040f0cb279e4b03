"""Cron schedules as CronJob validation parses them, with the parser's exact error messages.

Reproduces ``cron.ParseStandard`` from ``github.com/robfig/cron/v3`` (``parser.go``): five fields (minute,
hour, day of month, month, day of week) or a descriptor (``@yearly``, ``@hourly``, ``@every <duration>``...),
an optional ``TZ=``/``CRON_TZ=`` prefix, ranges, steps and month/day names; ``@every`` durations are read with
Go's ``time.ParseDuration`` from :mod:`pinnace.api.protobuf_forms`. Messages are what
``validateScheduleFormat`` puts after ``Invalid value: "<schedule>": ``.
"""

from __future__ import annotations

import re
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pinnace.api.protobuf_forms import DurationError, go_parse_duration

_MONTHS: Final = {
    m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)
}
_DAYS: Final = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (minimum, maximum, names) of minute, hour, day of month, month, day of week.
_BOUNDS: Final[list[tuple[int, int, dict[str, int]]]] = [
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
]
_DESCRIPTORS: Final = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)


class CronError(ValueError):
    """An unparsable schedule; ``str(err)`` is the parser's message."""


def load_location(name: str) -> str | None:
    """Go's ``time.LoadLocation`` error message, or ``None`` when the zone exists."""
    if name in ("", "UTC", "Local"):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name}"
    return None


def _atoi(expr: str) -> int:
    """``mustParseInt``: Go's ``strconv.Atoi`` plus robfig's sign check."""
    if not re.fullmatch(r"[+-]?[0-9]+", expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    num = int(expr)
    if num < 0:
        raise CronError(f"negative number ({num}) not allowed: {expr}")
    return num


def _int_or_name(expr: str, names: dict[str, int]) -> int:
    if expr.lower() in names:
        return names[expr.lower()]
    return _atoi(expr)


def _range(expr: str, lo: int, hi: int, names: dict[str, int]) -> None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    single = len(low_high) == 1
    if low_high[0] in ("*", "?"):
        start, end = lo, hi
    else:
        start = _int_or_name(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if single:
            end = hi
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < lo:
        raise CronError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise CronError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")


def parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration`` (:func:`pinnace.api.protobuf_forms.go_parse_duration`), in nanoseconds.

    Raises :class:`CronError` with Go's message.
    """
    try:
        return go_parse_duration(text)
    except DurationError as err:
        raise CronError(str(err)) from None


def parse_standard(spec: str) -> None:
    """Raise :class:`CronError` when ``cron.ParseStandard(spec)`` would fail."""
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space, eq = spec.find(" "), spec.find("=")
        location = spec[eq + 1 : space] if space >= 0 else spec[eq + 1 :]
        if (msg := load_location(location)) is not None:
            raise CronError(f"provided bad location {location}: {msg}")
        spec = spec[space:].strip() if space >= 0 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            try:
                parse_duration(spec[len("@every ") :])
            except CronError as err:
                raise CronError(f"failed to parse duration {spec}: {err}") from err
            return
        raise CronError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for field, (lo, hi, names) in zip(fields, _BOUNDS, strict=True):
        for expr in (e for e in field.split(",") if e):
            _range(expr, lo, hi, names)
