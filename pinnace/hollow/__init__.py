"""Hollow nodes: many simulated kubelets in one process (KWOK-style), their pods moved by stages (data).

A hollow node is a Node object that behaves, as seen through the API, like a node with a kubelet: it
registers with its status, renews its Lease every 10 s, re-posts its status every 5 minutes, and moves the
pods bound to it through their lifecycle. Nothing runs: no process, no container, no address is served.
Nodes carry the label ``node.pinnace.dev/hollow: "true"`` and an annotation saying so (but no taint:
ordinary pods schedule onto them).

Modules, from the bottom up:

* :mod:`~pinnace.hollow.config` — the options; :mod:`~pinnace.hollow.ipam` — node and pod addresses;
* :mod:`~pinnace.hollow.nodeobjects` — the Node and Lease objects a kubelet writes (pure functions);
* :mod:`~pinnace.hollow.spread` — periodic work for N items spread over a period, bounded concurrency;
* :mod:`~pinnace.hollow.nodes` — registration, Lease renewal, status posts;
* :mod:`~pinnace.hollow.expressions`, :mod:`~pinnace.hollow.templates`, :mod:`~pinnace.hollow.stages` — the
  Stage format (selector, delay, next) and its loader; default stages are package data in ``stages/``;
* :mod:`~pinnace.hollow.engine` — the one generic stage engine; :mod:`~pinnace.hollow.pods` — pods of
  hollow nodes fed to it;
* :mod:`~pinnace.hollow.server` — ``run(config)``; :mod:`~pinnace.hollow.stats` — its activity log.

Like every component it meets the rest of the cluster only through the API server (``pinnace.client``).
"""
