"""Where the REST layer calls admission, and with what (upstream's handlers, ``rest.AdmissionToValidate*``).

:class:`ResourceStore` calls :func:`mutate` once the request's object is decoded and defaulted (and its
fields recorded by the field manager), before the kind's own create/update preparation and validation,
and :func:`validate` after that validation, just before the write: the places kube-apiserver's create and
update handlers and its generic store put ``Admit`` and ``Validate``. A delete runs both with the object
about to be deleted as the old object. Both run on dry runs. Writes inside
:func:`~pinnace.apiserver.admission.admission_skipped` run neither.
"""

from __future__ import annotations

from typing import Any

from pinnace.api.gvk import GroupVersionKind
from pinnace.api.registry import ResourceInfo
from pinnace.apiserver.admission import AdmissionChain, Attributes, Operation, is_admission_skipped
from pinnace.apiserver.requestcontext import user_from_context

Object = dict[str, Any]

_OPTIONS_KINDS = {
    Operation.CREATE: "CreateOptions",
    Operation.UPDATE: "UpdateOptions",
    Operation.DELETE: "DeleteOptions",
}


def request_options(operation: Operation, *, dry_run: bool, field_manager: str | None = None) -> Object:
    """The request's options object as webhooks receive it (``admissionRequest.options``)."""
    options: Object = {"kind": _OPTIONS_KINDS.get(operation, "CreateOptions"), "apiVersion": "meta.k8s.io/v1"}
    if dry_run:
        options["dryRun"] = ["All"]
    if field_manager and operation is not Operation.DELETE:
        options["fieldManager"] = field_manager
    return options


def attributes(
    info: ResourceInfo,
    operation: Operation,
    namespace: str,
    name: str,
    obj: Object | None,
    old: Object | None,
    *,
    subresource: str = "",
    dry_run: bool = False,
    field_manager: str | None = None,
) -> Attributes:
    if info.group == "" and info.plural == "namespaces":
        # Upstream's handlers use a namespace's own name as the request's namespace.
        namespace = name or str(((obj or {}).get("metadata") or {}).get("name") or "")
    return Attributes(
        kind=info.gvk,
        resource=info.gvr,
        operation=operation,
        namespace=namespace if info.namespaced or info.plural == "namespaces" else "",
        name=name,
        subresource=subresource,
        object=obj,
        old_object=old,
        user=user_from_context(),
        dry_run=dry_run,
        options=request_options(operation, dry_run=dry_run, field_manager=field_manager),
    )


def applies(chain: AdmissionChain | None, operation: Operation, *, mutating: bool) -> bool:
    if chain is None or is_admission_skipped():
        return False
    return chain.mutates(operation) if mutating else chain.validates(operation)


async def mutate(chain: AdmissionChain | None, attrs: Attributes) -> Object | None:
    """Run the mutating phase; returns the (possibly replaced) object."""
    if chain is not None and applies(chain, attrs.operation, mutating=True):
        await chain.admit(attrs)
    return attrs.object


async def validate(chain: AdmissionChain | None, attrs: Attributes) -> None:
    if chain is not None and applies(chain, attrs.operation, mutating=False):
        await chain.validate(attrs)


async def admit_subresource(
    chain: AdmissionChain | None,
    info: ResourceInfo,
    subresource: str,
    kind: GroupVersionKind,
    operation: Operation,
    namespace: str,
    name: str,
    obj: Object,
    old: Object | None = None,
    *,
    dry_run: bool = False,
) -> Object:
    """Both phases for a subresource whose object is not the resource's own (a pod's Binding or Eviction,
    a workload's Scale); returns the object as mutating admission left it. The write that follows is the
    server's own and runs inside :func:`~pinnace.apiserver.admission.admission_skipped`, as upstream's
    subresource storage writes below the handlers."""
    if chain is None or is_admission_skipped() or not chain.handles(operation):
        return obj
    attrs = Attributes(
        kind=kind,
        resource=info.gvr,
        operation=operation,
        namespace=namespace if info.namespaced else "",
        name=name,
        subresource=subresource,
        object=obj,
        old_object=old,
        user=user_from_context(),
        dry_run=dry_run,
        options=request_options(operation, dry_run=dry_run),
    )
    await chain.admit(attrs)
    await chain.validate(attrs)
    return attrs.object if attrs.object is not None else obj
