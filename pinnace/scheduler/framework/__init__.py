"""Kubernetes' scheduling framework: extension points, pod/node info, the snapshot, the plugin runtime.

See ``interface.py`` for the contracts, ``runtime.py`` for how a profile's plugins run, ``algorithm.py`` for
how one pod's node is chosen, and ``docs/scheduler.md`` for the whole picture.
"""
