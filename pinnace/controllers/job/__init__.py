"""The Job controller (upstream's ``pkg/controller/job``): runs a Job's pods to completion.

* :mod:`.controller` — informer handlers, the work queues, reading a Job and claiming its pods;
* :mod:`.sync` — one reconciliation: success and failure criteria, then pods and status;
* :mod:`.manage` — creating and deleting pods (slow start, back-off, completion indexes);
* :mod:`.status` — counting finished pods through ``uncountedTerminatedPods`` and finishing the Job;
* :mod:`.indexes`, :mod:`.backoff`, :mod:`.policies`, :mod:`.tracking`, :mod:`.util` — the pieces.

``--job-backoff-base`` (seconds) replaces upstream's fixed 10 s first back-off after a pod failure; tests
lower it so a Job can fail three times in a second.
"""

from __future__ import annotations

from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.job.controller import JobController

NAME = "job"


def new_controller(ctx: ControllerContext) -> Controller:
    return JobController(ctx, pod_failure_backoff=ctx.job_backoff_base)
