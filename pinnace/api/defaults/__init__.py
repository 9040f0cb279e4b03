"""Per-kind defaulting, equal to Kubernetes 1.32's, so objects read back as a real cluster shows them.

API objects stay JSON dicts; defaulting mutates them in place. Three entry points:

- :func:`apply_defaults` - what upstream's decoder does to every object (``SetObjectDefaults_<Kind>``):
  the ``SetDefaults_*`` functions of ``pkg/apis/<group>/<version>/defaults.go``, the declarative
  ``+default`` markers, the v1 conversions with visible effects, and Go's rendering of value-typed fields
  (``resources: {}``, ``creationTimestamp: null``, ``status: {}``). Idempotent; run on every create and
  update, before admission and validation.
- :func:`prepare_for_create` - what the registry strategies' ``PrepareForCreate`` do (initial status,
  ``generation: 1``, Job selector, Namespace finalizer, ...). Run once at create, after admission.
- :func:`service_ip_families` - the Service allocator's ``ipFamilyPolicy``/``ipFamilies`` defaults, for the
  API server to call where it allocates cluster IPs; :func:`job_generated_selector` - the Job strategy's
  selector generation on its own.

One module per API group (``core``, ``apps``, ``batch``, ``autoscaling``, ``networking``, ``policy``,
``rbac``, ``storage``, ``scheduling``, ``discovery``, ``admissionregistration``, ``apiextensions``,
``authentication``), each naming the upstream file it reproduces; ``podspec`` holds the pod template defaults
several groups share, ``_fields`` the helpers (``SetDefaults_ResourceList`` among them, over
:mod:`pinnace.api.quantity`). Groups with nothing to
default upstream have no module: coordination.k8s.io (Lease), events.k8s.io, certificates.k8s.io (v1),
authorization.k8s.io, node.k8s.io (RuntimeClass).
"""

from pinnace.api.defaults._scheme import DEFAULTERS, Defaulter, apply_defaults
from pinnace.api.defaults.batch import job_generated_selector
from pinnace.api.defaults.strategy import prepare_for_create, service_ip_families

__all__ = [
    "DEFAULTERS",
    "Defaulter",
    "apply_defaults",
    "job_generated_selector",
    "prepare_for_create",
    "service_ip_families",
]
