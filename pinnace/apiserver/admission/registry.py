"""Admission plugins by upstream name, in upstream's order (``pkg/kubeapiserver/options/plugins.go``, 1.32).

:data:`ORDERED_PLUGINS` is kube-apiserver's ``AllOrderedPlugins``: the chain always runs plugins in this
order, whatever order the flags name them in. :data:`DEFAULT_ON_PLUGINS` is its default-on set. A plugin is
usable once a factory is registered under its name (:meth:`Plugins.register`); Pinnace's own are registered
by :mod:`pinnace.apiserver.admission.plugins`, the webhook and policy plugins by their packages.
"""

from __future__ import annotations

from collections.abc import Iterable

from pinnace.apiserver.admission.interfaces import Interface, PluginContext, PluginFactory

ORDERED_PLUGINS: tuple[str, ...] = (
    "AlwaysAdmit",
    "NamespaceAutoProvision",
    "NamespaceLifecycle",
    "NamespaceExists",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "AlwaysPullImages",
    "ImagePolicyWebhook",
    "PodSecurity",
    "PodNodeSelector",
    "Priority",
    "DefaultTolerationSeconds",
    "PodTolerationRestriction",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DenyServiceExternalIPs",
    # Webhooks, policies, quota and deny go last: they must see the object every other plugin made.
    "MutatingAdmissionPolicy",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
    "AlwaysDeny",
)

# kube-apiserver's default-on plugins (``DefaultOffAdmissionPlugins`` is every other one).
DEFAULT_ON_PLUGINS: frozenset[str] = frozenset(
    {
        "NamespaceLifecycle",
        "LimitRanger",
        "ServiceAccount",
        "DefaultStorageClass",
        "PersistentVolumeClaimResize",
        "DefaultTolerationSeconds",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionWebhook",
        "ResourceQuota",
        "StorageObjectInUseProtection",
        "Priority",
        "TaintNodesByCondition",
        "RuntimeClass",
        "CertificateApproval",
        "CertificateSigning",
        "ClusterTrustBundleAttest",
        "CertificateSubjectRestriction",
        "DefaultIngressClass",
        "PodSecurity",
        "MutatingAdmissionPolicy",
        "ValidatingAdmissionPolicy",
    }
)


class UnknownPlugin(ValueError):
    pass


class Plugins:
    """Factories by plugin name (upstream ``admission.Plugins``)."""

    def __init__(self) -> None:
        self._factories: dict[str, PluginFactory] = {}

    def register(self, name: str, factory: PluginFactory) -> None:
        """Register ``factory`` under an upstream plugin name (one of :data:`ORDERED_PLUGINS`)."""
        if name not in ORDERED_PLUGINS:
            raise ValueError(
                f"admission plugin {name!r} is not one of kube-apiserver's; it has no place in the order"
            )
        if name in self._factories:
            raise ValueError(f"admission plugin {name!r} was registered twice")
        self._factories[name] = factory

    def registered(self) -> list[str]:
        return sorted(self._factories)

    def is_registered(self, name: str) -> bool:
        return name in self._factories

    def new(self, name: str, context: PluginContext) -> Interface:
        factory = self._factories.get(name)
        if factory is None:
            raise UnknownPlugin(f"admission plugin {name!r} is unknown")
        return factory(context)

    def in_order(self, names: Iterable[str]) -> list[str]:
        """``names`` in execution order."""
        wanted = set(names)
        return [name for name in ORDERED_PLUGINS if name in wanted]


#: The plugins an API server can run; packages register theirs at import.
PLUGINS = Plugins()
