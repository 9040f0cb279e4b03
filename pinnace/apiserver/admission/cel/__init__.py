"""CEL in admission: the variables expressions see and how conditions decide
(``k8s.io/apiserver/pkg/admission/plugin/cel`` and ``plugin/webhook/matchconditions``).

Used by the webhook plugins (``matchConditions``) and by ValidatingAdmissionPolicy (validations, messages,
audit annotations, variables, ``matchConditions``). The language itself is :mod:`pinnace.apiserver.cel`.
"""

from pinnace.apiserver.admission.cel.activation import Inputs, admission_request, new_activation, user_info
from pinnace.apiserver.admission.cel.conditions import Compiled, Result, Variables, compile_all, evaluate
from pinnace.apiserver.admission.cel.matchconditions import Matcher, MatchResult, aggregate

__all__ = [
    "Compiled",
    "Inputs",
    "MatchResult",
    "Matcher",
    "Result",
    "Variables",
    "admission_request",
    "aggregate",
    "compile_all",
    "evaluate",
    "new_activation",
    "user_info",
]
