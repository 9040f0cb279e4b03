"""Pod rows: READY, STATUS and RESTARTS exactly as ``kubectl get pods`` shows them.

Reproduces ``printPod`` of kubernetes/pkg/printers/internalversion/printers.go (Kubernetes 1.32):

* READY counts ready, running app containers plus started, ready sidecars (init containers with
  ``restartPolicy: Always``) over all of them;
* STATUS starts from the phase (or ``status.reason``, or ``SchedulingGated``), is replaced by the first
  unfinished init container (``Init:0/2``, ``Init:CrashLoopBackOff``, ``Init:ExitCode:1``), then by the last
  container with a waiting or terminated reason (``CrashLoopBackOff``, ``Completed``, ``ExitCode:137``),
  and finally by ``Terminating`` (or ``Unknown`` for a lost node) while the pod is being deleted;
* RESTARTS is ``"3"`` or ``"3 (5m ago)"``, the age of the most recent container termination.

Finished pods carry the row condition ``Completed`` (reason ``Succeeded`` or ``Failed``).
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, RowCondition, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import parse_time, translate_time_since, translate_timestamp_since
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_dict,
    get_dicts,
    get_int,
    get_opt_bool,
    get_opt_dict,
    get_str,
    is_deleting,
    name_of,
)

NODE_UNREACHABLE_POD_REASON = "NodeLost"
"""``node.NodeUnreachablePodReason`` (kubernetes/pkg/util/node)."""

COLUMNS = (
    NAME,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container "
        "in this pod has restarted.",
    ),
    AGE,
    wide("IP", doc("core/v1.PodStatus.podIP")),
    wide("Node", doc("core/v1.PodSpec.nodeName")),
    wide("Nominated Node", doc("core/v1.PodStatus.nominatedNodeName")),
    wide("Readiness Gates", doc("core/v1.PodSpec.readinessGates")),
)

_SUCCEEDED: list[RowCondition] = [
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }
]
_FAILED: list[RowCondition] = [
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
]


def _is_restartable_init_container(container: Obj | None) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always`` (podutil.IsRestartableInitContainer)."""
    return container is not None and get_str(container, "restartPolicy") == "Always"


def _condition_true(pod: Obj, condition_type: str) -> bool:
    """The first condition of this type is ``True`` (``isPodInitializedConditionTrue``)."""
    for condition in get_dicts(pod, "status", "conditions"):
        if get_str(condition, "type") == condition_type:
            return get_str(condition, "status") == "True"
    return False


def _has_ready_condition(pod: Obj) -> bool:
    """Any ``Ready`` condition is ``True`` (``hasPodReadyCondition``)."""
    return any(
        get_str(c, "type") == "Ready" and get_str(c, "status") == "True"
        for c in get_dicts(pod, "status", "conditions")
    )


def _last_termination(status: Obj) -> datetime | None:
    return parse_time(get_dict(status, "lastState", "terminated").get("finishedAt"))


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _terminated_reason(terminated: Obj, prefix: str) -> str:
    reason = get_str(terminated, "reason")
    if reason:
        return prefix + reason
    signal = get_int(terminated, "signal")
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{get_int(terminated, 'exitCode')}"


def pod_status_cells(pod: Obj) -> tuple[int, int, str, int, datetime | None]:
    """Ready containers, total containers, the STATUS reason, restarts and the last restart time."""
    spec = get_dict(pod, "spec")
    status = get_dict(pod, "status")
    total = len(get_dicts(spec, "containers"))
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    phase = get_str(status, "phase")
    reason = get_str(status, "reason") or phase
    for condition in get_dicts(status, "conditions"):
        if get_str(condition, "type") == "PodScheduled" and get_str(condition, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = get_dicts(spec, "initContainers")
    init_containers = {get_str(c, "name"): c for c in init_specs}
    total += sum(1 for c in init_specs if _is_restartable_init_container(c))

    initializing = False
    for index, container in enumerate(get_dicts(status, "initContainerStatuses")):
        restarts += get_int(container, "restartCount")
        last_restart = _later(last_restart, _last_termination(container))
        sidecar = _is_restartable_init_container(init_containers.get(get_str(container, "name")))
        if sidecar:
            sidecar_restarts += get_int(container, "restartCount")
            last_sidecar_restart = _later(last_sidecar_restart, _last_termination(container))
        state = get_dict(container, "state")
        terminated = get_opt_dict(state, "terminated")
        waiting_reason = get_str(state, "waiting", "reason")
        if terminated is not None and get_int(terminated, "exitCode") == 0:
            continue
        if sidecar and get_opt_bool(container, "started") is True:
            if container.get("ready") is True:
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            reason = "Init:" + waiting_reason
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(pod, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for container in reversed(get_dicts(status, "containerStatuses")):
            restarts += get_int(container, "restartCount")
            last_restart = _later(last_restart, _last_termination(container))
            state = get_dict(container, "state")
            waiting_reason = get_str(state, "waiting", "reason")
            terminated = get_opt_dict(state, "terminated")
            if waiting_reason:
                reason = waiting_reason
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
            elif container.get("ready") is True and get_opt_dict(state, "running") is not None:
                has_running = True
                ready += 1
        # A pod whose last container completed but another is still running is Running (or NotReady).
        if reason == "Completed" and has_running:
            reason = "Running" if _has_ready_condition(pod) else "NotReady"

    if is_deleting(pod) and get_str(status, "reason") == NODE_UNREACHABLE_POD_REASON:
        reason = "Unknown"
    elif is_deleting(pod) and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return ready, total, reason, restarts, last_restart


def _pod_ip(status: Obj) -> str:
    # v1 -> internal conversion: podIP is authoritative; podIPs[0] is used when podIP is empty.
    ip = get_str(status, "podIP")
    if not ip:
        ips = get_dicts(status, "podIPs")
        ip = get_str(ips[0], "ip") if ips else ""
    return ip or "<none>"


def _readiness_gates(pod: Obj) -> str:
    gates = get_dicts(pod, "spec", "readinessGates")
    if not gates:
        return "<none>"
    conditions = get_dicts(pod, "status", "conditions")
    satisfied = 0
    for gate in gates:
        wanted = get_str(gate, "conditionType")
        for condition in conditions:
            if get_str(condition, "type") == wanted:
                satisfied += get_str(condition, "status") == "True"
                break
    return f"{satisfied}/{len(gates)}"


def pod_cells(pod: Obj, now: datetime) -> list[Cell]:
    ready, total, reason, restarts, last_restart = pod_status_cells(pod)
    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({translate_time_since(last_restart, now)} ago)"
    status = get_dict(pod, "status")
    return [
        name_of(pod),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        translate_timestamp_since(creation_timestamp(pod), now),
        _pod_ip(status),
        get_str(pod, "spec", "nodeName") or "<none>",
        get_str(status, "nominatedNodeName") or "<none>",
        _readiness_gates(pod),
    ]


def pod_conditions(pod: Obj) -> list[RowCondition]:
    phase = get_str(pod, "status", "phase")
    if phase == "Succeeded":
        return list(_SUCCEEDED)
    if phase == "Failed":
        return list(_FAILED)
    return []


POD = TablePrinter(COLUMNS, pod_cells, pod_conditions)
