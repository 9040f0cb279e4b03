"""``IntOrString`` fields such as ``maxSurge: 25%`` or ``maxUnavailable: 1``, resolved against a total.

Upstream's ``intstr.GetScaledValueFromIntOrPercent`` (k8s.io/apimachinery/pkg/util/intstr): an integer is
itself; a string must be ``N%`` and scales ``total``, rounding up or down as the caller asks (the Deployment
controller rounds surge up and unavailability down). Integer arithmetic keeps ``ceil``/``floor`` exact.
"""

from __future__ import annotations

from typing import Any


class IntOrPercentError(ValueError):
    pass


def scaled_value_from_int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """``value`` as a number of items out of ``total``; :class:`IntOrPercentError` for a bad value."""
    if value is None:
        raise IntOrPercentError("nil value for IntOrString")
    if isinstance(value, bool):
        raise IntOrPercentError(f"invalid value for IntOrString: invalid type: {value!r}")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise IntOrPercentError(f"invalid value for IntOrString: invalid type: {value!r}")
    if not value.endswith("%"):
        raise IntOrPercentError("invalid value for IntOrString: invalid type: string is not a percentage")
    digits = value[:-1]
    try:
        percent = int(digits, 10)
    except ValueError as err:
        raise IntOrPercentError(f'invalid value for IntOrString: invalid value "{value}": {err}') from err
    scaled = percent * total
    return -(-scaled // 100) if round_up else scaled // 100
