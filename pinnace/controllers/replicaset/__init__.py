"""The ReplicaSet controller: keeps ``spec.replicas`` pods running for every ReplicaSet.

``--controllers`` name ``replicaset``, as kube-controller-manager's. Layout:

* :mod:`.controller` — informer handlers (they only enqueue), expectations, ``sync``;
* :mod:`.ranking` — which pods go first when scaling down;
* :mod:`.status` — status fields and the ``ReplicaFailure`` condition;
* :mod:`.kinds` — what differs between ReplicaSets and ReplicationControllers (one code path serves both;
  :mod:`pinnace.controllers.replicationcontroller` registers the second).
"""

from __future__ import annotations

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.replicaset.controller import ReplicaSetController
from pinnace.controllers.replicaset.kinds import REPLICA_SET

NAME = "replicaset"


def new_controller(ctx: ControllerContext) -> ReplicaSetController:
    return ReplicaSetController(ctx, REPLICA_SET)
