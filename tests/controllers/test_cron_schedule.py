"""Cron schedule evaluation as the CronJob controller does it (robfig/cron semantics), on fixed times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pinnace.api.validation.cron import CronError
from pinnace.controllers.cronjob.controller import go_rfc3339, job_from_template, job_name
from pinnace.controllers.cronjob.schedule import (
    Missed,
    most_recent_schedule_time,
    next_schedule_time_duration,
    parse,
    schedule_spec,
)
from tests.controllers.batch_support import cron_job


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("spec", "after", "expected"),
    [
        ("*/1 * * * *", "2025-01-01T00:00:30Z", "2025-01-01T00:01:00Z"),
        ("*/1 * * * *", "2025-01-01T00:01:00Z", "2025-01-01T00:02:00Z"),
        ("*/15 * * * *", "2025-01-01T00:01:00Z", "2025-01-01T00:15:00Z"),
        ("@hourly", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z"),
        ("@daily", "2025-01-01T10:00:00Z", "2025-01-02T00:00:00Z"),
        ("@weekly", "2025-01-01T10:00:00Z", "2025-01-05T00:00:00Z"),
        ("0 9 * * mon-fri", "2025-01-03T10:00:00Z", "2025-01-06T09:00:00Z"),
        ("@every 90s", "2025-01-01T00:00:10.700Z", "2025-01-01T00:01:40Z"),
        ("@every 100ms", "2025-01-01T00:00:10Z", "2025-01-01T00:00:11Z"),
        ("TZ=America/New_York 0 9 * * *", "2025-01-01T00:00:00Z", "2025-01-01T14:00:00Z"),
        ("CRON_TZ=Asia/Tokyo 0 9 * * *", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"),
    ],
    ids=lambda value: str(value),
)
def test_next_activation(spec: str, after: str, expected: str) -> None:
    found = parse(spec, UTC).next(at(after))
    assert found is not None
    assert found.astimezone(UTC) == at(expected)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus", "expected exactly 5 fields, found 1: [bogus]"),
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ],
)
def test_unparseable_schedules_raise_the_parser_message(spec: str, message: str) -> None:
    with pytest.raises(CronError) as raised:
        parse(spec, UTC)
    assert str(raised.value) == message


def test_impossible_date_has_no_next_activation() -> None:
    assert parse("59 23 31 2 *", UTC).next(at("2025-01-01T00:00:00Z")) is None


def test_time_zone_field_becomes_a_tz_prefix() -> None:
    assert schedule_spec(cron_job("x", "0 9 * * *", timeZone="Europe/Paris")) == "TZ=Europe/Paris 0 9 * * *"
    assert schedule_spec(cron_job("x", "0 9 * * *", timeZone="Nowhere/Atlantis")) == "0 9 * * *"
    assert schedule_spec(cron_job("x", "0 9 * * *")) == "0 9 * * *"


def _cron(created: str, last: str | None = None, **spec: object) -> dict[str, object]:
    body = cron_job("x", "*/1 * * * *", **spec)
    body["metadata"]["creationTimestamp"] = created
    if last is not None:
        body["status"] = {"lastScheduleTime": last}
    return body


@pytest.mark.parametrize(
    ("case", "created", "last", "now", "most_recent", "missed"),
    [
        ("nothing due yet", "2025-01-01T00:00:00Z", None, "2025-01-01T00:00:30Z", None, Missed.NONE),
        (
            "one due",
            "2025-01-01T00:00:00Z",
            None,
            "2025-01-01T00:01:30Z",
            "2025-01-01T00:01:00Z",
            Missed.NONE,
        ),
        (
            "last schedule counts",
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:01:00Z",
            "2025-01-01T00:01:30Z",
            None,
            Missed.NONE,
        ),
        (
            "a few missed",
            "2025-01-01T00:00:00Z",
            None,
            "2025-01-01T00:05:10Z",
            "2025-01-01T00:05:00Z",
            Missed.FEW,
        ),
        (
            "many missed",
            "2025-01-01T00:00:00Z",
            None,
            "2025-01-01T03:00:10Z",
            "2025-01-01T03:00:00Z",
            Missed.MANY,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_most_recent_schedule_time(
    case: str, created: str, last: str | None, now: str, most_recent: str | None, missed: Missed
) -> None:
    found = most_recent_schedule_time(
        _cron(created, last), at(now), parse("*/1 * * * *", UTC), include_starting_deadline=True
    )
    assert (found.most_recent, found.missed) == (at(most_recent) if most_recent else None, missed)


def test_starting_deadline_limits_how_far_back_activations_count() -> None:
    body = _cron("2025-01-01T00:00:00Z", startingDeadlineSeconds=300)
    found = most_recent_schedule_time(
        body, at("2025-01-01T03:00:10Z"), parse("*/1 * * * *", UTC), include_starting_deadline=True
    )
    assert found.most_recent == at("2025-01-01T03:00:00Z")
    assert found.missed is Missed.FEW


def test_requeue_is_just_after_the_next_activation() -> None:
    body = _cron("2025-01-01T00:00:00Z")
    seconds = next_schedule_time_duration(body, at("2025-01-01T00:00:20Z"), parse("*/1 * * * *", UTC))
    assert seconds == pytest.approx(40.1)


def test_job_for_an_activation() -> None:
    body = cron_job("report", "0 9 * * *", timeZone="America/New_York")
    body["spec"]["jobTemplate"]["metadata"] = {"labels": {"team": "a"}, "annotations": {"note": "n"}}
    scheduled = at("2025-01-01T14:00:00Z")
    made = job_from_template(body, scheduled)
    assert made["metadata"]["name"] == job_name(body, scheduled) == "report-28929000"
    assert made["metadata"]["labels"] == {"team": "a"}
    assert made["metadata"]["annotations"] == {
        "note": "n",
        "batch.kubernetes.io/cronjob-scheduled-timestamp": "2025-01-01T09:00:00-05:00",
    }
    assert made["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert made["spec"] == body["spec"]["jobTemplate"]["spec"]


def test_go_rfc3339() -> None:
    assert go_rfc3339(at("2025-01-01T00:01:00Z")) == "2025-01-01T00:01:00Z"
    assert (
        go_rfc3339(at("2025-06-01T00:01:00Z").astimezone(ZoneInfo("Europe/Paris")))
        == "2025-06-01T02:01:00+02:00"
    )
