"""The Deployment controller's pure arithmetic: fenceposts, new ReplicaSet sizes, proportions, the
pod-template-hash, revision annotations and conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.controllers.deployment import annotations as ann
from pinnace.controllers.deployment import conditions as cond
from pinnace.controllers.deployment import util
from pinnace.controllers.deployment.hash import compute_hash, equal_ignore_hash, fnv32a, safe_encode_string
from pinnace.controllers.intstr import IntOrPercentError

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def deployment(replicas: int, surge: Any = "25%", unavailable: Any = "25%", **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "generation": 1},
        "spec": {
            "replicas": replicas,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
            "progressDeadlineSeconds": 600,
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}},
        },
        "status": status,
    }


def rs(
    name: str, replicas: int, *, max_replicas: int | None = None, created: int = 0, **status: Any
) -> dict[str, Any]:
    annotations = {} if max_replicas is None else {ann.MAX_REPLICAS_ANNOTATION: str(max_replicas)}
    stamp = (NOW + timedelta(seconds=created)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {"name": name, "uid": name, "annotations": annotations, "creationTimestamp": stamp},
        "spec": {"replicas": replicas},
        "status": status,
    }


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        pytest.param("25%", "25%", 10, (3, 2), id="percent surge rounds up, unavailable rounds down"),
        pytest.param("25%", "25%", 3, (1, 0), id="three replicas: one surge, none unavailable"),
        pytest.param(1, 0, 4, (1, 0), id="absolute numbers"),
        pytest.param("0%", "1%", 2, (0, 1), id="both resolving to zero allows one unavailable"),
        pytest.param(0, 0, 5, (0, 1), id="explicit zeros too"),
        pytest.param(None, 2, 5, (0, 2), id="a missing value is zero"),
    ],
)
def test_resolve_fenceposts(surge: Any, unavailable: Any, desired: int, expected: tuple[int, int]) -> None:
    assert util.resolve_fenceposts(surge, unavailable, desired) == expected


def test_a_bad_percentage_is_an_error() -> None:
    with pytest.raises(IntOrPercentError, match="string is not a percentage"):
        util.resolve_fenceposts("5", 0, 10)


def test_max_unavailable_is_capped_at_replicas_and_zero_for_recreate() -> None:
    assert util.max_unavailable(deployment(2, 0, 5)) == 2
    recreate = deployment(3)
    recreate["spec"]["strategy"] = {"type": "Recreate"}
    assert util.max_unavailable(recreate) == 0 and util.max_surge(recreate) == 0


@pytest.mark.parametrize(
    ("old_replicas", "new_replicas", "expected"),
    [
        pytest.param(10, 0, 3, id="a fresh rollout starts with the surge"),
        pytest.param(8, 3, 5, id="grows by what the old ReplicaSet gave up"),
        pytest.param(10, 3, 3, id="cannot grow past replicas plus surge"),
        pytest.param(0, 9, 10, id="never past the desired replicas"),
    ],
)
def test_new_rs_new_replicas(old_replicas: int, new_replicas: int, expected: int) -> None:
    d = deployment(10)
    new = rs("new", new_replicas)
    assert util.new_rs_new_replicas(d, [rs("old", old_replicas), new], new) == expected


def test_proportional_scaling_shares_follow_max_replicas_annotations() -> None:
    d = deployment(20)
    old, new = rs("old", 8, max_replicas=13), rs("new", 5, max_replicas=13)
    # Scaling 10 -> 20 with 13 pods (maxSurge 3): 25 allowed, 12 to add.
    assert util.get_proportion(old, d, 12, 0) == 7
    assert util.get_proportion(new, d, 12, 7) == 5


def test_find_new_replica_set_ignores_the_hash_label_and_picks_the_oldest() -> None:
    d = deployment(1)
    template = d["spec"]["template"]
    hashed = {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": template["spec"]}
    older, newer = rs("older", 1, created=0), rs("newer", 1, created=5)
    older["spec"]["template"] = hashed
    newer["spec"]["template"] = hashed
    other = rs("other", 1)
    other["spec"]["template"] = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "x"}]},
    }
    assert util.find_new_replica_set(d, [newer, other, older]) is older


def test_find_active_or_latest() -> None:
    assert util.find_active_or_latest(rs("new", 0), [rs("old", 3)])["metadata"]["name"] == "old"
    assert util.find_active_or_latest(rs("new", 0, created=9), [rs("old", 0)])["metadata"]["name"] == "new"
    assert util.find_active_or_latest(rs("new", 1), [rs("old", 3)]) is None


def test_pod_template_hash_is_stable_and_safe() -> None:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "a"}]}}
    first = compute_hash(template, None)
    assert first == compute_hash({"spec": template["spec"], "metadata": template["metadata"]}, None)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(first) <= 10
    changed = {**template, "spec": {"containers": [{"name": "c", "image": "b"}]}}
    assert compute_hash(changed, None) != first
    assert compute_hash(template, 1) != first != compute_hash(template, 0)


def test_fnv32a_and_safe_encoding_match_go() -> None:
    # hash/fnv New32a over "" and "a" (Go's test vectors), and rand.SafeEncodeString's digit mapping.
    assert fnv32a(b"") == 0x811C9DC5 and fnv32a(b"a") == 0xE40C292C
    assert safe_encode_string("0123456789") == "456789bcdf"


def test_equal_ignore_hash_tolerates_empty_lists_and_maps() -> None:
    left = {
        "metadata": {"labels": {"app": "web", "pod-template-hash": "x"}},
        "spec": {"containers": [], "a": 1},
    }
    right = {"metadata": {"labels": {"app": "web"}, "annotations": {}}, "spec": {"a": 1}}
    assert equal_ignore_hash(left, right)
    assert not equal_ignore_hash(left, {"metadata": {"labels": {"app": "db"}}, "spec": {"a": 1}})
    assert not equal_ignore_hash({"spec": {"v": {"emptyDir": {}}}}, {"spec": {"v": {}}})


def test_new_replica_set_annotations_on_create_and_rollback() -> None:
    d = deployment(3)
    d["metadata"]["annotations"] = {
        "kubernetes.io/change-cause": "kubectl set image",
        ann.LAST_APPLIED_CONFIG_ANNOTATION: "{}",
        ann.REVISION_ANNOTATION: "7",
    }
    new = rs("new", 0)
    assert ann.set_new_replica_set_annotations(d, new, "1", False, 1)
    assert new["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "kubectl set image",
        ann.REVISION_ANNOTATION: "1",
        ann.DESIRED_REPLICAS_ANNOTATION: "3",
        ann.MAX_REPLICAS_ANNOTATION: "4",
    }
    # A rollback makes an old ReplicaSet new again: it gets the next revision and keeps its old ones.
    assert ann.set_new_replica_set_annotations(d, new, "3", True, 1)
    assert new["metadata"]["annotations"][ann.REVISION_ANNOTATION] == "3"
    assert new["metadata"]["annotations"][ann.REVISION_HISTORY_ANNOTATION] == "1"
    assert ann.set_new_replica_set_annotations(d, new, "5", True, 1)
    assert new["metadata"]["annotations"][ann.REVISION_HISTORY_ANNOTATION] == "1,3"
    assert not ann.set_new_replica_set_annotations(d, new, "4", True, 1)


def test_last_revision_is_the_second_highest() -> None:
    sets = [rs(f"r{i}", 0) for i in range(3)]
    for item, value in zip(sets, ("1", "4", "2"), strict=True):
        item["metadata"]["annotations"][ann.REVISION_ANNOTATION] = value
    assert ann.max_revision(sets) == 4 and ann.last_revision(sets) == 2


def test_set_condition_keeps_transition_time_when_status_stays() -> None:
    status: dict[str, Any] = {}
    cond.set_condition(status, cond.new_condition("Progressing", "True", "A", "a", NOW))
    later = NOW + timedelta(minutes=1)
    cond.set_condition(status, cond.new_condition("Progressing", "True", "B", "b", later))
    [condition] = status["conditions"]
    assert condition["reason"] == "B" and condition["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    assert condition["lastUpdateTime"] == "2025-01-01T00:01:00Z"
    cond.set_condition(
        status, cond.new_condition("Progressing", "True", "B", "again", later + timedelta(hours=1))
    )
    assert status["conditions"][0]["message"] == "b"


def test_timed_out_once_the_progressing_condition_is_older_than_the_deadline() -> None:
    d = deployment(1)
    status: dict[str, Any] = {}
    cond.set_condition(status, cond.new_condition("Progressing", "True", "ReplicaSetUpdated", "", NOW))
    assert not cond.deployment_timed_out(d, status, NOW + timedelta(seconds=600))
    assert cond.deployment_timed_out(d, status, NOW + timedelta(seconds=601))
    d["spec"]["progressDeadlineSeconds"] = 2**31 - 1
    assert not cond.deployment_timed_out(d, status, NOW + timedelta(days=365))
