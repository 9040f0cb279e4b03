"""The EndpointSlice controller: EndpointSlices for every Service with a selector.

``--controllers`` name ``endpointslice`` (kube-controller-manager's alias of ``endpointslice-controller``).
Slices are labelled ``kubernetes.io/service-name: <service>`` and
``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io``, named ``<service>-<random>``,
owned by the Service (so they go with it), one address type each, at most 100 endpoints each. Layout:

* :mod:`.controller` — handlers (they only enqueue) and ``sync``;
* :mod:`.reconciler` — the minimal-churn diff of desired endpoints against existing slices;
* :mod:`.slices` — a pod as an endpoint, ports, labels, new slices;
* :mod:`.tracker` — which slice versions this controller wrote (its own echoes, a lagging cache).
"""

from __future__ import annotations

from typing import Final

from pinnace.controllers.context import ControllerContext
from pinnace.controllers.endpointslice.controller import EndpointSliceController

NAME: Final = "endpointslice"


def new_controller(ctx: ControllerContext) -> EndpointSliceController:
    return EndpointSliceController(ctx)
