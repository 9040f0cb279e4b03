"""Jobs and CronJobs (``batch/v1``).

Reproduces ``pkg/apis/batch/validation/validation.go`` (Kubernetes 1.32): ``validateJobSpec`` (counts,
completion modes, pod failure and success policies, pod replacement policy, the template with
``restartPolicy`` OnFailure or Never), ``ValidateJobSpecUpdate`` (selector, template and completion mode are
immutable; Indexed jobs may scale completions with parallelism), ``ValidateCronJobCreate`` (names of at most
52 characters, a cron schedule, ``timeZone``) and ``ValidateJobTemplateSpec``.

The Job strategy generates ``spec.selector`` and the matching template labels before validating unless
``manualSelector`` is true; when the selector is absent here it is assumed to be generated that way.
"""

from __future__ import annotations

from typing import Any, Final

from pinnace.api.gofmt import GoValue, go_label_selector, go_string_map
from pinnace.api.names import (
    blen,
    is_dns1123_label,
    is_domain_prefixed_path_errors,
    is_qualified_name,
    name_is_dns_subdomain,
)
from pinnace.api.validation.cron import CronError, load_location, parse_standard
from pinnace.api.validation.field import (
    OMIT_VALUE,
    FieldError,
    Path,
    duplicate,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
)
from pinnace.api.validation.meta import (
    label_selector_as_selector,
    validate_immutable_field,
    validate_label_selector,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from pinnace.api.validation.pod import restart_policy, validate_pod_template_spec
from pinnace.api.validation.values import (
    Obj,
    boolean,
    integer,
    items,
    obj,
    objects,
    opt_obj,
    semantic_equal,
    string,
    string_map,
)

_SPEC: Final = Path.root("spec")
_TEMPLATE_ERROR: Final = GoValue("core.PodTemplateSpec{...}")
_FAILURE_ACTIONS: Final = ["Count", "FailIndex", "FailJob", "Ignore"]
_CONDITION_STATUSES: Final = ["False", "True", "Unknown"]
_TZ_PART: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+")


def _pod_failure_policy(spec: Obj, policy: Obj, path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    rules = objects(policy, "rules")
    rules_path = path.child("rules")
    if len(rules) > 20:
        errs.append(too_many(rules_path, len(rules), 20))
    tspec = obj(obj(spec, "template"), "spec")
    names = {string(c, "name") for c in objects(tspec, "containers") + objects(tspec, "initContainers")}
    for i, rule in enumerate(rules):
        rp = rules_path.index(i)
        action = string(rule, "action")
        if not action:
            errs.append(
                required(rp.child("action"), 'valid values: ["Count" "FailIndex" "FailJob" "Ignore"]')
            )
        elif action == "FailIndex":
            if spec.get("backoffLimitPerIndex") is None:
                errs.append(
                    invalid(rp.child("action"), action, "requires the backoffLimitPerIndex to be set")
                )
        elif action not in _FAILURE_ACTIONS:
            errs.append(not_supported(rp.child("action"), action, _FAILURE_ACTIONS))
        on_exit = opt_obj(rule, "onExitCodes")
        conditions = objects(rule, "onPodConditions")
        if on_exit is not None:
            errs += _on_exit_codes(on_exit, names, rp.child("onExitCodes"))
        for j, pattern in enumerate(conditions):
            pp = rp.child("onPodConditions").index(j)
            errs += [
                invalid(pp.child("type"), string(pattern, "type"), m)
                for m in is_qualified_name(string(pattern, "type"))
            ]
            status = string(pattern, "status") or "True"
            if status not in _CONDITION_STATUSES:
                errs.append(not_supported(pp.child("status"), status, _CONDITION_STATUSES))
        if on_exit is not None and conditions:
            detail = "specifying both OnExitCodes and OnPodConditions is not supported"
            errs.append(invalid(rp, OMIT_VALUE, detail))
        if on_exit is None and not conditions:
            errs.append(
                invalid(rp, OMIT_VALUE, "specifying one of OnExitCodes and OnPodConditions is required")
            )
    return errs


def _on_exit_codes(on_exit: Obj, names: set[str], path: Path) -> list[FieldError]:
    errs: list[FieldError] = []
    operator = string(on_exit, "operator")
    if not operator:
        errs.append(required(path.child("operator"), 'valid values: ["In" "NotIn"]'))
    elif operator not in ("In", "NotIn"):
        errs.append(not_supported(path.child("operator"), operator, ["In", "NotIn"]))
    container = on_exit.get("containerName")
    if isinstance(container, str) and container not in names:
        detail = "must be one of the container or initContainer names in the pod template"
        errs.append(invalid(path.child("containerName"), container, detail))
    values = [v for v in items(on_exit, "values") if isinstance(v, int)]
    vpath = path.child("values")
    if not values:
        errs.append(invalid(vpath, GoValue("[]int32(nil)"), "at least one value is required"))
    elif len(values) > 255:
        errs.append(too_many(vpath, len(values), 255))
    seen: set[int] = set()
    for j, value in enumerate(values):
        if operator == "In" and value == 0:
            errs.append(invalid(vpath.index(j), value, "must not be 0 for the In operator"))
        if value in seen:
            errs.append(duplicate(vpath.index(j), value))
        seen.add(value)
    if values != sorted(values):
        errs.append(
            invalid(vpath, GoValue("[]int32{" + ", ".join(map(str, values)) + "}"), "must be ordered")
        )
    return errs


def _job_spec(spec: Obj, path: Path) -> list[FieldError]:
    """``validateJobSpec``: everything but the selector."""
    errs: list[FieldError] = []
    for key in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
    ):
        errs += validate_nonnegative(integer(spec, key), path.child(key))
    max_failed = integer(spec, "maxFailedIndexes")
    if max_failed is not None:
        errs += validate_nonnegative(max_failed, path.child("maxFailedIndexes"))
        if spec.get("backoffLimitPerIndex") is None:
            errs.append(required(path.child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
    managed_by = spec.get("managedBy")
    if isinstance(managed_by, str):
        if not managed_by:
            errs.append(required(path.child("managedBy")))
        errs += [
            invalid(path.child("managedBy"), v, m)
            for v, m in is_domain_prefixed_path_errors(managed_by)
            if managed_by
        ]
        if blen(managed_by) > 63:
            errs.append(too_long(path.child("managedBy"), 63))
    mode = string(spec, "completionMode") or "NonIndexed"
    completions, parallelism = integer(spec, "completions"), integer(spec, "parallelism")
    if mode not in ("NonIndexed", "Indexed"):
        errs.append(not_supported(path.child("completionMode"), mode, ["NonIndexed", "Indexed"]))
    if mode == "Indexed":
        if completions is None:
            errs.append(required(path.child("completions"), "when completion mode is Indexed"))
        if parallelism is not None and parallelism > 100000:
            detail = "must be less than or equal to 100000 when completion mode is Indexed"
            errs.append(invalid(path.child("parallelism"), parallelism, detail))
        if completions is not None and max_failed is not None and max_failed > completions:
            errs.append(
                invalid(
                    path.child("maxFailedIndexes"), max_failed, "must be less than or equal to completions"
                )
            )
    else:
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            value = integer(spec, key)
            if value is not None:
                errs.append(invalid(path.child(key), value, "requires indexed completion mode"))
    failure_policy = opt_obj(spec, "podFailurePolicy")
    if failure_policy is not None:
        errs += _pod_failure_policy(spec, failure_policy, path.child("podFailurePolicy"))
    success_policy = opt_obj(spec, "successPolicy")
    if success_policy is not None and mode != "Indexed":
        errs.append(
            invalid(
                path.child("successPolicy"),
                GoValue("batch.SuccessPolicy{...}"),
                "requires indexed completion mode",
            )
        )
    replacement = spec.get("podReplacementPolicy")
    if isinstance(replacement, str):
        allowed = ["Failed"] if failure_policy is not None else ["Failed", "TerminatingOrFailed"]
        if replacement not in allowed:
            errs.append(not_supported(path.child("podReplacementPolicy"), replacement, allowed))
    template = obj(spec, "template")
    errs += validate_pod_template_spec(template, path.child("template"))
    policy = restart_policy(obj(template, "spec"))
    policy_path = path.child("template", "spec", "restartPolicy")
    if policy == "Always":
        errs.append(required(policy_path, 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        errs.append(not_supported(policy_path, policy, ["OnFailure", "Never"]))
    elif failure_policy is not None and policy != "Never":
        errs.append(
            invalid(policy_path, policy, 'only "Never" is supported when podFailurePolicy is specified')
        )
    return errs


def _generated_labels(job: Obj) -> dict[str, str]:
    meta = obj(job, "metadata")
    uid, name = string(meta, "uid"), string(meta, "name")
    return {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }


def _job_selector(job: Obj, *, generated: bool) -> list[FieldError]:
    """``ValidateJobSpec``'s selector checks.

    With ``generated`` (a create without ``manualSelector``) the strategy has generated the selector and the
    matching template labels before upstream validates, so an absent selector is fine and the generated labels
    count as present.
    """
    spec = obj(job, "spec")
    selector = opt_obj(spec, "selector")
    labels = string_map(obj(obj(spec, "template"), "metadata"), "labels")
    mismatch = "`selector` does not match template `labels`"
    mismatch_path = _SPEC.child("template", "metadata", "labels")
    if selector is None:
        if generated:
            return []
        # A nil selector is required, and as labels.Nothing() it matches no template either.
        return [required(_SPEC.child("selector")), invalid(mismatch_path, go_string_map(labels), mismatch)]
    errs = validate_label_selector(selector, _SPEC.child("selector"))
    effective = labels
    if generated:
        effective = _generated_labels(job) | (labels or {})
        match_labels = string_map(selector, "matchLabels") or {}
        selector = {
            **selector,
            "matchLabels": {k: v for k, v in match_labels.items() if not k.endswith("controller-uid")},
        }
    parsed = label_selector_as_selector(selector)
    if parsed is not None and not parsed.matches(effective or {}):
        errs.append(invalid(mismatch_path, go_string_map(labels), mismatch))
    return errs


def validate_job(job: Obj) -> list[FieldError]:
    meta, spec = obj(job, "metadata"), obj(job, "spec")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain)
    errs += _job_spec(spec, _SPEC) + _job_selector(job, generated=boolean(spec, "manualSelector") is not True)
    completions = integer(spec, "completions")
    if string(spec, "completionMode") == "Indexed" and completions is not None and completions > 0:
        hostname = f"{string(meta, 'name')}-{completions - 1}"
        if is_dns1123_label(hostname):
            detail = f"will not able to create pod with invalid DNS label: {hostname}"
            errs.append(invalid(Path.root("metadata", "name"), string(meta, "name"), detail))
    return errs


_SCHEDULING_FIELDS: Final = ("nodeSelector", "tolerations", "schedulingGates")


def _template_update(new_spec: Obj, old_spec: Obj, mutable_scheduling: bool) -> list[FieldError]:
    new_t, old_t = obj(new_spec, "template"), obj(old_spec, "template")
    if mutable_scheduling:
        old_t = {**old_t, "metadata": {**obj(old_t, "metadata")}, "spec": {**obj(old_t, "spec")}}
        for key in ("labels", "annotations"):
            old_t["metadata"][key] = obj(new_t, "metadata").get(key)
        for key in _SCHEDULING_FIELDS:
            old_t["spec"][key] = obj(new_t, "spec").get(key)
        old_aff, new_aff = dict(obj(old_t["spec"], "affinity")), obj(obj(new_t, "spec"), "affinity")
        old_aff["nodeAffinity"] = new_aff.get("nodeAffinity")
        old_t["spec"]["affinity"] = old_aff
    return validate_immutable_field(new_t, old_t, _SPEC.child("template"), _TEMPLATE_ERROR)


def validate_job_update(new: Obj, old: Obj) -> list[FieldError]:
    """``ValidateJobUpdate``."""
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    new_spec, old_spec = obj(new, "spec"), obj(old, "spec")
    errs += _job_spec(new_spec, _SPEC) + _job_selector(new, generated=False)
    new_c, old_c = integer(new_spec, "completions"), integer(old_spec, "completions")
    if string(new_spec, "completionMode") == "Indexed" and new_c is not None and new_c != old_c:
        if new_c != integer(new_spec, "parallelism"):
            errs.append(
                invalid(
                    _SPEC.child("completions"), new_c, "can only be modified in tandem with spec.parallelism"
                )
            )
    elif new_c != old_c:
        errs.append(invalid(_SPEC.child("completions"), new_c, "field is immutable"))
    new_sel = opt_obj(new_spec, "selector")
    errs += validate_immutable_field(
        new_sel, opt_obj(old_spec, "selector"), _SPEC.child("selector"), go_label_selector(new_sel)
    )
    suspended = boolean(new_spec, "suspend") is True and boolean(old_spec, "suspend") is True
    never_started = obj(old, "status").get("startTime") is None
    errs += _template_update(new_spec, old_spec, suspended and never_started)
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
        new_v, old_v = new_spec.get(key), old_spec.get(key)
        if key == "completionMode":
            new_v, old_v = new_v or "NonIndexed", old_v or "NonIndexed"
        if not semantic_equal(new_v, old_v):
            bad: Any = (
                new_v if isinstance(new_v, str | int) else GoValue(f"batch.{key[0].upper()}{key[1:]}{{...}}")
            )
            errs.append(invalid(_SPEC.child(key), bad, "field is immutable"))
    return errs


def _job_template(spec: Obj, path: Path) -> list[FieldError]:
    """``ValidateJobTemplateSpec``: the selector will be generated, so it may not be set."""
    job_spec = obj(spec, "spec")
    errs = _job_spec(job_spec, path.child("spec"))
    selector = opt_obj(job_spec, "selector")
    if selector is not None:
        errs.append(
            invalid(
                path.child("spec", "selector"),
                go_label_selector(selector),
                "`selector` will be auto-generated",
            )
        )
    if boolean(job_spec, "manualSelector") is True:
        errs.append(not_supported(path.child("spec", "manualSelector"), True, ["nil", "false"]))
    return errs


def _time_zone(zone: str | None, path: Path) -> list[FieldError]:
    if zone is None:
        return []
    if not zone:
        return [invalid(path, zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if (
            part in (".", "..")
            or part.startswith("-")
            or not 1 <= len(part) <= 14
            or not set(part) <= _TZ_PART
        ):
            return [invalid(path, zone, f"unknown time zone {zone}")]
    errs: list[FieldError] = []
    if zone.lower() == "local":
        detail = "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        errs.append(invalid(path, zone, detail))
    if (msg := load_location(zone)) is not None:
        errs.append(invalid(path, zone, msg))
    return errs


def _cron_job_spec(spec: Obj, old_spec: Obj | None) -> list[FieldError]:
    errs: list[FieldError] = []
    schedule = string(spec, "schedule")
    spath = _SPEC.child("schedule")
    zone = spec.get("timeZone") if isinstance(spec.get("timeZone"), str) else None
    if not schedule:
        errs.append(required(spath))
    else:
        try:
            parse_standard(schedule)
        except CronError as err:
            errs.append(invalid(spath, schedule, str(err)))
        allow_tz = old_spec is not None and "TZ" in string(old_spec, "schedule")
        if allow_tz and "TZ" in schedule and zone is not None:
            errs.append(
                invalid(spath, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")
            )
        elif not allow_tz and "TZ" in schedule:
            errs.append(
                invalid(spath, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
            )
    errs += validate_nonnegative(
        integer(spec, "startingDeadlineSeconds"), _SPEC.child("startingDeadlineSeconds")
    )
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        errs += _time_zone(zone, _SPEC.child("timeZone"))
    policy = string(spec, "concurrencyPolicy") or "Allow"
    if policy not in ("Allow", "Forbid", "Replace"):
        errs.append(not_supported(_SPEC.child("concurrencyPolicy"), policy, ["Allow", "Forbid", "Replace"]))
    errs += _job_template(obj(spec, "jobTemplate"), _SPEC.child("jobTemplate"))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        errs += validate_nonnegative(integer(spec, key), _SPEC.child(key))
    return errs


def validate_cron_job(cron_job: Obj) -> list[FieldError]:
    meta = obj(cron_job, "metadata")
    errs = validate_object_meta(meta, namespaced=True, name_fn=name_is_dns_subdomain)
    errs += _cron_job_spec(obj(cron_job, "spec"), None)
    name = string(meta, "name")
    if len(name) > 52:
        # The controller appends an 11-character suffix to make Job names of at most 63.
        errs.append(invalid(Path.root("metadata", "name"), name, "must be no more than 52 characters"))
    return errs


def validate_cron_job_update(new: Obj, old: Obj) -> list[FieldError]:
    errs = validate_object_meta_update(obj(new, "metadata"), obj(old, "metadata"))
    return errs + _cron_job_spec(obj(new, "spec"), obj(old, "spec"))
