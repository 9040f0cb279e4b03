"""The ReplicationController controller: the ReplicaSet controller's code path with an RC's resource,
label-map selector and event source (upstream's ``pkg/controller/replication``, an adapter over the ReplicaSet
controller). ``--controllers`` name ``replicationcontroller``.
"""

from __future__ import annotations

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.replicaset.controller import ReplicaSetController
from pinnace.controllers.replicaset.kinds import REPLICATION_CONTROLLER

NAME = "replicationcontroller"


def new_controller(ctx: ControllerContext) -> ReplicaSetController:
    return ReplicaSetController(ctx, REPLICATION_CONTROLLER)
