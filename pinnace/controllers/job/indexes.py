"""Indexed Jobs: completion indexes on pods and the interval lists in ``status.completedIndexes``
(upstream's ``pkg/controller/job/indexed_job_utils.go``).

Each pod of an Indexed Job carries its index in the ``batch.kubernetes.io/job-completion-index`` annotation
and label (PodIndexLabel is on in 1.32), gets the hostname ``<job>-<index>`` and the ``JOB_COMPLETION_INDEX``
environment variable read from that label through the downward API. Index sets are kept as ordered,
non-adjacent intervals and written as ``"1,3-5,7"``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

Object = dict[str, Any]

COMPLETION_INDEX_ANNOTATION: Final = "batch.kubernetes.io/job-completion-index"
INDEX_FAILURE_COUNT_ANNOTATION: Final = "batch.kubernetes.io/job-index-failure-count"
INDEX_IGNORED_FAILURE_COUNT_ANNOTATION: Final = "batch.kubernetes.io/job-index-ignored-failure-count"
COMPLETION_INDEX_ENV_NAME: Final = "JOB_COMPLETION_INDEX"
UNKNOWN_COMPLETION_INDEX: Final = -1
MAX_INT32: Final = 2**31 - 1
# k8s.io/apiserver/pkg/storage/names: a generated name is the prefix plus 5 random characters, within 63.
MAX_GENERATED_NAME_LENGTH: Final = 63 - 5


@dataclass(frozen=True, slots=True)
class Intervals:
    """Ordered, disjoint, non-adjacent ``(first, last)`` intervals of indexes (``orderedIntervals``)."""

    spans: tuple[tuple[int, int], ...] = ()

    def with_ordered_indexes(self, new_indexes: Iterable[int]) -> Intervals:
        """These intervals plus ``new_indexes`` (given in increasing order)."""
        return self.merge(Intervals(tuple((index, index) for index in new_indexes)))

    def merge(self, other: Intervals) -> Intervals:
        result: list[list[int]] = []
        for first, last in sorted(self.spans + other.spans):
            if not result or first > result[-1][1] + 1:
                result.append([first, last])
            elif result[-1][1] < last:
                result[-1][1] = last
        return Intervals(tuple((first, last) for first, last in result))

    def total(self) -> int:
        return sum(last - first + 1 for first, last in self.spans)

    def has(self, index: int) -> bool:
        return any(first <= index <= last for first, last in self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def __str__(self) -> str:
        parts: list[str] = []
        for first, last in self.spans:
            if last == first:
                parts.append(str(first))
            elif last == first + 1:
                parts.append(f"{first},{last}")
            else:
                parts.append(f"{first}-{last}")
        return ",".join(parts)


def parse_indexes(text: str, completions: int) -> Intervals:
    """``parseIndexesFromString``: corrupt intervals are skipped, indexes from ``completions`` on dropped."""
    if not text:
        return Intervals()
    result: list[list[int]] = []
    for part in text.split(","):
        limits = part.split("-")
        first = _atoi(limits[0])
        if first is None:
            continue
        if first >= completions:
            break
        last = first
        if len(limits) > 1:
            parsed = _atoi(limits[1])
            if parsed is None:
                continue
            last = min(parsed, completions - 1)
        if result and result[-1][1] == first - 1:
            result[-1][1] = last
        else:
            result.append([first, last])
    return Intervals(tuple((first, last) for first, last in result))


def _atoi(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _annotations(pod: Object) -> dict[str, str]:
    return dict((pod.get("metadata") or {}).get("annotations") or {})


def completion_index(pod: Object) -> int:
    """The pod's index from its annotation, or ``UNKNOWN_COMPLETION_INDEX``."""
    value = _annotations(pod).get(COMPLETION_INDEX_ANNOTATION)
    if value is None:
        return UNKNOWN_COMPLETION_INDEX
    parsed = _atoi(value)
    if parsed is None or parsed < 0:
        return UNKNOWN_COMPLETION_INDEX
    return parsed


def index_set(pods: Iterable[Object]) -> set[int]:
    return {ix for ix in (completion_index(pod) for pod in pods) if ix != UNKNOWN_COMPLETION_INDEX}


def first_pending_indexes(
    non_pending: Intervals, active: set[int], count: int, completions: int
) -> list[int]:
    """The first ``count`` indexes below ``completions`` that are neither in ``non_pending`` (succeeded,
    failed, terminating when only failed pods are replaced) nor ``active`` (``firstPendingIndexes``)."""
    if count == 0:
        return []
    taken = non_pending.with_ordered_indexes(sorted(active))
    result: list[int] = []
    candidate = 0
    for first, last in taken.spans:
        while candidate < completions and len(result) < count and candidate < first:
            result.append(candidate)
            candidate += 1
        candidate = max(candidate, last + 1)
    while candidate < completions and len(result) < count:
        result.append(candidate)
        candidate += 1
    return result


def duplicated_index_pods_for_removal(
    pods: list[Object], completions: int, active_order: Callable[[Object, Object], int]
) -> tuple[list[Object], list[Object]]:
    """Split active pods into (to remove, to keep): pods without an index or with one out of range go, and
    of several pods with one index all but the best (by ``active_order``) go
    (``appendDuplicatedIndexPodsForRemoval``)."""
    remove: list[Object] = []
    keep: list[Object] = []
    by_index: dict[int, list[Object]] = {}
    for pod in pods:
        ix = completion_index(pod)
        if ix == UNKNOWN_COMPLETION_INDEX or ix >= completions:
            remove.append(pod)
        else:
            by_index.setdefault(ix, []).append(pod)
    for ix in sorted(by_index):
        group = sorted(by_index[ix], key=functools.cmp_to_key(active_order))
        remove.extend(group[:-1])
        keep.append(group[-1])
    return remove, keep


def pod_generate_name_with_index(job_name: str, index: int) -> str:
    """``<job>-<index>-``, with the job name cut so the generated name stays within 63 characters."""
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[: MAX_GENERATED_NAME_LENGTH - len(suffix)] + suffix
    return prefix


def add_completion_index_env(template: Object) -> None:
    """Give every container and init container ``JOB_COMPLETION_INDEX`` from the index label, unless it
    sets the variable itself (``addCompletionIndexEnvVariables``)."""
    spec = template.setdefault("spec", {})
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            env = container.setdefault("env", [])
            if any(var.get("name") == COMPLETION_INDEX_ENV_NAME for var in env):
                continue
            env.append(
                {
                    "name": COMPLETION_INDEX_ENV_NAME,
                    "valueFrom": {
                        "fieldRef": {"fieldPath": f"metadata.labels['{COMPLETION_INDEX_ANNOTATION}']"}
                    },
                }
            )


def indexed_template(template: Object, job_name: str, index: int) -> Object:
    """The pod template for one index: annotation, label and hostname ``<job>-<index>``."""
    result = copy.deepcopy(template)
    metadata = result.setdefault("metadata", {})
    metadata.setdefault("annotations", {})[COMPLETION_INDEX_ANNOTATION] = str(index)
    metadata.setdefault("labels", {})[COMPLETION_INDEX_ANNOTATION] = str(index)
    result.setdefault("spec", {})["hostname"] = f"{job_name}-{index}"
    return result


def _int32_annotation(pod: Object, key: str) -> int:
    """An int32 annotation, 0 when missing, unparsable or out of range (as upstream's ``parseInt32``)."""
    value = _annotations(pod).get(key)
    parsed = _atoi(value) if value is not None else None
    if parsed is None or parsed < 0 or parsed > MAX_INT32:
        return 0
    return parsed


def index_failure_count(pod: Object) -> int:
    return _int32_annotation(pod, INDEX_FAILURE_COUNT_ANNOTATION)


def index_ignored_failure_count(pod: Object) -> int:
    return _int32_annotation(pod, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION)


def index_absolute_failure_count(pod: Object) -> int:
    return index_failure_count(pod) + index_ignored_failure_count(pod)
