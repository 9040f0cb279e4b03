"""Jobs, CronJobs and cron schedules (batch/validation, robfig/cron v3 ``ParseStandard``)."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_create, validate_update
from pinnace.api.validation.cron import CronError, parse_duration, parse_standard
from tests.unit.test_validation_builders import (
    DELETE,
    create_message,
    cron_job,
    job,
    patched,
    stored,
    update_message,
)

RESTART = 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'

JOB_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the seed's Job is valid", {}, None),
    (
        "a Job template without restartPolicy gets Always, which Jobs reject",
        {"spec.template.spec.restartPolicy": DELETE},
        f'Job.batch "data-migration" is invalid: {RESTART}',
    ),
    (
        "so does an explicit Always",
        {"spec.template.spec.restartPolicy": "Always"},
        f'Job.batch "data-migration" is invalid: {RESTART}',
    ),
    (
        "an unknown restart policy fails both the pod and the Job rule",
        {"spec.template.spec.restartPolicy": "Sometimes"},
        'Job.batch "data-migration" is invalid: [spec.template.spec.restartPolicy: Unsupported value: "Sometimes": '
        'supported values: "Always", "OnFailure", "Never", spec.template.spec.restartPolicy: Unsupported value: '
        '"Sometimes": supported values: "OnFailure", "Never"]',
    ),
    (
        "counts are not negative",
        {"spec.backoffLimit": -1, "spec.parallelism": -2},
        'Job.batch "data-migration" is invalid: [spec.parallelism: Invalid value: -2: must be greater than or equal to 0, '
        "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0]",
    ),
    (
        "Indexed jobs need completions",
        {"spec.completionMode": "Indexed"},
        'Job.batch "data-migration" is invalid: spec.completions: Required value: when completion mode is Indexed',
    ),
    (
        "completion modes",
        {"spec.completionMode": "Random"},
        'Job.batch "data-migration" is invalid: spec.completionMode: Unsupported value: "Random": supported values: '
        '"NonIndexed", "Indexed"',
    ),
    (
        "backoffLimitPerIndex needs Indexed completion",
        {"spec.backoffLimitPerIndex": 1},
        'Job.batch "data-migration" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    ),
    (
        "a pod failure policy needs restartPolicy Never",
        {
            "spec.template.spec.restartPolicy": "OnFailure",
            "spec.podFailurePolicy": {
                "rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]
            },
        },
        'Job.batch "data-migration" is invalid: spec.template.spec.restartPolicy: Invalid value: "OnFailure": only '
        '"Never" is supported when podFailurePolicy is specified',
    ),
    (
        "pod failure rules match exit codes or conditions",
        {"spec.podFailurePolicy": {"rules": [{"action": "Ignore"}]}},
        'Job.batch "data-migration" is invalid: spec.podFailurePolicy.rules[0]: Invalid value: specifying one of '
        "OnExitCodes and OnPodConditions is required",
    ),
    (
        "exit codes are ordered and In excludes 0",
        {
            "spec.podFailurePolicy": {
                "rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [2, 0]}}]
            }
        },
        'Job.batch "data-migration" is invalid: [spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: '
        "must not be 0 for the In operator, spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: "
        "[]int32{2, 0}: must be ordered]",
    ),
    (
        "a manual selector is required",
        {"spec.manualSelector": True},
        'Job.batch "data-migration" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        "Invalid value: map[string]string(nil): `selector` does not match template `labels`]",
    ),
    (
        "a manual selector must match the template",
        {"spec.manualSelector": True, "spec.selector": {"matchLabels": {"app": "migrate"}}},
        'Job.batch "data-migration" is invalid: spec.template.metadata.labels: Invalid value: map[string]string(nil): '
        "`selector` does not match template `labels`",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in JOB_CASES], ids=[c[0] for c in JOB_CASES])
def test_job_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(job(), changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


GENERATED = {
    "spec.selector": {
        "matchLabels": {"batch.kubernetes.io/controller-uid": "3f7c1e2a-9b1d-4f6e-8c3a-5d2b7e9f0a11"}
    },
    "spec.template.metadata": {
        "labels": {
            "batch.kubernetes.io/controller-uid": "3f7c1e2a-9b1d-4f6e-8c3a-5d2b7e9f0a11",
            "batch.kubernetes.io/job-name": "data-migration",
            "controller-uid": "3f7c1e2a-9b1d-4f6e-8c3a-5d2b7e9f0a11",
            "job-name": "data-migration",
        }
    },
}


def test_a_stored_job_keeps_its_template_selector_and_completions() -> None:
    old = stored(patched(job(), GENERATED))
    assert validate_create(old) == []
    assert validate_update(patched(old, {"metadata.labels": {"team": "data"}}), old) == []
    assert update_message(patched(old, {"spec.completions": 5}), old) == (
        'Job.batch "data-migration" is invalid: spec.completions: Invalid value: 5: field is immutable'
    )
    changed = update_message(patched(old, {"spec.template.spec.containers[0].image": "migrator:2.0"}), old)
    # Upstream prints the whole core.PodTemplateSpec struct; Pinnace abbreviates it.
    assert (
        changed
        == 'Job.batch "data-migration" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable'
    )
    assert update_message(patched(old, {"spec.selector": DELETE}), old).startswith(
        'Job.batch "data-migration" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        'Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":'
    )


CRON_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("a nightly CronJob is valid", {}, None),
    ("descriptors are schedules", {"spec.schedule": "@hourly"}, None),
    ("so is @every", {"spec.schedule": "@every 1h30m"}, None),
    (
        "names are at most 52 characters",
        {"metadata.name": "n" * 53},
        'CronJob.batch "'
        + "n" * 53
        + '" is invalid: metadata.name: Invalid value: "'
        + "n" * 53
        + '": must be no more than 52 characters',
    ),
    (
        "a schedule is required",
        {"spec.schedule": ""},
        'CronJob.batch "nightly" is invalid: spec.schedule: Required value',
    ),
    (
        "schedules have five fields",
        {"spec.schedule": "0 3 * *"},
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]',
    ),
    (
        "fields stay in range",
        {"spec.schedule": "60 * * * *"},
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "60 * * * *": end of range (60) above maximum (59): 60',
    ),
    (
        "time zones go in the timeZone field",
        {"spec.schedule": "CRON_TZ=UTC 0 3 * * *"},
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC 0 3 * * *": cannot use TZ or '
        "CRON_TZ in schedule, use timeZone field instead",
    ),
    ("known time zones are accepted", {"spec.timeZone": "Asia/Seoul"}, None),
    (
        "unknown time zones are not",
        {"spec.timeZone": "Asia/Atlantis"},
        'CronJob.batch "nightly" is invalid: spec.timeZone: Invalid value: "Asia/Atlantis": unknown time zone Asia/Atlantis',
    ),
    (
        "Local is not an explicit time zone",
        {"spec.timeZone": "Local"},
        'CronJob.batch "nightly" is invalid: spec.timeZone: Invalid value: "Local": timeZone must be an explicit time '
        "zone as defined in https://www.iana.org/time-zones",
    ),
    (
        "concurrency policies",
        {"spec.concurrencyPolicy": "Sometimes"},
        'CronJob.batch "nightly" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: '
        '"Allow", "Forbid", "Replace"',
    ),
    (
        "the job template's selector is generated",
        {"spec.jobTemplate.spec.selector": {"matchLabels": {"app": "x"}}},
        'CronJob.batch "nightly" is invalid: spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ),
    (
        "the job template restarts OnFailure or Never",
        {"spec.jobTemplate.spec.template.spec.restartPolicy": DELETE},
        'CronJob.batch "nightly" is invalid: spec.jobTemplate.spec.template.spec.restartPolicy: Required value: '
        'valid values: "OnFailure", "Never"',
    ),
    (
        "history limits are not negative",
        {"spec.successfulJobsHistoryLimit": -1},
        'CronJob.batch "nightly" is invalid: spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CRON_CASES], ids=[c[0] for c in CRON_CASES])
def test_cron_job_create(changes: dict[str, Any], expected: str | None) -> None:
    obj = patched(cron_job(), changes)
    if expected is None:
        assert validate_create(obj) == []
    else:
        assert create_message(obj) == expected


def test_long_cron_job_names_may_still_be_updated() -> None:
    old = stored(patched(cron_job(), {"metadata.name": "n" * 53}))
    assert validate_update(patched(old, {"spec.suspend": True}), old) == []


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        pytest.param("*/15 9-17 * * mon-fri", None, id="steps, ranges and day names"),
        pytest.param("0 0 1,15 jan,jul *", None, id="lists and month names"),
        pytest.param("0 0 * * 7", "end of range (7) above maximum (6): 7", id="Sunday is 0, not 7"),
        pytest.param(
            "0 0 0 * *", "beginning of range (0) below minimum (1): 0", id="days of month start at 1"
        ),
        pytest.param(
            "0 5-3 * * *", "beginning of range (5) beyond end of range (3): 5-3", id="ranges go upwards"
        ),
        pytest.param(
            "*/0 * * * *", "step of range should be a positive number: */0", id="steps are positive"
        ),
        pytest.param("1-2-3 * * * *", "too many hyphens: 1-2-3", id="one hyphen per range"),
        pytest.param("*/2/3 * * * *", "too many slashes: */2/3", id="one slash per range"),
        pytest.param(
            "x * * * *",
            'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
            id="numbers or names",
        ),
        pytest.param("@weekdays", "unrecognized descriptor: @weekdays", id="known descriptors only"),
        pytest.param(
            "TZ=Nowhere/Else 0 3 * * *",
            "provided bad location Nowhere/Else: unknown time zone Nowhere/Else",
            id="a TZ prefix names a real zone",
        ),
    ],
)
def test_parse_standard(schedule: str, error: str | None) -> None:
    if error is None:
        parse_standard(schedule)
    else:
        with pytest.raises(CronError) as err:
            parse_standard(schedule)
        assert str(err.value) == error


def test_go_durations() -> None:
    assert parse_duration("1h30m") == 5400e9
    assert parse_duration("1.5s") == 1.5e9
    with pytest.raises(CronError, match='time: missing unit in duration "90"'):
        parse_duration("90")
