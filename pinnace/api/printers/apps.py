"""Printers for ``apps/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

A missing ``spec.replicas`` reads as 1, its v1 default. Deployment's SELECTOR cell is the selector's
string (``""`` when empty, ``<invalid>`` when malformed) while the other kinds use ``FormatLabelSelector``
(``<none>``, ``<error>``), as upstream does.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.labels import SelectorParseError
from pinnace.api.printers.columns import AGE, CONTAINERS, IMAGES, NAME, Cell, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_dicts,
    get_int,
    get_opt_dict,
    get_str,
    get_str_map,
    name_of,
)
from pinnace.api.printers.formatting import (
    controller_of,
    format_label_selector,
    format_labels,
    layout_container_cells,
    selector_string,
)


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


def _containers(obj: Obj) -> tuple[str, str]:
    return layout_container_cells(get_dicts(obj, "spec", "template", "spec", "containers"))


def _replicas(obj: Obj) -> int:
    return get_int(obj, "spec", "replicas", default=1)


def deployment_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = _containers(obj)
    try:
        selector = selector_string(get_opt_dict(obj, "spec", "selector"))
    except SelectorParseError:
        selector = "<invalid>"
    return [
        name_of(obj),
        f"{get_int(obj, 'status', 'readyReplicas')}/{_replicas(obj)}",
        get_int(obj, "status", "updatedReplicas"),
        get_int(obj, "status", "availableReplicas"),
        _age(obj, now),
        names,
        images,
        selector,
    ]


DEPLOYMENT = TablePrinter(
    (
        NAME,
        column("Ready", "Number of the pod with ready state"),
        column("Up-to-date", doc("extensions/v1beta1.DeploymentStatus.updatedReplicas")),
        column("Available", doc("extensions/v1beta1.DeploymentStatus.availableReplicas")),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("extensions/v1beta1.DeploymentSpec.selector")),
    ),
    deployment_cells,
)


def replica_set_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = _containers(obj)
    return [
        name_of(obj),
        _replicas(obj),
        get_int(obj, "status", "replicas"),
        get_int(obj, "status", "readyReplicas"),
        _age(obj, now),
        names,
        images,
        format_label_selector(get_opt_dict(obj, "spec", "selector")),
    ]


REPLICA_SET = TablePrinter(
    (
        NAME,
        column("Desired", doc("extensions/v1beta1.ReplicaSetSpec.replicas"), type="integer"),
        column("Current", doc("extensions/v1beta1.ReplicaSetStatus.replicas"), type="integer"),
        column("Ready", doc("extensions/v1beta1.ReplicaSetStatus.readyReplicas"), type="integer"),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("extensions/v1beta1.ReplicaSetSpec.selector")),
    ),
    replica_set_cells,
)


def stateful_set_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = _containers(obj)
    return [
        name_of(obj),
        f"{get_int(obj, 'status', 'readyReplicas')}/{_replicas(obj)}",
        _age(obj, now),
        names,
        images,
    ]


STATEFUL_SET = TablePrinter(
    (NAME, column("Ready", "Number of the pod with ready state"), AGE, CONTAINERS, IMAGES),
    stateful_set_cells,
)


def daemon_set_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = _containers(obj)
    return [
        name_of(obj),
        get_int(obj, "status", "desiredNumberScheduled"),
        get_int(obj, "status", "currentNumberScheduled"),
        get_int(obj, "status", "numberReady"),
        get_int(obj, "status", "updatedNumberScheduled"),
        get_int(obj, "status", "numberAvailable"),
        format_labels(get_str_map(obj, "spec", "template", "spec", "nodeSelector")),
        _age(obj, now),
        names,
        images,
        format_label_selector(get_opt_dict(obj, "spec", "selector")),
    ]


DAEMON_SET = TablePrinter(
    (
        NAME,
        column("Desired", doc("extensions/v1beta1.DaemonSetStatus.desiredNumberScheduled"), type="integer"),
        column("Current", doc("extensions/v1beta1.DaemonSetStatus.currentNumberScheduled"), type="integer"),
        column("Ready", doc("extensions/v1beta1.DaemonSetStatus.numberReady"), type="integer"),
        column(
            "Up-to-date", doc("extensions/v1beta1.DaemonSetStatus.updatedNumberScheduled"), type="integer"
        ),
        column("Available", doc("extensions/v1beta1.DaemonSetStatus.numberAvailable"), type="integer"),
        column("Node Selector", doc("core/v1.PodSpec.nodeSelector")),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("extensions/v1beta1.DaemonSetSpec.selector")),
    ),
    daemon_set_cells,
)


def controller_name(obj: Obj) -> str:
    """The controlling owner as ``kind.group/name`` (``formatResourceName``), or ``<none>``."""
    ref = controller_of(obj)
    if ref is None:
        return "<none>"
    group, _, _version = get_str(ref, "apiVersion").rpartition("/")
    kind = get_str(ref, "kind")
    group_kind = f"{kind}.{group}" if group else kind
    if not group_kind:
        return get_str(ref, "name")
    return f"{group_kind.lower()}/{get_str(ref, 'name')}"


CONTROLLER_REVISION = TablePrinter(
    (
        NAME,
        column("Controller", "Controller of the object"),
        column("Revision", doc("apps/v1beta1.ControllerRevision.revision")),
        AGE,
    ),
    lambda obj, now: [name_of(obj), controller_name(obj), get_int(obj, "revision"), _age(obj, now)],
)


PRINTERS: dict[str, TablePrinter] = {
    "ControllerRevision": CONTROLLER_REVISION,
    "DaemonSet": DAEMON_SET,
    "Deployment": DEPLOYMENT,
    "ReplicaSet": REPLICA_SET,
    "StatefulSet": STATEFUL_SET,
}
"""``apps`` printers by kind."""
