"""The PodSecurity admission plugin (``plugin/pkg/admission/security/podsecurity``): a validating plugin on
creates and updates of pods, namespaces and workload templates, which passes the library's warnings to
the client and its audit annotations (``pod-security.kubernetes.io/enforce-policy``,
``.../audit-violations``, ``.../exempt``) to the request's audit event.
"""

from __future__ import annotations

from pinnace.apiserver.admission.attributes import Attributes, Operation
from pinnace.apiserver.admission.errors import forbidden
from pinnace.apiserver.admission.interfaces import Handler, PluginContext
from pinnace.apiserver.admission.podsecurity import api
from pinnace.apiserver.admission.podsecurity.admission import PodSecurityAdmission, has_pod_spec
from pinnace.apiserver.admission.podsecurity.configuration import load

NAME = "PodSecurity"


class PodSecurity(Handler):
    def __init__(self, admission: PodSecurityAdmission) -> None:
        super().__init__(Operation.CREATE, Operation.UPDATE)
        self.admission = admission

    async def validate(self, attributes: Attributes) -> None:
        resource = attributes.resource
        applicable = (resource.group, resource.resource) in (("", "pods"), ("", "namespaces"))
        if not applicable and not has_pod_spec(resource):
            return
        response = await self.admission.validate(attributes)
        for warning in response.warnings:
            attributes.add_warning(warning)
        for key, value in response.audit_annotations.items():
            attributes.add_annotation(api.AUDIT_ANNOTATION_PREFIX + key, value)
        if not response.allowed:
            raise response.error or forbidden(attributes, "Not allowed by PodSecurity")


def new(context: PluginContext) -> PodSecurity:
    return PodSecurity(PodSecurityAdmission(load(context.config), context.objects, context.clock))
