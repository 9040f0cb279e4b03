"""The AdmissionReview a webhook receives and what its answer must look like
(``plugin/webhook/request/admissionreview.go``).

The request is built in the first version the webhook lists in ``admissionReviewVersions`` that the API
server speaks (``v1``, ``v1beta1``). A ``v1`` answer must be a ``v1`` AdmissionReview with the request's
``uid``; a ``v1beta1`` answer is taken as it comes. A validating webhook may not return a patch; a mutating
one returns ``patch`` and ``patchType`` together or neither.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from pinnace.api.gofmt import go_quote
from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver.admission.attributes import Attributes
from pinnace.apiserver.admission.cel import user_info
from pinnace.apiserver.admission.webhook.client import Response

Object = dict[str, Any]

SUPPORTED_VERSIONS = ("v1", "v1beta1")


class InvalidResponse(ValueError):
    """The webhook's answer is not a usable AdmissionReview response (upstream's wording)."""


@dataclass(frozen=True, slots=True)
class AdmissionResponse:
    """``webhookrequest.AdmissionResponse``: the answer, normalized across versions."""

    allowed: bool
    patch: bytes = b""
    patch_type: str = ""
    result: Object | None = None
    warnings: tuple[str, ...] = ()
    audit_annotations: dict[str, str] = field(default_factory=dict)


def review_version(versions: tuple[str, ...]) -> str | None:
    """The first of the webhook's versions the server speaks."""
    return next((version for version in versions if version in SUPPORTED_VERSIONS), None)


def new_review(
    version: str,
    attributes: Attributes,
    *,
    resource: GroupVersionResource,
    kind: GroupVersionKind,
    obj: Object | None,
    old_obj: Object | None,
    uid: str | None = None,
) -> tuple[str, Object]:
    """``CreateV1AdmissionReview`` (the v1beta1 one has the same shape): a new uid and the review."""
    uid = uid or str(uuid.uuid4())
    request: Object = {
        "uid": uid,
        "kind": {"group": kind.group, "version": kind.version, "kind": kind.kind},
        "resource": {"group": resource.group, "version": resource.version, "resource": resource.resource},
    }
    if attributes.subresource:
        request["subResource"] = attributes.subresource
    request["requestKind"] = {
        "group": attributes.kind.group,
        "version": attributes.kind.version,
        "kind": attributes.kind.kind,
    }
    request["requestResource"] = {
        "group": attributes.resource.group,
        "version": attributes.resource.version,
        "resource": attributes.resource.resource,
    }
    if attributes.subresource:
        request["requestSubResource"] = attributes.subresource
    if attributes.name:
        request["name"] = attributes.name
    if attributes.namespace:
        request["namespace"] = attributes.namespace
    request["operation"] = str(attributes.operation)
    request["userInfo"] = user_info(attributes.user)
    # RawExtension fields are not omitted when empty: Go writes them as null.
    request["object"] = obj
    request["oldObject"] = old_obj
    request["dryRun"] = attributes.dry_run
    request["options"] = attributes.options
    review = {"kind": "AdmissionReview", "apiVersion": f"admission.k8s.io/{version}", "request": request}
    return uid, review


def decode_response(response: Response) -> Object:
    """The body of a 2xx answer as an object; raises ValueError when it is not JSON."""
    document = orjson.loads(response.body)
    if not isinstance(document, dict):
        raise ValueError("the webhook's answer is not a JSON object")
    return document


def verify_response(uid: str, version: str, review: Object, *, mutating: bool) -> AdmissionResponse:
    """``VerifyAdmissionResponse``."""
    response = review.get("response")
    if not isinstance(response, dict):
        raise InvalidResponse("webhook response was absent")
    if version == "v1":
        got_uid = str(response.get("uid") or "")
        if got_uid != uid:
            raise InvalidResponse(f'expected response.uid="{uid}", got "{got_uid}"')
        api_version, kind = str(review.get("apiVersion") or ""), str(review.get("kind") or "")
        if (api_version, kind) != ("admission.k8s.io/v1", "AdmissionReview"):
            group, _, group_version = api_version.rpartition("/")
            got = f"{group}/{group_version}, Kind={kind}" if api_version else f"/, Kind={kind}"
            raise InvalidResponse(
                f"expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {got}"
            )
    patch = _patch_bytes(response.get("patch"))
    patch_type = str(response.get("patchType") or "")
    if version == "v1" and mutating:
        if patch and not patch_type:
            raise InvalidResponse("webhook returned response.patch but not response.patchType")
        if patch_type and not patch:
            raise InvalidResponse("webhook returned response.patchType but not response.patch")
    if not mutating and patch:
        raise InvalidResponse("validating webhook may not return response.patch")
    if not mutating and patch_type:
        raise InvalidResponse("validating webhook may not return response.patchType")
    result = response.get("status")
    warnings = response.get("warnings") or ()
    annotations = response.get("auditAnnotations") or {}
    return AdmissionResponse(
        allowed=response.get("allowed") is True,
        patch=patch,
        patch_type=patch_type,
        result=result if isinstance(result, dict) else None,
        warnings=tuple(str(w) for w in warnings if isinstance(w, str)),
        audit_annotations={str(k): str(v) for k, v in annotations.items()}
        if isinstance(annotations, dict)
        else {},
    )


def _patch_bytes(raw: Any) -> bytes:
    """``patch`` is ``[]byte``: base64 in JSON."""
    if not raw:
        return b""
    try:
        return base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as err:
        raise InvalidResponse(f"illegal base64 data in response.patch: {err}") from None


# --- answers that are not 2xx -------------------------------------------------------------------------

_GENERIC_MESSAGES = {
    400: "the server rejected our request for an unknown reason",
    401: "the server has asked for the client to provide credentials",
    404: "the server could not find the requested resource",
    405: "the server does not allow this method on the requested resource",
    406: "the server was unable to respond with a content type that the client supports",
    409: "the server reported a conflict",
    422: "the server rejected our request due to an error in our request",
    429: "the server has received too many requests and has asked us to try again later",
    503: "the server is currently unable to handle the request",
    504: (
        "the server was unable to return a response in the time allotted, but may still be processing the "
        "request"
    ),
}


def http_error(response: Response) -> str:
    """What client-go's ``transformResponse`` makes of a non-2xx answer: the Status's message if the body
    is one, else ``NewGenericServerResponse``'s text for the code."""
    try:
        document = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict) and document.get("kind") == "Status" and document.get("message"):
        return str(document["message"])
    text = response.body.decode("utf-8", "replace").strip()
    if response.status in (403, 415) and text:
        return text  # upstream keeps the server's own words for these
    if response.status in _GENERIC_MESSAGES:
        return _GENERIC_MESSAGES[response.status]
    if response.status >= 500:
        quoted = go_quote(text or "unknown")
        return f"an error on the server ({quoted}) has prevented the request from succeeding"
    return f"the server responded with the status code {response.status} but did not return more information"
