"""Defaults of ``authentication.k8s.io/v1``: TokenRequest (the ``serviceaccounts/token`` subresource).

Reproduces ``kubernetes/pkg/apis/authentication/v1/defaults.go``: a token requested without a lifetime is
valid for an hour. TokenReview and SelfSubjectReview have no defaults.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, setdefault_path
from pinnace.api.gvk import GroupVersionKind


def default_token_request(request: Obj) -> None:
    setdefault_path(request, ("spec", "expirationSeconds"), 3600)


DEFAULTERS = {
    GroupVersionKind("authentication.k8s.io", "v1", "TokenRequest"): default_token_request,
}
