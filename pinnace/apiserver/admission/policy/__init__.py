"""ValidatingAdmissionPolicy and its bindings (``k8s.io/apiserver/pkg/admission/plugin/policy``,
admissionregistration.k8s.io/v1, GA in 1.30).

::

    request ─► policies whose matchConstraints cover it ─► their bindings whose matchResources do
            ─► params (paramRef) ─► matchConditions ─► validations ─► Deny / Warn / Audit

- :mod:`.source` — policies and bindings from the API server's watch cache, compiled once per version;
- :mod:`.matching` — matchConstraints / matchResources (rules with resourceNames, exclusions, selectors);
- :mod:`.validator` — one policy's CEL: variables, matchConditions, validations, messages, audit annotations;
- :mod:`.validating` — the plugin: params, validation actions, upstream's messages.

The CEL environment is :mod:`pinnace.apiserver.admission.cel` over :mod:`pinnace.apiserver.cel`.
"""

from pinnace.apiserver.admission.policy import validating

__all__ = ["validating"]
