"""A Job's ``podFailurePolicy`` and ``successPolicy`` (upstream's ``pod_failure_policy.go`` and
``success_policy.go``; JobBackoffLimitPerIndex and JobSuccessPolicy are on in 1.32).

Pod failure policy rules are tried in order; the first that matches a failed pod decides: ``FailJob`` fails
the whole Job (with a message naming the container or condition and the rule), ``FailIndex`` fails the pod's
index, ``Ignore`` does not count the failure against ``backoffLimit``, ``Count`` counts it as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pinnace.controllers.job.indexes import Intervals, parse_indexes

Object = dict[str, Any]

FAIL_JOB: Final = "FailJob"
FAIL_INDEX: Final = "FailIndex"
IGNORE: Final = "Ignore"
COUNT: Final = "Count"


@dataclass(frozen=True, slots=True)
class PolicyMatch:
    """The outcome for one failed pod: a Job failure message (``FailJob``), whether the failure counts
    towards the back-off limits, and the action of the rule that matched (``None`` if none did)."""

    fail_job_message: str | None = None
    count_failed: bool = True
    action: str | None = None


NO_MATCH: Final = PolicyMatch()


def match_pod_failure_policy(policy: Object | None, pod: Object) -> PolicyMatch:
    """``matchPodFailurePolicy``."""
    if policy is None:
        return NO_MATCH
    metadata = pod.get("metadata") or {}
    status = pod.get("status") or {}
    for index, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action")
        if rule.get("onExitCodes") is not None:
            container = _match_exit_codes(status, rule["onExitCodes"])
            if container is None:
                continue
            if action == FAIL_JOB:
                code = container["state"]["terminated"].get("exitCode", 0)
                return PolicyMatch(
                    f"Container {container.get('name', '')} for pod {metadata.get('namespace', '')}/"
                    f"{metadata.get('name', '')} failed with exit code {code} matching {action} rule at "
                    f"index {index}",
                    True,
                    FAIL_JOB,
                )
        elif rule.get("onPodConditions") is not None:
            condition = _match_pod_conditions(status, rule["onPodConditions"])
            if condition is None:
                continue
            if action == FAIL_JOB:
                return PolicyMatch(
                    f"Pod {metadata.get('namespace', '')}/{metadata.get('name', '')} has condition "
                    f"{condition.get('type', '')} matching {action} rule at index {index}",
                    True,
                    FAIL_JOB,
                )
        else:
            continue
        if action == IGNORE:
            return PolicyMatch(None, False, IGNORE)
        if action in (FAIL_INDEX, COUNT):
            return PolicyMatch(None, True, action)
        # An unknown action matches nothing, as upstream's switch falls through to the next rule.
    return NO_MATCH


def _match_exit_codes(status: Object, requirement: Object) -> Object | None:
    for key in ("containerStatuses", "initContainerStatuses"):
        for container in status.get(key) or []:
            terminated = (container.get("state") or {}).get("terminated")
            if terminated is None:
                continue  # still terminating: no exit code to match
            wanted = requirement.get("containerName")
            if wanted is not None and wanted != container.get("name"):
                continue
            code = int(terminated.get("exitCode") or 0)
            if code != 0 and _operator_matches(code, requirement):
                return dict(container)
    return None


def _operator_matches(code: int, requirement: Object) -> bool:
    values = [int(v) for v in requirement.get("values") or []]
    operator = requirement.get("operator")
    if operator == "In":
        return code in values
    if operator == "NotIn":
        return code not in values
    return False


def _match_pod_conditions(status: Object, patterns: list[Object]) -> Object | None:
    for condition in status.get("conditions") or []:
        for pattern in patterns:
            if condition.get("type") == pattern.get("type") and condition.get("status") == pattern.get(
                "status", "True"
            ):
                return dict(condition)
    return None


def match_success_policy(policy: Object | None, completions: int, succeeded: Intervals) -> tuple[str, bool]:
    """Whether the succeeded indexes meet a rule of ``successPolicy`` (``matchSuccessPolicy``), and the
    message ``Matched rules at index <n>``."""
    if policy is None or len(succeeded) == 0:
        return "", False
    for index, rule in enumerate(policy.get("rules") or []):
        count = rule.get("succeededCount")
        if rule.get("succeededIndexes") is not None:
            required = parse_indexes(str(rule["succeededIndexes"]), completions)
            if len(required) == 0:
                continue  # unparsable
            if _match_succeeded_indexes(required, succeeded, count):
                return f"Matched rules at index {index}", True
        elif count is not None and succeeded.total() >= int(count):
            return f"Matched rules at index {index}", True
    return "", False


def _match_succeeded_indexes(required: Intervals, succeeded: Intervals, count: int | None) -> bool:
    contains = sum(
        max(0, min(r_last, s_last) - max(r_first, s_first) + 1)
        for r_first, r_last in required.spans
        for s_first, s_last in succeeded.spans
    )
    return contains == required.total() or (count is not None and contains >= int(count))
