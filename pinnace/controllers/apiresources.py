"""Which resources the generic controllers walk: one preferred version of every served resource.

The garbage collector watches every resource that can be listed, watched and deleted
(``GetDeletableResources``: ``discovery.SupportsAllVerbs{"delete", "list", "watch"}`` over
``ServerPreferredResources``); the namespace controller deletes every namespaced resource that supports
``delete``. Both use the *preferred* version of each group's resource, so ``autoscaling/v2`` and
``autoscaling/v1`` HorizontalPodAutoscalers — the same objects — are walked once. Discovery lists a group's
preferred version first, as :func:`pinnace.client.resources.served` does, so the first version seen wins.

Pinnace serves only built-in resources, so the list is fixed for the life of the process; upstream re-runs
discovery every 30 s to pick up custom resources.
"""

from __future__ import annotations

from pinnace.client.resources import Resource, served


def preferred_resources(*verbs: str, namespaced: bool | None = None) -> list[Resource]:
    """The preferred version of every served resource that supports all ``verbs`` (and, if given, has
    this scope), in discovery order."""
    seen: set[tuple[str, str]] = set()
    chosen: list[Resource] = []
    for resource in served():
        group_resource = (resource.group, resource.plural)
        if group_resource in seen:
            continue
        seen.add(group_resource)
        if not all(verb in resource.verbs for verb in verbs):
            continue
        if namespaced is not None and resource.namespaced != namespaced:
            continue
        chosen.append(resource)
    return chosen
