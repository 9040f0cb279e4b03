"""ImageLocality (image_locality_test.go): size x spread, clamped to [23 MiB, 1000 MiB x containers]."""

from __future__ import annotations

from tests.scheduler.builders import container, node, pod
from tests.scheduler.harness import cluster, run_score

MB = 1024 * 1024


def test_nodes_holding_large_images_score_higher() -> None:
    big = {"names": ["registry.example/big:1"], "sizeBytes": 500 * MB}
    small = {"names": ["registry.example/small:latest"], "sizeBytes": 40 * MB}
    c = cluster([node("both", images=[big, small]), node("big", images=[big]), node("none")])
    p = pod(
        "p",
        containers=[
            container("a", image="registry.example/big:1"),
            container("b", image="registry.example/small"),
        ],
    )
    # spread of big: 2/3 nodes -> 333 MiB (and a bit); small: 1/3 -> 13.3 MiB. Threshold span: 2000 MiB - 23 MiB.
    big_score = int(500 * MB * (2 / 3))
    small_score = int(40 * MB * (1 / 3))
    span = 2000 * MB - 23 * MB
    assert run_score(c, "ImageLocality", p) == {
        "both": 100 * (big_score + small_score - 23 * MB) // span,
        "big": 100 * (big_score - 23 * MB) // span,
        "none": 0,
    }


def test_untagged_container_images_match_latest() -> None:
    image = {"names": ["nginx:latest"], "sizeBytes": 900 * MB}
    c = cluster([node("n1", images=[image])])
    assert run_score(c, "ImageLocality", pod("p", containers=[container(image="nginx")])) == {
        "n1": 100 * (900 * MB - 23 * MB) // (977 * MB)
    }
