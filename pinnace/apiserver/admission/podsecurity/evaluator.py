"""Which checks a level and version run, in which order (``pod-security-admission/policy/registry.go``).

For every version from v1.0 to the newest any check names, each check contributes the revision in force
at that version. Baseline runs the baseline checks; restricted runs the restricted checks plus the
baseline checks no restricted check overrides at that version. Checks run baseline first, then
restricted, each group sorted by check ID, so messages list violations in a stable order. ``latest``, and
any version newer than the newest known, evaluates as the newest known version.
"""

from __future__ import annotations

from pinnace.apiserver.admission.podsecurity.api import Level, LevelVersion, Version, major_minor
from pinnace.apiserver.admission.podsecurity.baseline import BASELINE_CHECKS
from pinnace.apiserver.admission.podsecurity.check import Check, CheckResult, Object, VersionedCheck
from pinnace.apiserver.admission.podsecurity.restricted import RESTRICTED_CHECKS


class Evaluator:
    def __init__(self, checks: tuple[Check, ...] = BASELINE_CHECKS + RESTRICTED_CHECKS) -> None:
        _validate(checks)
        self.max_version = max((c.versions[-1].minimum_version for c in checks), key=_sort_key)
        baseline_ids = sorted(c.id for c in checks if c.level is Level.BASELINE)
        restricted_ids = sorted(c.id for c in checks if c.level is Level.RESTRICTED)
        ordered = baseline_ids + restricted_ids
        baseline = _inflate([c for c in checks if c.level is Level.BASELINE], self.max_version)
        restricted = _inflate([c for c in checks if c.level is Level.RESTRICTED], self.max_version)
        self._baseline: dict[Version, list[VersionedCheck]] = {}
        self._restricted: dict[Version, list[VersionedCheck]] = {}
        version = major_minor(1, 0)
        while version.older(self.max_version.next_minor()):
            overridden = {o for c in restricted.get(version, {}).values() for o in c.override_check_ids}
            at_restricted = dict(restricted.get(version, {}))
            for check_id, check in baseline.get(version, {}).items():
                if check_id not in overridden:
                    at_restricted[check_id] = check
            self._baseline[version] = [
                baseline[version][i] for i in ordered if i in baseline.get(version, {})
            ]
            self._restricted[version] = [at_restricted[i] for i in ordered if i in at_restricted]
            version = version.next_minor()

    def evaluate_pod(self, level_version: LevelVersion, metadata: Object, spec: Object) -> list[CheckResult]:
        if level_version.level is Level.PRIVILEGED:
            return []
        version = level_version.version
        if self.max_version.older(version):
            version = self.max_version
        table = self._baseline if level_version.level is Level.BASELINE else self._restricted
        return [check.check_pod(metadata, spec) for check in table.get(version, [])]


def _sort_key(version: Version) -> tuple[int, int]:
    return (version.major, version.minor)


def _inflate(checks: list[Check], max_version: Version) -> dict[Version, dict[str, VersionedCheck]]:
    """Each check's revision at every version it covers, up to ``max_version``."""
    table: dict[Version, dict[str, VersionedCheck]] = {}
    for check in checks:
        for index, revision in enumerate(check.versions):
            until = (
                check.versions[index + 1].minimum_version
                if index + 1 < len(check.versions)
                else max_version.next_minor()
            )
            version = revision.minimum_version
            while version.older(until):
                table.setdefault(version, {})[check.id] = revision
                version = version.next_minor()
    return table


def _validate(checks: tuple[Check, ...]) -> None:
    """``validateChecks``: the registry's invariants, so a wrong table fails at import, not per request."""
    levels: dict[str, Level] = {}
    for check in checks:
        if check.id in levels:
            raise ValueError(f"multiple checks registered for ID {check.id}")
        levels[check.id] = check.level
        if check.level not in (Level.BASELINE, Level.RESTRICTED):
            raise ValueError(f"check {check.id}: invalid level {check.level}")
        if not check.versions:
            raise ValueError(f"check {check.id}: empty")
        previous = Version()
        for revision in check.versions:
            if revision.minimum_version.latest:
                raise ValueError(f"check {check.id}: version cannot be 'latest'")
            if not previous.older(revision.minimum_version) and previous != Version():
                raise ValueError(f"check {check.id}: versions must be strictly increasing")
            previous = revision.minimum_version
    for check in checks:
        for revision in check.versions:
            if revision.override_check_ids and check.level is not Level.RESTRICTED:
                raise ValueError(f"check {check.id}: only restricted checks may set overrides")
            for override in revision.override_check_ids:
                if levels.get(override, Level.BASELINE) is not Level.BASELINE:
                    raise ValueError(f"check {check.id}: overrides {levels[override]} check {override}")


DEFAULT_EVALUATOR = Evaluator()
