"""The API the server serves: which resources, their per-kind hooks, and the objects every cluster has.

Served resources are the registry's, minus those nobody serves yet (componentstatuses, bindings).
The access reviews and SelfSubjectReview are served, create-only and without storage, by
:mod:`pinnace.apiserver.handlers.reviews`, TokenReview by :mod:`pinnace.apiserver.handlers.authentication`:
they are in discovery but get no ResourceStore. Versions
that share one storage (autoscaling/v1 and v2 HPAs, core and events.k8s.io Events) are converted by
:mod:`pinnace.api.conversion` on every read and write.
"""

from __future__ import annotations

import logging
from typing import Any

from pinnace.api.defaults import strategy as defaults_strategy
from pinnace.api.registry import ResourceInfo, ResourceRegistry, builtin_registry
from pinnace.apiserver import status
from pinnace.apiserver.requestcontext import user_from_context
from pinnace.apiserver.rest import csr
from pinnace.apiserver.rest.resource import Validator
from pinnace.apiserver.rest.stores import ResourceStores
from pinnace.storage import Store

log = logging.getLogger(__name__)

Object = dict[str, Any]

# Served by other components or not at all yet (componentstatuses has no backing checks).
NOT_STORED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "componentstatuses"),
        ("", "bindings"),
    }
)

# Create-only reviews answered from the request alone (nothing stored).
REVIEWS: frozenset[tuple[str, str]] = frozenset(
    {
        ("authentication.k8s.io", "tokenreviews"),  # handlers/authentication.py
        ("authentication.k8s.io", "selfsubjectreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authorization.k8s.io", "localsubjectaccessreviews"),
    }
)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def served_registry(registry: ResourceRegistry | None = None) -> ResourceRegistry:
    registry = registry or builtin_registry()
    resources = [info for info in registry.resources() if (info.group, info.plural) not in NOT_STORED]
    served_gvs = {(info.group, info.version) for info in resources}
    groups = []
    for group in registry.groups():
        versions = tuple(v for v in group.versions if (group.name, v) in served_gvs)
        if versions:
            groups.append(type(group)(name=group.name, versions=versions, priority=group.priority))
    return ResourceRegistry(groups, resources)


def _defaulter() -> Any:
    from pinnace.api.defaults import apply_defaults

    return apply_defaults


def _validator_for(info: ResourceInfo) -> Validator:
    from pinnace.api import validation

    def validate(new: Object, old: Object | None) -> list[status.StatusCause]:
        if old is None:
            errors = validation.validate_create(new, namespaced=info.namespaced)
        else:
            errors = validation.validate_update(new, old, namespaced=info.namespaced)
        return [status.StatusCause(error.type.value, error.body(), error.field) for error in errors]

    return validate


def _prepare_for_create(obj: Object, now: str) -> None:
    if csr.is_csr(obj):
        csr.prepare_for_create(obj, user_from_context())
    defaults_strategy.prepare_for_create(obj, now=now)


def _tracks_generation(info: ResourceInfo) -> bool:
    return info.gvk in defaults_strategy.GENERATION_TRACKED


def build_stores(store: Store, registry: ResourceRegistry) -> ResourceStores:
    return ResourceStores(
        registry,
        store,
        default=_defaulter(),
        validate=_validator_for,
        prepare_for_create=_prepare_for_create,
        tracks_generation=_tracks_generation,
        not_stored=REVIEWS,
    )


async def ensure_default_namespaces(stores: ResourceStores) -> None:
    """default, kube-system, kube-public and kube-node-lease exist in every cluster."""
    for name in DEFAULT_NAMESPACES:
        try:
            await stores.namespaces.create("", {"metadata": {"name": name}})
            log.info("created namespace %s", name)
        except status.AlreadyExists:
            pass


async def ensure_kubernetes_service(stores: ResourceStores, port: int) -> None:
    """The `kubernetes` Service in `default`, on the first service IP, as upstream's controller keeps it."""
    services = stores.get("", "v1", "services")
    assert services is not None
    service = {
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": stores.service_ips.kubernetes_ip,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
        },
    }
    try:
        current = await services.get("default", "kubernetes")
    except status.NotFound:
        await services.create("default", service)
    else:
        if current["spec"]["ports"][0].get("targetPort") != port:

            def retarget(obj: Object) -> Object:
                obj["spec"]["ports"][0]["targetPort"] = port
                obj["metadata"].pop("resourceVersion", None)
                return obj

            await services.update("default", "kubernetes", retarget)
