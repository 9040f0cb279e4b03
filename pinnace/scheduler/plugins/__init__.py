"""The in-tree plugins, one module per plugin, chosen by name from :data:`IN_TREE_REGISTRY`.

Each module exports ``NAME`` and ``new(args, handle)``; pure decision logic lives in module functions
(``fits``, ``untolerated_status``...) that tests and preemption call directly (style.md rule 9).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pinnace.scheduler.framework.interface import PluginFactory
from pinnace.scheduler.plugins import (
    balancedallocation,
    defaultbinder,
    defaultpreemption,
    imagelocality,
    interpodaffinity,
    nodeaffinity,
    nodename,
    nodeports,
    noderesourcesfit,
    nodeunschedulable,
    podtopologyspread,
    prioritysort,
    schedulinggates,
    tainttoleration,
    volumebinding,
    volumerestrictions,
    volumezone,
)

IN_TREE_REGISTRY: Final[Mapping[str, PluginFactory]] = {
    module.NAME: module.new
    for module in (
        schedulinggates,
        prioritysort,
        nodeunschedulable,
        nodename,
        tainttoleration,
        nodeaffinity,
        nodeports,
        noderesourcesfit,
        volumerestrictions,
        volumebinding,
        volumezone,
        podtopologyspread,
        interpodaffinity,
        defaultpreemption,
        balancedallocation,
        imagelocality,
        defaultbinder,
    )
}
