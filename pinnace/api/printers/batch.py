"""Printers for ``batch/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

Job STATUS (added in Kubernetes 1.30) is the first of ``Complete``, ``Failed``, ``Terminating``,
``Suspended``, ``FailureTarget`` that applies, else ``Running``; COMPLETIONS is ``succeeded/completions``
(``"0/1 of 3"`` for a work queue with parallelism 3); DURATION runs from ``startTime`` to
``completionTime`` (or to now). A CronJob's missing ``suspend`` reads as its v1 default, ``False``.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, CONTAINERS, IMAGES, NAME, Cell, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import (
    human_duration,
    parse_time,
    seconds_between,
    translate_time_since,
    translate_timestamp_since,
)
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_bool,
    get_dict,
    get_dicts,
    get_int,
    get_list,
    get_opt_dict,
    get_opt_int,
    get_opt_str,
    get_str,
    is_deleting,
    name_of,
)
from pinnace.api.printers.formatting import format_label_selector, layout_container_cells, print_bool


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


def _has_condition(job: Obj, condition_type: str) -> bool:
    """``hasJobCondition``: the first condition of this type is ``True``."""
    for condition in get_dicts(job, "status", "conditions"):
        if get_str(condition, "type") == condition_type:
            return get_str(condition, "status") == "True"
    return False


def job_status(job: Obj) -> str:
    if _has_condition(job, "Complete"):
        return "Complete"
    if _has_condition(job, "Failed"):
        return "Failed"
    if is_deleting(job):
        return "Terminating"
    if _has_condition(job, "Suspended"):
        return "Suspended"
    if _has_condition(job, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def job_completions(job: Obj) -> str:
    succeeded = get_int(job, "status", "succeeded")
    completions = get_opt_int(job, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = get_int(job, "spec", "parallelism")
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def job_duration(job: Obj, now: datetime) -> str:
    start = parse_time(get_opt_str(job, "status", "startTime"))
    if start is None:
        return ""
    completion = parse_time(get_opt_str(job, "status", "completionTime"))
    if completion is None:
        return translate_time_since(start, now)
    return human_duration(seconds_between(start, completion))


def job_cells(obj: Obj, now: datetime) -> list[Cell]:
    names, images = layout_container_cells(get_dicts(obj, "spec", "template", "spec", "containers"))
    return [
        name_of(obj),
        job_status(obj),
        job_completions(obj),
        job_duration(obj, now),
        _age(obj, now),
        names,
        images,
        format_label_selector(get_opt_dict(obj, "spec", "selector")),
    ]


JOB = TablePrinter(
    (
        NAME,
        column("Status", "Status of the job."),
        column("Completions", doc("batch/v1.JobStatus.succeeded")),
        column("Duration", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("batch/v1.JobSpec.selector")),
    ),
    job_cells,
)


def cron_job_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    job_spec = get_dict(spec, "jobTemplate", "spec")
    last_schedule = get_opt_str(obj, "status", "lastScheduleTime")
    names, images = layout_container_cells(get_dicts(job_spec, "template", "spec", "containers"))
    time_zone = get_opt_str(spec, "timeZone")
    return [
        name_of(obj),
        get_str(spec, "schedule"),
        "<none>" if time_zone is None else time_zone,
        print_bool(get_bool(spec, "suspend")),
        len(get_list(obj, "status", "active")),
        translate_timestamp_since(last_schedule, now) if last_schedule else "<none>",
        _age(obj, now),
        names,
        images,
        format_label_selector(get_opt_dict(job_spec, "selector")),
    ]


CRON_JOB = TablePrinter(
    (
        NAME,
        column("Schedule", doc("batch/v1beta1.CronJobSpec.schedule")),
        column("Timezone", doc("batch/v1beta1.CronJobSpec.timeZone")),
        column("Suspend", doc("batch/v1beta1.CronJobSpec.suspend"), type="boolean"),
        column("Active", doc("batch/v1beta1.CronJobStatus.active"), type="integer"),
        column("Last Schedule", doc("batch/v1beta1.CronJobStatus.lastScheduleTime")),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", doc("batch/v1.JobSpec.selector")),
    ),
    cron_job_cells,
)


PRINTERS: dict[str, TablePrinter] = {"CronJob": CRON_JOB, "Job": JOB}
"""``batch`` printers by kind."""
