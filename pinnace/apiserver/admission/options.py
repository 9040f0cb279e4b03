"""kube-apiserver's admission flags and the chain they select (``apiserver/pkg/server/options/admission.go``).

``--enable-admission-plugins`` adds to the default-on set, ``--disable-admission-plugins`` removes from it;
naming a plugin in both is an error, as is an unknown name. The order of the flags does not matter: the
chain runs in :data:`~pinnace.apiserver.admission.registry.ORDERED_PLUGINS` order. Upstream plugins that
Pinnace does not implement are known names: disabling one is accepted (it is not running), enabling one is
refused with a message that says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pinnace.apiserver.admission.chain import AdmissionChain
from pinnace.apiserver.admission.config import AdmissionConfigError, read_admission_configuration
from pinnace.apiserver.admission.interfaces import PluginContext
from pinnace.apiserver.admission.registry import (
    DEFAULT_ON_PLUGINS,
    ORDERED_PLUGINS,
    PLUGINS,
    Plugins,
)


class AdmissionOptionsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class AdmissionOptions:
    enable_plugins: tuple[str, ...] = ()
    disable_plugins: tuple[str, ...] = ()
    config_file: Path | None = None

    def validate(self, plugins: Plugins = PLUGINS) -> list[str]:
        """Upstream's messages for bad flags (empty when the flags are fine)."""
        known = set(ORDERED_PLUGINS)
        errors = [
            f"enable-admission-plugins plugin {_quote(name)} is unknown"
            for name in self.enable_plugins
            if name not in known
        ]
        errors += [
            f"disable-admission-plugins plugin {_quote(name)} is unknown"
            for name in self.disable_plugins
            if name not in known
        ]
        overlap = sorted(set(self.enable_plugins) & set(self.disable_plugins))
        if overlap:
            errors.append(
                f"[{' '.join(overlap)}] in enable-admission-plugins and disable-admission-plugins overlapped"
            )
        errors += [
            f"enable-admission-plugins plugin {_quote(name)} is not implemented by Pinnace yet"
            for name in self.enable_plugins
            if name in known and not plugins.is_registered(name)
        ]
        return errors

    def enabled_plugin_names(self, plugins: Plugins = PLUGINS) -> list[str]:
        """The plugins to run, in order: upstream's default-on set (those Pinnace has), plus the enabled,
        minus the disabled (``enabledPluginNames``)."""
        defaults = {name for name in DEFAULT_ON_PLUGINS if plugins.is_registered(name)}
        wanted = (defaults | set(self.enable_plugins)) - (
            set(self.disable_plugins) - set(self.enable_plugins)
        )
        return plugins.in_order(wanted)


def new_chain(
    options: AdmissionOptions,
    context: PluginContext,
    *,
    plugins: Plugins = PLUGINS,
    warn: Callable[[str], None] = lambda text: None,
    annotate: Callable[[str, str], None] = lambda key, value: None,
) -> AdmissionChain:
    """Build the chain ``options`` select, each plugin from ``context`` with its own configuration from the
    file filled in. Raises AdmissionOptionsError (bad flags, an unreadable file, a bad configuration)."""
    errors = options.validate(plugins)
    if errors:
        raise AdmissionOptionsError("; ".join(errors))
    try:
        configuration = read_admission_configuration(options.config_file)
    except AdmissionConfigError as err:
        raise AdmissionOptionsError(f"failed to read plugin config: {err}") from err
    built = []
    for name in options.enabled_plugin_names(plugins):
        try:
            plugin_context = dataclasses.replace(context, config=configuration.config_for(name))
            built.append((name, plugins.new(name, plugin_context)))
        except ValueError as err:
            raise AdmissionOptionsError(f"{name}: {err}") from err
    return AdmissionChain(built, warn=warn, annotate=annotate)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
