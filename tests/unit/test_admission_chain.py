"""The admission framework: chain order and phases, re-invocation, flags and the configuration file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnace.apiserver import status
from pinnace.apiserver.admission import (
    AdmissionChain,
    Attributes,
    Handler,
    Operation,
    PluginContext,
    admission_skipped,
    forbidden,
    is_admission_skipped,
)
from pinnace.apiserver.admission.config import AdmissionConfigError, read_admission_configuration
from pinnace.apiserver.admission.interfaces import Interface
from pinnace.apiserver.admission.options import AdmissionOptions, AdmissionOptionsError, new_chain
from pinnace.apiserver.admission.plugins import register_builtins
from pinnace.apiserver.admission.registry import ORDERED_PLUGINS, Plugins
from tests.unit.admission_fakes import FakeObjects, attributes, context, pod, warnings_of


class Recorder(Handler):
    """Records each call in a shared journal; optionally refuses, warns or asks to be re-invoked."""

    def __init__(
        self,
        name: str,
        journal: list[str],
        *,
        refuse: str = "",
        reinvoke: bool = False,
        operations: tuple[Operation, ...] = (Operation.CREATE,),
    ) -> None:
        super().__init__(*operations)
        self.name, self.journal, self.refuse, self.reinvoke = name, journal, refuse, reinvoke

    async def admit(self, attributes: Attributes) -> None:
        self.journal.append(f"admit {self.name}{' again' if attributes.reinvocation.is_reinvoke else ''}")
        if self.reinvoke and not attributes.reinvocation.is_reinvoke:
            attributes.reinvocation.set_should_reinvoke()
        assert attributes.object is not None
        attributes.object.setdefault("metadata", {}).setdefault("labels", {})[self.name] = "seen"
        attributes.add_warning(f"{self.name} was here")
        attributes.add_annotation(f"{self.name}.admission.k8s.io/key", "value")

    async def validate(self, attributes: Attributes) -> None:
        self.journal.append(f"validate {self.name}")
        if self.refuse:
            raise forbidden(attributes, self.refuse)


class ValidateOnly(Handler):
    def __init__(self, journal: list[str]) -> None:
        super().__init__(Operation.CREATE)
        self.journal = journal

    async def validate(self, attributes: Attributes) -> None:
        self.journal.append("validate only")


async def test_mutating_plugins_run_in_order_then_validating_ones() -> None:
    journal: list[str] = []
    chain = AdmissionChain(
        [("A", Recorder("a", journal)), ("B", ValidateOnly(journal)), ("C", Recorder("c", journal))]
    )
    attrs = attributes(pod())
    await chain.admit(attrs)
    await chain.validate(attrs)
    assert journal == ["admit a", "admit c", "validate a", "validate only", "validate c"]
    assert attrs.object is not None and attrs.object["metadata"]["labels"] == {"a": "seen", "c": "seen"}


async def test_plugins_see_only_the_operations_they_handle() -> None:
    journal: list[str] = []
    chain = AdmissionChain([("A", Recorder("a", journal, operations=(Operation.DELETE,)))])
    assert chain.handles(Operation.DELETE) and not chain.handles(Operation.CREATE)
    await chain.admit(attributes(pod()))
    assert journal == []


async def test_a_refusal_stops_the_chain_with_the_plugins_error() -> None:
    journal: list[str] = []
    chain = AdmissionChain([("A", Recorder("a", journal, refuse="not today")), ("C", Recorder("c", journal))])
    with pytest.raises(status.Forbidden, match=r'^pods "p" is forbidden: not today$'):
        await chain.validate(attributes(pod()))
    assert journal == ["validate a"]


async def test_one_plugin_asking_for_reinvocation_reruns_every_mutating_plugin_once() -> None:
    journal: list[str] = []
    chain = AdmissionChain([("A", Recorder("a", journal)), ("C", Recorder("c", journal, reinvoke=True))])
    await chain.admit(attributes(pod()))
    assert journal == ["admit a", "admit c", "admit a again", "admit c again"]


async def test_warnings_reach_the_sink_as_added_and_annotations_at_the_end_of_each_phase() -> None:
    journal: list[str] = []
    warned: list[str] = []
    annotated: list[tuple[str, str]] = []
    chain = AdmissionChain(
        [("A", Recorder("a", journal, refuse="no"))],
        warn=warned.append,
        annotate=lambda key, value: annotated.append((key, value)),
    )
    attrs = attributes(pod())
    await chain.admit(attrs)
    with pytest.raises(status.Forbidden):
        await chain.validate(attrs)
    assert warned == ["a was here"]
    assert annotated == [("a.admission.k8s.io/key", "value"), ("a.admission.k8s.io/key", "value")]


def test_an_annotation_cannot_be_overwritten_with_another_value() -> None:
    attrs = attributes(pod())
    attrs.add_annotation("x.admission.k8s.io/k", "1")
    attrs.add_annotation("x.admission.k8s.io/k", "1")
    with pytest.raises(ValueError, match="not allowd to be overwritten"):
        attrs.add_annotation("x.admission.k8s.io/k", "2")


def test_admission_can_be_skipped_for_the_servers_own_writes() -> None:
    assert not is_admission_skipped()
    with admission_skipped():
        assert is_admission_skipped()
    assert not is_admission_skipped()


@pytest.mark.parametrize(
    ("attrs_name", "metadata", "expected"),
    [
        ("web-1", {"name": "web-1"}, 'pods "web-1" is forbidden: why'),
        ("", {"name": "web-7d9c-abcde", "generateName": "web-7d9c-"}, 'pods "web-7d9c-" is forbidden: why'),
        ("", {}, 'pods "Unknown" is forbidden: why'),
    ],
    ids=["the request's name", "a generateName create by its prefix", "no name at all"],
)
def test_forbidden_names_the_object_as_upstream(
    attrs_name: str, metadata: dict[str, str], expected: str
) -> None:
    attrs = attributes({"metadata": metadata}, name=attrs_name)
    error = forbidden(attrs, "why")
    assert error.message == expected
    assert error.to_status()["details"]["kind"] == "pods"


# --- flags ---------------------------------------------------------------------------------------------


@pytest.fixture
def plugins() -> Plugins:
    return register_builtins(Plugins())


def test_the_default_chain_is_upstreams_default_on_set_that_pinnace_has(plugins: Plugins) -> None:
    assert AdmissionOptions().enabled_plugin_names(plugins) == [
        "NamespaceLifecycle",
        "LimitRanger",
        "ServiceAccount",
        "PodSecurity",
        "Priority",
        "DefaultTolerationSeconds",
        "DefaultStorageClass",
        "StorageObjectInUseProtection",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
        "ResourceQuota",
    ]


def test_enabling_and_disabling_keeps_upstreams_order_whatever_the_flags_order(plugins: Plugins) -> None:
    options = AdmissionOptions(
        enable_plugins=("DefaultStorageClass", "NamespaceLifecycle"),
        disable_plugins=("ServiceAccount", "PodSecurity", "ResourceQuota", "Priority"),
    )
    assert options.enabled_plugin_names(plugins) == [
        "NamespaceLifecycle",
        "LimitRanger",
        "DefaultTolerationSeconds",
        "DefaultStorageClass",
        "StorageObjectInUseProtection",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
    ]
    assert ORDERED_PLUGINS.index("ResourceQuota") > ORDERED_PLUGINS.index("ValidatingAdmissionWebhook")


@pytest.mark.parametrize(
    ("options", "errors"),
    [
        (AdmissionOptions(enable_plugins=("Bogus",)), ['enable-admission-plugins plugin "Bogus" is unknown']),
        (
            AdmissionOptions(disable_plugins=("Bogus",)),
            ['disable-admission-plugins plugin "Bogus" is unknown'],
        ),
        (
            AdmissionOptions(
                enable_plugins=("Priority", "LimitRanger"), disable_plugins=("LimitRanger", "Priority")
            ),
            ["[LimitRanger Priority] in enable-admission-plugins and disable-admission-plugins overlapped"],
        ),
        (
            AdmissionOptions(enable_plugins=("AlwaysPullImages",)),
            ['enable-admission-plugins plugin "AlwaysPullImages" is not implemented by Pinnace yet'],
        ),
        (AdmissionOptions(disable_plugins=("AlwaysPullImages",)), []),
    ],
    ids=["unknown enabled", "unknown disabled", "both", "known but not implemented", "disabling one is fine"],
)
def test_flag_errors_read_as_upstreams(
    plugins: Plugins, options: AdmissionOptions, errors: list[str]
) -> None:
    assert options.validate(plugins) == errors


def test_a_bad_flag_stops_the_chain_being_built(plugins: Plugins) -> None:
    with pytest.raises(AdmissionOptionsError, match='"Bogus" is unknown'):
        new_chain(AdmissionOptions(enable_plugins=("Bogus",)), context(FakeObjects()), plugins=plugins)


# --- the configuration file ------------------------------------------------------------------------------


def test_plugins_get_their_configuration_inline_or_from_a_relative_path(tmp_path: Path) -> None:
    (tmp_path / "podsecurity.yaml").write_text(
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
        "defaults: {enforce: baseline}\n"
    )
    (tmp_path / "admission.yaml").write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n"
        "- name: PodSecurity\n  path: podsecurity.yaml\n"
        "- name: ResourceQuota\n  configuration: {kind: ResourceQuotaConfiguration}\n"
    )
    config = read_admission_configuration(tmp_path / "admission.yaml")
    pod_security = config.config_for("PodSecurity")
    assert pod_security is not None and pod_security["defaults"] == {"enforce": "baseline"}
    assert config.config_for("ResourceQuota") == {"kind": "ResourceQuotaConfiguration"}
    assert config.config_for("LimitRanger") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: AdmissionConfiguration\n", "must set apiVersion"),
        (
            "apiVersion: apiserver.config.k8s.io/v1\nkind: Other\n",
            'no kind "Other" is registered for version "apiserver.config.k8s.io/v1"',
        ),
        (
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugin: []\n",
            'strict decoding error: unknown field "plugin"',
        ),
        (
            "apiVersion: apiserver.k8s.io/v1alpha1\nkind: AdmissionConfiguration\nplugins: [{name: X, pth: y}]\n",
            'strict decoding error: unknown field "plugins\\[0\\].pth"',
        ),
    ],
    ids=["no apiVersion", "wrong kind", "unknown field", "unknown plugin field"],
)
def test_a_bad_configuration_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "admission.yaml").write_text(text)
    with pytest.raises(AdmissionConfigError, match=message):
        read_admission_configuration(tmp_path / "admission.yaml")


def test_a_missing_configuration_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AdmissionConfigError, match="unable to read admission control configuration from"):
        read_admission_configuration(tmp_path / "missing.yaml")


def test_each_plugin_is_built_with_its_own_configuration(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def factory(name: str):  # type: ignore[no-untyped-def]
        def build(ctx: PluginContext) -> Interface:
            seen[name] = ctx.config
            return Handler(Operation.CREATE)

        return build

    registry = Plugins()
    registry.register("LimitRanger", factory("LimitRanger"))
    registry.register("Priority", factory("Priority"))
    (tmp_path / "admission.yaml").write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n"
        "plugins: [{name: Priority, configuration: {a: 1}}]\n"
    )
    chain = new_chain(
        AdmissionOptions(config_file=tmp_path / "admission.yaml"), context(FakeObjects()), plugins=registry
    )
    assert chain.names == ("LimitRanger", "Priority")
    assert seen == {"LimitRanger": None, "Priority": {"a": 1}}
    assert warnings_of(attributes(pod())) == []
