"""The controllers the manager can run, by upstream's ``--controllers`` names.

Each entry names a module that defines ``NAME`` and ``new_controller(ctx: ControllerContext) -> Controller``.
Modules are imported only when enabled, so one controller's import cost or failure never touches another.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import cast

from pinnace.controllers.context import Controller, ControllerContext

ControllerFactory = Callable[[ControllerContext], Controller]

CONTROLLER_MODULES: dict[str, str] = {
    # name (as kube-controller-manager's --controllers flag spells it) -> module
    "garbage-collector": "pinnace.controllers.garbagecollector",
    "namespace": "pinnace.controllers.namespace",
    "resourcequota": "pinnace.controllers.resourcequota",
    "root-ca-cert-publisher": "pinnace.controllers.rootcacertpublisher",
    "serviceaccount": "pinnace.controllers.serviceaccount",
    "job": "pinnace.controllers.job",
    "cronjob": "pinnace.controllers.cronjob",
    "ttl-after-finished": "pinnace.controllers.ttlafterfinished",
    "deployment": "pinnace.controllers.deployment",
    "replicaset": "pinnace.controllers.replicaset",
    "replicationcontroller": "pinnace.controllers.replicationcontroller",
    "endpoint": "pinnace.controllers.endpoints",
    "endpointslice": "pinnace.controllers.endpointslice",
    "endpointslicemirroring": "pinnace.controllers.endpointslicemirroring",
    "disruption": "pinnace.controllers.disruption",
    "nodelifecycle": "pinnace.controllers.nodelifecycle",
    "taint-eviction-controller": "pinnace.controllers.tainteviction",
    "statefulset": "pinnace.controllers.statefulset",
    "daemonset": "pinnace.controllers.daemonset",
    "persistentvolume-binder": "pinnace.controllers.persistentvolume",
    "pvc-protection": "pinnace.controllers.persistentvolume.pvcprotection",
    "pv-protection": "pinnace.controllers.persistentvolume.pvprotection",
    "csrsigning": "pinnace.controllers.certificates.signer",
    # Pinnace's addition (k3s ships rancher/local-path-provisioner in this role).
    "local-path-provisioner": "pinnace.controllers.localpath",
}

#: Controllers that ``*`` does not include (upstream disables these by default too).
DISABLED_BY_DEFAULT: frozenset[str] = frozenset()


class UnknownControllerError(ValueError):
    pass


def enabled_controllers(flags: Sequence[str]) -> list[str]:
    """Upstream's ``--controllers`` semantics: ``*`` is every default-on controller, ``foo`` enables one,
    ``-foo`` disables one. Unknown names are an error naming the known ones."""
    known = set(CONTROLLER_MODULES)
    for flag in flags:
        name = flag.removeprefix("-")
        if name != "*" and name not in known:
            raise UnknownControllerError(
                f'"{name}" is not in the list of known controllers: {", ".join(sorted(known))}'
            )
    chosen: list[str] = []
    for name in sorted(known):
        if f"-{name}" in flags:
            continue
        if name in flags or ("*" in flags and name not in DISABLED_BY_DEFAULT):
            chosen.append(name)
    return chosen


def factory(name: str) -> ControllerFactory:
    module = importlib.import_module(CONTROLLER_MODULES[name])
    return cast(ControllerFactory, module.new_controller)
