"""CertificateSigningRequest strategies (``pkg/registry/certificates/certificates/strategy.go``).

A CSR is written through three doors, and each may change only its own part:

- the resource itself (create, update): on create the server records who asked (``spec.username``, ``uid``,
  ``groups``, ``extra`` from the authenticated user, never from the body) and clears ``status``; updates
  keep ``spec`` and ``status`` as stored (only metadata changes);
- ``/status`` (the signer): ``spec`` stays, and the ``Approved``/``Denied`` conditions stay as stored;
- ``/approval`` (``kubectl certificate approve|deny``): ``spec`` and ``status.certificate`` stay.

Conditions written through either subresource get ``lastUpdateTime`` and ``lastTransitionTime`` filled in
when absent (upstream's ``populateConditionTimestamps``). Because the strategies keep each door to its own
fields, validation (:mod:`pinnace.api.validation.certificates`) does not need to know the subresource.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

GROUP: Final = "certificates.k8s.io"
KIND: Final = "CertificateSigningRequest"
APPROVAL_TYPES: Final = ("Approved", "Denied")


def is_csr(obj: Object) -> bool:
    return str(obj.get("apiVersion", "")).startswith(GROUP + "/") and obj.get("kind") == KIND


def prepare_for_create(csr: Object, user: UserInfo | None) -> None:
    """Record the requesting user; a client cannot create a pre-approved or pre-signed request."""
    spec = csr.setdefault("spec", {})
    for key in ("username", "uid", "groups", "extra"):
        spec.pop(key, None)
    if user is not None:
        spec["username"] = user.name
        if user.uid:
            spec["uid"] = user.uid
        if user.groups:
            spec["groups"] = list(user.groups)
        if user.extra:
            spec["extra"] = {key: list(values) for key, values in user.extra}
    csr.pop("status", None)


def prepare_for_update(new: Object, old: Object, subresource: str, now: str) -> None:
    """Reset what ``subresource`` ("" for the resource) may not change, in place."""
    new["spec"] = copy.deepcopy(old.get("spec", {}))
    old_status = old.get("status") or {}
    if subresource == "":
        if old_status:
            new["status"] = copy.deepcopy(old_status)
        else:
            new.pop("status", None)
        return
    status = new.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    if subresource == "status":
        kept = [c for c in conditions if c.get("type") not in APPROVAL_TYPES]
        approvals = [c for c in old_status.get("conditions") or [] if c.get("type") in APPROVAL_TYPES]
        conditions = copy.deepcopy(approvals) + kept
    elif subresource == "approval":
        if "certificate" in old_status:
            status["certificate"] = old_status["certificate"]
        else:
            status.pop("certificate", None)
    _populate_condition_timestamps(conditions, old_status.get("conditions") or [], now)
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    if not status:
        new.pop("status", None)


def _populate_condition_timestamps(conditions: list[Object], old: list[Object], now: str) -> None:
    for condition in conditions:
        if not condition.get("lastUpdateTime"):
            condition["lastUpdateTime"] = now
        if not condition.get("lastTransitionTime"):
            # An unchanged (type, status) keeps its transition time.
            condition["lastTransitionTime"] = next(
                (
                    previous["lastTransitionTime"]
                    for previous in old
                    if previous.get("type") == condition.get("type")
                    and previous.get("status") == condition.get("status")
                    and previous.get("lastTransitionTime")
                ),
                now,
            )
