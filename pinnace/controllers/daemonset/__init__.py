"""The DaemonSet controller (upstream's ``pkg/controller/daemon``): one pod per eligible node — by node
name, ``nodeSelector``, required node affinity and taints, with the tolerations every daemon pod gets —
bound to its node through a node affinity term the scheduler honours; rolling updates with
``maxUnavailable`` or ``maxSurge``, or ``OnDelete``; ControllerRevisions as the template history.

Modules: :mod:`.util` (templates, labels, affinity term, surge/unavailable counts), :mod:`.placement`
(which nodes), :mod:`.nodes` (what to do on one node), :mod:`.update` (the rolling update plan),
:mod:`.revisions` (history), :mod:`.status`, :mod:`.backoff` (failed pods), :mod:`.controller`.
"""

from __future__ import annotations

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.daemonset.controller import DaemonSetsController

#: kube-controller-manager's ``--controllers`` name.
NAME = "daemonset"


def new_controller(ctx: ControllerContext) -> DaemonSetsController:
    return DaemonSetsController(ctx)


__all__ = ["NAME", "DaemonSetsController", "new_controller"]
