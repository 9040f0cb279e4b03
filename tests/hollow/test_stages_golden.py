"""The stage engine and the shipped stages, with input/output golden files (KWOK's ``testdata`` layout).

Each ``golden/<case>.input.yaml`` holds a pod as the API server would store it (and optionally ``stages:``,
a file under ``golden/stages/`` replacing the defaults). The engine runs against a FakeClient on a FakeClock
until no stage matches, advancing the clock over each delay; ``golden/<case>.output.yaml`` records which
stages applied at which second and the pod the hollow node left behind (``null`` once deleted).
``UPDATE_GOLDEN=1 pytest tests/hollow`` rewrites the outputs; review the diff before committing it.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinnace.client.clock import FakeClock
from pinnace.client.fake import FakeClient
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import PODS
from pinnace.hollow.engine import StageEngine, VariableGetters
from pinnace.hollow.ipam import PodAddressPool
from pinnace.hollow.stages import Stage, default_stages, load_stage_file

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.name.removesuffix(".input.yaml") for path in GOLDEN.glob("*.input.yaml"))
NODE_IP = "198.18.0.1"
POD_CIDR = "10.128.0.0/24"
MAX_STEPS = 10


async def run_case(case: dict[str, Any]) -> dict[str, Any]:
    stages: list[Stage] = (
        load_stage_file(GOLDEN / "stages" / case["stages"]) if case.get("stages") else default_stages()
    )
    clock = FakeClock()
    client = FakeClient(clock=clock)
    (stored,) = client.seed(PODS, case["pod"])
    key = key_of(stored)
    pool = PodAddressPool(POD_CIDR)

    def lookup(wanted: ObjectKey) -> dict[str, Any] | None:
        return next((pod for pod in client.objects(PODS, wanted.namespace) if key_of(pod) == wanted), None)

    def variables(pod: dict[str, Any]) -> VariableGetters:
        uid = pod["metadata"]["uid"]
        return {"nodeIP": lambda: NODE_IP, "podIP": lambda: pool.allocate(uid)}

    engine = StageEngine(
        client, PODS, stages, lookup=lookup, variables=variables, clock=clock, rng=random.Random(7)
    )
    applied: list[dict[str, Any]] = []
    for _ in range(MAX_STEPS):
        before = dict(engine.applied)
        await engine.sync(key)
        done = [name for name, count in engine.applied.items() if count > before.get(name, 0)]
        if done:
            applied.extend({"stage": name, "at": round(clock.monotonic(), 3)} for name in done)
            continue
        waiting = engine.pending_stage(key)
        if waiting is None:
            break
        clock.advance(waiting[1])
    else:
        pytest.fail(f"stages still applying after {MAX_STEPS} steps: {applied}")
    return {"applied": applied, "pod": lookup(key)}


@pytest.mark.parametrize("name", CASES)
async def test_golden(name: str) -> None:
    case = yaml.safe_load((GOLDEN / f"{name}.input.yaml").read_text())
    got = await run_case(case)
    output = GOLDEN / f"{name}.output.yaml"
    if os.environ.get("UPDATE_GOLDEN"):
        output.write_text(yaml.safe_dump(got, sort_keys=False, default_flow_style=False))
    assert output.exists(), f"no golden output for {name}; run with UPDATE_GOLDEN=1 and review it"
    assert got == yaml.safe_load(output.read_text())


def test_every_case_has_an_output() -> None:
    outputs = sorted(path.name.removesuffix(".output.yaml") for path in GOLDEN.glob("*.output.yaml"))
    assert outputs == CASES
