"""Which nodes a DaemonSet runs on (upstream's ``NodeShouldRunDaemonPod`` and ``predicates`` in
``daemon_controller.go``, with ``component-helpers/scheduling/corev1/nodeaffinity``).

A node should run the daemon pod when the pod, as the controller would create it for that node (daemon
tolerations included), fits its ``nodeName``, ``nodeSelector`` and required node affinity, and tolerates
its NoSchedule and NoExecute taints. A pod already there may stay as long as it tolerates the NoExecute
taints: a NoSchedule taint keeps new pods off a node but evicts nobody.

The scheduler holds the same rules for its own frozen types; controllers may not import it (components
meet only through the API), so the few lines of matching over plain dicts live here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pinnace.api.labels import LabelSelector, Operator, SelectorParseError, new_requirement
from pinnace.controllers.daemonset.util import OBJECT_NAME_FIELD, add_or_update_daemon_pod_tolerations
from pinnace.controllers.taints import NO_EXECUTE, NO_SCHEDULE, tolerates

Object = dict[str, Any]

_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
    "Gt": Operator.GREATER_THAN,
    "Lt": Operator.LESS_THAN,
}


class Placement(NamedTuple):
    #: A daemon pod should be created on the node if it has none.
    should_run: bool
    #: A daemon pod already on the node may stay.
    should_continue_running: bool


def new_pod(ds: Object, node_name: str) -> Object:
    """``NewPod``: the template's pod on ``node_name``, with the daemon tolerations."""
    template = (ds.get("spec") or {}).get("template") or {}
    pod: Object = {
        "metadata": copy.deepcopy(template.get("metadata") or {}),
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
    pod["metadata"]["namespace"] = (ds.get("metadata") or {}).get("namespace", "")
    pod["spec"]["nodeName"] = node_name
    add_or_update_daemon_pod_tolerations(pod["spec"])
    return pod


def _term_matches(term: Mapping[str, Any], labels: Mapping[str, str], name: str) -> bool:
    """``nodeSelectorTerm.match``; an empty or invalid term matches nothing (``LazyErrorNodeSelector``)."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    try:
        requirements = [
            new_requirement(
                str(e.get("key") or ""),
                _OPERATORS[str(e.get("operator"))],
                list(e.get("values") or []) or None,
            )
            for e in expressions
        ]
    except (KeyError, SelectorParseError):
        return False
    if not LabelSelector(tuple(requirements)).matches(labels):
        return False
    for field in fields:
        values = field.get("values") or []
        if field.get("operator") not in ("In", "NotIn") or len(values) != 1:
            return False
        equal = field.get("key") == OBJECT_NAME_FIELD and name == values[0]
        if equal != (field.get("operator") == "In"):
            return False
    return True


def matches_required_node_affinity(pod: Object, node: Object) -> bool:
    """``GetRequiredNodeAffinity(pod).Match(node)``: ``nodeSelector`` AND any required term."""
    spec = pod.get("spec") or {}
    metadata = node.get("metadata") or {}
    labels = metadata.get("labels") or {}
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(key) != value for key, value in selector.items()):
        return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is None:
        return True
    name = str(metadata.get("name") or "")
    return any(_term_matches(term, labels, name) for term in required.get("nodeSelectorTerms") or [])


def find_untolerated_taint(
    taints: Iterable[Object], tolerations: list[Object], effects: Iterable[str]
) -> Object | None:
    """``FindMatchingUntoleratedTaint``: the first taint of ``effects`` no toleration tolerates."""
    wanted = set(effects)
    for taint in taints:
        if taint.get("effect") in wanted and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def node_should_run_daemon_pod(node: Object, ds: Object) -> Placement:
    """``NodeShouldRunDaemonPod``."""
    node_name = str((node.get("metadata") or {}).get("name") or "")
    wanted_node = ((ds.get("spec") or {}).get("template") or {}).get("spec", {}).get("nodeName") or ""
    if wanted_node and wanted_node != node_name:
        return Placement(False, False)
    pod = new_pod(ds, node_name)
    if not matches_required_node_affinity(pod, node):
        return Placement(False, False)
    taints = list((node.get("spec") or {}).get("taints") or [])
    tolerations = list(pod["spec"].get("tolerations") or [])
    if find_untolerated_taint(taints, tolerations, (NO_SCHEDULE, NO_EXECUTE)) is None:
        return Placement(True, True)
    # Scheduled daemon pods should continue running if they tolerate the NoExecute taints.
    return Placement(False, find_untolerated_taint(taints, tolerations, (NO_EXECUTE,)) is None)
