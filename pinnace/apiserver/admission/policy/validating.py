"""ValidatingAdmissionPolicy, the plugin (``policy/validating/plugin.go``, ``dispatcher.go``,
``policy/generic/policy_dispatcher.go`` ``CollectParams``).

For each policy (with bindings) whose ``matchConstraints`` cover the request, each binding whose
``matchResources`` do too is evaluated once per parameter object its ``paramRef`` selects (or once with
``params`` null). A validation that fails acts as the binding's ``validationActions`` say:

- ``Deny``: the request is refused; the first denial wins, worded as upstream:
  ``deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request:
  <message>``, with the validation's reason (default ``Invalid``, 422; kubectl prints ``The deployments
  "web" is invalid: : ValidatingAdmissionPolicy ...``);
- ``Warn``: ``Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': <message>`` as a
  warning;
- ``Audit``: the audit annotation ``validation.policy.admission.k8s.io/validation_failure``.

A policy or binding that cannot be used (an unknown paramKind, a missing parameter with
``parameterNotFoundAction: Deny``) fails the request under failurePolicy ``Fail`` (``failed to configure
binding: ...``) and is skipped under ``Ignore``. Audit annotations the policy computes are published as
``<policy>/<key>``. Requests for the policies and bindings themselves are never judged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from pinnace.api.gvk import GroupVersionResource
from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.cel import Inputs, admission_request
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, PluginContext
from pinnace.apiserver.admission.policy.matching import matches
from pinnace.apiserver.admission.policy.source import PolicyHook, PolicySource
from pinnace.apiserver.admission.policy.validator import Action, AnnotationAction
from pinnace.apiserver.admission.webhook.errors import status_error_class
from pinnace.apiserver.admission.webhook.generic import annotate, versioned
from pinnace.apiserver.admission.webhook.rules import is_exempt

log = logging.getLogger(__name__)

NAME = "ValidatingAdmissionPolicy"
VALIDATION_FAILURE_KEY = "validation.policy.admission.k8s.io/validation_failure"
MAX_AUDIT_ANNOTATION_VALUE = 10 * 1024
NAMESPACES = GroupVersionResource("", "v1", "namespaces")

Object = dict[str, Any]

# reasonToCode: the HTTP status of a denial, by the validation's reason.
_REASON_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413, "Invalid": 422}


class ConfigurationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Denial:
    policy: str
    binding: str
    message: str
    reason: str = ""


class ValidatingAdmissionPolicy(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE, Operation.CONNECT)
        self.objects = context.objects
        self.source = PolicySource(context.objects)

    async def validate(self, attributes: Attributes) -> None:
        if is_exempt(attributes):
            return
        hooks = await self.source.hooks()
        denials: list[Denial] = []
        for hook in hooks:
            await self._dispatch(hook, attributes, denials)
        if denials:
            raise denial_error(attributes, denials[0])

    async def _dispatch(self, hook: PolicyHook, attributes: Attributes, denials: list[Denial]) -> None:
        spec = hook.policy.get("spec") or {}
        fail = spec.get("failurePolicy", "Fail") != "Ignore"

        def configuration_error(message: str, binding: str = "") -> None:
            if not fail:
                return
            prefix = "failed to configure binding" if binding else "failed to configure policy"
            denials.append(Denial(hook.name, binding, f"{prefix}: {message}"))

        try:
            match = await matches(spec.get("matchConstraints") or {}, attributes, self.objects)
        except status.StatusError as err:
            configuration_error(err.message)
            return
        if match is None:
            return
        if hook.configuration_error:
            configuration_error(hook.configuration_error)
            return
        collected: dict[str, list[str]] = {}
        namespace: Object | None = None
        namespace_read = False
        for binding in hook.bindings:
            binding_name = str(binding["metadata"].get("name", ""))
            binding_spec = binding.get("spec") or {}
            match_resources = binding_spec.get("matchResources")
            if match_resources is not None:
                try:
                    if await matches(match_resources, attributes, self.objects) is None:
                        continue
                except status.StatusError as err:
                    configuration_error(err.message, binding_name)
                    continue
            try:
                params = await self._params(hook, binding_spec.get("paramRef"), attributes.namespace)
            except ConfigurationError as err:
                configuration_error(str(err), binding_name)
                continue
            if not namespace_read:
                namespace = await self._namespace(attributes)
                namespace_read = True
            obj = versioned(attributes.object, match.kind)
            old = versioned(attributes.old_object, match.kind)
            request = admission_request(attributes, match.resource, match.kind)
            actions = [str(a) for a in binding_spec.get("validationActions") or ()]
            for param in params:
                result = hook.validator.validate(Inputs(obj, old, request, param, namespace))
                for index, decision in enumerate(result.decisions):
                    if decision.action is not Action.DENY:
                        continue
                    for action in actions:
                        if action == "Deny":
                            denials.append(Denial(hook.name, binding_name, decision.message, decision.reason))
                        elif action == "Warn":
                            attributes.add_warning(
                                f"Validation failed for ValidatingAdmissionPolicy '{hook.name}' with binding "
                                f"'{binding_name}': {decision.message}"
                            )
                        elif action == "Audit":
                            _publish_validation_failure(
                                attributes, hook.name, binding_name, actions, index, decision.message
                            )
                for annotation in result.audit_annotations:
                    if annotation.action is AnnotationAction.PUBLISH:
                        values = collected.setdefault(annotation.key, [])
                        value = annotation.value[:MAX_AUDIT_ANNOTATION_VALUE]
                        if value not in values:
                            values.append(value)
                    elif annotation.action is AnnotationAction.ERROR:
                        denials.append(Denial(hook.name, binding_name, annotation.error))
        for key, values in collected.items():
            annotate(attributes, f"{hook.name}/{key}", ", ".join(values))

    async def _namespace(self, attributes: Attributes) -> Object | None:
        """The request's Namespace; none for cluster-scoped requests and for Namespaces themselves."""
        name = attributes.namespace
        kind = attributes.kind
        if (kind.group, kind.version, kind.kind) == ("", "v1", "Namespace") or not name:
            return None
        namespace = await self.objects.get(NAMESPACES, "", name)
        if namespace is None:
            raise status.not_found("namespaces", name)
        return namespace

    async def _params(
        self, hook: PolicyHook, param_ref: Mapping[str, Any] | None, namespace: str
    ) -> list[Object | None]:
        """``CollectParams``: the parameter objects to evaluate with ([None] without paramKind or
        paramRef); raises ConfigurationError."""
        if hook.params is None or not param_ref:
            return [None]
        info = hook.params.info
        ref_namespace = str(param_ref.get("namespace") or "")
        params_namespace = ""
        if info.namespaced:
            params_namespace = ref_namespace or namespace
            if not params_namespace:
                raise ConfigurationError(
                    "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources"
                )
        elif ref_namespace:
            raise ConfigurationError(
                "paramRef.namespace must not be provided for a cluster-scoped `paramKind`"
            )
        name = str(param_ref.get("name") or "")
        selector = param_ref.get("selector")
        found: list[Object | None]
        if name:
            if selector is not None:
                raise ConfigurationError("paramRef.name and paramRef.selector are mutually exclusive")
            param = await self.objects.get(info.gvr, params_namespace, name)
            found = [param] if param is not None else []
        elif selector is not None:
            try:
                parsed = from_label_selector_object(selector)
            except SelectorParseError as err:
                raise ConfigurationError(str(err)) from None
            found = [
                item
                for item in await self.objects.list(info.gvr, params_namespace)
                if parsed.matches((item.get("metadata") or {}).get("labels") or {})
            ]
        else:
            raise ConfigurationError("one of name or selector must be provided")
        if not found and param_ref.get("parameterNotFoundAction") == "Deny":
            raise ConfigurationError("no params found for policy binding with `Deny` parameterNotFoundAction")
        return found


def _publish_validation_failure(
    attributes: Attributes, policy: str, binding: str, actions: list[str], index: int, message: str
) -> None:
    value = orjson.dumps(
        [
            {
                "message": message,
                "policy": policy,
                "binding": binding,
                "expressionIndex": index,
                "validationActions": actions,
            }
        ]
    ).decode()
    annotate(attributes, VALIDATION_FAILURE_KEY, value)


def denial_error(attributes: Attributes, denial: Denial) -> status.StatusError:
    """The refusal: ``admission.NewForbidden``'s message and details, the validation's reason and code,
    and the message again as a cause."""
    if denial.binding:
        message = (
            f"ValidatingAdmissionPolicy '{denial.policy}' with binding '{denial.binding}' denied request: "
            f"{denial.message}"
        )
    else:
        message = f"ValidatingAdmissionPolicy '{denial.policy}' denied request: {denial.message}"
    base = forbidden(attributes, message)
    reason = denial.reason or "Invalid"
    details = base.details or status.StatusDetails()
    details = status.StatusDetails(
        name=details.name,
        group=details.group,
        kind=details.kind,
        causes=(status.StatusCause(message=message),),
    )
    return status_error_class(_REASON_CODES.get(reason, 422), reason)(base.message, details=details)


def new(context: PluginContext) -> ValidatingAdmissionPolicy:
    return ValidatingAdmissionPolicy(context)
