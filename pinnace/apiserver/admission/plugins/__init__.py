"""The built-in admission plugins, one module each, registered under their upstream names.

Each module has a ``NAME`` and a factory ``new(context)``; :func:`register_builtins` puts them in a
:class:`~pinnace.apiserver.admission.registry.Plugins` registry.
"""

from __future__ import annotations

from pinnace.apiserver.admission.interfaces import PluginFactory
from pinnace.apiserver.admission.plugins import (
    defaultstorageclass,
    defaulttolerationseconds,
    limitranger,
    namespacelifecycle,
    noderestriction,
    priority,
    resourcequota,
    serviceaccount,
    storageobjectinuseprotection,
)
from pinnace.apiserver.admission.podsecurity import plugin as podsecurity_plugin
from pinnace.apiserver.admission.policy import validating as validating_policy
from pinnace.apiserver.admission.registry import PLUGINS, Plugins
from pinnace.apiserver.admission.webhook import mutating as mutating_webhook
from pinnace.apiserver.admission.webhook import validating as validating_webhook

BUILTIN: dict[str, PluginFactory] = {
    namespacelifecycle.NAME: namespacelifecycle.new,
    limitranger.NAME: limitranger.new,
    serviceaccount.NAME: serviceaccount.new,
    noderestriction.NAME: noderestriction.new,
    podsecurity_plugin.NAME: podsecurity_plugin.new,
    priority.NAME: priority.new,
    defaulttolerationseconds.NAME: defaulttolerationseconds.new,
    defaultstorageclass.NAME: defaultstorageclass.new,
    storageobjectinuseprotection.NAME: storageobjectinuseprotection.new,
    resourcequota.NAME: resourcequota.new,
    mutating_webhook.NAME: mutating_webhook.new,
    validating_policy.NAME: validating_policy.new,
    validating_webhook.NAME: validating_webhook.new,
}


def register_builtins(plugins: Plugins = PLUGINS) -> Plugins:
    """Register every built-in plugin not registered yet; returns ``plugins``."""
    for name, factory in BUILTIN.items():
        if not plugins.is_registered(name):
            plugins.register(name, factory)
    return plugins
