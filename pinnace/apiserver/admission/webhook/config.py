"""The webhook plugins' own configuration (``plugin/webhook/config``: ``WebhookAdmissionConfiguration``).

Upstream's only setting is ``kubeConfigFile``: credentials the API server presents to webhooks. Pinnace
calls webhooks without client credentials, so a configuration that names a file is refused at start rather
than silently ignored.
"""

from __future__ import annotations

from typing import Any

KIND = "WebhookAdmissionConfiguration"
API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1alpha1")


def check_plugin_config(config: dict[str, Any] | None, plugin: str) -> None:
    """Raises ValueError for a configuration Pinnace cannot honour."""
    if not config:
        return
    if config.get("kind") != KIND or config.get("apiVersion") not in API_VERSIONS:
        raise ValueError(
            f"{plugin} configuration must be a {KIND} of {' or '.join(API_VERSIONS)}, "
            f"not {config.get('apiVersion')}/{config.get('kind')}"
        )
    if config.get("kubeConfigFile"):
        raise ValueError(
            f"{plugin}: kubeConfigFile (credentials for calling webhooks) is not supported by Pinnace yet"
        )
