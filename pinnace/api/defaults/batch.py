"""Defaults of ``batch/v1``: Job and CronJob, and the selector a Job gets at creation.

Reproduces ``kubernetes/pkg/apis/batch/v1/defaults.go`` (``SetDefaults_Job``, ``SetDefaults_CronJob``,
``SetDefaults_PodFailurePolicyOnPodConditionsPattern``) with its ``zz_generated.defaults.go`` (pod template
defaults, also inside a CronJob's job template, which does *not* get the Job defaults: a CronJob shows no
``backoffLimit`` until the Job is created). Feature gates are a default 1.32 API server's:
``JobPodReplacementPolicy`` and ``JobBackoffLimitPerIndex`` are beta and on.

:func:`job_generated_selector` reproduces ``generateSelector`` of ``pkg/registry/batch/job/strategy.go``:
the labels and selector that need the Job's uid, so the API server calls it at create time.
"""

from __future__ import annotations

from pinnace.api.defaults._fields import (
    Obj,
    child,
    default_unset,
    default_zero,
    ensure_child,
    items,
    path,
)
from pinnace.api.defaults.podspec import default_object_meta, default_pod_template
from pinnace.api.gvk import GroupVersionKind

MAX_INT32 = 2**31 - 1

# k8s.io/api/batch/v1 label names: the prefixed ones since 1.27, the legacy ones kept for compatibility.
LEGACY_JOB_NAME_LABEL = "job-name"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"


def _default_pod_failure_policy(job_spec: Obj) -> None:
    """``SetDefaults_PodFailurePolicyOnPodConditionsPattern``: a pattern's status defaults to True."""
    for rule in items(child(job_spec, "podFailurePolicy"), "rules"):
        for pattern in items(rule, "onPodConditions"):
            default_zero(pattern, "status", "True")


def _labels_from_template(job: Obj) -> None:
    """A Job without labels takes its template's labels.

    Upstream assigns the template's label *map* (``obj.Labels = labels``), so at create the generated
    selector labels added to the template later show up on the Job too. The same map object is shared here
    for the same reason; :func:`job_generated_selector` ends the sharing.
    """
    labels = path(job, "spec", "template", "metadata", "labels")
    if labels is None:
        return
    meta = ensure_child(job, "metadata")
    if not meta.get("labels"):
        meta["labels"] = labels


def default_job(job: Obj) -> None:
    """``SetDefaults_Job``."""
    spec = ensure_child(job, "spec")
    # A non-parallel job may leave both unset: both become 1. Completions alone stays unset otherwise
    # (a work-queue job sets parallelism only).
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    default_unset(spec, "parallelism", 1)
    # With a per-index limit the global one is effectively unlimited.
    default_unset(spec, "backoffLimit", MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    _labels_from_template(job)
    default_unset(spec, "completionMode", "NonIndexed")
    default_unset(spec, "suspend", False)
    # With a pod failure policy only Failed is allowed, so that is the default there.
    default_unset(
        spec,
        "podReplacementPolicy",
        "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed",
    )
    default_unset(spec, "manualSelector", False)
    _default_pod_failure_policy(spec)
    default_pod_template(spec)
    ensure_child(job, "status")  # every JobStatus field is omitempty: `status: {}`


def default_cron_job(cron_job: Obj) -> None:
    """``SetDefaults_CronJob``, and the pod template defaults inside the job template."""
    spec = ensure_child(cron_job, "spec")
    default_zero(spec, "concurrencyPolicy", "Allow")
    default_unset(spec, "suspend", False)
    default_unset(spec, "successfulJobsHistoryLimit", 3)
    default_unset(spec, "failedJobsHistoryLimit", 1)
    job_template = ensure_child(spec, "jobTemplate")
    default_object_meta(job_template)
    job_spec = ensure_child(job_template, "spec")
    _default_pod_failure_policy(job_spec)
    default_pod_template(job_spec)
    ensure_child(cron_job, "status")


def job_generated_selector(job: Obj, uid: str) -> None:
    """Add the labels and selector that tie a Job to its pods, unless ``spec.manualSelector`` is true.

    Upstream runs this (``generateSelector``) in the Job strategy's ``PrepareForCreate``, after the uid is
    assigned and after defaulting, so call it after :func:`pinnace.api.defaults.apply_defaults`. Labels the
    user set are kept (validation rejects conflicts). A Job whose labels were defaulted from its template
    gets the generated labels too, as upstream's shared label map gives it.
    """
    spec = ensure_child(job, "spec")
    template_meta = ensure_child(ensure_child(spec, "template"), "metadata")
    meta = ensure_child(job, "metadata")
    labels = template_meta.get("labels")
    shared = labels is not None and meta.get("labels") is labels
    if spec.get("manualSelector") is not True:
        job_name = meta.get("name", "")
        labels = ensure_child(template_meta, "labels")
        for key, value in (
            (LEGACY_JOB_NAME_LABEL, job_name),
            (JOB_NAME_LABEL, job_name),
            (LEGACY_CONTROLLER_UID_LABEL, uid),
            (CONTROLLER_UID_LABEL, uid),
        ):
            labels.setdefault(key, value)
        # Only the prefixed controller-uid label is selected: it is unique on its own.
        match_labels = ensure_child(ensure_child(spec, "selector"), "matchLabels")
        match_labels.setdefault(CONTROLLER_UID_LABEL, uid)
    if shared or (not meta.get("labels") and isinstance(labels, dict)):
        # Upstream re-applies SetDefaults_Job when the stored Job is read back; a copy ends the sharing.
        meta["labels"] = dict(labels) if isinstance(labels, dict) else labels


DEFAULTERS = {
    GroupVersionKind("batch", "v1", "Job"): default_job,
    GroupVersionKind("batch", "v1", "CronJob"): default_cron_job,
}
