"""Which volume a claim gets (upstream's ``findBestMatchForClaim``), as a table."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.api.validation import validate_update
from pinnace.controllers.persistentvolume.helpers import default_class
from pinnace.controllers.persistentvolume.matching import find_best_match_for_claim
from tests.controllers.volumes_support import pv, pvc, storage_class

Object = dict[str, Any]

CASES: list[tuple[str, Object, list[Object], bool, str | None]] = [
    (
        "the smallest volume that is large enough",
        pvc("c", "5Gi"),
        [pv("big", "100Gi"), pv("small", "1Gi"), pv("fits", "10Gi"), pv("exact", "5Gi")],
        False,
        "exact",
    ),
    ("no volume is large enough", pvc("c", "50Gi"), [pv("a", "10Gi")], False, None),
    (
        "capacity compares quantities, not strings",
        pvc("c", "1500Mi"),
        [pv("a", "1Gi"), pv("b", "2Gi"), pv("c", "1600M")],
        False,
        "c",
    ),
    (
        "only volumes of the claim's class",
        pvc("c", storage_class="fast"),
        [pv("slow", storage_class="slow"), pv("none"), pv("fast", "20Gi", storage_class="fast")],
        False,
        "fast",
    ),
    (
        "a claim without class takes only volumes without class",
        pvc("c"),
        [pv("classy", storage_class="fast")],
        False,
        None,
    ),
    (
        "access modes must all be offered",
        pvc("c", modes=("ReadWriteMany",)),
        [pv("rwo", "5Gi"), pv("rwx", "50Gi", modes=("ReadWriteMany",))],
        False,
        "rwx",
    ),
    (
        "fewest access modes first, even when bigger",
        pvc("c"),
        [pv("family", "5Gi", modes=("ReadWriteOnce", "ReadOnlyMany")), pv("exact-modes", "50Gi")],
        False,
        "exact-modes",
    ),
    (
        "volume modes must match",
        pvc("c", volumeMode="Block"),
        [pv("fs"), pv("block", "20Gi", volumeMode="Block")],
        False,
        "block",
    ),
    (
        "the claim's selector filters by label",
        pvc("c", selector={"matchLabels": {"tier": "gold"}}),
        [pv("plain", "5Gi"), pv("gold", "50Gi", labels={"tier": "gold"})],
        False,
        "gold",
    ),
    (
        "volumes not yet Available are skipped",
        pvc("c"),
        [pv("pending", "5Gi", phase="Pending"), pv("released", "5Gi", phase="Released"), pv("ok", "9Gi")],
        False,
        "ok",
    ),
    (
        "volumes being deleted are skipped",
        pvc("c"),
        [{**pv("going"), "metadata": {"name": "going", "deletionTimestamp": "2025-01-01T00:00:00Z"}}],
        False,
        None,
    ),
    (
        "volumes claimed by another claim are skipped",
        pvc("c"),
        [pv("taken", "5Gi", claim="other", claim_uid="u-2"), pv("free", "20Gi")],
        False,
        "free",
    ),
    (
        "a volume pre-bound to the claim wins over a better fit",
        pvc("c", uid="u-1"),
        [pv("fit", "5Gi"), pv("mine", "50Gi", claim="c", phase="Pending")],
        False,
        "mine",
    ),
    (
        "a pre-binding with the uid of another claim of that name does not count",
        pvc("c", uid="u-1"),
        [pv("old", "5Gi", claim="c", claim_uid="u-0")],
        False,
        None,
    ),
    (
        "a pre-bound volume too small is not taken",
        pvc("c", "20Gi"),
        [pv("mine", "5Gi", claim="c")],
        False,
        None,
    ),
    (
        "WaitForFirstConsumer: unbound volumes are the scheduler's to choose",
        pvc("c", storage_class="local"),
        [pv("a", storage_class="local")],
        True,
        None,
    ),
    (
        "WaitForFirstConsumer: a volume pre-bound to the claim is still taken",
        pvc("c", storage_class="local", uid="u-1"),
        [pv("a", storage_class="local"), pv("mine", storage_class="local", claim="c", claim_uid="u-1")],
        True,
        "mine",
    ),
]


@pytest.mark.parametrize(
    ("claim", "volumes", "delay", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_best_match_for_claim(
    claim: Object, volumes: list[Object], delay: bool, expected: str | None
) -> None:
    for volume in volumes:
        volume.setdefault("metadata", {})
    claim["metadata"].setdefault("uid", "u-1")
    found = find_best_match_for_claim(claim, volumes, delay_binding=delay)
    assert (found["metadata"]["name"] if found is not None else None) == expected


def test_default_class_is_the_newest_then_first_by_name() -> None:
    classes = [
        storage_class("old", default=True, created="2024-01-01T00:00:00Z"),
        storage_class("b-new", default=True, created="2025-01-01T00:00:00Z"),
        storage_class("a-new", default=True, created="2025-01-01T00:00:00Z"),
        storage_class("newest-but-not-default", created="2026-01-01T00:00:00Z"),
    ]
    found = default_class(classes)
    assert found is not None and found["metadata"]["name"] == "a-new"
    beta = storage_class("beta")
    beta["metadata"]["annotations"] = {"storageclass.beta.kubernetes.io/is-default-class": "true"}
    found = default_class([beta, storage_class("x")])
    assert found is not None and found["metadata"]["name"] == "beta"


def _stored_claim(**changes: Any) -> Object:
    claim = pvc("data", uid="u-1")
    claim["metadata"].update(resourceVersion="1", creationTimestamp="2025-01-01T00:00:00Z")
    claim["spec"].update(changes)
    return claim


def test_validation_lets_a_claim_without_class_get_one_once() -> None:
    """``validateStorageClassUpgradeFromNil``: what the retroactive default class assignment relies on."""
    old = _stored_claim()
    assert validate_update(_stored_claim(storageClassName="local-path"), old) == []
    changed = validate_update(_stored_claim(storageClassName="other"), _stored_claim(storageClassName="fast"))
    assert [e.field for e in changed] == ["spec"]
    old_beta = _stored_claim()
    old_beta["metadata"]["annotations"] = {"volume.beta.kubernetes.io/storage-class": "fast"}
    new_beta = _stored_claim(storageClassName="local-path")
    new_beta["metadata"]["annotations"] = dict(old_beta["metadata"]["annotations"])
    assert [e.field for e in validate_update(new_beta, old_beta)] == ["spec"]
