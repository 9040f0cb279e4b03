"""Admission's refusals, worded as upstream's ``admission.NewForbidden`` and ``NewNotFound`` word them."""

from __future__ import annotations

from collections.abc import Sequence

from pinnace.apiserver import status
from pinnace.apiserver.admission.attributes import Attributes


def forbidden(
    attributes: Attributes, reason: str, *, causes: Sequence[status.StatusCause] = ()
) -> status.Forbidden:
    """``pods "web-1" is forbidden: <reason>``; a create relying on ``generateName`` is named by the prefix
    (``pods "web-7d9c-" is forbidden: ...``), as names are generated only after admission upstream."""
    resource = attributes.resource
    error = status.forbidden(
        reason, resource=resource.resource, name=attributes.object_name(), group=resource.group
    )
    if causes and error.details is not None:
        error.details = status.StatusDetails(
            name=error.details.name,
            group=error.details.group,
            kind=error.details.kind,
            causes=tuple(causes),
        )
    return error


def not_found(attributes: Attributes) -> status.NotFound:
    """``admission.NewNotFound``: the request's own object, reported missing."""
    resource = attributes.resource
    return status.not_found(resource.resource, attributes.object_name(), group=resource.group)
