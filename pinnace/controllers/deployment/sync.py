"""The Deployment controller's writes and shared steps (upstream's ``pkg/controller/deployment/sync.go``).

:class:`Deployer` holds what every step needs (client, recorder, clock, the ReplicaSet cache, the queue) and
implements the steps that rollouts, scaling and pausing share: finding or creating the new ReplicaSet and
syncing revisions, scaling a ReplicaSet with a ``ScalingReplicaSet`` event, proportional scaling, history
cleanup and status.

Deployments are handled as the caller's own deep copy (``d``); cached ReplicaSets are copied before any
change. A Deployment status write keeps ``d``'s new resourceVersion, so a later write in the same sync does
not conflict with the controller's own earlier one.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from pinnace.api.gofmt import go_quote
from pinnace.client.cache import Indexer
from pinnace.client.clock import Clock
from pinnace.client.errors import AlreadyExists, ApiError, NotFound
from pinnace.client.events import EventRecorder
from pinnace.client.interface import Client
from pinnace.client.keys import ObjectKey, key_of
from pinnace.client.resources import DEPLOYMENTS, REPLICASETS
from pinnace.client.workqueue import WorkQueue
from pinnace.controllers.consistency import ConsistencyStore
from pinnace.controllers.deployment import annotations as ann
from pinnace.controllers.deployment import conditions as cond
from pinnace.controllers.deployment import util
from pinnace.controllers.deployment.hash import (
    DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY,
    compute_hash,
    equal_ignore_hash,
)
from pinnace.controllers.ownerrefs import controller_ref, new_controller_ref

log = logging.getLogger(__name__)

Object = dict[str, Any]

_COUNT_FIELDS = (
    "observedGeneration",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "unavailableReplicas",
)


def _has_cause(error: ApiError, cause_type: str) -> bool:
    causes = ((error.status or {}).get("details") or {}).get("causes") or []
    return any(isinstance(c, dict) and c.get("type") == cause_type for c in causes)


def normalized_status(status: Object) -> Object:
    """A status as the Go type serialises it: zero counts are omitted (``omitempty``)."""
    out = {k: v for k, v in status.items() if not (k in _COUNT_FIELDS and not v)}
    if not out.get("conditions"):
        out.pop("conditions", None)
    return out


class Deployer:
    def __init__(
        self,
        client: Client,
        recorder: EventRecorder,
        clock: Clock,
        deployments: Indexer,
        replica_sets: Indexer,
        queue: WorkQueue[ObjectKey],
        consistency: ConsistencyStore,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.deployments = deployments
        self.replica_sets = replica_sets
        self.queue = queue
        self.consistency = consistency

    # Writes ----------------------------------------------------------------------------------------------

    async def update_status(self, d: Object) -> None:
        """UpdateStatus with ``d`` (its annotations go through too, as upstream's status strategy allows)."""
        stored = await self.client.update(DEPLOYMENTS, d, subresource="status")
        d["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        self._wrote(DEPLOYMENTS.plural, self.deployments, stored)

    async def update_replica_set(self, rs: Object) -> Object:
        stored = await self.client.update(REPLICASETS, rs)
        self._wrote(REPLICASETS.plural, self.replica_sets, stored)
        return stored

    def _wrote(self, plural: str, cache: Indexer, stored: Object) -> None:
        key = key_of(stored)
        cached = cache.get(key)
        cached_version = None if cached is None else cached["metadata"].get("resourceVersion")
        self.consistency.wrote((plural, key), stored["metadata"]["resourceVersion"], cached_version)

    def event(self, d: Object, type_: str, reason: str, message: str) -> None:
        self.recorder.event(d, "Warning" if type_ == "Warning" else "Normal", reason, message)

    # The new ReplicaSet and revisions --------------------------------------------------------------------

    async def get_all_replica_sets_and_sync_revision(
        self, d: Object, rs_list: list[Object], create_if_not_existed: bool
    ) -> tuple[Object | None, list[Object]]:
        _, all_old = util.find_old_replica_sets(d, rs_list)
        new_rs = await self.get_new_replica_set(d, rs_list, all_old, create_if_not_existed)
        return new_rs, all_old

    async def get_new_replica_set(
        self, d: Object, rs_list: list[Object], old_rss: list[Object], create_if_not_existed: bool
    ) -> Object | None:
        """The ReplicaSet running ``d``'s template, its revision annotations synced; created (with as many
        replicas as the strategy allows) if missing and ``create_if_not_existed``."""
        existing = util.find_new_replica_set(d, rs_list)
        new_revision = str(ann.max_revision(old_rss) + 1)
        surge = util.max_surge(d)
        min_ready = int(d["spec"].get("minReadySeconds") or 0)
        if existing is not None:
            rs_copy = copy.deepcopy(existing)
            annotations_updated = ann.set_new_replica_set_annotations(d, rs_copy, new_revision, True, surge)
            if annotations_updated or int(rs_copy["spec"].get("minReadySeconds") or 0) != min_ready:
                rs_copy["spec"]["minReadySeconds"] = min_ready
                return await self.update_replica_set(rs_copy)
            needs_update = ann.set_deployment_revision(
                d, ((rs_copy["metadata"].get("annotations") or {}).get(ann.REVISION_ANNOTATION)) or ""
            )
            status = d.setdefault("status", {})
            if cond.has_progress_deadline(d) and cond.get_condition(status, cond.PROGRESSING) is None:
                message = f"Found new replica set {go_quote(rs_copy['metadata']['name'])}"
                cond.set_condition(
                    status,
                    cond.new_condition(
                        cond.PROGRESSING, "True", cond.FOUND_NEW_RS_REASON, message, self.clock.now()
                    ),
                )
                needs_update = True
            if needs_update:
                await self.update_status(d)
            return rs_copy
        if not create_if_not_existed:
            return None
        return await self._create_new_replica_set(d, old_rss, new_revision, surge, min_ready)

    async def _create_new_replica_set(
        self, d: Object, old_rss: list[Object], new_revision: str, surge: int, min_ready: int
    ) -> Object:
        metadata = d["metadata"]
        status = d.setdefault("status", {})
        template = copy.deepcopy(d["spec"].get("template") or {})
        collision_count = status.get("collisionCount")
        pod_hash = compute_hash(template, None if collision_count is None else int(collision_count))
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY] = pod_hash
        template.setdefault("metadata", {})["labels"] = labels
        selector = copy.deepcopy(d["spec"].get("selector") or {})
        selector.setdefault("matchLabels", {})[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY] = pod_hash
        new_rs: Object = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                # A deterministic name makes creation idempotent.
                "name": f"{metadata['name']}-{pod_hash}",
                "namespace": metadata.get("namespace", ""),
                "ownerReferences": [new_controller_ref(d, "apps/v1", "Deployment")],
                "labels": dict(labels),
            },
            "spec": {"replicas": 0, "minReadySeconds": min_ready, "selector": selector, "template": template},
        }
        count = util.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
        new_rs["spec"]["replicas"] = count
        ann.set_new_replica_set_annotations(d, new_rs, new_revision, False, surge)
        name = new_rs["metadata"]["name"]
        already_exists = False
        try:
            created = await self.client.create(REPLICASETS, new_rs, metadata.get("namespace", ""))
            self._wrote(REPLICASETS.plural, self.replica_sets, created)
        except AlreadyExists:
            # A slow cache, or a hash collision with a ReplicaSet that is not ours or has another template.
            already_exists = True
            found = self.replica_sets.get(ObjectKey(metadata.get("namespace", ""), name))
            if found is None:
                raise
            ref = controller_ref(found)
            if not (
                ref is not None
                and ref.get("uid") == metadata["uid"]
                and equal_ignore_hash(d["spec"].get("template") or {}, found["spec"].get("template") or {})
            ):
                previous = int(collision_count or 0) if collision_count is not None else 0
                status["collisionCount"] = previous + 1
                try:
                    await self.update_status(d)
                    log.info("deployment %s: hash collision, collisionCount %d", key_of(d), previous + 1)
                except ApiError as err:
                    log.info("deployment %s: could not record a hash collision: %s", key_of(d), err)
                raise
            created = copy.deepcopy(found)
        except ApiError as err:
            if _has_cause(err, "NamespaceTerminating"):
                raise
            message = f"Failed to create new replica set {go_quote(name)}: {err.message}"
            if cond.has_progress_deadline(d):
                cond.set_condition(
                    status,
                    cond.new_condition(
                        cond.PROGRESSING, "False", cond.FAILED_RS_CREATE_REASON, message, self.clock.now()
                    ),
                )
                try:
                    await self.update_status(d)
                except ApiError:
                    pass  # the creation failure is the bigger problem to report
            self.event(d, "Warning", cond.FAILED_RS_CREATE_REASON, message)
            raise
        if not already_exists and count > 0:
            self.event(d, "Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {count}")
        needs_update = ann.set_deployment_revision(d, new_revision)
        if not already_exists and cond.has_progress_deadline(d):
            message = f"Created new replica set {go_quote(name)}"
            cond.set_condition(
                status,
                cond.new_condition(
                    cond.PROGRESSING, "True", cond.NEW_REPLICA_SET_REASON, message, self.clock.now()
                ),
            )
            needs_update = True
        if needs_update:
            await self.update_status(d)
        return created

    # Scaling ---------------------------------------------------------------------------------------------

    async def scale_replica_set_and_record_event(
        self, rs: Object, new_scale: int, d: Object
    ) -> tuple[bool, Object]:
        if util.rs_replicas(rs) == new_scale:
            return False, rs
        operation = "up" if util.rs_replicas(rs) < new_scale else "down"
        return await self.scale_replica_set(rs, new_scale, d, operation)

    async def scale_replica_set(
        self, rs: Object, new_scale: int, d: Object, operation: str
    ) -> tuple[bool, Object]:
        """Set the ReplicaSet's size and replica annotations; a size change is a ``ScalingReplicaSet``
        event ("Scaled up replica set web-7d4b9c8f5 from 1 to 3")."""
        replicas = cond.spec_replicas(d)
        maximum = replicas + util.max_surge(d)
        size_changes = util.rs_replicas(rs) != new_scale
        if not size_changes and not ann.replicas_annotations_need_update(rs, replicas, maximum):
            return False, rs
        old_scale = util.rs_replicas(rs)
        rs_copy = copy.deepcopy(rs)
        rs_copy["spec"]["replicas"] = new_scale
        ann.set_replicas_annotations(rs_copy, replicas, maximum)
        updated = await self.update_replica_set(rs_copy)
        if size_changes:
            name = updated["metadata"]["name"]
            self.event(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {operation} replica set {name} from {old_scale} to {new_scale}",
            )
        return size_changes, updated

    async def scale(self, d: Object, new_rs: Object | None, old_rss: list[Object]) -> None:
        """Scaling outside a rollout (``scale``): the one active ReplicaSet takes the whole size; a saturated
        new ReplicaSet drains the old ones; otherwise, during a rolling update, the change is spread over
        the active ReplicaSets in proportion to their size, leftovers to the largest."""
        replicas = cond.spec_replicas(d)
        active_or_latest = util.find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if util.rs_replicas(active_or_latest) != replicas:
                await self.scale_replica_set_and_record_event(active_or_latest, replicas, d)
            return
        if util.is_saturated(d, new_rs):
            for old in util.filter_active(old_rss):
                await self.scale_replica_set_and_record_event(old, 0, d)
            return
        if not util.is_rolling_update(d):
            return
        active = util.filter_active([*old_rss, new_rs])
        allowed = replicas + util.max_surge(d) if replicas > 0 else 0
        to_add = allowed - util.replica_count(active)
        operation = ""
        if to_add > 0:
            active = util.sort_by_size_newer(active)
            operation = "up"
        elif to_add < 0:
            active = util.sort_by_size_older(active)
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            if to_add != 0:
                proportion = util.get_proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = util.rs_replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = util.rs_replicas(rs)
        for index, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if index == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            await self.scale_replica_set(rs, sizes[name], d, operation)

    async def is_scaling_event(self, d: Object, rs_list: list[Object]) -> bool:
        """``spec.replicas`` differs from the desired-replicas annotation of an active ReplicaSet."""
        new_rs, old_rss = await self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        for rs in util.filter_active([*old_rss, new_rs]):
            desired = ann.int_annotation(rs, ann.DESIRED_REPLICAS_ANNOTATION)
            if desired is not None and desired != cond.spec_replicas(d):
                return True
        return False

    # Paused, scaling and deleted Deployments -------------------------------------------------------------

    async def sync(self, d: Object, rs_list: list[Object]) -> None:
        """Reconcile a scaling event or a paused Deployment (no rollout)."""
        new_rs, old_rss = await self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        await self.scale(d, new_rs, old_rss)
        if d["spec"].get("paused"):
            await self.cleanup_deployment(old_rss, d)
        await self.sync_deployment_status([*old_rss, new_rs], new_rs, d)

    async def sync_status_only(self, d: Object, rs_list: list[Object]) -> None:
        new_rs, old_rss = await self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        await self.sync_deployment_status([*old_rss, new_rs], new_rs, d)

    async def check_paused_conditions(self, d: Object) -> None:
        """Progressing=Unknown with ``DeploymentPaused``/``DeploymentResumed``, so time spent paused does not
        count against the progress deadline."""
        if not cond.has_progress_deadline(d):
            return
        status = d.setdefault("status", {})
        current = cond.get_condition(status, cond.PROGRESSING)
        if current is not None and current.get("reason") == cond.TIMED_OUT_REASON:
            return
        paused_exists = current is not None and current.get("reason") == cond.PAUSED_DEPLOY_REASON
        paused = bool(d["spec"].get("paused"))
        if paused and not paused_exists:
            reason, message = cond.PAUSED_DEPLOY_REASON, "Deployment is paused"
        elif not paused and paused_exists:
            reason, message = cond.RESUMED_DEPLOY_REASON, "Deployment is resumed"
        else:
            return
        cond.set_condition(
            status, cond.new_condition(cond.PROGRESSING, "Unknown", reason, message, self.clock.now())
        )
        await self.update_status(d)

    async def cleanup_deployment(self, old_rss: list[Object], d: Object) -> None:
        """Delete the oldest fully scaled-down ReplicaSets beyond ``revisionHistoryLimit``."""
        if not util.has_revision_history_limit(d):
            return
        alive = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - int(d["spec"]["revisionHistoryLimit"])
        if diff <= 0:
            return
        for rs in util.sort_by_revision(alive)[:diff]:
            status = rs.get("status") or {}
            generation = int(rs["metadata"].get("generation") or 0)
            if (
                int(status.get("replicas") or 0) != 0
                or util.rs_replicas(rs) != 0
                or generation > int(status.get("observedGeneration") or 0)
                or rs["metadata"].get("deletionTimestamp")
            ):
                continue
            log.info("deployment %s: deleting old ReplicaSet %s", key_of(d), rs["metadata"]["name"])
            try:
                await self.client.delete(
                    REPLICASETS, rs["metadata"]["name"], rs["metadata"].get("namespace", "")
                )
            except NotFound:
                pass

    # Status ----------------------------------------------------------------------------------------------

    def calculate_status(self, all_rss: list[Object | None], new_rs: Object | None, d: Object) -> Object:
        available = util.available_replica_count(all_rss)
        total = util.replica_count(all_rss)
        old_status = d.get("status") or {}
        status: Object = {
            "observedGeneration": int(d["metadata"].get("generation") or 0),
            "replicas": util.actual_replica_count(all_rss),
            "updatedReplicas": util.actual_replica_count([new_rs]),
            "readyReplicas": util.ready_replica_count(all_rss),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total - available),
            "conditions": copy.deepcopy(list(old_status.get("conditions") or [])),
        }
        if "collisionCount" in old_status:
            status["collisionCount"] = old_status["collisionCount"]
        now = self.clock.now()
        if available >= cond.spec_replicas(d) - util.max_unavailable(d):
            condition = cond.new_condition(
                cond.AVAILABLE,
                "True",
                cond.MINIMUM_REPLICAS_AVAILABLE,
                "Deployment has minimum availability.",
                now,
            )
        else:
            condition = cond.new_condition(
                cond.AVAILABLE,
                "False",
                cond.MINIMUM_REPLICAS_UNAVAILABLE,
                "Deployment does not have minimum availability.",
                now,
            )
        cond.set_condition(status, condition)
        return normalized_status(status)

    async def sync_deployment_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> None:
        new_status = self.calculate_status(all_rss, new_rs, d)
        if normalized_status(d.get("status") or {}) == new_status:
            return
        d["status"] = new_status
        await self.update_status(d)
