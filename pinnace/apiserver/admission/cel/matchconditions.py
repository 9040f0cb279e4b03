"""``matchConditions`` of webhooks and admission policies (``plugin/webhook/matchconditions/matcher.go``).

Every condition is evaluated. If any is false, the request does not match (whatever errors others had).
Otherwise errors decide by the failure policy: with ``Fail`` the request fails with the errors (one error
alone, several as ``[a, b]``, upstream's ``utilerrors.NewAggregate``), with ``Ignore`` it does not match.
A condition that is not a bool counts as an error, as cel-go's type check would refuse it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from celpy import celtypes

from pinnace.apiserver.admission.cel.conditions import Compiled, compile_all, evaluate
from pinnace.apiserver.cel import type_name


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: bool
    error: str = ""
    failed_condition: str = ""


def aggregate(errors: Sequence[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``."""
    if len(errors) == 1:
        return errors[0]
    return "[" + ", ".join(errors) + "]"


@dataclass(frozen=True, slots=True)
class Matcher:
    names: tuple[str, ...]
    conditions: tuple[Compiled, ...]
    fail: bool

    @classmethod
    def of(cls, conditions: Sequence[Mapping[str, Any]], failure_policy: str | None) -> Matcher:
        names = tuple(str(condition.get("name") or "") for condition in conditions)
        compiled = compile_all([str(condition.get("expression") or "") for condition in conditions])
        return cls(names, compiled, failure_policy != "Ignore")

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def match(self, activation: Mapping[str, Any]) -> MatchResult:
        errors: list[str] = []
        for name, compiled in zip(self.names, self.conditions, strict=True):
            result = evaluate(compiled, activation)
            if result.error is not None:
                errors.append(result.error)
            elif not isinstance(result.value, celtypes.BoolType):
                errors.append(
                    f"expression '{compiled.expression}' resulted in error: "
                    f"no such overload: expected bool, got {type_name(result.value)}"
                )
            elif not result.value:
                return MatchResult(False, failed_condition=name)
        if errors:
            if self.fail:
                return MatchResult(False, error=aggregate(errors))
            return MatchResult(False)
        return MatchResult(True)
