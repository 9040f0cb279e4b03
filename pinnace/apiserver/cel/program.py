"""Compiling and evaluating one CEL expression, with cel-go's error wording (``k8s.io/apiserver/pkg/cel``).

The engine is cel-python (``celpy``), an interpreter without cel-go's type checker: an expression is parsed
when it is compiled, and a reference to a field, variable or function that does not exist is found when it
is evaluated (cel-go finds some of these at compile time against the OpenAPI schema). Values cross the
boundary as JSON dicts: :func:`to_cel` wraps a request's objects once per request, :func:`from_cel` turns a
result back into plain Python.

Errors are reported in cel-go's words, which users see inside admission messages: ``no such key: labels``,
``no such overload``, ``division by zero``; a syntax error reads ``ERROR: <input>:1:7: Syntax error: ...``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from pinnace.apiserver.cel import library

# celpy logs every evaluation step at DEBUG and its parser at INFO; neither is useful in the API server's log.
logging.getLogger("celpy").setLevel(logging.WARNING)

Activation = Mapping[str, Any]


class CompileError(ValueError):
    """An expression that does not parse (cel-go's ``ERROR: <input>:line:col: ...`` text)."""


class EvalError(ValueError):
    """An expression that failed at run time; the text is cel-go's (``no such key: x``)."""


@functools.cache
def _environment() -> celpy.Environment:
    # One parser for the process: building celpy's Lark grammar costs tens of milliseconds.
    return celpy.Environment()


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled expression; :meth:`evaluate` may be called any number of times, with any activation."""

    expression: str
    _runner: celpy.Runner

    def evaluate(self, activation: Activation) -> Any:
        """The expression's value as CEL sees it (celpy types); raises :class:`EvalError`."""
        try:
            result = self._runner.evaluate(dict(activation))
        except CELEvalError as err:
            raise EvalError(eval_error_text(err)) from None
        except RecursionError:
            raise EvalError("max recursion depth exceeded") from None
        if isinstance(result, CELEvalError):
            raise EvalError(eval_error_text(result))
        return result


def compile_expression(expression: str) -> Program:
    """Parse ``expression``; raises :class:`CompileError` with cel-go's wording."""
    environment = _environment()
    try:
        ast = environment.compile(expression)
    except CELParseError as err:
        raise CompileError(_syntax_error(expression, err)) from None
    except RecursionError:
        raise CompileError("ERROR: <input>:1:1: expression recursion limit exceeded") from None
    return Program(expression, environment.program(ast, functions=library.FUNCTIONS))


def _syntax_error(expression: str, err: CELParseError) -> str:
    # cel-go: ``ERROR: <input>:1:4: Syntax error: <what>`` then the line and a caret under the column.
    line = err.line or 1
    column = err.column or 1
    source = expression.splitlines()[line - 1] if expression.splitlines() else ""
    caret = "." * (column - 1) + "^"
    return f"ERROR: <input>:{line}:{column}: Syntax error: unexpected input\n | {source}\n | {caret}"


_NO_SUCH_MEMBER = re.compile(r"no such member in mapping: '(?P<key>.*)'$")
_UNDECLARED = re.compile(r"undeclared reference to '(?P<name>[^']*)'")


def eval_error_text(err: CELEvalError) -> str:
    """cel-go's words for one of celpy's run-time errors."""
    message = str(err.args[0]) if err.args else "evaluation error"
    if match := _NO_SUCH_MEMBER.match(message):
        return f"no such key: {match.group('key')}"
    if message.startswith("no such key"):
        return message
    if match := _UNDECLARED.match(message):
        return f"undeclared reference to '{match.group('name')}' (in container '')"
    if message.startswith("found no matching overload") or message == "no such overload":
        return "no such overload"
    if message == "modulus or divide by zero":
        return "division by zero"
    if message == "return error for overflow":
        return "return error for overflow"
    return message


# --- values -------------------------------------------------------------------------------------------


def to_cel(value: Any) -> Any:
    """A JSON value (an object from the API) as a CEL value."""
    if isinstance(value, Lazy):
        return value
    return json_to_cel(value)


def from_cel(value: Any) -> Any:
    """A CEL result as plain JSON-like Python (quantities become their string form)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.BytesType):
        return bytes(value)
    if isinstance(value, Mapping):
        return {str(from_cel(key)): from_cel(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [from_cel(item) for item in value]
    if isinstance(value, library.QuantityValue):
        return str(value)
    return value


def type_name(value: Any) -> str:
    """The CEL type name cel-go prints for a value (``string``, ``int``, ``null_type``, ...)."""
    if value is None:
        return "null_type"
    for cel_type, name in (
        (celtypes.BoolType, "bool"),
        (celtypes.IntType, "int"),
        (celtypes.UintType, "uint"),
        (celtypes.DoubleType, "double"),
        (celtypes.StringType, "string"),
        (celtypes.BytesType, "bytes"),
        (celtypes.ListType, "list"),
        (celtypes.MapType, "map"),
        (library.QuantityValue, "kubernetes.Quantity"),
    ):
        if isinstance(value, cel_type):
            return name
    return type(value).__name__


class Lazy(celtypes.MapType):
    """A map whose entries are computed on first use and then kept: ``variables`` of an admission policy
    (upstream's ``CompositionContext`` evaluates each variable lazily, at most once per request)."""

    def __init__(self, resolvers: Mapping[str, Callable[[], Any]]) -> None:
        super().__init__({})
        self._resolvers = dict(resolvers)
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        name = str(key)
        if name not in self._values:
            resolver = self._resolvers.get(name)
            if resolver is None:
                raise KeyError(key)
            self._values[name] = resolver()
        value = self._values[name]
        if isinstance(value, EvalError):
            return CELEvalError(str(value))
        return value

    def __contains__(self, key: object) -> bool:
        return str(key) in self._resolvers

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default
