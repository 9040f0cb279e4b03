"""CEL for the API server: compiling and evaluating expressions with the functions Kubernetes adds
(``k8s.io/apiserver/pkg/cel``).

- :mod:`.program` — :func:`compile_expression` and :class:`Program` over cel-python, with cel-go's error
  wording; :func:`to_cel` / :func:`from_cel` move JSON values in and out; :class:`Lazy` maps computed on use;
- :mod:`.library` — Kubernetes' CEL libraries (strings, lists, regex, URLs, quantities, sets, math, base64).

Admission (webhook matchConditions, ValidatingAdmissionPolicy) builds its variables on top of this in
:mod:`pinnace.apiserver.admission.cel`.
"""

from pinnace.apiserver.cel.library import NAMESPACES, QuantityValue
from pinnace.apiserver.cel.program import (
    Activation,
    CompileError,
    EvalError,
    Lazy,
    Program,
    compile_expression,
    from_cel,
    to_cel,
    type_name,
)

__all__ = [
    "NAMESPACES",
    "Activation",
    "CompileError",
    "EvalError",
    "Lazy",
    "Program",
    "QuantityValue",
    "compile_expression",
    "from_cel",
    "to_cel",
    "type_name",
]
