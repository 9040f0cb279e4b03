"""The audit vocabulary shared by the package: levels, stages and the well-known names of ``audit.k8s.io/v1``.

Values are upstream's (``k8s.io/apiserver/pkg/apis/audit/v1/types.go``) and appear verbatim in policy files
and in the log, so they must not be changed.
"""

from __future__ import annotations

import enum
from typing import Final

GROUP_VERSION: Final = "audit.k8s.io/v1"

#: The request and response header carrying a request's audit ID (``HeaderAuditID``; Go canonicalises
#: ``Audit-ID`` to ``Audit-Id`` on the wire).
AUDIT_ID_HEADER: Final = "Audit-Id"

#: Annotations the authorization stage adds (``endpoints/filters/authorization.go``).
DECISION_ANNOTATION: Final = "authorization.k8s.io/decision"
REASON_ANNOTATION: Final = "authorization.k8s.io/reason"
DECISION_ALLOW: Final = "allow"
DECISION_FORBID: Final = "forbid"


class Level(enum.StrEnum):
    """How much of a request is recorded; each level includes the ones before it."""

    NONE = "None"
    METADATA = "Metadata"
    REQUEST = "Request"
    REQUEST_RESPONSE = "RequestResponse"

    def less(self, other: Level) -> bool:
        """Upstream ``Level.Less``: ``Metadata.less(Request)`` is true."""
        return _ORDER[self] < _ORDER[other]


_ORDER: Final = {level: rank for rank, level in enumerate(Level)}


class Stage(enum.StrEnum):
    """When in the handling of a request an event is written."""

    REQUEST_RECEIVED = "RequestReceived"
    # Only for long-running requests (watch): once the response headers are sent, before the body.
    RESPONSE_STARTED = "ResponseStarted"
    RESPONSE_COMPLETE = "ResponseComplete"
    PANIC = "Panic"
