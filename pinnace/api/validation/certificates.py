"""CertificateSigningRequests (``certificates.k8s.io/v1``).

Reproduces ``pkg/apis/certificates/validation/validation.go``: ``spec.request`` must be a PEM
``CERTIFICATE REQUEST`` whose signature verifies, ``usages`` are required, known and unique, ``signerName`` is
``<domain>/<path>``, ``expirationSeconds`` is at least 600, conditions have a type and a status (``True``
only for Approved, Denied and Failed; Approved and Denied exclude each other; one of each type), and
``status.certificate`` holds only ``CERTIFICATE`` blocks. Updates may not remove an Approved, Denied or
Failed condition, and a certificate once issued never changes.

Which door may change what (``/approval`` the approval conditions, ``/status`` the certificate) is the
API server's strategy (``pinnace.apiserver.rest.csr``), which resets everything else before validation; so
the options upstream passes per subresource (``allowSettingCertificate``, ``allowSettingApprovalConditions``)
are always on here. The compatibility options for data written by older servers are kept.
"""

from __future__ import annotations

from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from pinnace.api.gofmt import GoValue
from pinnace.api.names import is_dns1123_label, is_dns1123_subdomain, path_segment_name
from pinnace.api.validation.field import (
    FieldError,
    Path,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from pinnace.api.validation.meta import validate_object_meta, validate_object_meta_update
from pinnace.api.validation.values import Obj, obj, objects, string

LEGACY_UNKNOWN_SIGNER: Final = "kubernetes.io/legacy-unknown"

ALL_VALID_USAGES: Final = tuple(
    sorted(
        (
            "signing",
            "digital signature",
            "content commitment",
            "key encipherment",
            "key agreement",
            "data encipherment",
            "cert sign",
            "crl sign",
            "encipher only",
            "decipher only",
            "any",
            "server auth",
            "client auth",
            "code signing",
            "email protection",
            "s/mime",
            "ipsec end system",
            "ipsec tunnel",
            "ipsec user",
            "timestamping",
            "ocsp signing",
            "microsoft sgc",
            "netscape sgc",
        )
    )
)
_TRUE_ONLY: Final = frozenset({"Approved", "Denied", "Failed"})
_ALL_STATUS: Final = ("False", "True", "Unknown")
_CONDITIONS: Final = Path.root("status", "conditions")


class RequestError(ValueError):
    """``spec.request`` is not a usable certificate request (the message is upstream's)."""


def parse_csr(pem: bytes) -> x509.CertificateSigningRequest:
    """``ParseCSR``: the first PEM block must be a ``CERTIFICATE REQUEST`` (its signature is not checked)."""
    begin = b"-----BEGIN "
    start = pem.find(begin)
    if start < 0 or not pem[start + len(begin) :].startswith(b"CERTIFICATE REQUEST-----"):
        raise RequestError("PEM block type must be CERTIFICATE REQUEST")
    try:
        return x509.load_pem_x509_csr(pem[start:])
    except (ValueError, UnsupportedAlgorithm) as err:
        raise RequestError(f"x509: {err}") from err


def check_csr(pem: bytes) -> x509.CertificateSigningRequest:
    """Parse and verify the request's self-signature (upstream's ``validateCSR``)."""
    request = parse_csr(pem)
    try:
        valid = request.is_signature_valid
    except (InvalidSignature, UnsupportedAlgorithm, ValueError) as err:
        raise RequestError(f"x509: {err}") from err
    if not valid:
        raise RequestError("x509: ECDSA verification failure")
    return request


def decode_bytes(value: Any) -> bytes:
    """A ``[]byte`` field as JSON carries it (base64); undecodable input is empty."""
    import base64
    import binascii

    if not isinstance(value, str) or not value:
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _go_bytes(data: bytes) -> GoValue:
    return GoValue("[]byte{" + ", ".join(f"0x{b:x}" for b in data) + "}")


def certificate_error(pem: bytes) -> str:
    """``validateCertificate``: empty, or only ``CERTIFICATE`` blocks without headers that parse."""
    if not pem:
        return ""
    blocks = 0
    for block in _pem_blocks(pem):
        kind, headers, body = block
        if kind != "CERTIFICATE":
            return f'only CERTIFICATE PEM blocks are allowed, found "{kind}"'
        if headers:
            return "no PEM block headers are permitted"
        try:
            x509.load_der_x509_certificate(body)
        except ValueError as err:
            return f"x509: {err}"
        blocks += 1
    if blocks == 0:
        return "must contain at least one CERTIFICATE PEM block"
    return ""


def _pem_blocks(pem: bytes) -> list[tuple[str, bool, bytes]]:
    import base64
    import binascii
    import re

    found: list[tuple[str, bool, bytes]] = []
    pattern = re.compile(rb"-----BEGIN ([^-]+)-----\r?\n(.*?)-----END \1-----", re.S)
    for match in pattern.finditer(pem):
        lines = match.group(2).decode("ascii", "replace").splitlines()
        headers = any(":" in line for line in lines)
        try:
            body = base64.b64decode("".join(line for line in lines if ":" not in line))
        except (binascii.Error, ValueError):
            break
        found.append((match.group(1).decode("ascii", "replace"), headers, body))
    return found


def validate_signer_name(path: Path, name: str) -> list[FieldError]:
    """``ValidateSignerName``: ``example.com/signer-name``."""
    if not name:
        return [required(path)]
    segments = name.split("/")
    if len(segments) != 2:
        detail = "must be a fully qualified domain and path of the form 'example.com/signer-name'"
        return [invalid(path, name, detail)]
    domain, rest = segments
    errs: list[FieldError] = []
    if len(domain) > 253:
        errs.append(too_long(path, 253))
    labels = domain.split(".")
    for label in labels:
        messages = is_dns1123_label(label)
        if messages:
            errs += [invalid(path, domain, f'validating label "{label}": {m}') for m in messages]
            break
    if len(labels) < 2:
        errs.append(invalid(path, domain, "should be a domain with at least two segments separated by dots"))
    for label in rest.split("."):
        messages = is_dns1123_subdomain(label)
        if messages:
            errs += [invalid(path, rest, f'validating label "{label}": {m}') for m in messages]
            break
    if len(rest) > 63:
        errs.append(too_long(path, 63))
    return errs


def _conditions(csr: Obj, old: Obj | None) -> list[FieldError]:
    errs: list[FieldError] = []
    conditions = objects(obj(csr, "status"), "conditions")
    old_conditions = objects(obj(old, "status"), "conditions") if old is not None else []
    old_types = [string(c, "type") for c in old_conditions]
    allow_empty_type = "" in old_types
    allow_duplicates = len(set(old_types)) != len(old_types)
    allow_both = "Approved" in old_types and "Denied" in old_types
    seen: set[str] = set()
    approved = denied = False
    for i, condition in enumerate(conditions):
        path = _CONDITIONS.index(i)
        kind, status = string(condition, "type"), string(condition, "status")
        if not kind and not allow_empty_type:
            errs.append(required(path.child("type")))
        allowed = ("True",) if kind in _TRUE_ONLY else _ALL_STATUS
        if not status:
            errs.append(required(path.child("status")))
        elif status not in allowed:
            errs.append(not_supported(path.child("status"), status, allowed))
        if not allow_both:
            if kind == "Approved":
                approved = True
                if denied:
                    detail = "Approved and Denied conditions are mutually exclusive"
                    errs.append(invalid(path.child("type"), kind, detail))
            elif kind == "Denied":
                denied = True
                if approved:
                    detail = "Approved and Denied conditions are mutually exclusive"
                    errs.append(invalid(path.child("type"), kind, detail))
        if not allow_duplicates:
            if kind in seen:
                errs.append(duplicate(path.child("type"), kind))
            seen.add(kind)
    return errs


def _validate(csr: Obj, old: Obj | None) -> list[FieldError]:
    errs = validate_object_meta(obj(csr, "metadata"), namespaced=False, name_fn=path_segment_name)
    spec = obj(csr, "spec")
    spec_path = Path.root("spec")
    raw = spec.get("request")
    try:
        check_csr(decode_bytes(raw))
    except RequestError as err:
        errs.append(invalid(spec_path.child("request"), _go_bytes(decode_bytes(raw)), str(err)))
    usages = [u for u in spec.get("usages") or [] if isinstance(u, str)]
    old_usages = [u for u in obj(old, "spec").get("usages") or []] if old is not None else []
    if not usages:
        errs.append(required(spec_path.child("usages")))
    if not any(u not in ALL_VALID_USAGES for u in old_usages):
        for i, usage in enumerate(usages):
            if usage not in ALL_VALID_USAGES:
                errs.append(not_supported(spec_path.child("usages").index(i), usage, ALL_VALID_USAGES))
    if len(set(old_usages)) == len(old_usages):
        seen: set[str] = set()
        for i, usage in enumerate(usages):
            if usage in seen:
                errs.append(duplicate(spec_path.child("usages").index(i), usage))
            seen.add(usage)
    signer = string(spec, "signerName")
    old_signer = string(obj(old, "spec"), "signerName") if old is not None else ""
    if signer == LEGACY_UNKNOWN_SIGNER and old_signer != LEGACY_UNKNOWN_SIGNER:
        detail = "the legacy signerName is not allowed via this API version"
        errs.append(invalid(spec_path.child("signerName"), signer, detail))
    elif signer != LEGACY_UNKNOWN_SIGNER:
        errs += validate_signer_name(spec_path.child("signerName"), signer)
    expiration = spec.get("expirationSeconds")
    if isinstance(expiration, int) and expiration < 600:
        detail = "may not specify a duration less than 600 seconds (10 minutes)"
        errs.append(invalid(spec_path.child("expirationSeconds"), expiration, detail))
    errs += _conditions(csr, old)
    certificate = obj(csr, "status").get("certificate")
    old_certificate = obj(old, "status").get("certificate") if old is not None else None
    tolerated = old is not None and (
        certificate == old_certificate or certificate_error(decode_bytes(old_certificate)) != ""
    )
    if not tolerated:
        message = certificate_error(decode_bytes(certificate))
        if message:
            errs.append(invalid(Path.root("status", "certificate"), "<certificate data>", message))
    return errs


def validate_certificate_signing_request(csr: Obj) -> list[FieldError]:
    return _validate(csr, None)


def _of_type(csr: Obj, kind: str) -> list[Obj]:
    return [c for c in objects(obj(csr, "status"), "conditions") if string(c, "type") == kind]


def validate_certificate_signing_request_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = _validate(new, old)
    for kind in ("Approved", "Denied", "Failed"):
        if len(_of_type(new, kind)) < len(_of_type(old, kind)):
            errs.append(forbidden(_CONDITIONS, f'updates may not remove a condition of type "{kind}"'))
    certificate = obj(new, "status").get("certificate") or ""
    old_certificate = obj(old, "status").get("certificate") or ""
    if certificate != old_certificate and old_certificate:
        detail = "updates may not modify existing certificate content"
        errs.append(forbidden(Path.root("status", "certificate"), detail))
    return errs + validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
