"""The Job controller's pure pieces: index intervals, pod-failure back-off, pod failure and success
policies, pod ordering — tables with upstream's cases."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.client.keys import ObjectKey
from pinnace.controllers.job.backoff import BackoffStore, finished_time, remaining_time
from pinnace.controllers.job.indexes import (
    Intervals,
    first_pending_indexes,
    parse_indexes,
    pod_generate_name_with_index,
)
from pinnace.controllers.job.policies import match_pod_failure_policy, match_success_policy
from pinnace.controllers.podutil import compare_active_pods

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("text", "completions", "expected", "total"),
    [
        ("", 5, "", 0),
        ("0", 5, "0", 1),
        ("0,1", 5, "0,1", 2),
        ("0-2,4", 5, "0-2,4", 4),
        ("1,2,3", 5, "1-3", 3),
        ("0-2,6-9", 8, "0-2,6,7", 5),  # indexes from completions on are dropped
        ("x,2", 5, "2", 1),  # a corrupt interval is skipped
    ],
)
def test_parse_and_format_indexes(text: str, completions: int, expected: str, total: int) -> None:
    parsed = parse_indexes(text, completions)
    assert str(parsed) == expected
    assert parsed.total() == total


def test_intervals_merge_and_membership() -> None:
    merged = parse_indexes("0-2,7", 10).with_ordered_indexes([3, 5, 8])
    assert str(merged) == "0-3,5,7,8"
    assert merged.has(5) and not merged.has(4)
    assert str(Intervals().merge(parse_indexes("4-6", 10))) == "4-6"


@pytest.mark.parametrize(
    ("non_pending", "active", "count", "completions", "expected"),
    [
        ("", set(), 3, 5, [0, 1, 2]),
        ("0,1", {2}, 2, 5, [3, 4]),
        ("1-3", set(), 5, 6, [0, 4, 5]),
        ("", {0, 1, 2}, 2, 3, []),
    ],
)
def test_first_pending_indexes(
    non_pending: str, active: set[int], count: int, completions: int, expected: list[int]
) -> None:
    assert (
        first_pending_indexes(parse_indexes(non_pending, completions), active, count, completions) == expected
    )


def test_generate_name_with_index_stays_within_63_characters() -> None:
    assert pod_generate_name_with_index("job", 3) == "job-3-"
    long = pod_generate_name_with_index("a" * 60, 12)
    assert long.endswith("-12-") and len(long) == 58


@pytest.mark.parametrize(
    ("failures", "since_last", "expected"),
    [
        (0, 0, 0.0),
        (1, 0, 10.0),
        (1, 4, 6.0),
        (2, 0, 20.0),
        (3, 5, 35.0),
        (7, 0, 600.0),  # 10 s * 2**6 = 640 s, capped at 10 minutes
        (1, 11, 0.0),
    ],
)
def test_remaining_back_off(failures: int, since_last: float, expected: float) -> None:
    now = T0 + timedelta(seconds=since_last)
    assert remaining_time(now, 10.0, 600.0, failures, T0) == pytest.approx(expected)


def _pod(finished: float, phase: str = "Failed") -> dict[str, Any]:
    return {
        "metadata": {"creationTimestamp": stamp(0)},
        "status": {
            "phase": phase,
            "containerStatuses": [{"name": "main", "state": {"terminated": {"finishedAt": stamp(finished)}}}],
        },
    }


def test_backoff_record_counts_failures_after_the_last_success() -> None:
    store = BackoffStore()
    key = ObjectKey("default", "j")
    record = store.new_record(key, [], [_pod(5), _pod(9)])
    assert (record.failures_after_last_success, record.last_failure_time) == (2, T0 + timedelta(seconds=9))
    store.update(record)
    record = store.new_record(key, [_pod(12, "Succeeded")], [_pod(10), _pod(15)])
    assert (record.failures_after_last_success, record.last_failure_time) == (1, T0 + timedelta(seconds=15))
    record = store.new_record(key, [_pod(20, "Succeeded")], [])
    assert (record.failures_after_last_success, record.last_failure_time) == (0, None)


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        ({"status": {"containerStatuses": [{"state": {"terminated": {"finishedAt": stamp(7)}}}]}}, 7),
        (
            {
                "status": {
                    "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": stamp(4)}]
                }
            },
            4,
        ),
        ({"metadata": {"deletionTimestamp": stamp(30), "deletionGracePeriodSeconds": 30}}, 0),
        ({"metadata": {"creationTimestamp": stamp(2)}}, 2),
    ],
    ids=["containers", "ready-false", "deletion", "creation"],
)
def test_finished_time(pod: dict[str, Any], expected: float) -> None:
    assert finished_time(pod) == T0 + timedelta(seconds=expected)


def _failed(
    exit_code: int = 0, container: str = "main", conditions: list[dict[str, str]] | None = None
) -> Any:
    return {
        "metadata": {"name": "p", "namespace": "ns"},
        "status": {
            "phase": "Failed",
            "containerStatuses": [{"name": container, "state": {"terminated": {"exitCode": exit_code}}}],
            "conditions": conditions or [],
        },
    }


POLICY = {
    "rules": [
        {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
        {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [1, 2]}},
        {"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [2]}},
    ]
}


@pytest.mark.parametrize(
    ("pod", "message", "counts", "action"),
    [
        (
            _failed(42),
            "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0",
            True,
            "FailJob",
        ),
        (_failed(42, container="side"), None, True, "Count"),  # rule 0 names another container
        (_failed(1, conditions=[{"type": "DisruptionTarget", "status": "True"}]), None, False, "Ignore"),
        (_failed(5), None, True, "Count"),
        (_failed(2), None, True, "FailIndex"),
        (_failed(1), None, True, None),
        (_failed(0), None, True, None),  # exit code 0 never matches
    ],
    ids=["fail-job", "other-container", "ignore-condition", "count", "fail-index", "no-rule", "exit-0"],
)
def test_pod_failure_policy(pod: Any, message: str | None, counts: bool, action: str | None) -> None:
    match = match_pod_failure_policy(POLICY, pod)
    assert (match.fail_job_message, match.count_failed, match.action) == (message, counts, action)


def test_pod_failure_policy_on_condition_fails_the_job() -> None:
    policy = {
        "rules": [{"action": "FailJob", "onPodConditions": [{"type": "ConfigIssue", "status": "True"}]}]
    }
    pod = _failed(1, conditions=[{"type": "ConfigIssue", "status": "True"}])
    assert match_pod_failure_policy(policy, pod).fail_job_message == (
        "Pod ns/p has condition ConfigIssue matching FailJob rule at index 0"
    )


@pytest.mark.parametrize(
    ("rules", "succeeded", "expected"),
    [
        ([{"succeededIndexes": "0"}], "0", ("Matched rules at index 0", True)),
        ([{"succeededIndexes": "0-2"}], "0,1", ("", False)),
        ([{"succeededIndexes": "0-2", "succeededCount": 2}], "0,2", ("Matched rules at index 0", True)),
        ([{"succeededCount": 5}, {"succeededCount": 2}], "3,4", ("Matched rules at index 1", True)),
        ([{"succeededCount": 1}], "", ("", False)),
    ],
)
def test_success_policy(rules: list[dict[str, Any]], succeeded: str, expected: tuple[str, bool]) -> None:
    assert match_success_policy({"rules": rules}, 10, parse_indexes(succeeded, 10)) == expected


def _active(name: str, **status: Any) -> dict[str, Any]:
    node = status.pop("node", "")
    created = status.pop("created", 0)
    return {
        "metadata": {"name": name, "creationTimestamp": stamp(created)},
        "spec": {"nodeName": node},
        "status": status,
    }


def test_active_pods_order_puts_the_cheapest_to_lose_first() -> None:
    ready = [{"type": "Ready", "status": "True", "lastTransitionTime": stamp(10)}]
    pods = [
        _active("running-ready-old", node="n", phase="Running", conditions=ready, created=0),
        _active("running-ready-new", node="n", phase="Running", conditions=ready, created=5),
        _active("running", node="n", phase="Running"),
        _active("pending", node="n", phase="Pending"),
        _active("unscheduled", phase="Pending"),
    ]
    ordered = sorted(reversed(pods), key=functools.cmp_to_key(compare_active_pods))
    assert [p["metadata"]["name"] for p in ordered] == [
        "unscheduled",
        "pending",
        "running",
        "running-ready-new",
        "running-ready-old",
    ]
