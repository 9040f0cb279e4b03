"""Pod Security admission's decisions (``pod-security-admission/admission/admission.go``).

- **Pods** (create, and updates that change an image): evaluated at the namespace's enforce level
  (refused with ``pods "p" is forbidden: violates PodSecurity "restricted:latest": ...``), its audit level
  (an audit annotation) and its warn level (a ``Warning``; not added to a refused request).
- **Workload templates** (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
  ReplicationControllers, PodTemplates): never refused; audit and warn only.
- **Namespaces**: the labels must parse (on create; on update only if they change), and raising the
  enforce level evaluates the pods already there, as warnings (``existing pods in namespace "ns" violate
  the new PodSecurity enforce level "restricted:latest"`` then ``web-1 (and 2 other pods): privileged``).

Exempt namespaces, users and runtime classes are allowed with an ``exempt`` audit annotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.interfaces import ObjectSource
from pinnace.apiserver.admission.podsecurity import api
from pinnace.apiserver.admission.podsecurity.api import Level, LevelVersion, Policy
from pinnace.apiserver.admission.podsecurity.check import AggregateCheckResult, aggregate_check_results
from pinnace.apiserver.admission.podsecurity.configuration import PodSecurityConfiguration
from pinnace.apiserver.admission.podsecurity.evaluator import DEFAULT_EVALUATOR, Evaluator

NAMESPACES = GroupVersionResource("", "v1", "namespaces")
PODS = GroupVersionResource("", "v1", "pods")
NAMESPACE_MAX_PODS_TO_CHECK = 3000
NAMESPACE_POD_CHECK_TIMEOUT = timedelta(seconds=1)

# Resources whose objects carry a pod template, and where the template is.
POD_SPEC_RESOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "replicationcontrollers"): ("spec", "template"),
    ("", "podtemplates"): ("template",),
    ("apps", "replicasets"): ("spec", "template"),
    ("apps", "deployments"): ("spec", "template"),
    ("apps", "statefulsets"): ("spec", "template"),
    ("apps", "daemonsets"): ("spec", "template"),
    ("batch", "jobs"): ("spec", "template"),
    ("batch", "cronjobs"): ("spec", "jobTemplate", "spec", "template"),
}
# Pod subresources that cannot change what the policy looks at.
IGNORED_POD_SUBRESOURCES = frozenset(
    {"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"}
)


@dataclass
class Response:
    """``AdmissionResponse``: allowed, or the error to return; warnings and audit annotations either way."""

    allowed: bool = True
    error: status.StatusError | None = None
    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict[str, str] = field(default_factory=dict)


def _exempt(reason: str) -> Response:
    return Response(audit_annotations={api.EXEMPTION_REASON_ANNOTATION_KEY: reason})


def has_pod_spec(resource: GroupVersionResource) -> bool:
    return (resource.group, resource.resource) in POD_SPEC_RESOURCES


def extract_template(resource: GroupVersionResource, obj: Object) -> tuple[Object, Object] | None:
    """(metadata, spec) of the object's pod template, None if it has none."""
    node: object = obj
    for key in POD_SPEC_RESOURCES[(resource.group, resource.resource)]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    return node.get("metadata") or {}, node.get("spec") or {}


class PodSecurityAdmission:
    def __init__(
        self,
        configuration: PodSecurityConfiguration,
        objects: ObjectSource,
        clock: Callable[[], datetime],
        evaluator: Evaluator = DEFAULT_EVALUATOR,
    ) -> None:
        self.configuration = configuration
        self.objects = objects
        self.clock = clock
        self.evaluator = evaluator

    def policy_to_evaluate(self, labels: dict[str, str]) -> tuple[Policy, list[api.LabelError]]:
        return api.policy_to_evaluate(labels, self.configuration.defaults)

    async def validate(self, attributes: Attributes) -> Response:
        resource = attributes.resource
        if (resource.group, resource.resource) == ("", "namespaces"):
            return await self.validate_namespace(attributes)
        if (resource.group, resource.resource) == ("", "pods"):
            return await self.validate_pod(attributes)
        return await self.validate_pod_controller(attributes)

    # --- namespaces ------------------------------------------------------------------------------------

    async def validate_namespace(self, attributes: Attributes) -> Response:
        if attributes.subresource or attributes.object is None:
            return Response()
        namespace = attributes.object
        name = str((namespace.get("metadata") or {}).get("name") or attributes.name)
        labels = _labels(namespace)
        new_policy, new_errors = self.policy_to_evaluate(labels)
        if attributes.operation is Operation.CREATE:
            if new_errors:
                return self._invalid(attributes, new_errors)
            return self._exempt_namespace_response(attributes.namespace, name, new_policy, labels)
        if attributes.operation is not Operation.UPDATE:
            return Response()
        old_policy, old_errors = self.policy_to_evaluate(_labels(attributes.old_object or {}))
        if new_errors and (not old_errors or new_errors != old_errors):
            return self._invalid(attributes, new_errors)
        # Dry-run the pods only when the enforce policy got stricter.
        if new_policy.enforce == old_policy.enforce or new_policy.enforce.level is Level.PRIVILEGED:
            return Response()
        if (
            new_policy.enforce.version == old_policy.enforce.version
            and api.compare_levels(new_policy.enforce.level, old_policy.enforce.level) < 1
        ):
            return Response()
        if self._exempt_namespace(attributes.namespace):
            return self._exempt_namespace_response(attributes.namespace, name, new_policy, labels)
        return Response(warnings=await self.evaluate_pods_in_namespace(name, new_policy.enforce))

    def _invalid(self, attributes: Attributes, errors: list[api.LabelError]) -> Response:
        causes = [status.StatusCause("FieldValueInvalid", e.body, e.field) for e in errors]
        return Response(False, status.invalid(attributes.kind.kind, attributes.name, causes))

    def _exempt_namespace_response(
        self, request_namespace: str, name: str, policy: Policy, labels: dict[str, str]
    ) -> Response:
        if not self._exempt_namespace(request_namespace):
            return Response()
        warning = self.exempt_namespace_warning(name, policy, labels)
        return Response(warnings=[warning] if warning else [])

    def exempt_namespace_warning(self, namespace: str, policy: Policy, labels: dict[str, str]) -> str:
        """A warning when an exempt namespace sets a policy that will be ignored."""
        if policy.fully_privileged() or policy.equivalent(self.configuration.defaults):
            return ""
        parts = []
        for mode, level_version in (
            ("enforce", policy.enforce),
            ("audit", policy.audit),
            ("warn", policy.warn),
        ):
            explicit = api.LABEL_PREFIX + mode in labels or f"{api.LABEL_PREFIX}{mode}-version" in labels
            if level_version.level is not Level.PRIVILEGED and explicit:
                parts.append(f"{mode}={level_version}")
        return (
            f'namespace "{namespace}" is exempt from Pod Security, '
            f"and the policy ({', '.join(parts)}) will be ignored"
        )

    async def evaluate_pods_in_namespace(self, namespace: str, enforce: LevelVersion) -> list[str]:
        """Warnings for existing pods that the new enforce level would refuse, one per distinct reason."""
        deadline = self.clock() + NAMESPACE_POD_CHECK_TIMEOUT
        try:
            pods = await self.objects.list(PODS, namespace)
        except status.StatusError:
            return ["failed to list pods while checking new PodSecurity enforce level"]
        prioritized = self._prioritize(pods)
        total = len(prioritized)
        prioritized = prioritized[:NAMESPACE_MAX_PODS_TO_CHECK]
        checked = len(prioritized)
        first_pod: dict[str, str] = {}
        counts: dict[str, int] = {}
        order: list[str] = []
        for index, pod in enumerate(prioritized):
            result = self._evaluate(enforce, pod.get("metadata") or {}, pod.get("spec") or {})
            if not result.allowed:
                reason = result.forbidden_reason()
                pod_name = str((pod.get("metadata") or {}).get("name", ""))
                if reason not in counts:
                    order.append(reason)
                    first_pod[reason] = pod_name
                elif pod_name < first_pod[reason]:
                    first_pod[reason] = pod_name
                counts[reason] = counts.get(reason, 0) + 1
            if self.clock() >= deadline:
                checked = index + 1
                break
        warnings = []
        if checked < total:
            warnings.append(
                "new PodSecurity enforce level only checked against the first "
                f"{checked} of {total} existing pods"
            )
        if order:
            warnings.append(
                f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level '
                f'"{enforce}"'
            )
        decorated = [_decorate(first_pod[reason], counts[reason], reason) for reason in order]
        return warnings + sorted(decorated)

    def _prioritize(self, pods: list[Object]) -> list[Object]:
        """One pod per controller first, then the rest; pods of exempt runtime classes are skipped."""
        first: list[Object] = []
        duplicates: list[Object] = []
        seen_controllers: set[str] = set()
        for pod in pods:
            if self._exempt_runtime_class((pod.get("spec") or {}).get("runtimeClassName")):
                continue
            controller = next(
                (
                    ref
                    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []
                    if ref.get("controller")
                ),
                None,
            )
            if controller is None:
                first.append(pod)
            elif controller.get("uid") in seen_controllers:
                duplicates.append(pod)
            else:
                seen_controllers.add(str(controller.get("uid")))
                first.append(pod)
        return first + duplicates

    # --- pods --------------------------------------------------------------------------------------------

    async def validate_pod(self, attributes: Attributes) -> Response:
        if attributes.subresource in IGNORED_POD_SUBRESOURCES:
            return Response()
        if self._exempt_namespace(attributes.namespace):
            return _exempt("namespace")
        if self._exempt_user(attributes.username):
            return _exempt("user")
        namespace = await self._namespace(attributes.namespace)
        if namespace is None:
            error = status.internal_error(f'failed to lookup namespace "{attributes.namespace}"')
            return Response(False, error, audit_annotations={"error": error.message})
        policy, errors = self.policy_to_evaluate(_labels(namespace))
        if not errors and policy.fully_privileged():
            return Response(
                audit_annotations={api.ENFORCED_POLICY_ANNOTATION_KEY: str(LevelVersion(Level.PRIVILEGED))}
            )
        pod = attributes.object
        if pod is None:
            return Response()
        if attributes.operation is Operation.UPDATE and not is_significant_pod_update(
            pod, attributes.old_object or {}
        ):
            return Response()
        return self.evaluate_pod(
            policy, errors, pod.get("metadata") or {}, pod.get("spec") or {}, attributes, True
        )

    async def validate_pod_controller(self, attributes: Attributes) -> Response:
        if attributes.subresource or not has_pod_spec(attributes.resource):
            return Response()
        if self._exempt_namespace(attributes.namespace):
            return _exempt("namespace")
        if self._exempt_user(attributes.username):
            return _exempt("user")
        namespace = await self._namespace(attributes.namespace)
        if namespace is None:
            return Response(
                audit_annotations={"error": f'failed to lookup namespace "{attributes.namespace}"'}
            )
        policy, errors = self.policy_to_evaluate(_labels(namespace))
        if not errors and policy.warn.level is Level.PRIVILEGED and policy.audit.level is Level.PRIVILEGED:
            return Response()
        if attributes.object is None:
            return Response()
        template = extract_template(attributes.resource, attributes.object)
        if template is None:
            return Response()
        return self.evaluate_pod(policy, errors, template[0], template[1], attributes, False)

    def evaluate_pod(
        self,
        policy: Policy,
        policy_errors: list[api.LabelError],
        metadata: Object,
        spec: Object,
        attributes: Attributes,
        enforce: bool,
    ) -> Response:
        """``EvaluatePod``: enforce (pods only), then audit, then warn, reusing equal evaluations."""
        if self._exempt_runtime_class(spec.get("runtimeClassName")):
            return _exempt("runtimeClass")
        response = Response()
        if policy_errors:
            response.audit_annotations["error"] = f"Failed to parse policy: {api.aggregate(policy_errors)}"
        cached: dict[LevelVersion, AggregateCheckResult] = {}
        if enforce:
            response.audit_annotations[api.ENFORCED_POLICY_ANNOTATION_KEY] = str(policy.enforce)
            result = cached[policy.enforce] = self._evaluate(policy.enforce, metadata, spec)
            if not result.allowed:
                message = f'violates PodSecurity "{policy.enforce}": {result.forbidden_detail()}'
                response.allowed = False
                response.error = status.forbidden(
                    message,
                    resource=attributes.resource.resource,
                    name=attributes.name,
                    group=attributes.resource.group,
                )
        audit = cached.get(policy.audit)
        if audit is None:
            audit = cached[policy.audit] = self._evaluate(policy.audit, metadata, spec)
        if not audit.allowed:
            response.audit_annotations[api.AUDIT_VIOLATIONS_ANNOTATION_KEY] = (
                f'would violate PodSecurity "{policy.audit}": {audit.forbidden_detail()}'
            )
        if response.allowed:
            warn = cached.get(policy.warn) or self._evaluate(policy.warn, metadata, spec)
            if not warn.allowed:
                response.warnings.append(
                    f'would violate PodSecurity "{policy.warn}": {warn.forbidden_detail()}'
                )
        return response

    def _evaluate(self, level_version: LevelVersion, metadata: Object, spec: Object) -> AggregateCheckResult:
        return aggregate_check_results(self.evaluator.evaluate_pod(level_version, metadata, spec))

    async def _namespace(self, name: str) -> Object | None:
        found = await self.objects.get(NAMESPACES, "", name)
        return found if found is not None else await self.objects.get(NAMESPACES, "", name, live=True)

    def _exempt_namespace(self, namespace: str) -> bool:
        return bool(namespace) and namespace in self.configuration.exempt_namespaces

    def _exempt_user(self, username: str) -> bool:
        return bool(username) and username in self.configuration.exempt_usernames

    def _exempt_runtime_class(self, runtime_class: object) -> bool:
        return bool(runtime_class) and runtime_class in self.configuration.exempt_runtime_classes


def _labels(obj: Object) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _decorate(pod_name: str, count: int, warning: str) -> str:
    if count == 1:
        return f"{pod_name}: {warning}"
    if count == 2:
        return f"{pod_name} (and 1 other pod): {warning}"
    return f"{pod_name} (and {count - 1} other pods): {warning}"


def is_significant_pod_update(pod: Object, old: Object) -> bool:
    """Only an image change can make a running pod violate a policy (the rest of the spec is immutable)."""
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    for field_name in ("containers", "initContainers"):
        new_list, old_list = spec.get(field_name) or [], old_spec.get(field_name) or []
        if len(new_list) != len(old_list):
            return True
        if any(n.get("image") != o.get("image") for n, o in zip(new_list, old_list, strict=True)):
            return True
    old_ephemeral = {c.get("name"): c for c in old_spec.get("ephemeralContainers") or []}
    for container in spec.get("ephemeralContainers") or []:
        previous = old_ephemeral.get(container.get("name"))
        if previous is None or previous.get("image") != container.get("image"):
            return True
    return False
