"""Defaults of ``discovery.k8s.io/v1``: EndpointSlice.

Reproduces ``kubernetes/pkg/apis/discovery/v1/defaults.go``: each port's ``name`` defaults to ``""`` and
``protocol`` to TCP (both pointers, so real slices show ``name: ""``).
"""

from __future__ import annotations

from pinnace.api.defaults._fields import Obj, default_unset, items
from pinnace.api.gvk import GroupVersionKind


def default_endpoint_slice(slice_: Obj) -> None:
    for port in items(slice_, "ports"):
        default_unset(port, "name", "")
        default_unset(port, "protocol", "TCP")


DEFAULTERS = {
    GroupVersionKind("discovery.k8s.io", "v1", "EndpointSlice"): default_endpoint_slice,
}
