"""Defaults of ``apps/v1``: Deployment, ReplicaSet, StatefulSet, DaemonSet.

Reproduces ``kubernetes/pkg/apis/apps/v1/defaults.go`` and its ``zz_generated.defaults.go`` (which runs the
core/v1 pod template defaults, and the PersistentVolumeClaim defaults on a StatefulSet's claim templates).
Feature gates are a default 1.32 API server's: ``StatefulSetAutoDeletePVC`` is GA (retention policy
defaulted); ``MaxUnavailableStatefulSet`` is alpha and off (``rollingUpdate.maxUnavailable`` not defaulted).

Also reproduced: each claim template gets ``apiVersion: v1`` and ``kind: PersistentVolumeClaim`` when unset
(kubernetes#87706 restored what the old reflection-based conversion set), and Go writes value-typed fields
even when zero (template ``creationTimestamp: null``, ``status: {}``, ``status.replicas: 0``).
ControllerRevision has no defaults.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import (
    Obj,
    default_resource_list,
    default_unset,
    default_zero,
    ensure_child,
    items,
)
from pinnace.api.defaults.podspec import default_object_meta, default_pod_template, default_pvc_spec
from pinnace.api.gvk import GroupVersionKind


def _default_rolling_update(
    strategy: Obj, rolling_type: str, max_unavailable: object, max_surge: object
) -> None:
    """Deployment and DaemonSet: an empty type is RollingUpdate, whose parameters then get their defaults."""
    default_zero(strategy, "type", rolling_type)
    if strategy.get("type") == rolling_type:
        rolling_update = ensure_child(strategy, "rollingUpdate")
        default_unset(rolling_update, "maxUnavailable", max_unavailable)
        default_unset(rolling_update, "maxSurge", max_surge)


def default_deployment(deployment: Obj) -> None:
    """``SetDefaults_Deployment``."""
    spec = ensure_child(deployment, "spec")
    default_unset(spec, "replicas", 1)
    _default_rolling_update(ensure_child(spec, "strategy"), "RollingUpdate", "25%", "25%")
    default_unset(spec, "revisionHistoryLimit", 10)
    default_unset(spec, "progressDeadlineSeconds", 600)
    default_pod_template(spec)
    ensure_child(deployment, "status")  # every DeploymentStatus field is omitempty: `status: {}`


def default_replica_set(replica_set: Obj) -> None:
    """``SetDefaults_ReplicaSet``."""
    spec = ensure_child(replica_set, "spec")
    default_unset(spec, "replicas", 1)
    default_pod_template(spec)
    default_unset(ensure_child(replica_set, "status"), "replicas", 0)  # `json:"replicas"`


def default_daemon_set(daemon_set: Obj) -> None:
    """``SetDefaults_DaemonSet``."""
    spec = ensure_child(daemon_set, "spec")
    _default_rolling_update(ensure_child(spec, "updateStrategy"), "RollingUpdate", 1, 0)
    default_unset(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec)
    status = ensure_child(daemon_set, "status")
    # The four counters DaemonSetStatus writes even when zero.
    for counter in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"):
        default_unset(status, counter, 0)


def _default_claim_template(claim: Obj) -> None:
    """A StatefulSet claim template is a whole PersistentVolumeClaim: its defaults, and its TypeMeta."""
    default_unset(claim, "apiVersion", "v1")
    default_unset(claim, "kind", "PersistentVolumeClaim")
    default_object_meta(claim)
    default_pvc_spec(ensure_child(claim, "spec"))
    status = ensure_child(claim, "status")
    default_zero(status, "phase", "Pending")  # SetDefaults_PersistentVolumeClaim
    default_resource_list(status, "capacity")
    default_resource_list(status, "allocatedResources")


def default_stateful_set(stateful_set: Obj) -> None:
    """``SetDefaults_StatefulSet``."""
    spec = ensure_child(stateful_set, "spec")
    default_zero(spec, "podManagementPolicy", "OrderedReady")
    strategy = ensure_child(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        # Only when the type itself was defaulted: an explicit RollingUpdate without parameters stays so.
        default_unset(strategy, "rollingUpdate", {})
    rolling_update = strategy.get("rollingUpdate")
    if strategy.get("type") == "RollingUpdate" and isinstance(rolling_update, dict):
        default_unset(rolling_update, "partition", 0)
    retention = ensure_child(spec, "persistentVolumeClaimRetentionPolicy")
    default_zero(retention, "whenDeleted", "Retain")
    default_zero(retention, "whenScaled", "Retain")
    default_unset(spec, "replicas", 1)
    default_unset(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec)
    for claim in items(spec, "volumeClaimTemplates"):
        _default_claim_template(claim)
    status = ensure_child(stateful_set, "status")
    # `replicas` and `availableReplicas` have no omitempty in StatefulSetStatus.
    default_unset(status, "replicas", 0)
    default_unset(status, "availableReplicas", 0)


DEFAULTERS = {
    GroupVersionKind("apps", "v1", "Deployment"): default_deployment,
    GroupVersionKind("apps", "v1", "ReplicaSet"): default_replica_set,
    GroupVersionKind("apps", "v1", "DaemonSet"): default_daemon_set,
    GroupVersionKind("apps", "v1", "StatefulSet"): default_stateful_set,
}
