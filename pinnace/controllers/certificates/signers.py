"""Which built-in signer a request is for, and whether it qualifies (``pkg/apis/certificates/helpers.go``,
``pkg/controller/certificates/signer/signer.go``: ``isKubeletServing``, ``isKubeletClient``,
``isKubeAPIServerClient``, ``isLegacyUnknown``).

:func:`check` answers ``(recognized, error)``: a request for another signer is not recognized and is left
alone; a recognized request that breaks its signer's rules gets the error text, which the signer writes
into a ``Failed`` condition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

KUBE_APISERVER_CLIENT: Final = "kubernetes.io/kube-apiserver-client"
KUBE_APISERVER_CLIENT_KUBELET: Final = "kubernetes.io/kube-apiserver-client-kubelet"
KUBELET_SERVING: Final = "kubernetes.io/kubelet-serving"
LEGACY_UNKNOWN: Final = "kubernetes.io/legacy-unknown"

NODE_PREFIX: Final = "system:node:"
NODES_GROUP: Final = "system:nodes"

_KUBELET_SERVING_USAGES = frozenset({"digital signature", "key encipherment", "server auth"})
_KUBELET_SERVING_USAGES_NO_RSA = frozenset({"digital signature", "server auth"})
_KUBELET_CLIENT_USAGES = frozenset({"digital signature", "key encipherment", "client auth"})
_KUBELET_CLIENT_USAGES_NO_RSA = frozenset({"digital signature", "client auth"})


def _go_list(values: frozenset[str]) -> str:
    return "[" + " ".join(sorted(values)) + "]"


def _names(request: x509.CertificateSigningRequest) -> tuple[list[str], list[str], list[str], list[str]]:
    """DNS names, IP addresses, email addresses and URIs of the request's SAN extension."""
    try:
        sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], [], [], []
    return (
        sans.get_values_for_type(x509.DNSName),
        [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)],
        sans.get_values_for_type(x509.RFC822Name),
        sans.get_values_for_type(x509.UniformResourceIdentifier),
    )


def _subject(request: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in request.subject.get_attributes_for_oid(oid)]


def common_name(request: x509.CertificateSigningRequest) -> str:
    names = _subject(request, NameOID.COMMON_NAME)
    return names[0] if names else ""


def organizations(request: x509.CertificateSigningRequest) -> list[str]:
    return _subject(request, NameOID.ORGANIZATION_NAME)


def validate_kubelet_serving(request: x509.CertificateSigningRequest, usages: Sequence[str]) -> str:
    """``ValidateKubeletServingCSR``; "" when the request qualifies."""
    if organizations(request) != [NODES_GROUP]:
        return "subject organization is not system:nodes"
    dns, ips, emails, uris = _names(request)
    if not dns and not ips:
        return "DNS or IP subjectAltName is required"
    if emails:
        return "Email subjectAltNames are not allowed"
    if uris:
        return "URI subjectAltNames are not allowed"
    if frozenset(usages) not in (_KUBELET_SERVING_USAGES, _KUBELET_SERVING_USAGES_NO_RSA):
        return f"usages did not match {_go_list(_KUBELET_SERVING_USAGES)}"
    if not common_name(request).startswith(NODE_PREFIX):
        return "subject common name does not begin with system:node:"
    return ""


def validate_kubelet_client(request: x509.CertificateSigningRequest, usages: Sequence[str]) -> str:
    """``ValidateKubeletClientCSR``; "" when the request qualifies."""
    if organizations(request) != [NODES_GROUP]:
        return "subject organization is not system:nodes"
    dns, ips, emails, uris = _names(request)
    if dns:
        return "DNS subjectAltNames are not allowed"
    if emails:
        return "Email subjectAltNames are not allowed"
    if ips:
        return "IP subjectAltNames are not allowed"
    if uris:
        return "URI subjectAltNames are not allowed"
    if not common_name(request).startswith(NODE_PREFIX):
        return "subject common name does not begin with system:node:"
    if frozenset(usages) not in (_KUBELET_CLIENT_USAGES, _KUBELET_CLIENT_USAGES_NO_RSA):
        return f"usages did not match {_go_list(_KUBELET_CLIENT_USAGES)}"
    return ""


def validate_apiserver_client_usages(usages: Sequence[str]) -> str:
    """``validAPIServerClientUsages``: client auth required; digital signature, key encipherment optional."""
    has_client_auth = False
    for usage in usages:
        if usage in ("digital signature", "key encipherment"):
            continue
        if usage == "client auth":
            has_client_auth = True
            continue
        return f"invalid usage for client certificate: {usage}"
    if not has_client_auth:
        return "missing required usage for client certificate: client auth"
    return ""


Check = Callable[[x509.CertificateSigningRequest, Sequence[str]], str]

CHECKS: Final[dict[str, Check]] = {
    KUBELET_SERVING: validate_kubelet_serving,
    KUBE_APISERVER_CLIENT_KUBELET: validate_kubelet_client,
    KUBE_APISERVER_CLIENT: lambda _request, usages: validate_apiserver_client_usages(usages),
    LEGACY_UNKNOWN: lambda _request, _usages: "",
}


def check(
    signer_name: str, request: x509.CertificateSigningRequest, usages: Sequence[str]
) -> tuple[bool, str]:
    """(recognized, error): whether ``signer_name`` is a built-in signer, and why the request fails it."""
    rule = CHECKS.get(signer_name)
    if rule is None:
        return False, ""
    return True, rule(request, usages)
