"""Compiled admission expressions and their results, with upstream's messages (``plugin/cel``:
``compile.go``, ``activation.go`` ``Evaluate``, ``composition.go``).

An expression that does not compile still has a place in the list; evaluating it reports
``compilation error: compilation failed: ERROR: <input>:...``. A run-time failure reads
``expression '<expr>' resulted in error: <cel error>``. A policy's ``variables`` are compiled the same way
and evaluated lazily, at most once per activation; an expression using a failing variable reads
``... resulted in error: composited variable "x" fails to evaluate: <cel error>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pinnace.apiserver.admission.cel.activation import VARIABLES
from pinnace.apiserver.cel import CompileError, EvalError, Lazy, Program, compile_expression


@dataclass(frozen=True, slots=True)
class Compiled:
    """One expression: its program, or why it did not compile."""

    expression: str
    program: Program | None
    error: str = ""

    @classmethod
    def of(cls, expression: str) -> Compiled:
        try:
            return cls(expression, compile_expression(expression))
        except CompileError as err:
            return cls(expression, None, f"compilation failed: {err}")


@dataclass(frozen=True, slots=True)
class Result:
    """One evaluation: a CEL value, or an error message (never both)."""

    value: Any = None
    error: str | None = None


def compile_all(expressions: Sequence[str]) -> tuple[Compiled, ...]:
    return tuple(Compiled.of(expression) for expression in expressions)


def evaluate(compiled: Compiled, activation: Mapping[str, Any]) -> Result:
    if compiled.program is None:
        return Result(error=f"compilation error: {compiled.error}")
    try:
        return Result(compiled.program.evaluate(activation))
    except EvalError as err:
        return Result(error=f"expression '{compiled.expression}' resulted in error: {err}")


@dataclass(frozen=True, slots=True)
class Variables:
    """A policy's ``spec.variables``, compiled in order (a variable may use the ones before it)."""

    compiled: tuple[tuple[str, Compiled], ...] = ()

    @classmethod
    def of(cls, variables: Sequence[Mapping[str, Any]]) -> Variables:
        return cls(
            tuple(
                (str(variable.get("name") or ""), Compiled.of(str(variable.get("expression") or "")))
                for variable in variables
            )
        )

    def bind(self, activation: dict[str, Any]) -> Lazy:
        """Lazy ``variables`` for ``activation``, which this also sets them in."""

        def resolver(name: str, compiled: Compiled) -> Any:
            def resolve() -> Any:
                if compiled.program is None:
                    return EvalError(f'composited variable "{name}" fails to compile: {compiled.error}')
                try:
                    return compiled.program.evaluate(activation)
                except EvalError as err:
                    return EvalError(f'composited variable "{name}" fails to evaluate: {err}')

            return resolve

        lazy = Lazy({name: resolver(name, compiled) for name, compiled in self.compiled})
        activation[VARIABLES] = lazy
        return lazy
