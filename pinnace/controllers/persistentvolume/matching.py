"""Which PersistentVolume a claim gets: upstream's ``index.go`` (``findBestMatchForClaim``) and
``FindMatchingVolume`` (``component-helpers/storage/volume/pv_helpers.go``), the PV controller's path (no
node: the scheduler's VolumeBinding plugin checks node affinity itself).

Volumes are grouped by their set of access modes. The groups that offer every mode the claim asks for are
searched fewest modes first, so a ReadWriteOnce claim prefers a ReadWriteOnce volume over a bigger family;
within a group the claim takes the volume pre-bound to it if there is one, else the smallest Available
volume of its class (and selector) that is large enough. With ``delay_binding`` (a WaitForFirstConsumer
class) only a pre-bound volume is returned: the scheduler chooses the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from pinnace.api.labels import SelectorParseError, from_label_selector_object
from pinnace.controllers.persistentvolume.helpers import (
    BindingError,
    access_modes_from_string,
    access_modes_string,
    claim_class,
    claim_key,
    claim_ref,
    is_volume_bound_to_claim,
    meta,
    phase_of,
    spec,
    storage_request,
    volume_capacity,
    volume_class,
    volume_mode_mismatch,
)

Volume = Mapping[str, Any]


def find_matching_volume(
    claim: Mapping[str, Any], volumes: Iterable[Volume], *, delay_binding: bool
) -> Volume | None:
    """``FindMatchingVolume`` without a node: the volume pre-bound to the claim, else the smallest match."""
    requested = storage_request(claim)
    requested_class = claim_class(claim)
    selector_object = spec(claim).get("selector")
    try:
        selector = from_label_selector_object(selector_object) if selector_object is not None else None
    except SelectorParseError as err:
        # Unreachable for claims that passed validation.
        raise BindingError(
            f"error creating internal label selector for claim: {claim_key(claim)}: {err}"
        ) from err
    smallest: tuple[Fraction, Volume] | None = None
    for volume in volumes:
        if claim_ref(volume) is not None and not is_volume_bound_to_claim(volume, claim):
            continue
        capacity = volume_capacity(volume)
        if capacity < requested or volume_mode_mismatch(claim, volume):
            continue
        if meta(volume).get("deletionTimestamp"):
            continue
        if is_volume_bound_to_claim(volume, claim):
            return volume
        if delay_binding:
            # The scheduler binds unbound volumes of WaitForFirstConsumer classes.
            continue
        # Volumes not yet Available are skipped: the controller makes matching ones Available soon, and
        # binding them now would likely fail on a conflict.
        if phase_of(volume) != "Available":
            continue
        if selector is not None and not selector.matches(meta(volume).get("labels") or {}):
            continue
        if volume_class(volume) != requested_class:
            continue
        if smallest is None or capacity < smallest[0]:
            smallest = (capacity, volume)
    return smallest[1] if smallest is not None else None


def matching_access_mode_groups(keys: Iterable[str], requested: Iterable[str]) -> list[str]:
    """``allPossibleMatchingAccessModes``: the groups offering every requested mode, fewest modes first
    (ties by name, where upstream's unstable sort leaves the order open)."""
    wanted = set(requested)
    found = [key for key in set(keys) if wanted <= access_modes_from_string(key)]
    return sorted(found, key=lambda key: (len(access_modes_from_string(key)), key))


def find_best_match_for_claim(
    claim: Mapping[str, Any], volumes: Iterable[Volume], *, delay_binding: bool
) -> Volume | None:
    """``findBestMatchForClaim``: search the access-mode groups in order, first match wins."""
    groups: dict[str, list[Volume]] = {}
    for volume in volumes:
        groups.setdefault(access_modes_string(spec(volume).get("accessModes") or ()), []).append(volume)
    for key in matching_access_mode_groups(groups, spec(claim).get("accessModes") or ()):
        found = find_matching_volume(claim, groups[key], delay_binding=delay_binding)
        if found is not None:
            return found
    return None
