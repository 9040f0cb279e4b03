"""LimitRanger: a namespace's LimitRanges default container requests and limits, and bound them
(``plugin/pkg/admission/limitranger``).

Mutating, on pod create: each ``Container`` item's ``defaultRequest`` and ``default`` fill the requests and
limits a container (or init container) does not set, and the pod is annotated
``kubernetes.io/limit-ranger: "LimitRanger plugin set: cpu, memory request for container web; ..."``.
Validating, on pod and claim create (and claim update): ``min``, ``max`` and ``maxLimitRequestRatio`` of
``Container`` items per container, of ``Pod`` items on the pod's total, and ``PersistentVolumeClaim`` items
on a claim's storage request. Errors read ``maximum cpu usage per Container is 1, but limit is 2``; several
are listed in brackets, as Go's aggregate error prints them.
"""

from __future__ import annotations

from collections.abc import Callable

from pinnace.api.gvk import GroupVersionResource
from pinnace.api.quantity import Quantity, QuantityError, parse_quantity
from pinnace.api.quota.evaluators import pod_limits, pod_requests
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext

NAME = "LimitRanger"

LIMIT_RANGES = GroupVersionResource("", "v1", "limitranges")
LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
# resource.MaxMilliValue: beyond it, values are compared whole rather than in thousandths.
MAX_MILLI_VALUE = (2**63 - 1) // 1000

Resources = dict[str, Quantity]


def _parse(raw: object) -> Resources:
    parsed: Resources = {}
    if isinstance(raw, dict):
        for name, value in raw.items():
            try:
                parsed[str(name)] = parse_quantity(value)
            except QuantityError:
                continue
    return parsed


def _comparable(request: Quantity | None, limit: Quantity | None, enforced: Quantity) -> tuple[int, int, int]:
    """``requestLimitEnforcedValues``: milli-values when none would overflow, else whole values."""
    values = [q.int_value() if q is not None else 0 for q in (request, limit, enforced)]
    if all(v <= MAX_MILLI_VALUE for v in values):
        values = [q.milli_value() if q is not None else 0 for q in (request, limit, enforced)]
    return values[0], values[1], values[2]


def min_constraint(kind: str, name: str, enforced: Quantity, requests: Resources, limits: Resources) -> str:
    request, limit = requests.get(name), limits.get(name)
    observed_request, observed_limit, value = _comparable(request, limit, enforced)
    if request is None:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    if observed_request < value:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {request}"
    if limit is not None and observed_limit < value:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {limit}"
    return ""


def max_constraint(kind: str, name: str, enforced: Quantity, requests: Resources, limits: Resources) -> str:
    request, limit = requests.get(name), limits.get(name)
    observed_request, observed_limit, value = _comparable(request, limit, enforced)
    if limit is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    if observed_limit > value:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {limit}"
    if request is not None and observed_request > value:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {request}"
    return ""


def max_request_constraint(kind: str, name: str, enforced: Quantity, requests: Resources) -> str:
    """For claims, whose limits are not user input: the maximum bounds the request."""
    request = requests.get(name)
    observed_request, _, value = _comparable(request, None, enforced)
    if request is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No request is specified"
    if observed_request > value:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {request}"
    return ""


def ratio_constraint(kind: str, name: str, enforced: Quantity, requests: Resources, limits: Resources) -> str:
    request, limit = requests.get(name), limits.get(name)
    observed_request, observed_limit, _ = _comparable(request, limit, enforced)
    if request is None or observed_request == 0:
        return (
            f"{name} max limit to request ratio per {kind} is {enforced}, "
            "but no request is specified or request is 0"
        )
    if limit is None or observed_limit == 0:
        return (
            f"{name} max limit to request ratio per {kind} is {enforced}, "
            "but no limit is specified or limit is 0"
        )
    ratio = observed_limit / observed_request
    shown = ratio
    maximum = float(enforced.int_value())
    if enforced.int_value() <= MAX_MILLI_VALUE:
        ratio *= 1000
        maximum = float(enforced.milli_value())
    if ratio > maximum:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but provided ratio is {shown:f}"
    return ""


Constraint = Callable[[str, str, Quantity, Resources, Resources], str]


def _check(item: Object, kind: str, requests: Resources, limits: Resources) -> list[str]:
    """min, max and ratio of one LimitRange item; Go iterates maps at random, here by resource name."""
    checks: tuple[tuple[str, Constraint], ...] = (
        ("min", min_constraint),
        ("max", max_constraint),
        ("maxLimitRequestRatio", ratio_constraint),
    )
    errors = []
    for field, constraint in checks:
        for name, enforced in sorted(_parse(item.get(field)).items()):
            error = constraint(kind, name, enforced, requests, limits)
            if error:
                errors.append(error)
    return errors


def validate_pod(limit_range: Object, pod: Object) -> list[str]:
    """``PodValidateLimitFunc``."""
    spec = pod.get("spec") or {}
    errors: list[str] = []
    for item in (limit_range.get("spec") or {}).get("limits") or []:
        kind = item.get("type")
        if kind == "Container":
            for field in ("containers", "initContainers"):
                for container in spec.get(field) or []:
                    resources = container.get("resources") or {}
                    errors += _check(
                        item, kind, _parse(resources.get("requests")), _parse(resources.get("limits"))
                    )
        elif kind == "Pod":
            errors += _check(item, kind, pod_requests(pod), pod_limits(pod))
    return errors


def validate_claim(limit_range: Object, claim: Object) -> list[str]:
    """``PersistentVolumeClaimValidateLimitFunc``: storage requests against the claim items."""
    requests = _parse(((claim.get("spec") or {}).get("resources") or {}).get("requests"))
    errors: list[str] = []
    for item in (limit_range.get("spec") or {}).get("limits") or []:
        kind = item.get("type")
        if kind != "PersistentVolumeClaim":
            continue
        for name, enforced in sorted(_parse(item.get("min")).items()):
            error = min_constraint(kind, name, enforced, requests, {})
            if error:
                errors.append(error)
        for name, enforced in sorted(_parse(item.get("max")).items()):
            error = max_request_constraint(kind, name, enforced, requests)
            if error:
                errors.append(error)
    return errors


def default_container_resources(limit_range: Object) -> tuple[Object, Object]:
    """(requests, limits) the ``Container`` items default."""
    requests: Object = {}
    limits: Object = {}
    for item in (limit_range.get("spec") or {}).get("limits") or []:
        if item.get("type") == "Container":
            requests.update(item.get("defaultRequest") or {})
            limits.update(item.get("default") or {})
    return requests, limits


def _merge_container(container: Object, requests: Object, limits: Object, what: str) -> list[str]:
    resources = container.get("resources")
    if not isinstance(resources, dict):
        resources = {}
    set_limits = sorted(name for name in limits if name not in (resources.get("limits") or {}))
    set_requests = sorted(name for name in requests if name not in (resources.get("requests") or {}))
    if set_limits:
        resources["limits"] = {**(resources.get("limits") or {}), **{n: limits[n] for n in set_limits}}
    if set_requests:
        resources["requests"] = {
            **(resources.get("requests") or {}),
            **{n: requests[n] for n in set_requests},
        }
    if set_limits or set_requests:
        container["resources"] = resources
    notes = []
    if set_requests:
        notes.append(f"{', '.join(set_requests)} request for {what} {container.get('name', '')}")
    if set_limits:
        notes.append(f"{', '.join(set_limits)} limit for {what} {container.get('name', '')}")
    return notes


def default_pod(limit_range: Object, pod: Object) -> None:
    """``PodMutateLimitFunc``: fill what containers leave unset, and say so in an annotation."""
    requests, limits = default_container_resources(limit_range)
    spec = pod.get("spec") or {}
    notes: list[str] = []
    for container in spec.get("containers") or []:
        notes += _merge_container(container, requests, limits, "container")
    for container in spec.get("initContainers") or []:
        notes += _merge_container(container, requests, limits, "init container")
    if notes:
        metadata = pod.setdefault("metadata", {})
        annotations = metadata.get("annotations")
        if not isinstance(annotations, dict):
            annotations = metadata["annotations"] = {}
        annotations[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def aggregate(errors: list[str]) -> str:
    """Go's ``utilerrors.NewAggregate(errs).Error()``."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


class LimitRanger(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE)
        self.objects: ObjectSource = context.objects

    def _supports(self, attributes: Attributes) -> bool:
        """``SupportsAttributes``: pods (not their updates, whose containers cannot change) and claims."""
        if attributes.subresource or attributes.kind.group != "":
            return False
        if attributes.kind.kind == "Pod":
            return attributes.operation is not Operation.UPDATE
        return attributes.kind.kind == "PersistentVolumeClaim"

    async def _limit_ranges(self, attributes: Attributes) -> list[Object]:
        if not self._supports(attributes) or attributes.object is None:
            return []
        old_metadata = (attributes.old_object or {}).get("metadata") or {}
        if old_metadata.get("deletionTimestamp"):
            return []  # objects being deleted are left alone
        return await self.objects.list(LIMIT_RANGES, attributes.namespace)

    async def admit(self, attributes: Attributes) -> None:
        for limit_range in await self._limit_ranges(attributes):
            if attributes.resource.resource == "pods" and attributes.object is not None:
                default_pod(limit_range, attributes.object)

    async def validate(self, attributes: Attributes) -> None:
        for limit_range in await self._limit_ranges(attributes):
            assert attributes.object is not None
            if attributes.resource.resource == "pods":
                errors = validate_pod(limit_range, attributes.object)
            elif attributes.resource.resource == "persistentvolumeclaims":
                errors = validate_claim(limit_range, attributes.object)
            else:
                errors = []
            if errors:
                raise forbidden(attributes, aggregate(errors))


def new(context: PluginContext) -> LimitRanger:
    return LimitRanger(context)
