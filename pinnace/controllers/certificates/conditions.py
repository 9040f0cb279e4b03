"""Reading a CertificateSigningRequest (``pkg/controller/certificates/certificate_controller_utils.go`` and
``pkg/apis/certificates/v1/helpers.go``)."""

from __future__ import annotations

import base64
import binascii

from cryptography import x509

from pinnace.api.validation.certificates import RequestError as RequestError
from pinnace.api.validation.certificates import parse_csr
from pinnace.client.interface import Object


def conditions(csr: Object) -> list[Object]:
    return [c for c in (csr.get("status") or {}).get("conditions") or [] if isinstance(c, dict)]


def approval(csr: Object) -> tuple[bool, bool]:
    """(approved, denied): has it an Approved, a Denied condition (``GetCertApprovalCondition``)."""
    types = {c.get("type") for c in conditions(csr)}
    return "Approved" in types, "Denied" in types


def is_approved(csr: Object) -> bool:
    """``IsCertificateRequestApproved``: approved and not denied."""
    approved, denied = approval(csr)
    return approved and not denied


def has_true_condition(csr: Object, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions(csr))


def certificate(csr: Object) -> bytes:
    return _bytes((csr.get("status") or {}).get("certificate"))


def request(csr: Object) -> x509.CertificateSigningRequest:
    """The parsed ``spec.request``, or :class:`RequestError`."""
    return parse_csr(_bytes((csr.get("spec") or {}).get("request")))


def _bytes(value: object) -> bytes:
    if not isinstance(value, str):
        return b""
    try:
        return base64.b64decode(value)
    except (binascii.Error, ValueError):
        return b""
