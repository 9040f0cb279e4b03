"""The StatefulSet controller (upstream's ``pkg/controller/statefulset``): pods with stable names
``<set>-<ordinal>``, each with its own PersistentVolumeClaims, created and deleted in order
(``OrderedReady``) or all at once (``Parallel``), updated by rolling update with a partition or on delete,
with ControllerRevisions as the template history ``kubectl rollout history|undo`` reads.

Modules: :mod:`.identity` (names, ordinals, the pod a set wants), :mod:`.retention` (claims' owners for
``persistentVolumeClaimRetentionPolicy``), :mod:`.podcontrol` (pod and claim writes with their events),
:mod:`.control` (one pass of the algorithm), :mod:`.status`, :mod:`.controller` (informers, queue, sync).
"""

from __future__ import annotations

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.statefulset.controller import StatefulSetController

#: kube-controller-manager's ``--controllers`` name.
NAME = "statefulset"


def new_controller(ctx: ControllerContext) -> StatefulSetController:
    return StatefulSetController(ctx)


__all__ = ["NAME", "StatefulSetController", "new_controller"]
