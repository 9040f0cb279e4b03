"""DefaultBinder: POST a Binding to the pod's ``binding`` subresource
(``pkg/scheduler/framework/plugins/defaultbinder/default_binder.go``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pinnace.client.errors import ApiError
from pinnace.client.resources import PODS
from pinnace.scheduler.framework.handle import Handle
from pinnace.scheduler.framework.interface import CycleState, Status
from pinnace.scheduler.framework.types import PodInfo
from pinnace.scheduler.plugins import names

NAME = names.DEFAULT_BINDER


class DefaultBinder:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        client = self._handle.client
        if client is None:
            return Status.as_status(RuntimeError("DefaultBinder has no API client"))
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"namespace": pod.namespace, "name": pod.name, "uid": pod.uid},
            "target": {"kind": "Node", "name": node_name},
        }
        try:
            await client.create(PODS, binding, pod.namespace, subresource="binding", name=pod.name)
        except ApiError as err:
            return Status.as_status(err)
        return None


def new(args: Mapping[str, Any], handle: Handle) -> DefaultBinder:
    return DefaultBinder(handle)
