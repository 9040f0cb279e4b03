"""Semantic validation of API objects, with the field errors a Kubernetes 1.32 API server returns.

Objects are plain JSON dicts. :func:`validate_create` and :func:`validate_update` dispatch on the object's
group and kind (:mod:`.dispatch`) to per-group modules that reproduce upstream's validation functions
(``pkg/apis/<group>/validation`` in kubernetes/kubernetes and apimachinery's ``pkg/api/validation``):
:mod:`.meta` (ObjectMeta, labels, selectors), :mod:`.pod`/:mod:`.container`/:mod:`.security`/
:mod:`.volumes`/:mod:`.downward`/:mod:`.resources`/:mod:`.affinity` (pods and templates), :mod:`.service`
and :mod:`.core` (other v1 kinds), :mod:`.apps`, :mod:`.batch` (with :mod:`.cron` for schedules),
:mod:`.networking`, :mod:`.policy`, :mod:`.autoscaling`, :mod:`.rbac`, :mod:`.scheduling` (PriorityClass,
Lease). Shared helpers: :mod:`.field` (errors and paths), :mod:`.values` (typed access to JSON dicts); from
outside the package, :mod:`pinnace.api.names` (apimachinery's name and value regexes with their exact
messages, which label selectors use too), :mod:`pinnace.api.quantity` (resource quantities),
:mod:`pinnace.api.gofmt` (Go's ``%q``/``%v``/``%#v`` renderings of bad values) and
:mod:`pinnace.api.labels` (``LabelSelectorAsSelector``).
Errors are :class:`FieldError`\\ s whose :meth:`~FieldError.message` is upstream's ``field.Error.Error()``;
:func:`invalid_status_message` builds the 422 message kubectl shows.

Validation assumes upstream's defaulting may not have run yet: a field the API server always defaults
(``protocol: TCP``, ``restartPolicy: Always``, strategies, thresholds...) is read with its default when
absent, so defaulted and raw objects give the same answer.
"""

from pinnace.api.validation.dispatch import (
    KINDS,
    KindValidation,
    invalid_causes,
    invalid_status,
    invalid_status_message,
    validate_create,
    validate_update,
)
from pinnace.api.validation.field import OMIT_VALUE, ErrorType, FieldError, Path

__all__ = [
    "KINDS",
    "OMIT_VALUE",
    "ErrorType",
    "FieldError",
    "KindValidation",
    "Path",
    "invalid_causes",
    "invalid_status",
    "invalid_status_message",
    "validate_create",
    "validate_update",
]
