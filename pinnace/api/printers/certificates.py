"""Printers for ``certificates.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

CONDITION is ``Denied``, ``Approved`` or ``Pending`` (in that precedence, whatever the condition's status),
then ``,Failed`` and ``,Issued`` when they apply.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc
from pinnace.api.printers.durations import human_duration, translate_timestamp_since
from pinnace.api.printers.fields import Obj, creation_timestamp, get_dicts, get_opt_int, get_str, name_of


def csr_condition(csr: Obj) -> str:
    """``extractCSRStatus``."""
    types = {get_str(condition, "type") for condition in get_dicts(csr, "status", "conditions")}
    if "Denied" in types:
        status = "Denied"
    elif "Approved" in types:
        status = "Approved"
    else:
        status = "Pending"
    if "Failed" in types:
        status += ",Failed"
    if get_str(csr, "status", "certificate"):
        status += ",Issued"
    return status


def csr_cells(obj: Obj, now: datetime) -> list[Cell]:
    expiration = get_opt_int(obj, "spec", "expirationSeconds")
    return [
        name_of(obj),
        translate_timestamp_since(creation_timestamp(obj), now),
        get_str(obj, "spec", "signerName") or "<none>",
        get_str(obj, "spec", "username"),
        "<none>" if expiration is None else human_duration(expiration),
        csr_condition(obj),
    ]


CERTIFICATE_SIGNING_REQUEST = TablePrinter(
    (
        NAME,
        AGE,
        column("SignerName", doc("certificates/v1beta1.CertificateSigningRequestSpec.signerName")),
        column("Requestor", doc("certificates/v1beta1.CertificateSigningRequestSpec.request")),
        column(
            "RequestedDuration", doc("certificates/v1beta1.CertificateSigningRequestSpec.expirationSeconds")
        ),
        column("Condition", doc("certificates/v1beta1.CertificateSigningRequestStatus.conditions")),
    ),
    csr_cells,
)

PRINTERS: dict[str, TablePrinter] = {"CertificateSigningRequest": CERTIFICATE_SIGNING_REQUEST}
"""``certificates.k8s.io`` printers by kind."""
