"""Pod Security admission (``k8s.io/pod-security-admission``, v0.32): the Pod Security Standards as an
admission plugin.

- :mod:`.api` — levels, versions, policies and the ``pod-security.kubernetes.io/*`` namespace labels;
- :mod:`.check`, :mod:`.baseline`, :mod:`.restricted` — every check of the 1.32 policy with its version
  history; :mod:`.evaluator` — which checks a level and version run, in which order;
- :mod:`.configuration` — the plugin's defaults and exemptions;
- :mod:`.admission` — the decisions for pods, workload templates and namespaces;
- :mod:`.plugin` — the ``PodSecurity`` admission plugin around them.
"""
