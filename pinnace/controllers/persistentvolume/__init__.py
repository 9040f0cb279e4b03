"""The PersistentVolume controller (upstream's ``pkg/controller/volume/persistentvolume``, kube-controller-
manager's ``persistentvolume-binder``): binds claims to volumes, asks provisioners for volumes, releases and
reclaims volumes whose claims are gone.

::

     PVC informer ──► claim queue ──► claim worker ─┐            ┌─► PUT pv / pv/status
     PV informer ───► volume queue ─► volume worker ┤  Binder    ├─► PUT pvc / pvc/status
     StorageClass, Pod informers (read only)        └─ (sync.py) ┴─► Events (persistentvolume-controller)
                          ▲                               │
                          └─ VersionedStore (own writes) ◄┘

* ``helpers.py``: annotations, classes, access and volume modes, pod facts (component-helpers);
* ``matching.py``: which volume a claim gets (``findBestMatchForClaim``);
* ``cache.py``: the controller's own newest-version copies of volumes and claims;
* ``operations.py``: every write (status, binding, default class, provisioning, reclaiming);
* ``sync.py``: the decisions for one claim or one volume;
* ``controller.py``: informers, queues, workers, deletions, resync;
* ``pvcprotection.py``, ``pvprotection.py``: the ``pvc-protection`` and ``pv-protection`` controllers.

Dynamic provisioning is always external here (Pinnace has no in-tree volume plugins): the controller
annotates the claim with ``volume.kubernetes.io/storage-provisioner`` and a provisioner such as
``local-path-provisioner`` (:mod:`pinnace.controllers.localpath`) creates the volume.
"""

from __future__ import annotations

from typing import Final

from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.persistentvolume.controller import PersistentVolumeController

NAME: Final = "persistentvolume-binder"


def new_controller(ctx: ControllerContext) -> Controller:
    return PersistentVolumeController(ctx)
