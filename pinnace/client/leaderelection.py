"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's ``tools/leaderelection``.

Several replicas of a component run :meth:`LeaderElector.run`; one holds the Lease and runs ``lead``:

* **acquire**: every ``retry_period`` (plus up to 1.2 times as much jitter, ``JitterFactor``) read the
  Lease; take it when nobody holds it, when we already do, or when its record has not changed for
  ``leaseDurationSeconds`` *as measured on our own clock* since we last saw it change (client-go's
  ``observedTime``: clocks of different machines are never compared). Taking it writes ``holderIdentity``,
  ``acquireTime``, ``renewTime`` and bumps ``leaseTransitions``; the write carries the resourceVersion we
  read, so of two candidates only one succeeds;
* **renew**: while leading, write ``renewTime`` every ``retry_period``; if no renewal succeeds for
  ``renew_deadline``, leadership is lost: ``lead`` is cancelled and :meth:`LeaderElector.run` returns
  (``is_leader`` False). The component should then exit, as kube-controller-manager does;
* **release**: when ``lead`` returns or the elector is cancelled (a clean shutdown), the Lease is written with
  an empty ``holderIdentity`` (``ReleaseOnCancel``), so a successor takes over at once instead of waiting for
  the lease to expire.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from pinnace.client.clock import REAL_CLOCK, Clock, micro_time
from pinnace.client.errors import AlreadyExists, ApiError, Conflict, NotFound
from pinnace.client.interface import Client, Object
from pinnace.client.resources import LEASES

log = logging.getLogger(__name__)

JITTER_FACTOR = 1.2


class LeaderElector:
    """One candidate for the Lease ``namespace/name``; ``identity`` must be unique among candidates."""

    def __init__(
        self,
        client: Client,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float = 15,
        renew_deadline: float = 10,
        retry_period: float = 2,
        clock: Clock = REAL_CLOCK,
        *,
        rng: random.Random | None = None,
    ) -> None:
        # The same checks as leaderelection.NewLeaderElector.
        if lease_duration <= renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError("renew_deadline must be greater than retry_period*1.2")
        if not identity:
            raise ValueError("identity may not be empty")
        self.client = client
        self.namespace, self.name, self.identity = namespace, name, identity
        self.lease_duration, self.renew_deadline, self.retry_period = (
            lease_duration,
            renew_deadline,
            retry_period,
        )
        self._clock = clock
        self._rng = rng or random.Random()
        self._observed: dict[str, Any] | None = None
        self._observed_at = 0.0
        self.is_leader = False

    async def run(self, lead: Callable[[], Awaitable[None]]) -> None:
        """Acquire the Lease, run ``lead`` while renewing it; see the module docstring for how it ends.

        Returns when leadership is lost (after cancelling ``lead``) or when ``lead`` returns (after
        releasing). An exception from ``lead`` is re-raised after releasing.
        """
        await self._acquire()
        lead_task = asyncio.ensure_future(lead())
        renew_task = asyncio.ensure_future(self._renew())
        try:
            await asyncio.wait((lead_task, renew_task), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (lead_task, renew_task):
                task.cancel()
            await asyncio.wait((lead_task, renew_task))
            if self.is_leader:
                await self._release()
        if not lead_task.cancelled() and (error := lead_task.exception()) is not None:
            raise error

    # Acquire, renew, release ----------------------------------------------------------------------------

    async def _acquire(self) -> None:
        log.info("attempting to acquire leader lease %s/%s...", self.namespace, self.name)
        while not await self._try_acquire_or_renew():
            await self._clock.sleep(self.retry_period * (1.0 + JITTER_FACTOR * self._rng.random()))
        self.is_leader = True
        log.info("successfully acquired lease %s/%s", self.namespace, self.name)

    async def _renew(self) -> None:
        while True:
            await self._clock.sleep(self.retry_period)
            deadline = self._clock.monotonic() + self.renew_deadline
            while not await self._try_acquire_or_renew():
                if self._clock.monotonic() + self.retry_period > deadline:
                    self.is_leader = False
                    log.error("failed to renew lease %s/%s: leadership lost", self.namespace, self.name)
                    return
                await self._clock.sleep(self.retry_period)

    async def _release(self) -> None:
        try:
            async with asyncio.timeout(self.renew_deadline):
                lease = await self.client.get(LEASES, self.name, self.namespace)
                spec = lease.get("spec") or {}
                if spec.get("holderIdentity") != self.identity:
                    return
                now = micro_time(self._clock.now())
                lease["spec"] = {
                    "holderIdentity": "",
                    "leaseDurationSeconds": 1,
                    "acquireTime": now,
                    "renewTime": now,
                    "leaseTransitions": spec.get("leaseTransitions", 0),
                }
                await self.client.update(LEASES, lease)
                log.info("released lease %s/%s", self.namespace, self.name)
        except (ApiError, TimeoutError) as err:
            log.warning("failed to release lease %s/%s: %s", self.namespace, self.name, err)
        finally:
            self.is_leader = False

    async def _try_acquire_or_renew(self) -> bool:
        """One attempt (``tryAcquireOrRenew``); True when we hold the Lease afterwards."""
        now = micro_time(self._clock.now())
        mine: dict[str, Any] = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.lease_duration),
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": 0,
        }
        try:
            async with asyncio.timeout(self.renew_deadline):
                return await self._attempt(mine)
        except (ApiError, TimeoutError) as err:
            log.info("error retrieving or updating lease %s/%s: %s", self.namespace, self.name, err)
            return False

    async def _attempt(self, mine: dict[str, Any]) -> bool:
        try:
            lease = await self.client.get(LEASES, self.name, self.namespace)
        except NotFound:
            body: Object = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": mine,
            }
            try:
                created = await self.client.create(LEASES, body, self.namespace)
            except AlreadyExists:
                return False
            self._observe(created.get("spec") or {})
            return True
        spec: dict[str, Any] = lease.get("spec") or {}
        if spec != self._observed:
            self._observe(spec)
        holder = spec.get("holderIdentity") or ""
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        if holder and holder != self.identity and self._observed_at + duration > self._clock.monotonic():
            return False  # someone else holds an unexpired lease
        if holder == self.identity:
            mine["acquireTime"] = spec.get("acquireTime", mine["acquireTime"])
            mine["leaseTransitions"] = spec.get("leaseTransitions", 0)
        else:
            mine["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        updated = copy.deepcopy(lease)
        updated["spec"] = mine
        try:
            stored = await self.client.update(LEASES, updated)  # carries the resourceVersion we read
        except Conflict:
            return False
        self._observe(stored.get("spec") or {})
        return True

    def _observe(self, spec: dict[str, Any]) -> None:
        self._observed = copy.deepcopy(spec)
        self._observed_at = self._clock.monotonic()
