"""The disruption controller: PodDisruptionBudget status, which the eviction subresource spends.

``--controllers`` name ``disruption`` (kube-controller-manager's alias of ``disruption-controller``).
Layout: :mod:`.controller` (handlers, ``sync``, the fail-safe, the stale ``DisruptionTarget`` reset) and
:mod:`.budget` (the numbers: expected, desired and current healthy pods, disruptions allowed, the
``DisruptionAllowed`` condition, ``disruptedPods`` expiry).
"""

from __future__ import annotations

from typing import Final

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.disruption.controller import DisruptionController

NAME: Final = "disruption"


def new_controller(ctx: ControllerContext) -> DisruptionController:
    return DisruptionController(ctx)
