"""Cron schedules as the CronJob controller evaluates them (``github.com/robfig/cron/v3`` semantics and
upstream's ``pkg/controller/cronjob/utils.go``).

:func:`parse` accepts what ``cron.ParseStandard`` accepts — five fields, ``@hourly``-style descriptors,
``@every <duration>``, an optional ``TZ=``/``CRON_TZ=`` prefix — with the parser's exact error messages
(:func:`pinnace.api.validation.cron.parse_standard`); ``croniter`` then computes the times. ``next(t)`` is
the first activation strictly after ``t`` (at whole seconds), in the schedule's time zone.

:func:`most_recent_schedule_time` finds the latest missed activation without walking every one of them: it
estimates the number missed from the interval between two activations, starts close to ``now`` and walks
only the rest, so a CronJob whose controller was down for a year costs the same as one that was not.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from pinnace.api.validation.cron import parse_duration, parse_standard
from pinnace.controllers.podutil import parse_time

Object = dict[str, Any]

#: Requeue a little after the activation, so a clock slightly behind the API server's still sees it due
#: (upstream's ``nextScheduleDelta``).
NEXT_SCHEDULE_DELTA: Final = 0.1
TOO_MANY_MISSED: Final = 100

_DESCRIPTORS: Final = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class Schedule(Protocol):
    def next(self, moment: datetime) -> datetime | None:
        """The first activation after ``moment``, or None when there is none (an impossible date)."""
        ...


@dataclass(frozen=True, slots=True)
class CronSchedule:
    expression: str
    zone: tzinfo

    def next(self, moment: datetime) -> datetime | None:
        start = moment.astimezone(self.zone)
        try:
            found = croniter(self.expression, start).get_next(datetime)
        except CroniterBadDateError:
            return None  # "59 23 31 2 *": robfig returns the zero time
        assert isinstance(found, datetime)
        return found


@dataclass(frozen=True, slots=True)
class EverySchedule:
    """``@every <duration>``: a constant delay after the moment, rounded down to a second."""

    seconds: int

    def next(self, moment: datetime) -> datetime | None:
        return moment.replace(microsecond=0) + timedelta(seconds=self.seconds)


def local_zone() -> tzinfo:
    """The controller's own time zone, for schedules without ``timeZone`` (Go's ``time.Local``: ``$TZ``,
    then ``/etc/localtime``, else UTC)."""
    name = os.environ.get("TZ")
    if name is not None:
        return load_zone(name.removeprefix(":")) or UTC
    try:
        with Path("/etc/localtime").open("rb") as file:
            return ZoneInfo.from_file(file, key="Local")
    except (OSError, ValueError):
        return UTC


def load_zone(name: str) -> tzinfo | None:
    """Go's ``time.LoadLocation``: ``""`` and ``UTC`` are UTC, ``Local`` the local zone; None if unknown."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse(spec: str, default_zone: tzinfo) -> Schedule:
    """``cron.ParseStandard``; raises :class:`~pinnace.api.validation.cron.CronError`."""
    parse_standard(spec)  # robfig's checks and messages
    zone = default_zone
    if spec.startswith(("TZ=", "CRON_TZ=")):
        prefix, _, rest = spec.partition(" ")
        zone = load_zone(prefix.split("=", 1)[1]) or UTC
        spec = rest.strip()
    if spec.startswith("@every "):
        nanos = parse_duration(spec.removeprefix("@every "))
        return EverySchedule(max(1, nanos // 1_000_000_000))
    return CronSchedule(_DESCRIPTORS.get(spec, spec), zone)


def schedule_spec(cron_job: Object) -> str:
    """The schedule with ``spec.timeZone`` applied as a ``TZ=`` prefix (``formatSchedule``)."""
    spec = cron_job.get("spec") or {}
    schedule = str(spec.get("schedule") or "")
    zone = spec.get("timeZone")
    if "TZ" in schedule or zone is None or load_zone(zone) is None:
        return schedule
    return f"TZ={zone} {schedule}"


class Missed(enum.Enum):
    NONE = "none"
    FEW = "few"
    MANY = "many"


@dataclass(frozen=True, slots=True)
class MostRecent:
    earliest: datetime
    #: The latest activation at or before ``now`` (None: none due).
    most_recent: datetime | None
    missed: Missed
    error: str = ""


def most_recent_schedule_time(
    cron_job: Object, now: datetime, schedule: Schedule, *, include_starting_deadline: bool
) -> MostRecent:
    """``mostRecentScheduleTime``: activations are counted from the last schedule time (or the CronJob's
    creation), but not from before ``now - startingDeadlineSeconds`` when that is included."""
    metadata, spec = cron_job.get("metadata") or {}, cron_job.get("spec") or {}
    status = cron_job.get("status") or {}
    earliest = (
        parse_time(status.get("lastScheduleTime")) or parse_time(metadata.get("creationTimestamp")) or now
    )
    deadline = spec.get("startingDeadlineSeconds")
    if include_starting_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=int(deadline)))
    t1 = schedule.next(earliest)
    t2 = schedule.next(t1) if t1 is not None else None
    if t1 is not None and now < t1:
        return MostRecent(earliest, None, Missed.NONE)
    if t1 is not None and t2 is not None and now < t2:
        return MostRecent(earliest, t1, Missed.NONE)
    between = round((t2 - t1).total_seconds()) if t1 is not None and t2 is not None else 0
    if t1 is None or between < 1:
        return MostRecent(
            earliest, None, Missed.NONE, "time difference between two schedules is less than 1 second"
        )
    # Estimate how many activations were missed from the interval, start just before the last of them
    # and let the schedule find the exact times (irregular schedules such as "30 6-16/4 * * 1-5" too).
    elapsed = int((now - t1).total_seconds())
    missed_count = elapsed // between + 1
    cursor: datetime | None = t1 + timedelta(seconds=(missed_count - 2) * between)
    most_recent: datetime | None = None
    while cursor is not None:
        cursor = schedule.next(cursor)
        if cursor is None or cursor > now:
            break
        most_recent = cursor
    missed = Missed.MANY if missed_count > TOO_MANY_MISSED else Missed.FEW
    return MostRecent(earliest, most_recent, missed)


def next_schedule_time_duration(cron_job: Object, now: datetime, schedule: Schedule) -> float:
    """Seconds until just after the next activation: when to look at this CronJob again."""
    found = most_recent_schedule_time(cron_job, now, schedule, include_starting_deadline=False)
    if found.error:
        base = now  # still requeue: aim for the next activation from now
    elif found.most_recent is None:
        base = found.earliest if found.missed is Missed.NONE else now
    else:
        base = found.most_recent
    following = schedule.next(base)
    if following is None:
        return 0.0
    return (following - now).total_seconds() + NEXT_SCHEDULE_DELTA
