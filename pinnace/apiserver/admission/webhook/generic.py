"""What both webhook plugins do: decide whether a webhook is called, and call it
(``plugin/webhook/generic/webhook.go`` ``ShouldCallHook`` and the dispatchers' ``callHook``).

:func:`should_call` applies, in upstream's order, the namespace selector, the object selector, the rules
(then equivalent resources under ``matchPolicy: Equivalent``) and the ``matchConditions``. :func:`call`
sends one AdmissionReview and returns the webhook's answer: a refusal raises the webhook's Status
(:func:`~pinnace.apiserver.admission.webhook.errors.to_status_error`), a failure to get a usable answer
raises :class:`~pinnace.apiserver.admission.webhook.errors.CallingWebhookError`, which the failure policy
judges. Both plugins share one :class:`Caller` built from the plugin context.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from pinnace.api.conversion import ConversionError, convert
from pinnace.api.gvk import GroupVersionKind, GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import AnnotationConflict, Attributes
from pinnace.apiserver.admission.cel import Inputs, admission_request, new_activation
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.admission.webhook import client, request
from pinnace.apiserver.admission.webhook.errors import (
    CallingWebhookError,
    dry_run_unsupported,
    to_status_error,
)
from pinnace.apiserver.admission.webhook.rules import (
    match_namespace_selector,
    match_object_selector,
    match_rules,
)
from pinnace.apiserver.admission.webhook.source import Webhook

log = logging.getLogger(__name__)

Object = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Invocation:
    """A webhook that is to be called, with the resource and kind its rule matched."""

    webhook: Webhook
    resource: GroupVersionResource
    kind: GroupVersionKind


def versioned(obj: Object | None, kind: GroupVersionKind) -> Object | None:
    """``obj`` in ``kind``'s version (webhooks matched through an equivalent resource see that version)."""
    if obj is None or obj.get("apiVersion") == kind.api_version or not obj.get("apiVersion"):
        return obj
    try:
        return convert(obj, kind.api_version)
    except ConversionError as err:
        raise status.internal_error(err) from err


VersionedObjects = Callable[[GroupVersionKind], tuple[Object | None, Object | None]]


async def should_call(
    webhook: Webhook, attributes: Attributes, objects: ObjectSource, versioned_objects: VersionedObjects
) -> Invocation | None:
    """``ShouldCallHook``: the invocation, None if the webhook is not for this request; raises the
    StatusError upstream returns (a selector error, a matchCondition error with failurePolicy Fail)."""
    namespace_match = await match_namespace_selector(webhook.namespace_selector, attributes, objects)
    if namespace_match is False:
        return None
    object_match = match_object_selector(webhook.object_selector, attributes)
    if object_match is False:
        return None
    match = match_rules(webhook.rules, attributes, equivalent=webhook.match_policy == "Equivalent")
    if match is None:
        return None
    # Selector errors count only for webhooks whose rules match the request.
    if isinstance(namespace_match, status.StatusError):
        raise namespace_match
    if isinstance(object_match, status.StatusError):
        raise object_match
    if webhook.match_conditions:
        obj, old = versioned_objects(match.kind)
        inputs = Inputs(obj, old, admission_request(attributes, match.resource, match.kind))
        result = webhook.match_conditions.match(new_activation(inputs))
        if result.error:
            log.warning(
                "failed evaluating match conditions, failing closed webhook=%s: %s",
                webhook.name,
                result.error,
            )
            raise status.forbidden(
                result.error,
                resource=attributes.resource.resource,
                name=attributes.name,
                group=attributes.resource.group,
            )
        if not result.matches:
            return None
    return Invocation(webhook, match.resource, match.kind)


@dataclass
class Caller:
    """Sends AdmissionReviews; ``transport`` is the network seam."""

    objects: ObjectSource
    transport: client.Transport

    async def call(
        self, invocation: Invocation, attributes: Attributes, obj: Object | None, old: Object | None
    ) -> request.AdmissionResponse:
        webhook = invocation.webhook
        if attributes.dry_run and webhook.side_effects not in ("None", "NoneOnDryRun"):
            raise dry_run_unsupported(webhook.name)
        version = request.review_version(webhook.admission_review_versions)
        if version is None:
            raise CallingWebhookError(
                webhook.name,
                "could not create admission objects: webhook does not accept known AdmissionReview "
                "versions (v1, v1beta1)",
            )
        uid, review = request.new_review(
            version, attributes, resource=invocation.resource, kind=invocation.kind, obj=obj, old_obj=old
        )
        body = orjson.dumps(review)
        response = await self._post(webhook, body)
        try:
            document = request.decode_response(response)
        except ValueError as err:
            raise CallingWebhookError(webhook.name, f"failed to call webhook: {err}") from None
        try:
            result = request.verify_response(uid, version, document, mutating=webhook.mutating)
        except request.InvalidResponse as err:
            raise CallingWebhookError(webhook.name, f"received invalid webhook response: {err}") from None
        for key, value in result.audit_annotations.items():
            annotate(attributes, f"{webhook.name}/{key}", value)
        for warning in result.warnings:
            attributes.add_warning(warning)
        if not result.allowed:
            raise to_status_error(webhook.name, result.result)
        return result

    async def _post(self, webhook: Webhook, body: bytes) -> client.Response:
        timeout = webhook.timeout_seconds
        url = ""
        try:
            # timeoutSeconds bounds resolving and calling, as the context deadline does upstream.
            async with asyncio.timeout(timeout if timeout and timeout > 0 else None):
                target, url = await client.resolve(webhook.client_config, self.objects, timeout)
                response = await self.transport.post(target, body)
        except client.CallError as err:
            text = str(err)
            if text.startswith('Post "'):
                raise CallingWebhookError(webhook.name, f"failed to call webhook: {text}") from None
            if url:
                raise CallingWebhookError(
                    webhook.name, f"failed to call webhook: {client.post_error(url, text)}"
                ) from None
            raise CallingWebhookError(webhook.name, f"could not get REST client: {text}") from None
        except TimeoutError:
            reason = (
                client.post_error(url, "context deadline exceeded") if url else "context deadline exceeded"
            )
            raise CallingWebhookError(webhook.name, f"failed to call webhook: {reason}") from None
        if not 200 <= response.status < 300:
            raise CallingWebhookError(webhook.name, f"failed to call webhook: {request.http_error(response)}")
        return response


def annotate(attributes: Attributes, key: str, value: str) -> None:
    """An audit annotation; a conflicting one is logged and dropped, as upstream does."""
    try:
        attributes.add_annotation(key, value)
    except AnnotationConflict as err:
        log.warning("failed to set admission audit annotation %s: %s", key, err)
