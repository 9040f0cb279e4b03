"""The status conditions the namespace controller keeps on a Terminating namespace
(upstream's ``pkg/controller/namespace/deletion/status_condition_utils.go``).

Every pass sets all five condition types: ``True`` with what went wrong, or ``False`` with the "all is
well" reason and message, so ``kubectl describe namespace`` tells why a namespace is stuck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

Condition = dict[str, Any]

DISCOVERY_FAILURE: Final = "NamespaceDeletionDiscoveryFailure"
GROUP_VERSION_PARSING_FAILURE: Final = "NamespaceDeletionGroupVersionParsingFailure"
CONTENT_FAILURE: Final = "NamespaceDeletionContentFailure"
CONTENT_REMAINING: Final = "NamespaceContentRemaining"
FINALIZERS_REMAINING: Final = "NamespaceFinalizersRemaining"

#: ``conditionTypes``, in the order they are appended to ``status.conditions``.
CONDITION_TYPES: Final = (
    DISCOVERY_FAILURE,
    GROUP_VERSION_PARSING_FAILURE,
    CONTENT_FAILURE,
    CONTENT_REMAINING,
    FINALIZERS_REMAINING,
)

OK_MESSAGES: Final = {
    DISCOVERY_FAILURE: "All resources successfully discovered",
    GROUP_VERSION_PARSING_FAILURE: "All legacy kube types successfully parsed",
    CONTENT_FAILURE: "All content successfully deleted, may be waiting on finalization",
    CONTENT_REMAINING: "All content successfully removed",
    FINALIZERS_REMAINING: "All content successfully removed",
}

OK_REASONS: Final = {
    DISCOVERY_FAILURE: "ResourcesDiscovered",
    GROUP_VERSION_PARSING_FAILURE: "ParsedGroupVersions",
    CONTENT_FAILURE: "ContentDeleted",
    CONTENT_REMAINING: "ContentRemoved",
    FINALIZERS_REMAINING: "ContentRemoved",
}


@dataclass
class ContentTotals:
    """``allGVRDeletionMetadata``: what is left after a pass, by resource and by finalizer."""

    #: ``"<resource>.<group>"`` (``pods.`` for the core group, as upstream prints it) → instances left.
    remaining_by_resource: dict[str, int] = field(default_factory=dict)
    remaining_by_finalizer: dict[str, int] = field(default_factory=dict)


class ConditionUpdater:
    """Collects what went wrong in one pass, then writes it into a namespace's status."""

    def __init__(self, now: str) -> None:
        self._now = now
        self._conditions: list[Condition] = []
        self._content_errors: list[str] = []

    def _failed(self, condition_type: str, reason: str, message: str) -> None:
        self._conditions.append(
            {
                "type": condition_type,
                "status": "True",
                "lastTransitionTime": self._now,
                "reason": reason,
                "message": message,
            }
        )

    def process_discovery_error(self, message: str) -> None:
        self._failed(DISCOVERY_FAILURE, "DiscoveryFailed", message)

    def process_group_version_error(self, message: str) -> None:
        self._failed(GROUP_VERSION_PARSING_FAILURE, "GroupVersionParsingFailed", message)

    def process_delete_content_error(self, message: str) -> None:
        self._content_errors.append(message)

    def process_content_totals(self, totals: ContentTotals) -> None:
        remaining = sorted(
            f"{resource} has {count} resource instances"
            for resource, count in totals.remaining_by_resource.items()
            if count
        )
        if totals.remaining_by_resource:
            self._failed(
                CONTENT_REMAINING,
                "SomeResourcesRemain",
                f"Some resources are remaining: {', '.join(remaining)}",
            )
        by_finalizer = sorted(
            f"{finalizer} in {count} resource instances"
            for finalizer, count in totals.remaining_by_finalizer.items()
            if count
        )
        if totals.remaining_by_finalizer:
            self._failed(
                FINALIZERS_REMAINING,
                "SomeFinalizerRemain",
                f"Some finalizers are remaining: {', '.join(by_finalizer)}",
            )

    def update(self, status: dict[str, Any]) -> bool:
        """Write the conditions into ``status`` (a copy the caller owns); True if anything changed."""
        if self._content_errors and not _find(self._conditions, CONTENT_FAILURE):
            messages = sorted(self._content_errors)
            self._failed(
                CONTENT_FAILURE,
                "ContentDeletionFailed",
                f"Failed to delete all resource types, {len(messages)} remaining: {', '.join(messages)}",
            )
        conditions: list[Condition] = list(status.get("conditions") or [])
        changed = False
        for condition_type in CONDITION_TYPES:
            new = _find(self._conditions, condition_type) or self._succeeded(condition_type)
            index = next((i for i, c in enumerate(conditions) if c.get("type") == condition_type), None)
            if index is None:
                conditions.append(new)
                changed = True
                continue
            old = dict(conditions[index])
            if any(old.get(key) != new[key] for key in ("status", "message", "reason")):
                if old.get("status") != new["status"]:
                    old["lastTransitionTime"] = self._now
                old.update(
                    type=condition_type, status=new["status"], reason=new["reason"], message=new["message"]
                )
                conditions[index] = old
                changed = True
        status["conditions"] = conditions
        return changed

    def _succeeded(self, condition_type: str) -> Condition:
        return {
            "type": condition_type,
            "status": "False",
            "lastTransitionTime": self._now,
            "reason": OK_REASONS[condition_type],
            "message": OK_MESSAGES[condition_type],
        }


def _find(conditions: list[Condition], condition_type: str) -> Condition | None:
    return next((c for c in conditions if c.get("type") == condition_type), None)
