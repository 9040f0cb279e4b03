"""MutatingAdmissionWebhook (``plugin/webhook/mutating``: ``dispatcher.go``, ``reinvocationcontext.go``).

Mutating webhooks are called one after the other, ordered by configuration name then position, each seeing
the object as the previous ones left it. A ``JSONPatch`` answer is applied to the object (in the version
the webhook's rule matched) and the result defaulted again, as upstream decodes and defaults it.

Re-invocation: a webhook with ``reinvocationPolicy: IfNeeded`` that was called is called once more, after
the whole mutating phase, if a later webhook (or, on the second pass, a built-in plugin) changed the
object since it last saw it. A webhook skipped in the first pass is never called in the second. The
admission chain runs the second pass (:class:`~pinnace.apiserver.admission.ReinvocationContext`).

Audit annotations: ``mutation.webhook.admission.k8s.io/round_<r>_index_<i>`` for every call
(``{"configuration":...,"webhook":...,"mutated":...}``), ``failed-open.mutation.webhook.admission.k8s.io/
round_<r>_index_<i>`` for a failure ignored by failurePolicy ``Ignore``, and the webhook's own
``auditAnnotations`` as ``<webhook>/<key>``. Upstream's ``patch.webhook.admission.k8s.io`` annotation is
recorded only at audit level Request and above; Pinnace's annotations have no level, so it is left out.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import jsonpointer
import orjson

from pinnace.api.defaults import apply_defaults
from pinnace.api.gvk import GroupVersionKind
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.interfaces import Handler, PluginContext
from pinnace.apiserver.admission.webhook import client
from pinnace.apiserver.admission.webhook.config import check_plugin_config
from pinnace.apiserver.admission.webhook.errors import CallingWebhookError
from pinnace.apiserver.admission.webhook.generic import Caller, Invocation, annotate, should_call, versioned
from pinnace.apiserver.admission.webhook.request import AdmissionResponse
from pinnace.apiserver.admission.webhook.rules import is_exempt
from pinnace.apiserver.admission.webhook.source import Webhook, WebhookSource

log = logging.getLogger(__name__)

NAME = "MutatingAdmissionWebhook"
MUTATION_PREFIX = "mutation.webhook.admission.k8s.io/"
FAILED_OPEN_PREFIX = "failed-open." + MUTATION_PREFIX

Object = dict[str, Any]


@dataclass
class ReinvokeContext:
    """``webhookReinvokeContext``: what the webhooks saw, and which must be called again."""

    last_output: Object | None = None
    previously_invoked: set[str] = field(default_factory=set)
    to_reinvoke: set[str] = field(default_factory=set)

    def output_changed(self, obj: Object | None) -> bool:
        return self.last_output != obj

    def set_last_output(self, obj: Object | None) -> None:
        self.last_output = copy.deepcopy(obj)

    def require_reinvoking_previously_invoked(self) -> None:
        self.to_reinvoke |= self.previously_invoked
        self.previously_invoked = set()

    def add_reinvocable(self, uid: str) -> None:
        self.previously_invoked.add(uid)

    def should_reinvoke(self, uid: str) -> bool:
        return uid in self.to_reinvoke


@dataclass
class _Versioned:
    """The object in the version the last webhook saw it (upstream's ``VersionedAttributes``)."""

    kind: GroupVersionKind
    object: Object | None
    old_object: Object | None
    dirty: bool = False

    def to(self, kind: GroupVersionKind) -> None:
        if kind != self.kind:
            self.object = versioned(self.object, kind)
            self.old_object = versioned(self.old_object, kind)
            self.kind = kind


class MutatingWebhook(Handler):
    def __init__(self, context: PluginContext, transport: client.Transport | None = None) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE, Operation.CONNECT)
        check_plugin_config(context.config, NAME)
        self.objects = context.objects
        self.source = WebhookSource(context.objects, mutating=True)
        self.caller = Caller(context.objects, transport or client.AiohttpTransport())

    async def admit(self, attributes: Attributes) -> None:
        if is_exempt(attributes):
            return
        webhooks = await self.source.webhooks()
        if not webhooks:
            return
        reinvocation = attributes.reinvocation
        context = reinvocation.value(NAME)
        if not isinstance(context, ReinvokeContext):
            context = ReinvokeContext()
            reinvocation.set_value(NAME, context)
        if reinvocation.is_reinvoke and context.output_changed(attributes.object):
            # Built-in plugins changed the object on their second pass: every webhook that asked for it
            # sees it again.
            context.require_reinvoking_previously_invoked()
        try:
            await self._dispatch(attributes, webhooks, context)
        finally:
            context.set_last_output(attributes.object)

    async def _dispatch(
        self, attributes: Attributes, webhooks: tuple[Webhook, ...], context: ReinvokeContext
    ) -> None:
        reinvocation = attributes.reinvocation
        current: _Versioned | None = None

        def versioned_objects(kind: GroupVersionKind) -> tuple[Object | None, Object | None]:
            nonlocal current
            if current is None:
                current = _Versioned(attributes.kind, attributes.object, attributes.old_object)
            current.to(kind)
            return current.object, current.old_object

        round_ = 1 if reinvocation.is_reinvoke else 0
        try:
            for index, webhook in enumerate(webhooks):
                invocation = await should_call(webhook, attributes, self.objects, versioned_objects)
                if invocation is None:
                    continue
                if reinvocation.is_reinvoke and not context.should_reinvoke(webhook.uid):
                    continue
                obj, old = versioned_objects(invocation.kind)
                assert current is not None
                changed = False
                error: BaseException | None = None
                try:
                    response = await self.caller.call(invocation, attributes, obj, old)
                    changed = self._apply(invocation, response, current)
                except (CallingWebhookError, status.StatusError) as err:
                    error = err
                finally:
                    annotate(
                        attributes,
                        f"{MUTATION_PREFIX}round_{round_}_index_{index}",
                        orjson.dumps(
                            {
                                "configuration": webhook.configuration_name,
                                "webhook": webhook.name,
                                "mutated": changed,
                            }
                        ).decode(),
                    )
                if changed:
                    context.require_reinvoking_previously_invoked()
                    reinvocation.set_should_reinvoke()
                if webhook.reinvocation_policy == "IfNeeded":
                    context.add_reinvocable(webhook.uid)
                if error is None:
                    continue
                if isinstance(error, CallingWebhookError):
                    if webhook.ignores_failures:
                        log.warning("failed calling webhook, failing open %s: %s", webhook.name, error)
                        annotate(
                            attributes, f"{FAILED_OPEN_PREFIX}round_{round_}_index_{index}", webhook.name
                        )
                        continue
                    log.warning("failed calling webhook, failing closed %s: %s", webhook.name, error)
                    raise status.internal_error(str(error))
                raise error
        finally:
            # Whatever the webhooks did so far stays, even when one refuses (upstream converts back only on
            # success, but a refusal ends the request anyway).
            if current is not None and current.dirty:
                attributes.object = versioned(current.object, attributes.kind)

    @staticmethod
    def _apply(invocation: Invocation, response: AdmissionResponse, current: _Versioned) -> bool:
        """Apply the webhook's patch to ``current``; whether the object changed."""
        if not response.patch:
            return False
        try:
            operations = orjson.loads(response.patch)
            patch = jsonpatch.JsonPatch(operations)
        except (orjson.JSONDecodeError, jsonpatch.InvalidJsonPatch, TypeError) as err:
            raise status.internal_error(str(err)) from None
        if not operations:
            return False
        if current.object is None:
            raise status.internal_error(
                f'admission webhook "{invocation.webhook.name}" attempted to modify the object, which is not '
                "supported for this operation"
            )
        if response.patch_type != "JSONPatch":
            raise CallingWebhookError(
                invocation.webhook.name, f'unsupported patch type "{response.patch_type}"'
            )
        try:
            patched = patch.apply(copy.deepcopy(current.object))
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as err:
            raise status.internal_error(str(err)) from None
        if not isinstance(patched, dict):
            raise status.internal_error("the patched object is not an object")
        changed = patched != current.object
        apply_defaults(patched)
        current.object = patched
        current.dirty = True
        return changed


def new(context: PluginContext) -> MutatingWebhook:
    return MutatingWebhook(context)
