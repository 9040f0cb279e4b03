"""What upstream's registry strategies do to a new object, where users see it.

Defaulting (:func:`pinnace.api.defaults.apply_defaults`) is idempotent and runs on every write. The changes
here run once, when an object is created, because they need the server's view (the uid, the clock, the
cluster's IP families) or must not be repeated (the namespace finalizer is removed again during deletion).
Each reproduces the ``PrepareForCreate`` of ``kubernetes/pkg/registry/<group>/<resource>/strategy.go``:

- the status the user sent is dropped and replaced by the kind's initial status (a Pod is ``Pending`` with
  its QoS class; a Namespace ``Active``; a PersistentVolume ``Pending`` since its phase transition time);
- ``metadata.generation`` starts at 1 for the kinds whose strategies track it;
- kind-specific fields: the Job selector (:func:`pinnace.api.defaults.batch.job_generated_selector`), the
  Namespace ``kubernetes`` finalizer, a DaemonSet's ``deprecated.daemonset.template.generation`` annotation
  (the v1 form of its template generation), a Service's ``clusterIPs`` from ``clusterIP``, a gated Pod's
  ``SchedulingGated`` condition.

The API server calls :func:`prepare_for_create` after defaulting and mutating admission, before validation
(upstream's ``rest.BeforeCreate`` order). Service IP families depend on the cluster's service CIDRs and
are set while allocating cluster IPs: :func:`service_ip_families` (upstream:
``pkg/registry/core/service/storage/alloc.go``).
Not covered: what needs the requesting user (a CertificateSigningRequest's ``username``/``groups``), the
update-time counterparts (generation bumps, template generation), and admission plugins' defaults
(``serviceAccountName``, ``priority``, ``preemptionPolicy``, default tolerations).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from pinnace.api.defaults._fields import Obj, child, ensure_child, items
from pinnace.api.defaults._scheme import apply_defaults, object_gvk
from pinnace.api.defaults.batch import job_generated_selector
from pinnace.api.gvk import GroupVersionKind
from pinnace.api.quantity import quantity_value

FINALIZER_KUBERNETES = "kubernetes"
DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates"


def _gvk(group: str, kind: str, version: str = "v1") -> GroupVersionKind:
    return GroupVersionKind(group, version, kind)


# Kinds whose strategy starts metadata.generation at 1 (pods do not track it in 1.32).
GENERATION_TRACKED = frozenset(
    {
        _gvk("apps", "Deployment"),
        _gvk("apps", "ReplicaSet"),
        _gvk("apps", "StatefulSet"),
        _gvk("apps", "DaemonSet"),
        _gvk("", "ReplicationController"),
        _gvk("batch", "Job"),
        _gvk("batch", "CronJob"),
        _gvk("policy", "PodDisruptionBudget"),
        # endpointslice strategy: generation 1, then +1 when anything but metadata changes.
        _gvk("discovery.k8s.io", "EndpointSlice"),
        _gvk("networking.k8s.io", "Ingress"),
        _gvk("networking.k8s.io", "IngressClass"),
        _gvk("networking.k8s.io", "NetworkPolicy"),
        _gvk("apiextensions.k8s.io", "CustomResourceDefinition"),
        _gvk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        _gvk("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        _gvk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        _gvk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    }
)

# Kinds whose strategy clears the status a client sent on create; defaulting then writes the initial one.
STATUS_CLEARED = frozenset(
    {
        _gvk("apps", "Deployment"),
        _gvk("apps", "ReplicaSet"),
        _gvk("apps", "StatefulSet"),
        _gvk("apps", "DaemonSet"),
        _gvk("", "ReplicationController"),
        _gvk("", "Service"),
        _gvk("", "PersistentVolumeClaim"),
        _gvk("", "ResourceQuota"),
        _gvk("batch", "Job"),
        _gvk("batch", "CronJob"),
        _gvk("autoscaling", "HorizontalPodAutoscaler", "v1"),
        _gvk("autoscaling", "HorizontalPodAutoscaler", "v2"),
        _gvk("policy", "PodDisruptionBudget"),
        _gvk("networking.k8s.io", "Ingress"),
        _gvk("certificates.k8s.io", "CertificateSigningRequest"),
        _gvk("storage.k8s.io", "VolumeAttachment"),
        _gvk("apiextensions.k8s.io", "CustomResourceDefinition"),
        _gvk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    }
)


# --- Pod ---

_QOS_RESOURCES = ("cpu", "memory")


def _sum_positive(total: dict[str, Fraction], resources: Obj | None) -> set[str]:
    """Add the positive cpu/memory amounts of ``resources`` to ``total``; the names that had one."""
    found: set[str] = set()
    for name, raw in (resources or {}).items():
        value = quantity_value(raw)
        if name in _QOS_RESOURCES and value is not None and value > 0:
            total[name] = total.get(name, Fraction(0)) + value
            found.add(name)
    return found


def pod_qos_class(pod: Obj) -> str:
    """``ComputePodQOS`` (pkg/apis/core/helper/qos): BestEffort, Guaranteed or Burstable.

    Regular and init containers count; ephemeral containers cannot set resources.
    """
    spec = child(pod, "spec")
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for containers in ("containers", "initContainers"):
        for container in items(spec, containers):
            resources = child(container, "resources")
            _sum_positive(requests, child(resources, "requests"))
            if not set(_QOS_RESOURCES) <= _sum_positive(limits, child(resources, "limits")):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(name) == value for name, value in requests.items()):
        if len(requests) == len(limits):
            return "Guaranteed"
    return "Burstable"


def _prepare_pod(pod: Obj, now: str) -> None:
    status: Obj = {"phase": "Pending", "qosClass": pod_qos_class(pod)}
    if (child(pod, "spec") or {}).get("schedulingGates"):
        # The scheduler skips gated pods; this condition is how users see why (applySchedulingGatedCondition).
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "SchedulingGated",
                "message": SCHEDULING_GATED_MESSAGE,
                "lastProbeTime": None,
                "lastTransitionTime": None,
            }
        ]
    pod["status"] = status


# --- other kinds ---


def _prepare_namespace(namespace: Obj, now: str) -> None:
    namespace["status"] = {"phase": "Active"}
    # Required on create; not a default, because the namespace controller removes it during deletion.
    spec = ensure_child(namespace, "spec")
    finalizers = spec.get("finalizers")
    if not isinstance(finalizers, list) or not finalizers:
        spec["finalizers"] = [FINALIZER_KUBERNETES]
    elif FINALIZER_KUBERNETES not in finalizers:
        finalizers.append(FINALIZER_KUBERNETES)


def _prepare_persistent_volume(pv: Obj, now: str) -> None:
    # PersistentVolumeLastPhaseTransitionTime is GA in 1.31.
    pv["status"] = {"phase": "Pending", "lastPhaseTransitionTime": now}


def normalize_cluster_ips(service: Obj) -> None:
    """``NormalizeClusterIPs`` on create: a lone ``clusterIP`` is also the first of ``clusterIPs``."""
    spec = ensure_child(service, "spec")
    cluster_ip = spec.get("clusterIP")
    if isinstance(cluster_ip, str) and cluster_ip and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [cluster_ip]


def _prepare_service(service: Obj, now: str) -> None:
    normalize_cluster_ips(service)


def _prepare_job(job: Obj, now: str) -> None:
    uid = (child(job, "metadata") or {}).get("uid")
    job_generated_selector(job, uid if isinstance(uid, str) else "")


def _prepare_daemon_set(daemon_set: Obj, now: str) -> None:
    # DaemonSetSpec.TemplateGeneration starts at 1; apps/v1 carries it in this annotation.
    annotations = ensure_child(ensure_child(daemon_set, "metadata"), "annotations")
    annotations.setdefault(DAEMONSET_TEMPLATE_GENERATION_ANNOTATION, "1")


_PREPARERS: dict[GroupVersionKind, Callable[[Obj, str], None]] = {
    _gvk("", "Pod"): _prepare_pod,
    _gvk("", "Namespace"): _prepare_namespace,
    _gvk("", "PersistentVolume"): _prepare_persistent_volume,
    _gvk("", "Service"): _prepare_service,
    _gvk("batch", "Job"): _prepare_job,
    _gvk("apps", "DaemonSet"): _prepare_daemon_set,
}


def prepare_for_create(obj: Obj, *, now: str) -> None:
    """Apply the create-time changes of the object's kind, then its defaults again.

    ``now`` is the server's RFC 3339 time (``metadata.creationTimestamp``); ``metadata.uid`` must already be
    set. Unknown kinds are left alone.
    """
    gvk = object_gvk(obj)
    if gvk is None:
        return
    if gvk in STATUS_CLEARED:
        obj.pop("status", None)
    if gvk in GENERATION_TRACKED:
        ensure_child(obj, "metadata")["generation"] = 1
    preparer = _PREPARERS.get(gvk)
    if preparer is not None:
        preparer(obj, now)
    # Upstream re-defaults the stored object when it is read back (a cleared PVC status shows phase Pending;
    # a CRD's storedVersions is filled in again).
    apply_defaults(obj)


# --- Service IP families ---


def _family_of(ip: str) -> str:
    return "IPv6" if ":" in ip else "IPv4"


def _other_family(family: str) -> str:
    return "IPv6" if family == "IPv4" else "IPv4"


def service_ip_families(service: Obj, *, cluster_families: Sequence[str] = ("IPv4",)) -> None:
    """Default ``ipFamilyPolicy`` and ``ipFamilies`` as the Service allocator does before allocating IPs.

    ``cluster_families`` are the families of the configured service CIDRs, primary first. Families are
    inferred from explicit ``clusterIPs``; a policy left unset is RequireDualStack when two families are given
    and SingleStack otherwise, except that a headless Service without a selector gets RequireDualStack with
    both families even on a single-stack cluster (it needs no cluster IP). A dual-stack policy on a
    dual-stack cluster gets the second family. Rejecting families the cluster lacks is left to the caller:
    upstream reports it from the same function as an Invalid error. ExternalName Services are untouched.
    """
    spec = ensure_child(service, "spec")
    if spec.get("type") == "ExternalName" or not cluster_families:
        return
    families = spec.get("ipFamilies")
    if not isinstance(families, list):
        families = []
    cluster_ips = spec.get("clusterIPs")
    for index, ip in enumerate(cluster_ips if isinstance(cluster_ips, list) else []):
        if not isinstance(ip, str) or ip == "None":
            break
        if index >= len(families):
            families.append(_family_of(ip))
    if spec.get("ipFamilyPolicy") is None and len(families) == 2:
        spec["ipFamilyPolicy"] = "RequireDualStack"
    if spec.get("clusterIP") == "None" and not spec.get("selector"):
        # "If the user said nothing about policy and we can't infer it, they get dual-stack."
        if spec.get("ipFamilyPolicy") is None:
            spec["ipFamilyPolicy"] = "RequireDualStack"
        if not families:
            families.append(cluster_families[0])
        if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
            families.append(_other_family(families[0]))
        spec["ipFamilies"] = families
        return
    if spec.get("ipFamilyPolicy") is None:
        spec["ipFamilyPolicy"] = "SingleStack"
    if not families:
        families.append(cluster_families[0])
    if spec["ipFamilyPolicy"] != "SingleStack" and len(families) == 1 and len(cluster_families) == 2:
        families.append(_other_family(families[0]))
    spec["ipFamilies"] = families
