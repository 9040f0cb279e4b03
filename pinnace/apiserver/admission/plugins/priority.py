"""Priority: a pod's ``priority`` and ``preemptionPolicy`` come from its PriorityClass, and at most one
PriorityClass is the global default (``plugin/pkg/admission/priority``).

A pod without ``priorityClassName`` takes the global default class, or priority 0 and
``PreemptLowerPriority`` when there is none. The two system classes exist in every cluster:
:func:`ensure_system_priority_classes` creates them at start, as upstream's post-start hook does.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.api.gvk import GroupVersionResource
from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, ObjectSource, PluginContext

log = logging.getLogger(__name__)

NAME = "Priority"

PRIORITY_CLASSES = GroupVersionResource("scheduling.k8s.io", "v1", "priorityclasses")
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY

# pkg/apis/scheduling/helpers.go: the classes every cluster has.
SYSTEM_PRIORITY_CLASSES: tuple[Object, ...] = (
    {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": "system-node-critical"},
        "value": SYSTEM_CRITICAL_PRIORITY + 1000,
        "description": "Used for system critical pods that must not be moved from their current node.",
    },
    {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": "system-cluster-critical"},
        "value": SYSTEM_CRITICAL_PRIORITY,
        "description": "Used for system critical pods that must run in the cluster, but can be moved to "
        "another node if necessary.",
    },
)


class Priority(Handler):
    def __init__(self, context: PluginContext) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE, Operation.DELETE)
        self.objects: ObjectSource = context.objects

    async def admit(self, attributes: Attributes) -> None:
        if attributes.subresource or (attributes.resource.group, attributes.resource.resource) != (
            "",
            "pods",
        ):
            return
        pod = attributes.object
        if pod is None:
            return
        spec = pod.setdefault("spec", {})
        if attributes.operation is Operation.UPDATE:
            # Pods stored before the plugin set them keep none; otherwise an update cannot drop them.
            old_spec = (attributes.old_object or {}).get("spec") or {}
            for key in ("priority", "preemptionPolicy"):
                if spec.get(key) is None and old_spec.get(key) is not None:
                    spec[key] = old_spec[key]
            return
        if attributes.operation is not Operation.CREATE:
            return
        class_name = spec.get("priorityClassName") or ""
        if not class_name:
            default = await self._default_class()
            if default is not None:
                spec["priorityClassName"] = default["metadata"]["name"]
                priority, policy = _value(default), default.get("preemptionPolicy")
            else:
                priority, policy = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, DEFAULT_PREEMPTION_POLICY
        else:
            found = await self.objects.get(PRIORITY_CLASSES, "", class_name)
            if found is None:
                raise forbidden(attributes, f"no PriorityClass with name {class_name} was found")
            priority, policy = _value(found), found.get("preemptionPolicy")
        given = spec.get("priority")
        if given is not None and given != priority:
            raise forbidden(
                attributes,
                f"the integer value of priority ({given}) must not be provided in pod spec; priority "
                f"admission controller computed {priority} from the given PriorityClass name",
            )
        spec["priority"] = priority
        if policy is not None:
            given_policy = spec.get("preemptionPolicy")
            if given_policy is not None and given_policy != policy:
                raise forbidden(
                    attributes,
                    f"the string value of PreemptionPolicy ({given_policy}) must not be provided in pod "
                    "spec; "
                    f"priority admission controller computed {policy} from the given PriorityClass name",
                )
            spec["preemptionPolicy"] = policy

    async def validate(self, attributes: Attributes) -> None:
        """At most one global default PriorityClass."""
        if attributes.subresource or (attributes.resource.group, attributes.resource.resource) != (
            PRIORITY_CLASSES.group,
            PRIORITY_CLASSES.resource,
        ):
            return
        if attributes.operation not in (Operation.CREATE, Operation.UPDATE):
            return
        priority_class = attributes.object or {}
        if not priority_class.get("globalDefault"):
            return
        default = await self._default_class()
        if default is None:
            return
        default_name = default["metadata"]["name"]
        name = (priority_class.get("metadata") or {}).get("name")
        if attributes.operation is Operation.CREATE or default_name != name:
            raise forbidden(
                attributes,
                f"PriorityClass {default_name} is already marked as default. Only one default can exist",
            )

    async def _default_class(self) -> Object | None:
        """The global default; after a race left several, the one with the lowest value."""
        defaults = [pc for pc in await self.objects.list(PRIORITY_CLASSES) if pc.get("globalDefault")]
        return min(defaults, key=_value, default=None)


def _value(priority_class: Object) -> int:
    value: Any = priority_class.get("value", 0)
    return int(value) if isinstance(value, int) else 0


async def ensure_system_priority_classes(objects: ObjectSource) -> None:
    """Create system-node-critical and system-cluster-critical if missing (upstream's post-start hook
    also leaves existing ones as they are)."""
    for priority_class in SYSTEM_PRIORITY_CLASSES:
        name = priority_class["metadata"]["name"]
        if await objects.get(PRIORITY_CLASSES, "", name, live=True) is not None:
            continue
        try:
            await objects.create(PRIORITY_CLASSES, dict(priority_class))
            log.info("created PriorityClass %s", name)
        except status.AlreadyExists:
            pass


def new(context: PluginContext) -> Priority:
    return Priority(context)
