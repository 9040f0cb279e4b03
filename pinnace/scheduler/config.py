"""KubeSchedulerConfiguration (``kubescheduler.config.k8s.io/v1``): load, default, resolve into profiles.

What users tune is data (style.md rule 15): :func:`load` reads a YAML file (or none) and merges it over the
defaults shipped in ``data/defaults.yaml`` the way Kubernetes 1.32 does
(``pkg/scheduler/apis/config/v1/default_plugins.go`` mergePlugins, ``runtime/framework.go``
expandMultiPointPlugins):

* every profile starts from the default ``multiPoint`` plugin set; a plugin a profile enables again (at
  multiPoint or at a specific extension point) replaces the default entry in place (keeping its order), other
  enabled plugins are appended, ``disabled`` removes defaults (``"*"`` removes them all);
* a plugin enabled at a specific extension point overrides its multiPoint expansion there;
* a Score weight comes from the ``score`` entry, else the ``multiPoint`` entry, else 1;
* ``pluginConfig`` args are merged over each plugin's default args.

Supported fields: ``profiles[].schedulerName``, ``plugins``, ``pluginConfig``, ``percentageOfNodesToScore``
(global and per profile), ``podInitialBackoffSeconds``, ``podMaxBackoffSeconds``, ``leaderElection``,
``clientConnection.kubeconfig``. Anything else in the file is rejected by name, not silently ignored.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Final

import yaml

from pinnace.api.gofmt import go_quote
from pinnace.scheduler.framework.interface import PluginFactory
from pinnace.scheduler.framework.runtime import EXTENSION_POINTS, PluginRef, ProfileSpec

API_VERSION: Final = "kubescheduler.config.k8s.io/v1"
KIND: Final = "KubeSchedulerConfiguration"
_TOP_LEVEL: Final = frozenset(
    {
        "apiVersion",
        "kind",
        "profiles",
        "percentageOfNodesToScore",
        "podInitialBackoffSeconds",
        "podMaxBackoffSeconds",
        "leaderElection",
        "clientConnection",
        "parallelism",
        "extenders",
        "delayCacheUntilActive",
    }
)
_PROFILE_FIELDS: Final = frozenset({"schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"})


class ConfigurationError(ValueError):
    """An invalid KubeSchedulerConfiguration; the message names the field."""


@dataclass(frozen=True, slots=True)
class LeaderElection:
    leader_elect: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    resource_name: str = "kube-scheduler"
    resource_namespace: str = "kube-system"


@dataclass(slots=True)
class SchedulerConfiguration:
    profiles: list[ProfileSpec]
    percentage_of_nodes_to_score: int = 0
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
    leader_election: LeaderElection = field(default_factory=LeaderElection)
    kubeconfig: str = ""
    #: clientConnection.qps/burst (upstream's defaults: 50 and 100).
    qps: float = 50.0
    burst: int = 100


def _defaults() -> dict[str, Any]:
    text = importlib_resources.files("pinnace.scheduler").joinpath("data/defaults.yaml").read_text()
    loaded: dict[str, Any] = yaml.load(text, Loader=yaml.CSafeLoader)
    return loaded


def _duration(raw: Any, field_name: str) -> float:
    """A Go duration like ``15s``, ``1m30s``, ``500ms`` (the subset config files use)."""
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if c.isdigit() or c == ".":
            number += c
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else c
        if unit not in units or not number:
            raise ConfigurationError(f"{field_name}: invalid duration {go_quote(text)}")
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        raise ConfigurationError(f"{field_name}: missing unit in duration {go_quote(text)}")
    return total


def _plugin_list(raw: Any, where: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigurationError(f"{where}: must be a list")
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise ConfigurationError(f"{where}[{i}].name: Required value")
        out.append({"name": str(entry["name"]), "weight": int(entry.get("weight") or 0)})
    return out


def merge_plugin_set(
    default: Mapping[str, Any], custom: Mapping[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """``mergePluginSet``: defaults minus disabled, re-configured ones replaced in place, then the rest."""
    disabled = [{"name": p["name"]} for p in custom.get("disabled", [])] + [
        {"name": p["name"]} for p in default.get("disabled", [])
    ]
    disabled_names = {p["name"] for p in disabled}
    custom_enabled = custom.get("enabled", [])
    custom_index = {p["name"]: i for i, p in enumerate(custom_enabled)}
    replaced: set[int] = set()
    enabled: list[dict[str, Any]] = []
    if "*" not in disabled_names:
        for plugin in default.get("enabled", []):
            if plugin["name"] in disabled_names:
                continue
            if plugin["name"] in custom_index:
                index = custom_index[plugin["name"]]
                plugin = custom_enabled[index]
                replaced.add(index)
            enabled.append(plugin)
    enabled += [p for i, p in enumerate(custom_enabled) if i not in replaced]
    return {"enabled": enabled, "disabled": disabled}


def _profile_plugins(raw: Mapping[str, Any] | None, where: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    points: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for point, plugin_set in (raw or {}).items():
        if point != "multiPoint" and point not in EXTENSION_POINTS:
            raise ConfigurationError(f"{where}.{point}: unknown extension point")
        plugin_set = plugin_set or {}
        points[point] = {
            "enabled": _plugin_list(plugin_set.get("enabled"), f"{where}.{point}.enabled"),
            "disabled": _plugin_list(plugin_set.get("disabled"), f"{where}.{point}.disabled"),
        }
    return points


def resolve_profile(
    raw: Mapping[str, Any],
    default_profile: Mapping[str, Any],
    registry: Mapping[str, PluginFactory],
    global_percentage: int,
    where: str,
) -> ProfileSpec:
    """Merge one profile over the default one and expand multiPoint into extension points."""
    unknown = set(raw) - _PROFILE_FIELDS
    if unknown:
        raise ConfigurationError(f"{where}: unknown field {go_quote(sorted(unknown)[0])}")
    name = str(raw.get("schedulerName") or "")
    if not name:
        raise ConfigurationError(f"{where}.schedulerName: Required value")
    defaults = _profile_plugins(default_profile.get("plugins"), "defaults")
    custom = _profile_plugins(raw.get("plugins"), f"{where}.plugins")
    merged: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for point in ("multiPoint", *EXTENSION_POINTS):
        merged[point] = merge_plugin_set(
            defaults.get(point, {"enabled": [], "disabled": []}),
            custom.get(point, {"enabled": [], "disabled": []}),
        )
    for plugin in merged["multiPoint"]["enabled"]:
        if plugin["name"] not in registry:
            raise ConfigurationError(f'{where}.plugins.multiPoint: plugin "{plugin["name"]}" does not exist')
    plugins: dict[str, list[PluginRef]] = {}
    for point in EXTENSION_POINTS:
        specific = merged[point]
        disabled = {p["name"] for p in specific["disabled"]}
        enabled_names = [p["name"] for p in specific["enabled"]]
        if "*" in disabled:
            plugins[point] = [PluginRef(n) for n in enabled_names]
            continue
        multi: list[str] = []
        overrides: list[str] = []
        for plugin in merged["multiPoint"]["enabled"]:
            plugin_name = plugin["name"]
            if plugin_name in disabled or not _implements(registry, plugin_name, point):
                continue
            if plugin_name in enabled_names:
                overrides.append(plugin_name)
                continue
            if plugin_name in multi:
                raise ConfigurationError(f'{where}: plugin "{plugin_name}" already registered as {point}')
            multi.append(plugin_name)
        ordered = (
            [n for n in enabled_names if n in overrides]
            + multi
            + [n for n in enabled_names if n not in overrides]
        )
        plugins[point] = [PluginRef(n) for n in ordered]
    weights: dict[str, int] = {}
    for plugin in merged["score"]["enabled"] + merged["multiPoint"]["enabled"]:
        weights.setdefault(plugin["name"], plugin["weight"] or 1)
    plugins["score"] = [PluginRef(ref.name, weights.get(ref.name, 1)) for ref in plugins["score"]]
    args = _plugin_args(default_profile.get("pluginConfig") or [], raw.get("pluginConfig") or [], where)
    percentage = raw.get("percentageOfNodesToScore")
    return ProfileSpec(
        scheduler_name=name,
        plugins=plugins,
        plugin_args=args,
        percentage_of_nodes_to_score=int(percentage)
        if percentage is not None
        else (global_percentage or None),
    )


_METHODS: Final = {
    "preEnqueue": ("pre_enqueue",),
    "queueSort": ("less",),
    "preFilter": ("pre_filter",),
    "filter": ("filter",),
    "postFilter": ("post_filter",),
    "preScore": ("pre_score",),
    "score": ("score",),
    "reserve": ("reserve", "unreserve"),
    "permit": ("permit",),
    "preBind": ("pre_bind",),
    "bind": ("bind",),
    "postBind": ("post_bind",),
}


def _implements(registry: Mapping[str, PluginFactory], name: str, point: str) -> bool:
    """Whether the plugin's class has the extension point's methods."""
    plugin_cls = _plugin_class(registry, name)
    return all(hasattr(plugin_cls, method) for method in _METHODS[point])


def _plugin_class(registry: Mapping[str, PluginFactory], name: str) -> type:
    """The class a factory builds: the class in the factory's module whose ``name`` is the plugin name."""
    factory = registry[name]
    module = importlib.import_module(factory.__module__)
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name:
            return value
    raise ConfigurationError(f'plugin "{name}" has no class named after it')


def _plugin_args(
    defaults: Sequence[Mapping[str, Any]], custom: Sequence[Mapping[str, Any]], where: str
) -> dict[str, Mapping[str, Any]]:
    args: dict[str, dict[str, Any]] = {
        str(e["name"]): copy.deepcopy(dict(e.get("args") or {})) for e in defaults
    }
    seen: set[str] = set()
    for i, entry in enumerate(custom):
        name = str(entry.get("name") or "")
        if not name:
            raise ConfigurationError(f"{where}.pluginConfig[{i}].name: Required value")
        if name in seen:
            raise ConfigurationError(f"{where}.pluginConfig[{i}]: Duplicate value: {go_quote(name)}")
        seen.add(name)
        merged = args.setdefault(name, {})
        for key, value in (entry.get("args") or {}).items():
            if key in ("apiVersion", "kind"):
                continue
            merged[key] = value
    return dict(args)


def load(path: Path | None, registry: Mapping[str, PluginFactory]) -> SchedulerConfiguration:
    """Read (or default) and resolve a KubeSchedulerConfiguration."""
    raw: Mapping[str, Any] = {}
    if path is not None:
        loaded = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        if not isinstance(loaded, Mapping):
            raise ConfigurationError(f"{path}: not a KubeSchedulerConfiguration")
        raw = loaded
    return from_dict(raw, registry)


def from_dict(raw: Mapping[str, Any], registry: Mapping[str, PluginFactory]) -> SchedulerConfiguration:
    if raw:
        if raw.get("apiVersion") != API_VERSION or raw.get("kind") != KIND:
            raise ConfigurationError(
                f"no kind {go_quote(str(raw.get('kind')))} is registered for version "
                f"{go_quote(str(raw.get('apiVersion')))}: want {API_VERSION} {KIND}"
            )
        unknown = set(raw) - _TOP_LEVEL
        if unknown:
            raise ConfigurationError(f"unknown field {go_quote(sorted(unknown)[0])}")
        if raw.get("extenders"):
            raise ConfigurationError("extenders: scheduler extenders are not supported")
    defaults = _defaults()
    percentage = int(raw.get("percentageOfNodesToScore", defaults["percentageOfNodesToScore"]) or 0)
    if not 0 <= percentage <= 100:
        raise ConfigurationError(
            f"percentageOfNodesToScore: Invalid value: {percentage}: not in valid range [0-100]"
        )
    profiles_raw = raw.get("profiles") or [{"schedulerName": defaults["defaultProfile"]["schedulerName"]}]
    profiles: list[ProfileSpec] = []
    names: set[str] = set()
    for i, profile in enumerate(profiles_raw):
        spec = resolve_profile(profile, defaults["defaultProfile"], registry, percentage, f"profiles[{i}]")
        if spec.scheduler_name in names:
            raise ConfigurationError(
                f"profiles[{i}].schedulerName: Duplicate value: {go_quote(spec.scheduler_name)}"
            )
        names.add(spec.scheduler_name)
        profiles.append(spec)
    queue_sorts = {tuple(r.name for r in p.plugins.get("queueSort", [])) for p in profiles}
    if len(queue_sorts) > 1:
        raise ConfigurationError(
            "profiles[1].plugins.queueSort: Invalid value: must be the same for all profiles"
        )
    le_raw = {**defaults["leaderElection"], **(raw.get("leaderElection") or {})}
    leader_election = LeaderElection(
        leader_elect=bool(le_raw.get("leaderElect", True)),
        lease_duration=_duration(le_raw.get("leaseDuration", "15s"), "leaderElection.leaseDuration"),
        renew_deadline=_duration(le_raw.get("renewDeadline", "10s"), "leaderElection.renewDeadline"),
        retry_period=_duration(le_raw.get("retryPeriod", "2s"), "leaderElection.retryPeriod"),
        resource_name=str(le_raw.get("resourceName") or "kube-scheduler"),
        resource_namespace=str(le_raw.get("resourceNamespace") or "kube-system"),
    )
    return SchedulerConfiguration(
        profiles=profiles,
        percentage_of_nodes_to_score=percentage,
        pod_initial_backoff_seconds=float(
            raw.get("podInitialBackoffSeconds", defaults["podInitialBackoffSeconds"])
        ),
        pod_max_backoff_seconds=float(raw.get("podMaxBackoffSeconds", defaults["podMaxBackoffSeconds"])),
        leader_election=leader_election,
        kubeconfig=str((raw.get("clientConnection") or {}).get("kubeconfig") or ""),
        qps=float((raw.get("clientConnection") or {}).get("qps") or 50.0),
        burst=int((raw.get("clientConnection") or {}).get("burst") or 100),
    )
