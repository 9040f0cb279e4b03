"""Which validation runs for which kind, in the order the generic registry runs it, and the 422 message.

``validate_create``/``validate_update`` reproduce ``rest.BeforeCreate``/``rest.BeforeUpdate`` from
``k8s.io/apiserver/pkg/registry/rest`` (create.go, update.go): on create the kind's strategy validation runs
first and, only if it passes, the generic ObjectMeta rules with path-segment names; on update the generic
rules (ObjectMeta plus ``ValidateObjectMetaAccessorUpdate``) come first and the kind's update validation is
appended. Kinds are chosen by (group, kind) from :data:`KINDS`; a kind Pinnace does not know gets the
ObjectMeta validation of a custom resource (DNS-subdomain names).

:func:`invalid_status_message` is ``errors.NewInvalid``'s message (``Deployment.apps "web" is invalid: ...``,
deduplicated, bracketed when more than one); :func:`invalid_status` the whole ``Status`` body with its causes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pinnace.api.gofmt import go_quote
from pinnace.api.names import name_is_dns_subdomain, path_segment_name
from pinnace.api.validation import (
    apps,
    autoscaling,
    batch,
    certificates,
    core,
    networking,
    pod,
    policy,
    rbac,
    scheduling,
    service,
)
from pinnace.api.validation.field import FieldError
from pinnace.api.validation.meta import validate_object_meta, validate_object_meta_update
from pinnace.api.validation.values import Obj, obj, string

CreateFn = Callable[[Obj], list[FieldError]]
UpdateFn = Callable[[Obj, Obj], list[FieldError]]


@dataclass(frozen=True, slots=True)
class KindValidation:
    """A kind's strategy validation (``Validate`` and ``ValidateUpdate``) and its scope."""

    create: CreateFn
    update: UpdateFn
    namespaced: bool = True


KINDS: Final[Mapping[tuple[str, str], KindValidation]] = {
    ("", "Pod"): KindValidation(pod.validate_pod, pod.validate_pod_update),
    ("", "PodTemplate"): KindValidation(pod.validate_pod_template, pod.validate_pod_template_update),
    ("", "ReplicationController"): KindValidation(
        core.validate_replication_controller, core.validate_replication_controller_update
    ),
    ("", "Service"): KindValidation(service.validate_service, service.validate_service_update),
    ("", "ConfigMap"): KindValidation(core.validate_config_map, core.validate_config_map_update),
    ("", "Secret"): KindValidation(core.validate_secret, core.validate_secret_update),
    ("", "Namespace"): KindValidation(
        core.validate_namespace, core.validate_namespace_update, namespaced=False
    ),
    ("", "ServiceAccount"): KindValidation(
        core.validate_service_account, core.validate_service_account_update
    ),
    ("", "PersistentVolumeClaim"): KindValidation(core.validate_pvc, core.validate_pvc_update),
    ("", "Node"): KindValidation(core.validate_node, core.validate_node_update, namespaced=False),
    ("apps", "Deployment"): KindValidation(apps.validate_deployment, apps.validate_deployment_update),
    ("apps", "ReplicaSet"): KindValidation(apps.validate_replica_set, apps.validate_replica_set_update),
    ("apps", "StatefulSet"): KindValidation(apps.validate_stateful_set, apps.validate_stateful_set_update),
    ("apps", "DaemonSet"): KindValidation(apps.validate_daemon_set, apps.validate_daemon_set_update),
    ("batch", "Job"): KindValidation(batch.validate_job, batch.validate_job_update),
    ("batch", "CronJob"): KindValidation(batch.validate_cron_job, batch.validate_cron_job_update),
    ("networking.k8s.io", "Ingress"): KindValidation(
        networking.validate_ingress, networking.validate_ingress_update
    ),
    ("networking.k8s.io", "IngressClass"): KindValidation(
        networking.validate_ingress_class, networking.validate_ingress_class_update, namespaced=False
    ),
    ("networking.k8s.io", "NetworkPolicy"): KindValidation(
        networking.validate_network_policy, networking.validate_network_policy_update
    ),
    ("policy", "PodDisruptionBudget"): KindValidation(policy.validate_pdb, policy.validate_pdb_update),
    ("autoscaling", "HorizontalPodAutoscaler"): KindValidation(
        autoscaling.validate_hpa, autoscaling.validate_hpa_update
    ),
    ("rbac.authorization.k8s.io", "Role"): KindValidation(rbac.validate_role, rbac.validate_role_update),
    ("rbac.authorization.k8s.io", "ClusterRole"): KindValidation(
        rbac.validate_cluster_role, rbac.validate_cluster_role_update, namespaced=False
    ),
    ("rbac.authorization.k8s.io", "RoleBinding"): KindValidation(
        rbac.validate_role_binding, rbac.validate_role_binding_update
    ),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): KindValidation(
        rbac.validate_cluster_role_binding, rbac.validate_cluster_role_binding_update, namespaced=False
    ),
    ("scheduling.k8s.io", "PriorityClass"): KindValidation(
        scheduling.validate_priority_class, scheduling.validate_priority_class_update, namespaced=False
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"): KindValidation(
        certificates.validate_certificate_signing_request,
        certificates.validate_certificate_signing_request_update,
        namespaced=False,
    ),
    ("coordination.k8s.io", "Lease"): KindValidation(
        scheduling.validate_lease, scheduling.validate_lease_update
    ),
}


def group_kind(o: Obj) -> tuple[str, str]:
    """The (group, kind) an object names with ``apiVersion`` and ``kind`` (``v1`` is the core group)."""
    group, _, _ = string(o, "apiVersion").rpartition("/")
    return group, string(o, "kind")


def _scope(entry: KindValidation | None, namespaced: bool | None) -> bool:
    if namespaced is not None:
        return namespaced
    return entry.namespaced if entry is not None else True


def validate_create(o: Obj, *, namespaced: bool | None = None) -> list[FieldError]:
    """Validate an object about to be created, as ``rest.BeforeCreate`` does.

    ``namespaced`` is the resource's scope as the API server serves it; when ``None`` the scope of a known
    kind (namespaced for unknown ones) is used.
    """
    entry = KINDS.get(group_kind(o))
    scope = _scope(entry, namespaced)
    meta = obj(o, "metadata")
    if entry is None:
        errs = validate_object_meta(
            meta, namespaced=scope, name_fn=name_is_dns_subdomain, kube_finalizers=False
        )
    else:
        errs = entry.create(o)
    if errs:
        return errs
    return validate_object_meta(meta, namespaced=scope, name_fn=path_segment_name, kube_finalizers=False)


def validate_update(new: Obj, old: Obj, *, namespaced: bool | None = None) -> list[FieldError]:
    """Validate an update of ``old`` to ``new``, as ``rest.BeforeUpdate`` does.

    The caller fills ``metadata.resourceVersion`` of an unconditional update first, as upstream's store does.
    The result may repeat an error (generic and kind checks overlap, as upstream's causes do);
    :func:`invalid_status_message` removes repeats from the message.
    """
    entry = KINDS.get(group_kind(new))
    scope = _scope(entry, namespaced)
    new_meta, old_meta = obj(new, "metadata"), obj(old, "metadata")
    errs = validate_object_meta(new_meta, namespaced=scope, name_fn=path_segment_name, kube_finalizers=False)
    errs += validate_object_meta_update(new_meta, old_meta, kube_finalizers=False)
    if entry is not None:
        errs += entry.update(new, old)
    return errs


def _unique_messages(errors: Sequence[FieldError]) -> list[str]:
    seen: dict[str, None] = {}
    for e in errors:
        seen.setdefault(e.message(), None)
    return list(seen)


def invalid_status_message(kind: str, group: str, name: str, errors: Sequence[FieldError]) -> str:
    """``errors.NewInvalid(...).Error()``: ``<Kind>[.<group>] "<name>" is invalid: <errors>``."""
    qualified = f"{kind}.{group}" if group else kind
    messages = _unique_messages(errors)
    if not messages:
        return f"{qualified} {go_quote(name)} is invalid"
    body = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    return f"{qualified} {go_quote(name)} is invalid: {body}"


def invalid_causes(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    """``details.causes`` of the 422 ``Status``: one per error, repeats included, as upstream."""
    causes = []
    for e in errors:
        cause = {"reason": e.type.value, "message": e.body()}
        if e.field:
            cause["field"] = e.field
        causes.append(cause)
    return causes


def invalid_status(kind: str, group: str, name: str, errors: Sequence[FieldError]) -> dict[str, Any]:
    """The whole ``Status`` body a 422 Invalid response carries (``details.kind`` is the Kind here)."""
    details: dict[str, Any] = {"kind": kind, "causes": invalid_causes(errors)}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": invalid_status_message(kind, group, name, errors),
        "reason": "Invalid",
        "details": details,
        "code": 422,
    }
