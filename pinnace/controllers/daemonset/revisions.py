"""A DaemonSet's ControllerRevisions (upstream's ``constructHistory``, ``snapshot``, ``dedupCurHistories``
and ``cleanupHistory`` in ``pkg/controller/daemon/update.go``).

Unlike a StatefulSet's, a DaemonSet's revision is named ``<set>-<pod-template-hash>`` with the hash
Deployments use for ReplicaSets (over the template and ``status.collisionCount``), and its
``controller-revision-hash`` label is that hash, which its pods carry too. The current revision is the one
whose ``.data`` restores the current template; it is made the newest (by ``.revision``), created when
missing, and de-duplicated when several match.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pinnace.client.errors import AlreadyExists
from pinnace.client.interface import Client
from pinnace.client.resources import CONTROLLERREVISIONS, DAEMONSETS, PODS
from pinnace.controllers import history as hist
from pinnace.controllers.daemonset.util import UNIQUE_LABEL_KEY
from pinnace.controllers.deployment.hash import compute_hash
from pinnace.controllers.ownerrefs import new_controller_ref

log = logging.getLogger(__name__)

Object = dict[str, Any]

API_VERSION = "apps/v1"
KIND = "DaemonSet"

ClaimRevisions = Callable[[Object], Awaitable[list[Object]]]
ClaimPods = Callable[[Object], Awaitable[list[Object]]]


class StaleCollisionCountError(RuntimeError):
    """The collision count the hash was computed with is out of date; retry with the stored one."""


def matches(ds: Object, revision: Object) -> bool:
    """``Match``: the revision restores ``ds``'s current template."""
    return bool(revision.get("data") == hist.template_patch(ds))


def _labels(obj: Object) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


class DaemonSetHistory:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def construct_history(
        self, ds: Object, claim_revisions: ClaimRevisions, claim_pods: ClaimPods
    ) -> tuple[Object, list[Object]]:
        """``constructHistory``: the current revision (created, renumbered or de-duplicated as needed)
        and the old ones."""
        current: list[Object] = []
        old: list[Object] = []
        for revision in await claim_revisions(ds):
            if UNIQUE_LABEL_KEY not in _labels(revision):
                # Label the revision with its name rather than a computed hash: no collision to worry about.
                labelled = copy.deepcopy(revision)
                labelled["metadata"].setdefault("labels", {})[UNIQUE_LABEL_KEY] = labelled["metadata"]["name"]
                revision = await self._client.update(CONTROLLERREVISIONS, labelled)
            (current if matches(ds, revision) else old).append(revision)
        number = max((hist.revision_number(r) for r in old), default=0) + 1
        if not current:
            return await self.snapshot(ds, number), old
        cur = await self._dedup(ds, current, claim_pods)
        if hist.revision_number(cur) < number:
            renumbered = copy.deepcopy(cur)
            renumbered["revision"] = number
            await self._client.update(CONTROLLERREVISIONS, renumbered)
        return cur, old

    async def snapshot(self, ds: Object, revision: int) -> Object:
        """``snapshot``: create the revision of the current template. A name taken by another template
        bumps ``status.collisionCount`` (and fails this sync, so the next one uses the new name)."""
        metadata = ds["metadata"]
        spec = ds.get("spec") or {}
        status = ds.get("status") or {}
        hash_ = compute_hash(spec.get("template") or {}, status.get("collisionCount"))
        name = f"{metadata['name']}-{hash_}"
        body: Object = {
            "apiVersion": CONTROLLERREVISIONS.api_version,
            "kind": CONTROLLERREVISIONS.kind,
            "metadata": {
                "name": name,
                "namespace": metadata.get("namespace", ""),
                "labels": {**_labels(spec.get("template") or {}), UNIQUE_LABEL_KEY: hash_},
                "ownerReferences": [new_controller_ref(ds, API_VERSION, KIND)],
            },
            "data": hist.template_patch(ds),
            "revision": revision,
        }
        if metadata.get("annotations"):
            body["metadata"]["annotations"] = dict(metadata["annotations"])
        namespace = metadata.get("namespace", "")
        try:
            return await self._client.create(CONTROLLERREVISIONS, body, namespace)
        except AlreadyExists as err:
            existing = await self._client.get(CONTROLLERREVISIONS, name, namespace)
            if matches(ds, existing):
                return existing
            fresh = await self._client.get(DAEMONSETS, metadata["name"], namespace)
            fresh_count = (fresh.get("status") or {}).get("collisionCount")
            if fresh_count != status.get("collisionCount"):
                raise StaleCollisionCountError(
                    f"found a stale collision count ({status.get('collisionCount')}, expected {fresh_count}) "
                    f'of DaemonSet "{metadata["name"]}" while processing; will retry until it is updated'
                ) from err
            fresh.setdefault("status", {})["collisionCount"] = int(fresh_count or 0) + 1
            await self._client.update(DAEMONSETS, fresh, subresource="status")
            log.info(
                "Found a hash collision for DaemonSet %s/%s - bumping collisionCount to %d",
                namespace,
                metadata["name"],
                fresh["status"]["collisionCount"],
            )
            raise

    async def _dedup(self, ds: Object, current: list[Object], claim_pods: ClaimPods) -> Object:
        """``dedupCurHistories``: keep the newest of equal revisions, relabel pods to it, delete the rest."""
        if len(current) == 1:
            return current[0]
        keep = current[0]
        for revision in current:
            if hist.revision_number(revision) >= hist.revision_number(keep):
                keep = revision
        keep_hash = _labels(keep).get(UNIQUE_LABEL_KEY)
        for pod in await claim_pods(ds):
            if _labels(pod).get(UNIQUE_LABEL_KEY) != keep_hash:
                patch = {"metadata": {"labels": {UNIQUE_LABEL_KEY: keep_hash}}}
                metadata = pod["metadata"]
                await self._client.patch(PODS, metadata["name"], patch, metadata.get("namespace", ""))
        for revision in current:
            if revision["metadata"]["name"] != keep["metadata"]["name"]:
                await self._client.delete(
                    CONTROLLERREVISIONS,
                    revision["metadata"]["name"],
                    revision["metadata"].get("namespace", ""),
                )
        return keep

    async def cleanup_history(self, ds: Object, old: list[Object], live_pods: list[Object]) -> None:
        """``cleanupHistory``: beyond ``revisionHistoryLimit`` old revisions, delete the oldest that no pod
        (terminal pods being deleted included) still runs."""
        limit = (ds.get("spec") or {}).get("revisionHistoryLimit")
        to_kill = len(old) - (10 if limit is None else int(limit))
        if to_kill <= 0:
            return
        live_hashes = {h for pod in live_pods if (h := _labels(pod).get(UNIQUE_LABEL_KEY))}
        for revision in sorted(old, key=hist.revision_number):
            if to_kill <= 0:
                break
            if _labels(revision).get(UNIQUE_LABEL_KEY) in live_hashes:
                continue
            metadata = revision["metadata"]
            await self._client.delete(CONTROLLERREVISIONS, metadata["name"], metadata.get("namespace", ""))
            to_kill -= 1
