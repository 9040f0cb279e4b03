"""Printers for ``admissionregistration.k8s.io/v1``.

After kubernetes/pkg/printers/internalversion/printers.go.

Webhook configurations count their webhooks; a ValidatingAdmissionPolicy counts its validations and names
its ``paramKind``; a binding names its policy and ``paramRef`` (``namespace/name``, ``*/name`` when no
namespace is given, or the selector in Go struct syntax).
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import Obj, creation_timestamp, get_list, get_opt_dict, get_str, name_of
from pinnace.api.printers.formatting import selector_struct_string


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


def _webhook_printer() -> TablePrinter:
    return TablePrinter(
        (
            NAME,
            column(
                "Webhooks",
                "Webhooks indicates the number of webhooks registered in this configuration",
                type="integer",
            ),
            AGE,
        ),
        lambda obj, now: [name_of(obj), len(get_list(obj, "webhooks")), _age(obj, now)],
    )


MUTATING_WEBHOOK_CONFIGURATION = _webhook_printer()
VALIDATING_WEBHOOK_CONFIGURATION = _webhook_printer()


def validating_admission_policy_cells(obj: Obj, now: datetime) -> list[Cell]:
    param_kind = get_opt_dict(obj, "spec", "paramKind")
    param = "<unset>"
    if param_kind is not None:
        param = f"{get_str(param_kind, 'apiVersion')}/{get_str(param_kind, 'kind')}"
    return [name_of(obj), len(get_list(obj, "spec", "validations")), param, _age(obj, now)]


VALIDATING_ADMISSION_POLICY = TablePrinter(
    (
        NAME,
        column(
            "Validations",
            "Validations indicates the number of validation rules defined in this configuration",
            type="integer",
        ),
        column("ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy"),
        AGE,
    ),
    validating_admission_policy_cells,
)


def param_ref(obj: Obj) -> str:
    ref = get_opt_dict(obj, "spec", "paramRef")
    if ref is None:
        return "<unset>"
    name = get_str(ref, "name")
    if name:
        namespace = get_str(ref, "namespace")
        # A reference without a namespace may name a cluster-scoped object, or one in every namespace.
        return f"{namespace}/{name}" if namespace else f"*/{name}"
    selector = get_opt_dict(ref, "selector")
    return selector_struct_string(selector) if selector is not None else "<unset>"


VALIDATING_ADMISSION_POLICY_BINDING = TablePrinter(
    (
        NAME,
        column("PolicyName", "PolicyName indicates the policy definition which the policy binding binded to"),
        column("ParamRef", "ParamRef indicates the param resource which sets the configration param"),
        AGE,
    ),
    lambda obj, now: [name_of(obj), get_str(obj, "spec", "policyName"), param_ref(obj), _age(obj, now)],
)

PRINTERS: dict[str, TablePrinter] = {
    "MutatingWebhookConfiguration": MUTATING_WEBHOOK_CONFIGURATION,
    "ValidatingAdmissionPolicy": VALIDATING_ADMISSION_POLICY,
    "ValidatingAdmissionPolicyBinding": VALIDATING_ADMISSION_POLICY_BINDING,
    "ValidatingWebhookConfiguration": VALIDATING_WEBHOOK_CONFIGURATION,
}
"""``admissionregistration.k8s.io`` printers by kind."""
