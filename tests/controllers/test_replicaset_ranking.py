"""Which pods a ReplicaSet deletes first: upstream's ``ActivePodsWithRanks`` order, rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pinnace.controllers.replicaset.ranking import get_pods_to_delete

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def ts(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(
    name: str,
    *,
    node: str = "n1",
    phase: str = "Running",
    ready: bool = True,
    ready_for: float = 3600,
    created: float = 7200,
    restarts: int = 0,
    cost: str | None = None,
    uid: str = "",
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "uid": uid or name, "creationTimestamp": ts(created)}
    if cost is not None:
        metadata["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ts(ready_for)}
    ]
    return {
        "metadata": metadata,
        "spec": {"nodeName": node} if node else {},
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": [{"name": "c", "restartCount": restarts}],
        },
    }


CASES = [
    pytest.param(
        [pod("assigned"), pod("unassigned", node="")], "unassigned", id="unassigned before assigned"
    ),
    pytest.param([pod("running"), pod("pending", phase="Pending")], "pending", id="pending before running"),
    pytest.param([pod("running"), pod("unknown", phase="Unknown")], "unknown", id="unknown before running"),
    pytest.param([pod("ready"), pod("not-ready", ready=False)], "not-ready", id="not ready before ready"),
    pytest.param(
        [pod("expensive", cost="100"), pod("cheap", cost="-5")], "cheap", id="lower deletion cost first"
    ),
    pytest.param(
        [pod("bad-cost", cost="x"), pod("negative", cost="-1")],
        "negative",
        id="an unparsable deletion cost counts as zero",
    ),
    pytest.param(
        [pod("alone", node="n2"), pod("crowded", node="n1")],
        "crowded",
        id="more related pods on the node first",
    ),
    pytest.param(
        [pod("long", ready_for=100_000), pod("recent", ready_for=10)],
        "recent",
        id="ready for less time first",
    ),
    pytest.param([pod("steady", restarts=0), pod("flaky", restarts=7)], "flaky", id="more restarts first"),
    pytest.param([pod("old", created=100_000), pod("new", created=10)], "new", id="newer first"),
    pytest.param(
        [pod("newer", created=40, uid="b"), pod("older", created=45, uid="a")],
        "older",
        id="ages in the same log2 bucket tie and fall back to uid",
    ),
]


@pytest.mark.parametrize(("pods", "first"), CASES)
def test_the_cheapest_pod_to_lose_goes_first(pods: list[dict[str, Any]], first: str) -> None:
    related = [*pods, pod("sibling", node="n1")]
    chosen = get_pods_to_delete(pods, related, 1, NOW)
    assert [p["metadata"]["name"] for p in chosen] == [first]


def test_rules_apply_in_order_unassigned_beats_everything_later() -> None:
    pods = [
        pod("ready-new-restarting", created=5, restarts=9, ready=True),
        pod("unassigned-old", node="", created=100_000, ready=True),
        pod("not-ready", ready=False),
    ]
    chosen = get_pods_to_delete(pods, pods, 2, NOW)
    assert [p["metadata"]["name"] for p in chosen] == ["unassigned-old", "not-ready"]


def test_deleting_everything_skips_ranking() -> None:
    pods = [pod("a"), pod("b", node="")]
    assert [p["metadata"]["name"] for p in get_pods_to_delete(pods, [], 2, NOW)] == ["a", "b"]


def test_inactive_related_pods_do_not_count_for_the_rank() -> None:
    finished = pod("done", node="n1", phase="Succeeded")
    pods = [pod("on-n1", node="n1"), pod("on-n2", node="n2")]
    related = [*pods, finished, pod("also-n2", node="n2")]
    assert [p["metadata"]["name"] for p in get_pods_to_delete(pods, related, 1, NOW)] == ["on-n2"]
