"""Pod Security levels, policy versions and the namespace labels that choose them
(``k8s.io/pod-security-admission/api``: ``constants.go``, ``helpers.go``).

A namespace's policy has three modes, each a level (privileged < baseline < restricted) at a version
(``v1.X`` or ``latest``)::

    pod-security.kubernetes.io/enforce: restricted        # refuse violating pods
    pod-security.kubernetes.io/enforce-version: v1.30
    pod-security.kubernetes.io/audit: baseline            # annotate the audit event
    pod-security.kubernetes.io/warn: restricted           # warn the client

Unset labels take the configured defaults; an explicit enforce level stricter than the warn level also
raises the warn level, so that users see what will be refused.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from pinnace.api.gofmt import go_quote

LABEL_PREFIX = "pod-security.kubernetes.io/"
ENFORCE_LEVEL_LABEL = LABEL_PREFIX + "enforce"
ENFORCE_VERSION_LABEL = LABEL_PREFIX + "enforce-version"
AUDIT_LEVEL_LABEL = LABEL_PREFIX + "audit"
AUDIT_VERSION_LABEL = LABEL_PREFIX + "audit-version"
WARN_LEVEL_LABEL = LABEL_PREFIX + "warn"
WARN_VERSION_LABEL = LABEL_PREFIX + "warn-version"

# Audit annotation keys, under the label prefix.
AUDIT_ANNOTATION_PREFIX = LABEL_PREFIX
EXEMPTION_REASON_ANNOTATION_KEY = "exempt"
AUDIT_VIOLATIONS_ANNOTATION_KEY = "audit-violations"
ENFORCED_POLICY_ANNOTATION_KEY = "enforce-policy"


class Level(enum.StrEnum):
    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"


_STRICTNESS = {Level.PRIVILEGED: 0, Level.BASELINE: 1, Level.RESTRICTED: 2}


def compare_levels(a: Level, b: Level) -> int:
    """1 if ``a`` is stricter than ``b``, -1 if less strict, 0 if the same."""
    return (_STRICTNESS[a] > _STRICTNESS[b]) - (_STRICTNESS[a] < _STRICTNESS[b])


@dataclass(frozen=True, slots=True, order=False)
class Version:
    """``v1.X``, or ``latest`` (newer than any numbered version, even future ones)."""

    major: int = 0
    minor: int = 0
    latest: bool = False

    def __str__(self) -> str:
        return "latest" if self.latest else f"v{self.major}.{self.minor}"

    def older(self, other: Version) -> bool:
        if self.latest:
            return False
        if other.latest:
            return True
        return (self.major, self.minor) < (other.major, other.minor)

    def next_minor(self) -> Version:
        return self if self.latest else Version(self.major, self.minor + 1)


LATEST = Version(latest=True)


def major_minor(major: int, minor: int) -> Version:
    return Version(major, minor)


class ParseError(ValueError):
    pass


LEVEL_ERROR = "must be one of privileged, baseline, restricted"
VERSION_ERROR = 'must be "latest" or "v1.x"'
_VERSION = re.compile(r"^v1\.([0-9]|[1-9][0-9]*)$")


def parse_level(text: str) -> Level:
    """Raises ParseError with upstream's message (the caller falls back to restricted)."""
    try:
        return Level(text)
    except ValueError:
        raise ParseError(LEVEL_ERROR) from None


def parse_version(text: str) -> Version:
    if text == "latest":
        return LATEST
    match = _VERSION.match(text)
    if match is None:
        raise ParseError(VERSION_ERROR)
    return Version(1, int(match.group(1)))


@dataclass(frozen=True, slots=True)
class LevelVersion:
    level: Level
    version: Version = LATEST

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"

    def equivalent(self, other: LevelVersion) -> bool:
        """Both privileged (whatever the versions), or the same level and version."""
        both_privileged = self.level is Level.PRIVILEGED and other.level is Level.PRIVILEGED
        return both_privileged or self == other


@dataclass(frozen=True, slots=True)
class Policy:
    enforce: LevelVersion = LevelVersion(Level.PRIVILEGED)
    audit: LevelVersion = LevelVersion(Level.PRIVILEGED)
    warn: LevelVersion = LevelVersion(Level.PRIVILEGED)

    def fully_privileged(self) -> bool:
        return all(mode.level is Level.PRIVILEGED for mode in (self.enforce, self.audit, self.warn))

    def equivalent(self, other: Policy) -> bool:
        return (
            self.enforce.equivalent(other.enforce)
            and self.audit.equivalent(other.audit)
            and self.warn.equivalent(other.warn)
        )


@dataclass(frozen=True, slots=True)
class LabelError:
    """``field.Invalid(metadata.labels[<label>], value, message)``."""

    label: str
    value: str
    message: str

    @property
    def field(self) -> str:
        return f"metadata.labels[{self.label}]"

    @property
    def body(self) -> str:
        return f"Invalid value: {go_quote(self.value)}: {self.message}"

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"


@dataclass
class _Modes:
    enforce_level: Level
    enforce_version: Version
    audit_level: Level
    audit_version: Version
    warn_level: Level
    warn_version: Version
    errors: list[LabelError] = field(default_factory=list)


def policy_to_evaluate(labels: dict[str, str], defaults: Policy) -> tuple[Policy, list[LabelError]]:
    """``PolicyToEvaluate``: the namespace's policy from its labels over ``defaults``. A policy comes back
    even with errors: a bad enforce level enforces restricted, a bad audit or warn level is privileged,
    a bad version is latest."""
    if not labels:
        return defaults, []
    m = _Modes(
        defaults.enforce.level,
        defaults.enforce.version,
        defaults.audit.level,
        defaults.audit.version,
        defaults.warn.level,
        defaults.warn.version,
    )

    def level(label: str, fallback: Level) -> Level | None:
        if label not in labels:
            return None
        try:
            return parse_level(labels[label])
        except ParseError as err:
            m.errors.append(LabelError(label, labels[label], str(err)))
            return fallback

    def version(label: str) -> Version | None:
        if label not in labels:
            return None
        try:
            return parse_version(labels[label])
        except ParseError as err:
            m.errors.append(LabelError(label, labels[label], str(err)))
            return LATEST

    errors_before = len(m.errors)
    enforce_level = level(ENFORCE_LEVEL_LABEL, Level.RESTRICTED)
    has_enforce_level = enforce_level is not None and len(m.errors) == errors_before
    if enforce_level is not None:
        m.enforce_level = enforce_level
    if (enforce_version := version(ENFORCE_VERSION_LABEL)) is not None:
        m.enforce_version = enforce_version
    if (audit_level := level(AUDIT_LEVEL_LABEL, Level.PRIVILEGED)) is not None:
        m.audit_level = audit_level
    if (audit_version := version(AUDIT_VERSION_LABEL)) is not None:
        m.audit_version = audit_version
    has_warn_level = WARN_LEVEL_LABEL in labels
    if (warn_level := level(WARN_LEVEL_LABEL, Level.PRIVILEGED)) is not None:
        m.warn_level = warn_level
    has_warn_version = WARN_VERSION_LABEL in labels
    if (warn_version := version(WARN_VERSION_LABEL)) is not None:
        m.warn_version = warn_version
    # Warn at least at an explicitly set enforce level, so users see what enforcement will refuse.
    if not has_warn_level and has_enforce_level and compare_levels(m.enforce_level, m.warn_level) > 0:
        m.warn_level = m.enforce_level
        if not has_warn_version:
            m.warn_version = m.enforce_version
    policy = Policy(
        LevelVersion(m.enforce_level, m.enforce_version),
        LevelVersion(m.audit_level, m.audit_version),
        LevelVersion(m.warn_level, m.warn_version),
    )
    return policy, m.errors


def aggregate(errors: list[LabelError]) -> str:
    """``field.ErrorList.ToAggregate().Error()``: one error alone, several in brackets."""
    texts = [str(error) for error in errors]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
