"""ImageLocality: prefer nodes that already have the pod's images, weighted by image size and by how widely
the image is spread (``pkg/scheduler/framework/plugins/imagelocality/image_locality.go``).

Per container image present on the node: ``int(size * nodes_with_image / all_nodes)``; the sum is clamped to
[23 MiB, 1000 MiB x containers] and scaled to 0..100. Image names are matched as the node reports them,
after adding ``:latest`` to an untagged container image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pinnace.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    CycleState,
    IntArray,
    ScoreExtensions,
    Status,
)
from pinnace.scheduler.framework.snapshot import Snapshot
from pinnace.scheduler.framework.types import NodeInfo, PodInfo
from pinnace.scheduler.plugins import names

NAME = names.IMAGE_LOCALITY
MB: Final = 1024 * 1024
MIN_THRESHOLD: Final = 23 * MB
MAX_CONTAINER_THRESHOLD: Final = 1000 * MB


def normalized_image_name(name: str) -> str:
    """``normalizedImageName``: an image without a tag gets ``:latest``."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


def _images(pod: PodInfo) -> list[str]:
    spec = pod.spec
    return [
        normalized_image_name(str(c.get("image") or ""))
        for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
    ]


def calculate_priority(sum_scores: IntArray, num_containers: int) -> IntArray:
    """``calculatePriority``: clamp to [min, max threshold], then scale to 0..MAX_NODE_SCORE."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    clamped = np.where(
        sum_scores < MIN_THRESHOLD,
        MIN_THRESHOLD,
        np.where(sum_scores > max_threshold, max_threshold, sum_scores),
    )
    span = max_threshold - MIN_THRESHOLD
    if span <= 0:
        return np.zeros(len(sum_scores), dtype=np.int64)
    return (MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) // span).astype(np.int64)


class ImageLocality:
    name = NAME

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]:
        snapshot: Snapshot = self._handle.snapshot
        total_nodes = max(snapshot.num_nodes, 1)
        total = 0
        for image in _images(pod):
            size = node_info.image_sizes.get(image)
            if size is not None:
                _, present = snapshot.image(image)
                total += int(float(size) * (int(present.sum()) / total_nodes))
        images = _images(pod)
        return int(calculate_priority(np.array([total], dtype=np.int64), len(images))[0]), None

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray:
        images = _images(pod)
        total_nodes = max(snapshot.num_nodes, 1)
        sums = np.zeros(len(indices), dtype=np.int64)
        for image in images:
            sizes, present = snapshot.image(image)
            num_nodes = int(present.sum())
            if num_nodes == 0:
                continue
            spread = num_nodes / total_nodes
            contribution = (sizes[indices].astype(np.float64) * spread).astype(np.int64)
            sums += np.where(present[indices], contribution, 0)
        return calculate_priority(sums, len(images))

    def score_extensions(self) -> ScoreExtensions | None:
        return None


def new(args: Mapping[str, Any], handle: Any) -> ImageLocality:
    return ImageLocality(handle)
