"""Taints and tolerations (``k8s.io/api/core/v1/toleration.go``, ``component-helpers/scheduling/corev1``).

Parsed once per node / per pod into frozen values so that nodes with the same taints share one interned
tuple; plugins then decide per distinct taint set instead of per node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

NO_SCHEDULE: Final = "NoSchedule"
PREFER_NO_SCHEDULE: Final = "PreferNoSchedule"
NO_EXECUTE: Final = "NoExecute"

#: v1.TaintNodeUnschedulable, the taint ``node.spec.unschedulable`` stands for.
TAINT_NODE_UNSCHEDULABLE: Final = "node.kubernetes.io/unschedulable"


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""

    def tolerates(self, taint: Taint) -> bool:
        """``Toleration.ToleratesTaint``: empty effect matches every effect, empty key (with Exists)
        every key; operator "" means Equal; an unknown operator tolerates nothing."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator in ("", "Equal"):
            return self.value == taint.value
        return self.operator == "Exists"


def parse_taints(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Taint, ...]:
    return tuple(
        Taint(str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or ""))
        for t in raw or ()
    )


def parse_tolerations(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            str(t.get("key") or ""),
            str(t.get("operator") or ""),
            str(t.get("value") or ""),
            str(t.get("effect") or ""),
        )
        for t in raw or ()
    )


def tolerations_tolerate_taint(tolerations: Sequence[Toleration], taint: Taint) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def do_not_schedule(taint: Taint) -> bool:
    """``helper.DoNotScheduleTaintsFilterFunc``: the effects Filter honours."""
    return taint.effect in (NO_SCHEDULE, NO_EXECUTE)


def find_matching_untolerated_taint(
    taints: Sequence[Taint], tolerations: Sequence[Toleration], inclusion: Callable[[Taint], bool]
) -> Taint | None:
    """``v1helper.FindMatchingUntoleratedTaint``: the first included taint, in the node's order, that no
    toleration tolerates."""
    for taint in taints:
        if inclusion(taint) and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


def untolerated_taint_reason(taint: Taint) -> str:
    """TaintToleration's Filter reason: ``node(s) had untolerated taint {key: value}``."""
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"
