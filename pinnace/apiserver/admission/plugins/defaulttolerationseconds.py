"""DefaultTolerationSeconds: a pod tolerates a not-ready or unreachable node for 300 s before it is evicted
(``plugin/pkg/admission/defaulttolerationseconds``).

Unless the pod already tolerates the taint (a toleration with that key or no key, and effect NoExecute or
none), it gets ``node.kubernetes.io/not-ready`` and ``node.kubernetes.io/unreachable`` tolerations with
``tolerationSeconds: 300`` (kube-apiserver's ``--default-not-ready-toleration-seconds`` and
``--default-unreachable-toleration-seconds`` defaults).
"""

from __future__ import annotations

from pinnace.apiserver.admission.attributes import Attributes, Object, Operation
from pinnace.apiserver.admission.interfaces import Handler, PluginContext

NAME = "DefaultTolerationSeconds"

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300


def _toleration(key: str, seconds: int) -> Object:
    return {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}


def _tolerates(tolerations: list[Object], key: str) -> bool:
    return any(
        toleration.get("key", "") in (key, "") and toleration.get("effect", "") in ("NoExecute", "")
        for toleration in tolerations
        if isinstance(toleration, dict)
    )


class DefaultTolerationSeconds(Handler):
    def __init__(
        self,
        not_ready_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
        unreachable_seconds: int = DEFAULT_UNREACHABLE_TOLERATION_SECONDS,
    ) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE)
        self.not_ready_seconds = not_ready_seconds
        self.unreachable_seconds = unreachable_seconds

    async def admit(self, attributes: Attributes) -> None:
        if (attributes.resource.group, attributes.resource.resource) != (
            "",
            "pods",
        ) or attributes.subresource:
            return
        pod = attributes.object
        if pod is None:
            return
        spec = pod.setdefault("spec", {})
        tolerations = spec.get("tolerations")
        if not isinstance(tolerations, list):
            tolerations = []
        added = []
        if not _tolerates(tolerations, NOT_READY_TAINT):
            added.append(_toleration(NOT_READY_TAINT, self.not_ready_seconds))
        if not _tolerates(tolerations, UNREACHABLE_TAINT):
            added.append(_toleration(UNREACHABLE_TAINT, self.unreachable_seconds))
        if added:
            spec["tolerations"] = [*tolerations, *added]


def new(context: PluginContext) -> DefaultTolerationSeconds:
    return DefaultTolerationSeconds()
