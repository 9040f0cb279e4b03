"""Printers for ``discovery.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

PORTS and ENDPOINTS show up to three entries (``"*"`` for a port with neither number nor name) and
``<unset>`` when there are none.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import Obj, creation_timestamp, get_dicts, get_list, get_str, name_of
from pinnace.api.printers.formatting import list_with_more

_LIMIT = 3


def endpoint_slice_ports(ports: list[Obj]) -> str:
    """``formatDiscoveryPorts``."""
    shown: list[str] = []
    more = False
    for port in ports:
        if len(shown) < _LIMIT:
            number = port.get("port")
            name = port.get("name")
            if isinstance(number, int) and not isinstance(number, bool):
                shown.append(str(number))
            elif isinstance(name, str):
                shown.append(name)
            else:
                shown.append("*")
        elif len(shown) == _LIMIT:
            more = True
    return list_with_more(shown, more, len(ports), _LIMIT)


def endpoint_slice_endpoints(endpoints: list[Obj]) -> str:
    """``formatDiscoveryEndpoints``: the first three addresses of all endpoints."""
    shown: list[str] = []
    more = False
    count = 0
    for endpoint in endpoints:
        for address in get_list(endpoint, "addresses"):
            if len(shown) < _LIMIT:
                shown.append(str(address))
            elif len(shown) == _LIMIT:
                more = True
            count += 1
    return list_with_more(shown, more, count, _LIMIT)


def endpoint_slice_cells(obj: Obj, now: datetime) -> list[Cell]:
    return [
        name_of(obj),
        get_str(obj, "addressType"),
        endpoint_slice_ports(get_dicts(obj, "ports")),
        endpoint_slice_endpoints(get_dicts(obj, "endpoints")),
        translate_timestamp_since(creation_timestamp(obj), now),
    ]


ENDPOINT_SLICE = TablePrinter(
    (
        NAME,
        column("AddressType", doc("discovery/v1beta1.EndpointSlice.addressType")),
        column("Ports", doc("discovery/v1beta1.EndpointSlice.ports")),
        column("Endpoints", doc("discovery/v1beta1.EndpointSlice.endpoints")),
        AGE,
    ),
    endpoint_slice_cells,
)

PRINTERS: dict[str, TablePrinter] = {"EndpointSlice": ENDPOINT_SLICE}
"""``discovery.k8s.io`` printers by kind."""
