"""The RBAC objects in memory, with bindings indexed by subject: upstream's ``DefaultRuleResolver``
(``pkg/registry/rbac/validation/rule.go``) over listers, made fast.

Upstream lists every ClusterRoleBinding on each request and asks each whether one of its subjects is the
user. Here each binding is filed under the subjects it names (``u:<user name>``, ``g:<group>``), so a
request looks up only the bindings of its user name and groups. A ServiceAccount subject is filed under
the user name it stands for, ``system:serviceaccount:<namespace>:<name>`` (in a RoleBinding the namespace
defaults to the binding's own, as ``appliesToUser`` does; in a ClusterRoleBinding a ServiceAccount without
a namespace applies to nobody). Kinds other than User, Group and ServiceAccount apply to nobody.

:meth:`RBACIndex.visit_rules_for` yields what upstream's ``VisitRulesFor`` visits: each rule with the
binding that granted it, cluster role bindings first, then the role bindings of the namespace; a binding
whose role is missing yields an error instead (``clusterrole.rbac.authorization.k8s.io "x" not found``).
The index is fed by :mod:`pinnace.apiserver.rbac.sync`; objects given to it are never modified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pinnace.api.gofmt import go_quote
from pinnace.apiserver.rbac.rules import CompiledRule, PolicyRule, compile_rules, rules_from
from pinnace.apiserver.user import UserInfo

Object = dict[str, Any]

ROLE = "Role"
CLUSTER_ROLE = "ClusterRole"
ROLE_BINDING = "RoleBinding"
CLUSTER_ROLE_BINDING = "ClusterRoleBinding"
KINDS = (ROLE, CLUSTER_ROLE, ROLE_BINDING, CLUSTER_ROLE_BINDING)

SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:"


def service_account_user(namespace: str, name: str) -> str:
    """``serviceaccount.MakeUsername``."""
    return f"{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"


@dataclass(frozen=True, slots=True)
class RoleRef:
    kind: str
    name: str
    api_group: str = "rbac.authorization.k8s.io"


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    namespace: str = ""
    api_group: str = ""

    def key(self, binding_namespace: str) -> str | None:
        """The index key of the users this subject applies to, None if it applies to nobody."""
        if self.kind == "User":
            return "u:" + self.name
        if self.kind == "Group":
            return "g:" + self.name
        if self.kind == "ServiceAccount":
            namespace = self.namespace or binding_namespace
            return "u:" + service_account_user(namespace, self.name) if namespace else None
        return None

    def describe(self, binding_namespace: str) -> str:
        """Upstream ``describeSubject`` (its ServiceAccount form really is ``name/namespace``)."""
        if self.kind == "ServiceAccount":
            return f"{self.kind} {go_quote(self.name + '/' + (self.namespace or binding_namespace))}"
        return f"{self.kind} {go_quote(self.name)}"


@dataclass(frozen=True, slots=True)
class Binding:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding (``namespace`` empty)."""

    name: str
    namespace: str
    role_ref: RoleRef
    subjects: tuple[Subject, ...]

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> Binding:
        metadata = obj.get("metadata") or {}
        ref = obj.get("roleRef") or {}
        subjects = tuple(
            Subject(
                kind=str(s.get("kind", "")),
                name=str(s.get("name", "")),
                namespace=str(s.get("namespace", "")),
                api_group=str(s.get("apiGroup", "")),
            )
            for s in obj.get("subjects") or ()
            if isinstance(s, Mapping)
        )
        return cls(
            name=str(metadata.get("name", "")),
            namespace=str(metadata.get("namespace", "")),
            role_ref=RoleRef(
                str(ref.get("kind", "")), str(ref.get("name", "")), str(ref.get("apiGroup", ""))
            ),
            subjects=subjects,
        )

    def keys(self) -> set[str]:
        return {key for s in self.subjects if (key := s.key(self.namespace)) is not None}


@dataclass(frozen=True, slots=True)
class RuleSource:
    """The binding and subject that granted a rule (upstream's binding describers)."""

    binding: Binding
    subject: Subject

    def __str__(self) -> str:
        ref = self.binding.role_ref
        if self.binding.namespace:
            name = f"{self.binding.name}/{self.binding.namespace}"
            return (
                f"RoleBinding {go_quote(name)} of {ref.kind} {go_quote(ref.name)} to "
                f"{self.subject.describe(self.binding.namespace)}"
            )
        return (
            f"ClusterRoleBinding {go_quote(self.binding.name)} of {ref.kind} {go_quote(ref.name)} to "
            f"{self.subject.describe('')}"
        )


@dataclass(frozen=True, slots=True)
class Visit:
    """One step of :meth:`RBACIndex.visit_rules_for`: a rule and its source, or an error message."""

    source: RuleSource | None
    rule: CompiledRule | None
    error: str = ""


def user_keys(user: UserInfo) -> list[str]:
    return ["u:" + user.name, *("g:" + group for group in user.groups)]


class RBACIndex:
    def __init__(self) -> None:
        self._roles: dict[tuple[str, str], tuple[CompiledRule, ...]] = {}
        self._cluster_roles: dict[str, tuple[CompiledRule, ...]] = {}
        self.cluster_role_objects: dict[str, Object] = {}
        self._bindings: dict[tuple[str, str], Binding] = {}
        self._cluster_bindings: dict[str, Binding] = {}
        # subject key -> binding names; for role bindings, per namespace first.
        self._cluster_by_subject: dict[str, set[str]] = {}
        self._by_subject: dict[str, dict[str, set[str]]] = {}
        self._cluster_role_listeners: list[Callable[[], None]] = []
        # Bumped by every change, so that what was derived from the index (compiled grants) is dropped.
        self.generation = 0

    # --- feeding -------------------------------------------------------------------------------

    def on_cluster_roles_changed(self, listener: Callable[[], None]) -> None:
        self._cluster_role_listeners.append(listener)

    def reset(self, kind: str, objects: list[Object]) -> None:
        """Replace everything of ``kind`` (a re-listed watch)."""
        self.generation += 1
        if kind == ROLE:
            self._roles.clear()
        elif kind == CLUSTER_ROLE:
            self._cluster_roles.clear()
            self.cluster_role_objects.clear()
        elif kind == ROLE_BINDING:
            self._bindings.clear()
            self._by_subject.clear()
        elif kind == CLUSTER_ROLE_BINDING:
            self._cluster_bindings.clear()
            self._cluster_by_subject.clear()
        for obj in objects:
            self._put(kind, obj)
        if kind == CLUSTER_ROLE:
            self._notify()

    def apply(self, kind: str, deleted: bool, obj: Object) -> None:
        """One watch event: ``obj`` was added or modified, or (``deleted``) removed."""
        self.generation += 1
        if deleted:
            self._remove(kind, obj)
        else:
            self._put(kind, obj)
        if kind == CLUSTER_ROLE:
            self._notify()

    def _notify(self) -> None:
        for listener in self._cluster_role_listeners:
            listener()

    def _put(self, kind: str, obj: Object) -> None:
        metadata = obj.get("metadata") or {}
        name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace", ""))
        if kind == ROLE:
            self._roles[(namespace, name)] = compile_rules(rules_from(obj))
        elif kind == CLUSTER_ROLE:
            self._cluster_roles[name] = compile_rules(rules_from(obj))
            self.cluster_role_objects[name] = obj
        elif kind == ROLE_BINDING:
            self._remove(kind, obj)
            binding = Binding.from_object(obj)
            self._bindings[(namespace, name)] = binding
            by_subject = self._by_subject.setdefault(namespace, {})
            for key in binding.keys():
                by_subject.setdefault(key, set()).add(name)
        elif kind == CLUSTER_ROLE_BINDING:
            self._remove(kind, obj)
            binding = Binding.from_object(obj)
            self._cluster_bindings[name] = binding
            for key in binding.keys():
                self._cluster_by_subject.setdefault(key, set()).add(name)

    def _remove(self, kind: str, obj: Object) -> None:
        metadata = obj.get("metadata") or {}
        name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace", ""))
        if kind == ROLE:
            self._roles.pop((namespace, name), None)
        elif kind == CLUSTER_ROLE:
            self._cluster_roles.pop(name, None)
            self.cluster_role_objects.pop(name, None)
        elif kind == ROLE_BINDING:
            old = self._bindings.pop((namespace, name), None)
            if old is not None:
                by_subject = self._by_subject.get(namespace, {})
                for key in old.keys():
                    _discard(by_subject, key, name)
        elif kind == CLUSTER_ROLE_BINDING:
            old_cluster = self._cluster_bindings.pop(name, None)
            if old_cluster is not None:
                for key in old_cluster.keys():
                    _discard(self._cluster_by_subject, key, name)

    # --- reading -------------------------------------------------------------------------------

    def role_reference_rules(self, ref: RoleRef, namespace: str) -> tuple[CompiledRule, ...]:
        """Upstream ``GetRoleReferenceRules``; raises :class:`RoleNotFound` with upstream's message."""
        if ref.kind == ROLE:
            role = self._roles.get((namespace, ref.name))
            if role is None:
                raise RoleNotFound(f"role.rbac.authorization.k8s.io {go_quote(ref.name)} not found")
            return role
        if ref.kind == CLUSTER_ROLE:
            cluster_role = self._cluster_roles.get(ref.name)
            if cluster_role is None:
                raise RoleNotFound(f"clusterrole.rbac.authorization.k8s.io {go_quote(ref.name)} not found")
            return cluster_role
        raise RoleNotFound(f"unsupported role reference kind: {go_quote(ref.kind)}")

    def visit_rules_for(self, user: UserInfo, namespace: str) -> Iterator[Visit]:
        keys = user_keys(user)
        names: set[str] = set()
        for key in keys:
            names |= self._cluster_by_subject.get(key, set())
        for name in sorted(names):
            yield from self._visit_binding(self._cluster_bindings[name], keys, "")
        if not namespace:
            return
        by_subject = self._by_subject.get(namespace)
        if not by_subject:
            return
        names = set()
        for key in keys:
            names |= by_subject.get(key, set())
        for name in sorted(names):
            yield from self._visit_binding(self._bindings[(namespace, name)], keys, namespace)

    def _visit_binding(self, binding: Binding, keys: list[str], namespace: str) -> Iterator[Visit]:
        try:
            rules = self.role_reference_rules(binding.role_ref, namespace)
        except RoleNotFound as err:
            yield Visit(None, None, str(err))
            return
        wanted = set(keys)
        subject = next(s for s in binding.subjects if s.key(binding.namespace) in wanted)
        source = RuleSource(binding, subject)
        for rule in rules:
            yield Visit(source, rule)

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[PolicyRule], list[str]]:
        """Upstream ``RulesFor``: every rule that applies, and the resolution errors met on the way."""
        rules: list[PolicyRule] = []
        errors: list[str] = []
        for visit in self.visit_rules_for(user, namespace):
            if visit.rule is not None:
                rules.append(visit.rule.rule)
            if visit.error:
                errors.append(visit.error)
        return rules, errors


class RoleNotFound(Exception):
    """A binding names a role that does not exist (or a kind that is no role)."""


def _discard(index: dict[str, set[str]], key: str, name: str) -> None:
    names = index.get(key)
    if names is not None:
        names.discard(name)
        if not names:
            del index[key]


def aggregate_message(messages: list[str]) -> str:
    """``utilerrors.NewAggregate(...).Error()``: one message as is, several deduplicated in brackets."""
    unique = list(dict.fromkeys(messages))
    if len(messages) == 1 or len(unique) == 1:
        return unique[0] if unique else ""
    return "[" + ", ".join(unique) + "]"
