"""DaemonSet pod templates and the facts the controller reads off pods (upstream's
``pkg/controller/daemon/util/daemonset_util.go``).

A daemon pod is the template plus the ``controller-revision-hash`` label (and ``pod-template-generation``
for sets still carrying the deprecated ``deprecated.daemonset.template.generation`` annotation), the
tolerations every daemon pod gets so node problems do not evict it, and a required node affinity term
``metadata.name In [<node>]`` that makes the scheduler bind it there (upstream's way since 1.12).
"""

from __future__ import annotations

import copy
from typing import Any, Final

from pinnace.controllers.history import POD_REVISION_LABEL
from pinnace.controllers.intstr import scaled_value_from_int_or_percent
from pinnace.controllers.taints import (
    NO_EXECUTE,
    NO_SCHEDULE,
    TAINT_NODE_DISK_PRESSURE,
    TAINT_NODE_MEMORY_PRESSURE,
    TAINT_NODE_NETWORK_UNAVAILABLE,
    TAINT_NODE_NOT_READY,
    TAINT_NODE_PID_PRESSURE,
    TAINT_NODE_UNREACHABLE,
    TAINT_NODE_UNSCHEDULABLE,
)

Object = dict[str, Any]

#: ``apps.DefaultDaemonSetUniqueLabelKey``.
UNIQUE_LABEL_KEY: Final = POD_REVISION_LABEL
#: ``extensions.DaemonSetTemplateGenerationKey`` and ``apps.DeprecatedTemplateGeneration``.
TEMPLATE_GENERATION_KEY: Final = "pod-template-generation"
DEPRECATED_TEMPLATE_GENERATION: Final = "deprecated.daemonset.template.generation"
#: ``metav1.ObjectNameField``: the field a node affinity ``matchFields`` term can name.
OBJECT_NAME_FIELD: Final = "metadata.name"

# AddOrUpdateDaemonPodTolerations: NoExecute ones without tolerationSeconds, so node problems never evict a
# daemon pod; NoSchedule ones so pressure and cordoning do not keep it off its node.
_DAEMON_TOLERATIONS: Final = (
    (TAINT_NODE_NOT_READY, NO_EXECUTE),
    (TAINT_NODE_UNREACHABLE, NO_EXECUTE),
    (TAINT_NODE_DISK_PRESSURE, NO_SCHEDULE),
    (TAINT_NODE_MEMORY_PRESSURE, NO_SCHEDULE),
    (TAINT_NODE_PID_PRESSURE, NO_SCHEDULE),
    (TAINT_NODE_UNSCHEDULABLE, NO_SCHEDULE),
)


def template_generation(ds: Object) -> int | None:
    """``GetTemplateGeneration``: the deprecated annotation's value; None when absent or unparsable."""
    value = ((ds.get("metadata") or {}).get("annotations") or {}).get(DEPRECATED_TEMPLATE_GENERATION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _match_toleration(left: Object, right: Object) -> bool:
    """``Toleration.MatchToleration``: the same key, operator, value and effect."""
    return all((left.get(f) or "") == (right.get(f) or "") for f in ("key", "operator", "value", "effect"))


def add_or_update_toleration(spec: Object, toleration: Object) -> None:
    """``AddOrUpdateTolerationInPodSpec``: replace a matching toleration (dropping, say, its
    ``tolerationSeconds``), or append."""
    tolerations = list(spec.get("tolerations") or [])
    result: list[Object] = []
    updated = False
    for existing in tolerations:
        if _match_toleration(existing, toleration):
            if existing == toleration:
                return
            result.append(dict(toleration))
            updated = True
            continue
        result.append(existing)
    if not updated:
        result.append(dict(toleration))
    spec["tolerations"] = result


def add_or_update_daemon_pod_tolerations(spec: Object) -> None:
    """``AddOrUpdateDaemonPodTolerations`` (plus network-unavailable for ``hostNetwork`` pods)."""
    wanted = list(_DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append((TAINT_NODE_NETWORK_UNAVAILABLE, NO_SCHEDULE))
    for key, effect in wanted:
        add_or_update_toleration(spec, {"key": key, "operator": "Exists", "effect": effect})


def create_pod_template(template: Object, generation: int | None, hash_: str) -> Object:
    """``CreatePodTemplate``: the template with daemon tolerations and the revision labels."""
    created = copy.deepcopy(template)
    add_or_update_daemon_pod_tolerations(created.setdefault("spec", {}))
    metadata = created.setdefault("metadata", {})
    labels = metadata.get("labels")
    if not isinstance(labels, dict):
        labels = metadata["labels"] = {}
    if generation is not None:
        labels[TEMPLATE_GENERATION_KEY] = str(generation)
    if hash_:
        labels[UNIQUE_LABEL_KEY] = hash_
    return created


def is_pod_updated(pod: Object, hash_: str, generation: int | None) -> bool:
    """``IsPodUpdated``: the pod carries the current hash (or the current template generation)."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    generation_matches = generation is not None and labels.get(TEMPLATE_GENERATION_KEY) == str(generation)
    return generation_matches or (bool(hash_) and labels.get(UNIQUE_LABEL_KEY) == hash_)


def _name_term(node_name: str) -> Object:
    return {"matchFields": [{"key": OBJECT_NAME_FIELD, "operator": "In", "values": [node_name]}]}


def replace_node_name_node_affinity(affinity: Object | None, node_name: str) -> Object:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required node affinity becomes the one term
    selecting ``node_name`` (other affinity, and preferred terms, stay)."""
    result = copy.deepcopy(affinity) if affinity else {}
    node_affinity = result.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not isinstance(required, dict):
        required = node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {}
    required["nodeSelectorTerms"] = [_name_term(node_name)]
    return result


def target_node_name(pod: Object) -> str | None:
    """``GetTargetNodeName``: ``spec.nodeName``, else the node the affinity term names (None if neither
    names exactly one)."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for expression in term.get("matchFields") or []:
            if expression.get("key") == OBJECT_NAME_FIELD and expression.get("operator") == "In":
                values = expression.get("values") or []
                return str(values[0]) if len(values) == 1 else None
    return None


def _rolling_update(ds: Object) -> Object | None:
    strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    rolling = strategy.get("rollingUpdate")
    return rolling if isinstance(rolling, dict) else None


def surge_count(ds: Object, number_to_schedule: int) -> int:
    """``SurgeCount``: ``maxSurge`` of the nodes (rounded up); 0 unless RollingUpdate."""
    rolling = _rolling_update(ds)
    if rolling is None or rolling.get("maxSurge") is None:
        return 0
    return scaled_value_from_int_or_percent(rolling["maxSurge"], number_to_schedule, True)


def unavailable_count(ds: Object, number_to_schedule: int) -> int:
    """``UnavailableCount``: ``maxUnavailable`` of the nodes (rounded up); 0 unless RollingUpdate."""
    rolling = _rolling_update(ds)
    if rolling is None or rolling.get("maxUnavailable") is None:
        return 0
    return scaled_value_from_int_or_percent(rolling["maxUnavailable"], number_to_schedule, True)


def allows_surge(ds: Object) -> bool:
    """``AllowsSurge``: a surge of at least one pod is configured."""
    try:
        return surge_count(ds, 1) != 0
    except ValueError:
        return False
