"""The Deployment controller: rolls a Deployment's pod template out through ReplicaSets.

``--controllers`` name ``deployment``, as kube-controller-manager's. Layout (after upstream's
``pkg/controller/deployment``):

* :mod:`.controller` — informer handlers (they only enqueue) and ``sync``, which picks the step below;
* :mod:`.sync` — the shared steps: new ReplicaSet and revisions, scaling with events, proportional scaling,
  history cleanup, status; :mod:`.progress` — rollout status and the progress deadline;
* :mod:`.rolling`, :mod:`.recreate` — the two strategies;
* :mod:`.util`, :mod:`.annotations`, :mod:`.conditions`, :mod:`.hash` — pure functions over the objects
  (surge/unavailability arithmetic, revision annotations, conditions, the ``pod-template-hash``).
"""

from __future__ import annotations

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.deployment.controller import DeploymentController

NAME = "deployment"


def new_controller(ctx: ControllerContext) -> DeploymentController:
    return DeploymentController(ctx)
