"""Helpers shared by plugins (``pkg/scheduler/framework/plugins/helper``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    FilterOutcome,
    IntArray,
    Status,
)


def default_normalize_score(scores: IntArray, reverse: bool, max_priority: int = MAX_NODE_SCORE) -> None:
    """``helper.DefaultNormalizeScore``, in place: scale to [0, max_priority] by the maximum."""
    if not len(scores):
        return
    max_count = max(int(scores.max()), 0)
    if max_count == 0:
        if reverse:
            scores[:] = max_priority
        return
    scaled = max_priority * scores // max_count
    scores[:] = max_priority - scaled if reverse else scaled


def outcome(fail: npt.NDArray[np.bool_], status: Status) -> FilterOutcome | None:
    """A FilterOutcome where the ``fail`` nodes get ``status`` (None when no node fails)."""
    if not fail.any():
        return None
    return FilterOutcome(fail.astype(np.int32), [status])


def outcome_from_codes(codes: npt.NDArray[np.int32], statuses: list[Status]) -> FilterOutcome | None:
    if not statuses or not codes.any():
        return None
    return FilterOutcome(codes, statuses)


def event(
    resource: EventResource, action: ActionType, hint: Callable[..., object] | None = None
) -> ClusterEventWithHint:
    return ClusterEventWithHint(ClusterEvent(resource, action), hint)  # type: ignore[arg-type]


def events(*pairs: tuple[EventResource, ActionType]) -> Sequence[ClusterEventWithHint]:
    return [event(resource, action) for resource, action in pairs]
