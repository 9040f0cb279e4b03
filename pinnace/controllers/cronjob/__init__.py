"""The CronJob controller (upstream's ``pkg/controller/cronjob``, the v2 controller).

* :mod:`.schedule` — cron parsing and the next/most recent activation (robfig/cron semantics, croniter);
* :mod:`.controller` — informers, the work queue and the sync: Jobs per activation, concurrency policy,
  history limits, status.

``kubectl create job --from=cronjob/x`` needs nothing from here: kubectl builds the Job from the template
itself (with the ``cronjob.kubernetes.io/instantiate: manual`` annotation) and the Job controller runs it.
"""

from __future__ import annotations

from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.cronjob.controller import CronJobController

NAME = "cronjob"


def new_controller(ctx: ControllerContext) -> Controller:
    return CronJobController(ctx)
