"""ValidatingAdmissionWebhook (``plugin/webhook/validating``).

Every validating webhook that is for the request is called, all at once; the request is refused if any
refuses it, or fails to answer with failurePolicy ``Fail`` (``Internal error occurred: failed calling
webhook ...``). A webhook that fails with ``Ignore`` is noted in the audit annotation
``failed-open.validating.webhook.admission.k8s.io/round_0_index_<i>``. Upstream reports whichever
refusal arrived first; Pinnace reports the first in webhook order, so the answer does not depend on timing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pinnace.api.gvk import GroupVersionKind
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.interfaces import Handler, PluginContext
from pinnace.apiserver.admission.webhook import client
from pinnace.apiserver.admission.webhook.config import check_plugin_config
from pinnace.apiserver.admission.webhook.errors import CallingWebhookError
from pinnace.apiserver.admission.webhook.generic import Caller, Invocation, annotate, should_call, versioned
from pinnace.apiserver.admission.webhook.rules import is_exempt
from pinnace.apiserver.admission.webhook.source import WebhookSource

log = logging.getLogger(__name__)

NAME = "ValidatingAdmissionWebhook"
FAILED_OPEN_PREFIX = "failed-open.validating.webhook.admission.k8s.io/"

Object = dict[str, Any]


class ValidatingWebhook(Handler):
    def __init__(self, context: PluginContext, transport: client.Transport | None = None) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE, Operation.CONNECT)
        check_plugin_config(context.config, NAME)
        self.objects = context.objects
        self.source = WebhookSource(context.objects, mutating=False)
        self.caller = Caller(context.objects, transport or client.AiohttpTransport())

    async def validate(self, attributes: Attributes) -> None:
        if is_exempt(attributes):
            return
        webhooks = await self.source.webhooks()
        if not webhooks:
            return
        cache: dict[GroupVersionKind, tuple[Object | None, Object | None]] = {}

        def versioned_objects(kind: GroupVersionKind) -> tuple[Object | None, Object | None]:
            if kind not in cache:
                cache[kind] = (versioned(attributes.object, kind), versioned(attributes.old_object, kind))
            return cache[kind]

        invocations: list[Invocation] = []
        for webhook in webhooks:
            invocation = await should_call(webhook, attributes, self.objects, versioned_objects)
            if invocation is not None:
                invocations.append(invocation)
                versioned_objects(invocation.kind)
        if not invocations:
            return
        errors = await asyncio.gather(
            *(
                self._call(index, invocation, attributes, versioned_objects)
                for index, invocation in enumerate(invocations)
            )
        )
        for error in errors:
            if error is not None:
                raise error

    async def _call(
        self,
        index: int,
        invocation: Invocation,
        attributes: Attributes,
        versioned_objects: Any,
    ) -> status.StatusError | None:
        webhook = invocation.webhook
        obj, old = versioned_objects(invocation.kind)
        try:
            await self.caller.call(invocation, attributes, obj, old)
        except CallingWebhookError as err:
            if webhook.ignores_failures:
                log.warning("failed calling webhook, failing open %s: %s", webhook.name, err)
                annotate(attributes, f"{FAILED_OPEN_PREFIX}round_0_index_{index}", webhook.name)
                return None
            log.warning("failed calling webhook, failing closed %s: %s", webhook.name, err)
            return status.internal_error(str(err))
        except status.StatusError as err:
            return err
        return None


def new(context: PluginContext) -> ValidatingWebhook:
    return ValidatingWebhook(context)
