"""Printers for ``networking.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

Ingress HOSTS lists up to three rule hosts (``*`` when none), ADDRESS the load balancer's IPs or
hostnames (never clipped server-side, see :func:`~pinnace.api.printers.formatting.load_balancer_addresses`),
PORTS ``80`` or ``80, 443`` when TLS is configured.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import (
    Obj,
    creation_timestamp,
    get_dict,
    get_dicts,
    get_list,
    get_opt_dict,
    get_opt_str,
    get_str,
    name_of,
)
from pinnace.api.printers.formatting import format_label_selector, load_balancer_addresses


def _age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(creation_timestamp(obj), now)


def ingress_hosts(rules: list[Obj]) -> str:
    """``formatHosts``: the first three non-empty rule hosts, ``" + N more..."``, or ``*``."""
    shown: list[str] = []
    limit = 3
    more = False
    for rule in rules:
        if len(shown) == limit:
            more = True
        host = get_str(rule, "host")
        if not more and host:
            shown.append(host)
    if not shown:
        return "*"
    text = ",".join(shown)
    return f"{text} + {len(rules) - limit} more..." if more else text


def ingress_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    class_name = get_opt_str(spec, "ingressClassName")
    return [
        name_of(obj),
        "<none>" if class_name is None else class_name,
        ingress_hosts(get_dicts(spec, "rules")),
        load_balancer_addresses(get_dicts(obj, "status", "loadBalancer", "ingress")),
        "80, 443" if get_list(spec, "tls") else "80",
        _age(obj, now),
    ]


INGRESS = TablePrinter(
    (
        NAME,
        column(
            "Class",
            "The name of the IngressClass resource that should be used for additional configuration",
        ),
        column("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        column("Address", "Address is a list containing ingress points for the load-balancer"),
        column("Ports", "Ports of TLS configurations that open"),
        AGE,
    ),
    ingress_cells,
)


def ingress_class_cells(obj: Obj, now: datetime) -> list[Cell]:
    spec = get_dict(obj, "spec")
    parameters = get_opt_dict(spec, "parameters")
    reference = "<none>"
    if parameters is not None:
        reference = get_str(parameters, "kind")
        api_group = get_opt_str(parameters, "apiGroup")
        if api_group is not None:
            reference += "." + api_group
        reference += "/" + get_str(parameters, "name")
    return [name_of(obj), get_str(spec, "controller"), reference, _age(obj, now)]


INGRESS_CLASS = TablePrinter(
    (
        NAME,
        column("Controller", "Controller that is responsible for handling this class"),
        column("Parameters", "A reference to a resource with additional parameters"),
        AGE,
    ),
    ingress_class_cells,
)


NETWORK_POLICY = TablePrinter(
    (NAME, column("Pod-Selector", doc("extensions/v1beta1.NetworkPolicySpec.podSelector")), AGE),
    # The podSelector is a struct, not a pointer, upstream: a missing one formats like an empty one.
    lambda obj, now: [
        name_of(obj),
        format_label_selector(get_dict(obj, "spec", "podSelector")),
        _age(obj, now),
    ],
)


PRINTERS: dict[str, TablePrinter] = {
    "Ingress": INGRESS,
    "IngressClass": INGRESS_CLASS,
    "NetworkPolicy": NETWORK_POLICY,
}
"""``networking.k8s.io`` printers by kind."""
