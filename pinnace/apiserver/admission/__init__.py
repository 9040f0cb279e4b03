"""Admission: the plugins every write passes after authorization (``k8s.io/apiserver/pkg/admission``).

::

    handler ─► decode, default ─► field manager ─► [mutating admission] ─► prepare, validate
            ─► [validating admission] ─► store

- :mod:`.attributes` — what a plugin sees (:class:`Attributes`, :class:`Operation`);
- :mod:`.interfaces` — what a plugin is (:class:`MutationInterface`, :class:`ValidationInterface`) and what
  it is built from (:class:`PluginContext`, :class:`ObjectSource`);
- :mod:`.chain` — plugins in order, mutating then validating, with re-invocation; :func:`admission_skipped`;
- :mod:`.registry` — plugins by upstream name, upstream's order and default-on set;
- :mod:`.options`, :mod:`.config` — ``--enable/--disable-admission-plugins`` and the
  ``--admission-control-config-file``;
- :mod:`.plugins` — the built-in plugins, one file each; :mod:`.podsecurity` — Pod Security admission;
- :mod:`.install` — builds the chain for an API server and hooks it into every ResourceStore.

The REST layer calls the chain (:mod:`pinnace.apiserver.rest.admit`); this package's core modules import
nothing from it, so plugins may use the REST layer through :class:`ObjectSource`.
"""

from pinnace.apiserver.admission.attributes import Attributes, Object, Operation, ReinvocationContext
from pinnace.apiserver.admission.chain import AdmissionChain, admission_skipped, is_admission_skipped
from pinnace.apiserver.admission.errors import forbidden, not_found
from pinnace.apiserver.admission.interfaces import (
    Handler,
    Interface,
    MutationInterface,
    ObjectSource,
    PluginContext,
    PluginFactory,
    ValidationInterface,
)

__all__ = [
    "AdmissionChain",
    "Attributes",
    "Handler",
    "Interface",
    "MutationInterface",
    "Object",
    "ObjectSource",
    "Operation",
    "PluginContext",
    "PluginFactory",
    "ReinvocationContext",
    "ValidationInterface",
    "admission_skipped",
    "forbidden",
    "is_admission_skipped",
    "not_found",
]
