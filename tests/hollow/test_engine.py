"""The stage engine's rules beyond single stages: remembered choices, one write per version, deletion races."""

from __future__ import annotations

import random
from typing import Any

import yaml

from pinnace.client.clock import FakeClock
from pinnace.client.errors import status_error
from pinnace.client.fake import FakeClient
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import PODS
from pinnace.hollow.engine import StageEngine
from pinnace.hollow.stages import load_stages

STAGES = """
apiVersion: hollow.pinnace.dev/v1alpha1
kind: Stage
metadata: {name: slow-start}
spec:
  resourceRef: {apiVersion: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .status.phase, operator: In, values: [Pending]}
  delay: {durationMilliseconds: 1000, jitterDurationMilliseconds: 9000}
  next:
    statusTemplate: {phase: Running}
---
apiVersion: hollow.pinnace.dev/v1alpha1
kind: Stage
metadata: {name: remove}
spec:
  resourceRef: {apiVersion: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: Exists}
  next: {delete: true}
"""


def pod(name: str = "p", phase: str = "Pending", **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", **metadata},
        "spec": {"nodeName": "hollow-node-0", "containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": phase},
    }


class Harness:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.client = FakeClient(clock=self.clock)
        self.cache: dict[ObjectKey, dict[str, Any]] = {}
        self.engine = StageEngine(
            self.client,
            PODS,
            load_stages(STAGES, "test"),
            lookup=self.cache.get,
            clock=self.clock,
            rng=random.Random(4),
        )

    def seed(self, obj: dict[str, Any]) -> ObjectKey:
        (stored,) = self.client.seed(PODS, obj)
        self.cache[key_of(stored)] = stored
        return key_of(stored)

    def refresh(self) -> None:
        """What the informer would do: the cache catches up with the server."""
        self.cache = {key_of(o): o for o in self.client.objects(PODS)}
        self.engine._lookup = self.cache.get  # the harness swaps its cache wholesale


async def test_a_chosen_delay_is_kept_while_the_stage_still_matches() -> None:
    h = Harness()
    key = h.seed(pod())
    await h.engine.sync(key)
    stage, first = h.engine.pending_stage(key) or ("", 0.0)
    assert stage == "slow-start" and 1.0 <= first <= 9.0
    # An unrelated change (a label) comes through the informer: the delay is not rolled again.
    await h.client.patch(PODS, "p", {"metadata": {"labels": {"a": "b"}}}, "default")
    h.refresh()
    h.clock.advance(0.5)
    await h.engine.sync(key)
    assert h.engine.pending_stage(key) == ("slow-start", first - 0.5)
    h.clock.advance(first)
    await h.engine.sync(key)
    assert (await h.client.get(PODS, "p", "default"))["status"]["phase"] == "Running"


async def test_a_pod_that_stops_matching_drops_its_pending_stage() -> None:
    h = Harness()
    key = h.seed(pod())
    await h.engine.sync(key)
    await h.client.patch(PODS, "p", {"status": {"phase": "Failed"}}, "default", subresource="status")
    h.refresh()
    await h.engine.sync(key)
    assert h.engine.pending_stage(key) is None


async def test_a_stage_is_applied_once_per_resource_version() -> None:
    h = Harness()
    key = h.seed(pod(phase="Running", deletionTimestamp="2025-01-01T00:00:30Z", finalizers=["keep"]))
    await h.engine.sync(key)
    await h.engine.sync(key)  # the informer has not caught up: the same version again
    assert h.engine.applied["remove"] == 1
    assert len(h.client.actions_of("delete", "pods")) == 1


async def test_deleting_a_pod_that_is_gone_or_replaced_is_not_an_error() -> None:
    h = Harness()
    key = h.seed(pod(phase="Running", deletionTimestamp="2025-01-01T00:00:30Z"))
    h.client.fail_next("delete", "pods", status_error(404, "NotFound", 'pods "p" not found'))
    await h.engine.sync(key)
    h.client.fail_next(
        "delete",
        "pods",
        status_error(
            409,
            "Conflict",
            'Operation cannot be fulfilled on Pod "p": Precondition failed: UID in precondition: uid-p, UID in object meta: other',
        ),
    )
    h.refresh()
    h.cache[key] = {**h.cache[key], "metadata": {**h.cache[key]["metadata"], "resourceVersion": "99"}}
    await h.engine.sync(key)
    assert h.engine.pending_stage(key) is None


async def test_an_object_that_vanished_is_forgotten() -> None:
    h = Harness()
    key = h.seed(pod())
    await h.engine.sync(key)
    h.cache.clear()
    await h.engine.sync(key)
    assert h.engine.pending == 0


def test_stages_for_another_kind_are_refused() -> None:
    other = yaml.safe_load(STAGES.split("---")[0])
    other["spec"]["resourceRef"] = {"apiVersion": "v1", "kind": "Node"}
    stages = load_stages(yaml.safe_dump(other), "test")
    try:
        StageEngine(FakeClient(), PODS, stages, lookup=lambda key: None)
    except ValueError as err:
        assert "is for v1 Node; this engine runs v1 Pod" in str(err)
    else:
        raise AssertionError("a Node stage was accepted for pods")
