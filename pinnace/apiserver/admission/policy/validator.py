"""One ValidatingAdmissionPolicy, compiled, judging one request (``policy/validating/validator.go`` and
``plugin.go`` ``compilePolicy``).

:meth:`Validator.validate` evaluates the policy's ``matchConditions`` (none false, or no decision at all),
then each validation: true admits; false denies with the ``messageExpression``'s result, else ``message``,
else ``failed expression: <expression>``, and the validation's ``reason`` (default ``Invalid``); an error
(a run-time failure, or a result that is not a bool) denies under failurePolicy ``Fail`` and admits under
``Ignore``, with the error as message. Audit annotations evaluate ``valueExpression`` to a string (published),
null or an empty string (left out), or anything else (an error).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celpy import celtypes

from pinnace.apiserver.admission.cel import (
    Compiled,
    Inputs,
    Matcher,
    Variables,
    compile_all,
    evaluate,
    new_activation,
)
from pinnace.apiserver.cel import type_name

# celconfig.MaxEvaluatedMessageExpressionSizeBytes
MAX_MESSAGE_BYTES = 5 * 1024


class Action(enum.StrEnum):
    ADMIT = "admit"
    DENY = "deny"


class Evaluation(enum.StrEnum):
    ADMIT = "admit"
    DENY = "deny"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Decision:
    """``PolicyDecision``: what one validation decided."""

    action: Action
    evaluation: Evaluation
    message: str = ""
    reason: str = ""


class AnnotationAction(enum.StrEnum):
    PUBLISH = "publish"
    ERROR = "error"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class AuditAnnotationResult:
    key: str
    action: AnnotationAction
    value: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class ValidateResult:
    decisions: tuple[Decision, ...] = ()
    audit_annotations: tuple[AuditAnnotationResult, ...] = ()


@dataclass(frozen=True, slots=True)
class _Validation:
    condition: Compiled
    message: str
    reason: str
    message_expression: Compiled | None


@dataclass(frozen=True, slots=True)
class Validator:
    failure_policy: str
    validations: tuple[_Validation, ...]
    audit_annotations: tuple[tuple[str, Compiled], ...]
    match_conditions: Matcher
    variables: Variables = field(default_factory=Variables)

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> Validator:
        failure_policy = str(spec.get("failurePolicy") or "Fail")
        validations = tuple(
            _Validation(
                condition=Compiled.of(str(v.get("expression") or "")),
                message=str(v.get("message") or ""),
                reason=str(v.get("reason") or ""),
                message_expression=Compiled.of(str(v["messageExpression"]))
                if v.get("messageExpression")
                else None,
            )
            for v in spec.get("validations") or ()
        )
        annotations = spec.get("auditAnnotations") or ()
        compiled = compile_all([str(a.get("valueExpression") or "") for a in annotations])
        return cls(
            failure_policy=failure_policy,
            validations=validations,
            audit_annotations=tuple(
                (str(a.get("key") or ""), c) for a, c in zip(annotations, compiled, strict=True)
            ),
            match_conditions=Matcher.of(spec.get("matchConditions") or (), failure_policy),
            variables=Variables.of(spec.get("variables") or ()),
        )

    def _error(self, message: str) -> Decision:
        action = Action.ADMIT if self.failure_policy == "Ignore" else Action.DENY
        return Decision(action, Evaluation.ERROR, message)

    def validate(self, inputs: Inputs) -> ValidateResult:
        activation = new_activation(inputs)
        self.variables.bind(activation)
        if self.match_conditions:
            matched = self.match_conditions.match(activation)
            if matched.error:
                return ValidateResult((self._error(matched.error),))
            if not matched.matches:
                return ValidateResult()
        decisions = tuple(self._decide(validation, activation) for validation in self.validations)
        annotations = tuple(
            self._annotate(key, compiled, activation) for key, compiled in self.audit_annotations
        )
        return ValidateResult(decisions, annotations)

    def _decide(self, validation: _Validation, activation: Mapping[str, Any]) -> Decision:
        result = evaluate(validation.condition, activation)
        if result.error is not None:
            return self._error(result.error)
        if not isinstance(result.value, celtypes.BoolType):
            return self._error(
                f"expression '{validation.condition.expression}' resulted in error: "
                f"no such overload: expected bool, got {type_name(result.value)}"
            )
        if result.value:
            return Decision(Action.ADMIT, Evaluation.ADMIT)
        return Decision(
            Action.DENY,
            Evaluation.DENY,
            message=self._message(validation, activation),
            reason=validation.reason or "Invalid",
        )

    @staticmethod
    def _message(validation: _Validation, activation: Mapping[str, Any]) -> str:
        message = ""
        if validation.message_expression is not None:
            result = evaluate(validation.message_expression, activation)
            if result.error is None and isinstance(result.value, str):
                message = str(result.value).strip()
                # Too long, or more than one line: fall back, as upstream does.
                if len(message.encode()) > MAX_MESSAGE_BYTES or "\n" in message:
                    message = ""
        if not message and validation.message:
            message = validation.message.strip()
        if not message:
            message = f"failed expression: {validation.condition.expression.strip()}"
        return message

    def _annotate(self, key: str, compiled: Compiled, activation: Mapping[str, Any]) -> AuditAnnotationResult:
        result = evaluate(compiled, activation)
        if result.error is not None:
            action = AnnotationAction.EXCLUDE if self.failure_policy == "Ignore" else AnnotationAction.ERROR
            return AuditAnnotationResult(key, action, error=result.error)
        if result.value is None:
            return AuditAnnotationResult(key, AnnotationAction.EXCLUDE)
        if isinstance(result.value, str):
            value = str(result.value).strip()
            if not value:
                return AuditAnnotationResult(key, AnnotationAction.EXCLUDE)
            return AuditAnnotationResult(key, AnnotationAction.PUBLISH, value)
        return AuditAnnotationResult(
            key,
            AnnotationAction.ERROR,
            error=(
                f"valueExpression '{compiled.expression}' resulted in unsupported return type: "
                f"{type_name(result.value)}. Return type must be either string or null."
            ),
        )


def validator_for(spec: Mapping[str, Any]) -> Validator:
    return Validator.of(spec)


def aggregate_annotations(values: Sequence[str]) -> str:
    """Several bindings giving one key different values: joined with ``, `` (``auditAnnotationCollector``)."""
    return ", ".join(values)
