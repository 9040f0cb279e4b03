"""The ``--admission-control-config-file``: an ``AdmissionConfiguration`` with per-plugin configuration
(``k8s.io/apiserver/pkg/admission/config.go``, ``apis/apiserver/v1``).

    apiVersion: apiserver.config.k8s.io/v1
    kind: AdmissionConfiguration
    plugins:
    - name: PodSecurity
      configuration:
        apiVersion: pod-security.admission.config.k8s.io/v1
        kind: PodSecurityConfiguration
        defaults: {enforce: baseline}
    - name: EventRateLimit
      path: eventconfig.yaml        # relative to this file

A plugin's configuration is its ``configuration`` object, else the YAML or JSON file its ``path`` names;
plugins the file does not mention get None and use their defaults. Decoding is strict, as upstream's:
unknown fields are errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pinnace.api.gofmt import go_quote

Object = dict[str, Any]

# apiserver.k8s.io/v1alpha1 is the deprecated name of the same type, still accepted by 1.32.
API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1alpha1")
KIND = "AdmissionConfiguration"


class AdmissionConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PluginConfiguration:
    name: str
    path: Path | None = None
    configuration: Object | None = None


@dataclass(frozen=True, slots=True)
class AdmissionConfiguration:
    plugins: tuple[PluginConfiguration, ...] = ()

    def config_for(self, name: str) -> Object | None:
        """The named plugin's configuration (upstream ``ConfigProvider.ConfigFor``); the first entry wins."""
        for plugin in self.plugins:
            if plugin.name != name:
                continue
            if plugin.configuration is not None:
                return plugin.configuration
            if plugin.path is not None:
                return _read_object(plugin.path, f"admission plugin {name} configuration")
            return None
        return None


def read_admission_configuration(path: Path | None) -> AdmissionConfiguration:
    """The file at ``path``, or an empty configuration for None. Raises AdmissionConfigError."""
    if path is None:
        return AdmissionConfiguration()
    document = _read_object(path, "admission control configuration")
    return decode_admission_configuration(document, base=path.parent)


def decode_admission_configuration(document: Object, *, base: Path) -> AdmissionConfiguration:
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not api_version or not kind:
        raise AdmissionConfigError(
            "admission control configuration must set apiVersion "
            f"({' or '.join(API_VERSIONS)}) and kind ({KIND})"
        )
    if api_version not in API_VERSIONS or kind != KIND:
        raise AdmissionConfigError(
            f"no kind {go_quote(str(kind))} is registered for version {go_quote(str(api_version))}"
        )
    _strict(document, {"apiVersion", "kind", "plugins"}, "")
    raw_plugins = document.get("plugins") or []
    if not isinstance(raw_plugins, list):
        raise AdmissionConfigError("strict decoding error: plugins: expected a list")
    plugins = []
    for index, raw in enumerate(raw_plugins):
        where = f"plugins[{index}]."
        if not isinstance(raw, dict):
            raise AdmissionConfigError(f"strict decoding error: plugins[{index}]: expected an object")
        _strict(raw, {"name", "path", "configuration"}, where)
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise AdmissionConfigError(f"{where}name: Required value")
        configuration = raw.get("configuration")
        if configuration is not None and not isinstance(configuration, dict):
            raise AdmissionConfigError(f"{where}configuration: expected an object")
        raw_path = raw.get("path")
        plugin_path = None
        if raw_path:
            plugin_path = Path(str(raw_path))
            if not plugin_path.is_absolute():
                plugin_path = base / plugin_path  # upstream makes relative paths absolute from the file's dir
        plugins.append(PluginConfiguration(name, plugin_path, configuration))
    return AdmissionConfiguration(tuple(plugins))


def _strict(document: Object, known: set[str], where: str) -> None:
    unknown = sorted(key for key in document if key not in known)
    if unknown:
        fields = ", ".join(f"unknown field {go_quote(where + key)}" for key in unknown)
        raise AdmissionConfigError(f"strict decoding error: {fields}")


def _read_object(path: Path, what: str) -> Object:
    try:
        text = path.read_text()
    except OSError as err:
        raise AdmissionConfigError(f"unable to read {what} from {go_quote(str(path))} [{err}]") from err
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise AdmissionConfigError(f"unable to parse {what} from {go_quote(str(path))}: {err}") from err
    if not isinstance(document, dict):
        raise AdmissionConfigError(f"{what} in {go_quote(str(path))} is not an object")
    return document
