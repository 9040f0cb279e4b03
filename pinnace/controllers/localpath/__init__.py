"""The local-path provisioner (``--controllers`` name ``local-path-provisioner``, on by default): Pinnace's
addition, in the role k3s gives ``rancher/local-path-provisioner``, so a cluster has working dynamic
provisioning out of the box.

It is an *external* provisioner as far as the PV controller is concerned (provisioner name
``pinnace.dev/local-path``), speaking the same protocol as CSI's external-provisioner: it acts on claims
the PV controller annotated for it, creates pre-bound PersistentVolumes that the PV controller then binds,
and deletes the Released volumes it made whose reclaim policy is Delete. The controller manager also makes
sure the ``local-path`` StorageClass exists (default, WaitForFirstConsumer, reclaim policy Delete).

* ``volume.py``: the PV and StorageClass it makes, when it provisions and deletes;
* ``provisioner.py``: the loops (claims, volumes) and the StorageClass on start.

It writes no directory on any host: the PV is a ``hostPath`` with ``type: DirectoryOrCreate`` under the
class's ``nodePath`` (default ``/var/lib/pinnace/storage/<pv>``) that a kubelet creates when a pod mounts
it; hollow nodes run nothing.
"""

from __future__ import annotations

from typing import Final

from pinnace.controllers.context import Controller, ControllerContext
from pinnace.controllers.localpath.provisioner import LocalPathProvisioner

NAME: Final = "local-path-provisioner"


def new_controller(ctx: ControllerContext) -> Controller:
    return LocalPathProvisioner(ctx)
