"""The stage engine: one generic loop that moves objects through the stages given as data.

KWOK's ``stage_controller.go`` as a level-triggered controller: handlers only enqueue the object's key; a
worker looks at the object as the informer has it now and

1. picks a stage (:func:`~pinnace.hollow.stages.choose`) — or keeps the one it picked earlier, as long as
   that one still matches, so that a delay is not restarted (or a weighted choice re-rolled) by every
   unrelated change;
2. if the stage's delay, counted from when it was picked, has not passed, re-queues the key for then;
3. otherwise applies its ``next``: finalizer changes (merge patch), the rendered status (strategic merge
   patch on the ``status`` subresource, skipped when it would change nothing), deletion (grace period 0,
   the object's uid as precondition). The resulting watch event brings the object back for its next stage.

After applying a stage to one resourceVersion the engine ignores that same resourceVersion (the informer may
hand it out again before our write comes back), so a stage is never applied twice to one version. API errors
re-queue the key with back-off (:func:`~pinnace.client.workqueue.run_workers`).

Templates see ``$root`` (the object), ``$now`` (metav1.Time) and what the caller's ``variables`` add (the
pod runtime adds ``$nodeIP`` and ``$podIP``); values are computed only when a template asks for them.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pinnace.api.timestamps import rfc3339
from pinnace.client.clock import REAL_CLOCK, Clock
from pinnace.client.errors import Conflict, NotFound
from pinnace.client.interface import Client, Object
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import Resource
from pinnace.client.workqueue import WorkQueue, run_workers
from pinnace.hollow.stages import Stage, choose
from pinnace.hollow.templates import MISSING

log = logging.getLogger(__name__)

VariableGetters = dict[str, Callable[[], Any]]
VariablesFor = Callable[[Object], VariableGetters]
Lookup = Callable[[ObjectKey], Object | None]


@dataclass(frozen=True, slots=True)
class _Pending:
    stage: Stage
    uid: str
    due: float  # clock.monotonic() when it applies


def _no_variables(obj: Object) -> VariableGetters:
    return {}


class StageEngine:
    """Runs ``stages`` on the objects of ``resource`` that ``lookup`` finds (an informer's indexer)."""

    def __init__(
        self,
        client: Client,
        resource: Resource,
        stages: Sequence[Stage],
        *,
        lookup: Lookup,
        variables: VariablesFor = _no_variables,
        clock: Clock = REAL_CLOCK,
        rng: random.Random | None = None,
    ) -> None:
        for stage in stages:
            if (stage.api_version, stage.kind) != (resource.api_version, resource.kind):
                raise ValueError(
                    f"stage {stage.name!r} is for {stage.api_version} {stage.kind}; "
                    f"this engine runs {resource.api_version} {resource.kind}"
                )
        self.client = client
        self.resource = resource
        self.stages = tuple(stages)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, name=f"stages-{resource}")
        self.applied: Counter[str] = Counter()  # stage name -> times applied (for stats and tests)
        self._lookup = lookup
        self._variables = variables
        self._clock = clock
        self._rng = rng or random.Random()
        self._pending: dict[ObjectKey, _Pending] = {}
        self._applied_version: dict[ObjectKey, str] = {}

    # Informer handlers: only enqueue ----------------------------------------------------------------------

    def enqueue(self, obj: Object) -> None:
        self.queue.add(key_of(obj))

    def on_update(self, old: Object, new: Object) -> None:
        self.queue.add(key_of(new))

    async def run(self, workers: int) -> None:
        await run_workers(self.queue, self.sync, workers, name=f"stages-{self.resource}")

    # The reconcile ----------------------------------------------------------------------------------------

    async def sync(self, key: ObjectKey) -> None:
        obj = self._lookup(key)
        if obj is None:
            self._pending.pop(key, None)
            self._applied_version.pop(key, None)
            return
        metadata = obj.get("metadata") or {}
        version = str(metadata.get("resourceVersion") or "")
        if version and self._applied_version.get(key) == version:
            return  # our write for this version has not come back through the watch yet
        uid = str(metadata.get("uid") or "")
        variables = self.variables_for(obj)
        now = self._clock.monotonic()
        pending = self._pending.get(key)
        if pending is not None and pending.uid == uid and pending.stage.matches(obj, variables):
            stage, due = pending.stage, pending.due
        else:
            chosen = choose(self.stages, obj, variables, self._rng)
            if chosen is None:
                self._pending.pop(key, None)
                return
            stage = chosen
            due = now + stage.delay.seconds(obj, variables, self._clock.now(), self._rng)
            self._pending[key] = _Pending(stage, uid, due)
        if due > now:
            self.queue.add_after(key, due - now)
            return
        await self.apply(stage, obj, variables)
        self._pending.pop(key, None)
        if version:
            self._applied_version[key] = version

    def variables_for(self, obj: Object) -> VariableGetters:
        stamp = rfc3339(self._clock.now())
        return {"root": lambda: obj, "now": lambda: stamp, **self._variables(obj)}

    async def apply(self, stage: Stage, obj: Object, variables: VariableGetters) -> Object | None:
        """Apply ``stage.next`` to ``obj``; returns the object as the server left it (None once deleted)."""
        metadata = obj.get("metadata") or {}
        name, namespace = str(metadata.get("name")), str(metadata.get("namespace") or "")
        current: Object | None = obj
        log.debug("%s %s: stage %s", self.resource.kind, key_of(obj), stage.name)
        next_ = stage.next
        try:
            if next_.changes_finalizers:
                before = list(metadata.get("finalizers") or [])
                after = next_.finalizers(before)
                if after != before:
                    patch = {"metadata": {"finalizers": after or None}}
                    current = await self.client.patch(self.resource, name, patch, namespace)
            if next_.status_template is not None and current is not None:
                status = next_.status_template.render(current, variables)
                if status is not MISSING and self._changes(current, status):
                    current = await self.client.patch(
                        self.resource,
                        name,
                        {"status": status},
                        namespace,
                        patch_type="strategic",
                        subresource="status",
                    )
            if next_.delete:
                preconditions = {"uid": str(metadata["uid"])} if metadata.get("uid") else None
                await self.client.delete(
                    self.resource, name, namespace, grace_period_seconds=0, preconditions=preconditions
                )
                current = None
        except NotFound:
            return None  # gone already: nothing left to simulate
        except Conflict as err:
            if next_.delete and "precondition" in str(err).lower():
                return None  # the name now belongs to a new object; its own events bring it here
            raise
        self.applied[stage.name] += 1
        return current

    @staticmethod
    def _changes(obj: Object, status: Any) -> bool:
        """Whether patching ``status`` in could change the object. No-op writes are dropped (the server would
        drop them too; they would only cost a request). A field equal to what is stored cannot change under
        a strategic merge; anything else is sent — an occasional no-op write is cheaper than computing the
        merge for every pod."""
        if not isinstance(status, dict):
            return True
        current = obj.get("status") or {}
        return any(current.get(name) != value for name, value in status.items())

    @property
    def pending(self) -> int:
        """Objects waiting for a stage's delay."""
        return len(self._pending)

    def pending_stage(self, key: ObjectKey) -> tuple[str, float] | None:
        """The stage ``key`` waits for and the seconds left until it applies, if any."""
        pending = self._pending.get(key)
        if pending is None:
            return None
        return pending.stage.name, max(0.0, pending.due - self._clock.monotonic())
