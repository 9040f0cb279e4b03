"""A StatefulSet pod's identity and the facts the control loop reads off pods (upstream's
``pkg/controller/statefulset/stateful_set_utils.go``).

Pod ``<set>-<ordinal>`` (ordinals from ``spec.ordinals.start``) has hostname ``<set>-<ordinal>``, subdomain
``spec.serviceName``, the labels ``statefulset.kubernetes.io/pod-name`` and ``apps.kubernetes.io/pod-index``
(``PodIndexLabel``, on by default since 1.28), ``controller-revision-hash`` (the revision it was made from),
and for each volume claim template a volume backed by the claim ``<claim>-<set>-<ordinal>``.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from pinnace.controllers.history import POD_REVISION_LABEL
from pinnace.controllers.ownerrefs import new_controller_ref
from pinnace.controllers.podcontrol import pod_from_template
from pinnace.controllers.podutil import is_pod_available, is_pod_ready

Object = dict[str, Any]

STATEFUL_SET_POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
API_VERSION = "apps/v1"
KIND = "StatefulSet"

_POD_NAME = re.compile(r"(.*)-([0-9]+)$")
_INT32_MAX = 2**31 - 1


def _meta(obj: Object) -> Object:
    return obj.get("metadata") or {}


def _spec(obj: Object) -> Object:
    return obj.get("spec") or {}


def parent_name_and_ordinal(pod: Object) -> tuple[str, int]:
    """``getParentNameAndOrdinal``: ``("web", 3)`` for ``web-3``; ``("", -1)`` for a name without one."""
    match = _POD_NAME.fullmatch(str(_meta(pod).get("name") or ""))
    if match is None:
        return "", -1
    ordinal = int(match.group(2))
    # strconv.ParseInt(..., 10, 32) fails past int32: the parent is known, the ordinal is not.
    return match.group(1), ordinal if ordinal <= _INT32_MAX else -1


def get_ordinal(pod: Object) -> int:
    return parent_name_and_ordinal(pod)[1]


def replicas(sts: Object) -> int:
    value = _spec(sts).get("replicas")
    return 1 if value is None else int(value)


def start_ordinal(sts: Object) -> int:
    """``getStartOrdinal``: ``spec.ordinals.start`` (GA in 1.31), else 0."""
    return int((_spec(sts).get("ordinals") or {}).get("start") or 0)


def end_ordinal(sts: Object) -> int:
    """The last ordinal wanted (inclusive); below the start when there are no replicas."""
    return start_ordinal(sts) + replicas(sts) - 1


def pod_in_ordinal_range(pod: Object, sts: Object) -> bool:
    ordinal = get_ordinal(pod)
    return start_ordinal(sts) <= ordinal <= end_ordinal(sts)


def pod_name(sts: Object, ordinal: int) -> str:
    return f"{_meta(sts)['name']}-{ordinal}"


def claim_name(sts: Object, template: Object, ordinal: int) -> str:
    """``getPersistentVolumeClaimName``: ``<claim>-<set>-<ordinal>``."""
    return f"{_meta(template).get('name', '')}-{_meta(sts)['name']}-{ordinal}"


def is_member_of(sts: Object, pod: Object) -> bool:
    return parent_name_and_ordinal(pod)[0] == _meta(sts).get("name")


def identity_matches(sts: Object, pod: Object) -> bool:
    """``identityMatches``: name, namespace and pod-name label fit the set (hostname and subdomain are
    immutable, so they are set at creation only)."""
    parent, ordinal = parent_name_and_ordinal(pod)
    metadata = _meta(pod)
    return (
        ordinal >= 0
        and parent == _meta(sts).get("name")
        and metadata.get("name") == pod_name(sts, ordinal)
        and metadata.get("namespace", "") == _meta(sts).get("namespace", "")
        and (metadata.get("labels") or {}).get(STATEFUL_SET_POD_NAME_LABEL) == metadata.get("name")
    )


def claim_templates(sts: Object) -> list[Object]:
    return list(_spec(sts).get("volumeClaimTemplates") or [])


def storage_matches(sts: Object, pod: Object) -> bool:
    """``storageMatches``: every claim template has its volume, backed by the pod's own claim."""
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {volume.get("name"): volume for volume in _spec(pod).get("volumes") or []}
    for template in claim_templates(sts):
        volume = volumes.get(_meta(template).get("name"))
        source = (volume or {}).get("persistentVolumeClaim")
        if source is None or source.get("claimName") != claim_name(sts, template, ordinal):
            return False
    return True


def persistent_volume_claims(sts: Object, pod: Object) -> dict[str, Object]:
    """``getPersistentVolumeClaims``: template name -> the claim this pod uses, labelled with the set's
    ``matchLabels`` (on top of the template's own labels)."""
    ordinal = get_ordinal(pod)
    match_labels = dict((_spec(sts).get("selector") or {}).get("matchLabels") or {})
    claims: dict[str, Object] = {}
    for template in claim_templates(sts):
        claim = copy.deepcopy(template)
        metadata = claim.setdefault("metadata", {})
        metadata["name"] = claim_name(sts, template, ordinal)
        metadata["namespace"] = _meta(sts).get("namespace", "")
        metadata["labels"] = {**(metadata.get("labels") or {}), **match_labels}
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claims[str(_meta(template).get("name", ""))] = claim
    return claims


def update_storage(sts: Object, pod: Object) -> None:
    """``updateStorage``: claim-backed volumes for every template first (template order; upstream's map
    order is random), then the pod's other volumes."""
    claims = persistent_volume_claims(sts, pod)
    spec = pod.setdefault("spec", {})
    volumes: list[Object] = [
        {"name": name, "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}
        for name, claim in claims.items()
    ]
    volumes += [volume for volume in spec.get("volumes") or [] if volume.get("name") not in claims]
    spec["volumes"] = volumes


def update_identity(sts: Object, pod: Object) -> None:
    """``updateIdentity``: name, namespace, and the pod-name and pod-index labels."""
    ordinal = get_ordinal(pod)
    metadata = pod.setdefault("metadata", {})
    metadata["name"] = pod_name(sts, ordinal)
    metadata["namespace"] = _meta(sts).get("namespace", "")
    labels = metadata.get("labels")
    if not isinstance(labels, dict):
        labels = metadata["labels"] = {}
    labels[STATEFUL_SET_POD_NAME_LABEL] = metadata["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)


def new_stateful_set_pod(sts: Object, ordinal: int) -> Object:
    """``newStatefulSetPod``: the template's pod with the identity of ``ordinal``."""
    ref = new_controller_ref(sts, API_VERSION, KIND)
    pod = pod_from_template(_spec(sts).get("template") or {}, sts, ref)
    metadata = pod["metadata"]
    metadata.pop("generateName", None)
    metadata["name"] = pod_name(sts, ordinal)
    update_identity(sts, pod)
    # initIdentity: hostname and subdomain are immutable, so only a new pod gets them.
    pod["spec"]["hostname"] = metadata["name"]
    pod["spec"]["subdomain"] = _spec(sts).get("serviceName") or ""
    if not pod["spec"]["subdomain"]:
        del pod["spec"]["subdomain"]
    update_storage(sts, pod)
    return pod


def set_pod_revision(pod: Object, revision: str) -> None:
    pod.setdefault("metadata", {}).setdefault("labels", {})[POD_REVISION_LABEL] = revision


def get_pod_revision(pod: Object) -> str:
    return str((_meta(pod).get("labels") or {}).get(POD_REVISION_LABEL) or "")


def new_versioned_stateful_set_pod(
    current_set: Object, update_set: Object, current_revision: str, update_revision: str, ordinal: int
) -> Object:
    """``newVersionedStatefulSetPod``: below the partition (or, without rollingUpdate parameters, below
    ``status.currentReplicas``) a new pod is made at the current revision, otherwise at the update one."""
    strategy = _spec(current_set).get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    start = start_ordinal(current_set)
    # Upstream's condition groups as (RollingUpdate && no parameters && ...) || (parameters && ...).
    if (
        strategy.get("type", "RollingUpdate") == "RollingUpdate"
        and rolling is None
        and ordinal < start + int((current_set.get("status") or {}).get("currentReplicas") or 0)
    ) or (rolling is not None and ordinal < start + int(rolling.get("partition") or 0)):
        pod = new_stateful_set_pod(current_set, ordinal)
        set_pod_revision(pod, current_revision)
        return pod
    pod = new_stateful_set_pod(update_set, ordinal)
    set_pod_revision(pod, update_revision)
    return pod


# Pod facts ---------------------------------------------------------------------------------------------


def phase(pod: Object) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_created(pod: Object) -> bool:
    """Upstream tests ``status.phase != ""``: the API server sets ``Pending`` on every pod it stores, and
    the pods the controller only constructed have none. The uid says the same without relying on the
    server's defaulting (in-memory test clients store pods as sent)."""
    return bool(_meta(pod).get("uid")) or bool(phase(pod))


def is_pending(pod: Object) -> bool:
    return phase(pod) == "Pending"


def is_failed(pod: Object) -> bool:
    return phase(pod) == "Failed"


def is_succeeded(pod: Object) -> bool:
    return phase(pod) == "Succeeded"


def is_terminating(pod: Object) -> bool:
    return bool(_meta(pod).get("deletionTimestamp"))


def is_running_and_ready(pod: Object) -> bool:
    return phase(pod) == "Running" and is_pod_ready(pod)


def is_running_and_available(pod: Object, min_ready_seconds: int, now: datetime) -> bool:
    """Upstream delegates to ``podutil.IsPodAvailable`` (Ready for ``minReadySeconds``)."""
    return is_pod_available(pod, min_ready_seconds, now)


def is_unavailable(pod: Object, min_ready_seconds: int, now: datetime) -> bool:
    return not is_running_and_available(pod, min_ready_seconds, now) or is_terminating(pod)


def min_ready_seconds(sts: Object) -> int:
    return int(_spec(sts).get("minReadySeconds") or 0)


def allows_burst(sts: Object) -> bool:
    """``Parallel`` pod management: create and delete without waiting for predecessors."""
    return _spec(sts).get("podManagementPolicy") == "Parallel"
