"""Role-based access control (``rbac.authorization.k8s.io/v1``), as kube-apiserver does it.

- :mod:`.rules`, :mod:`.covers`: does a rule allow a request; do some rules cover others.
- :mod:`.index`, :mod:`.sync`: the roles and bindings in memory, bindings indexed by subject, kept
  current from the API server's watch caches.
- :mod:`.authorizer`, :mod:`.grants`: the RBAC authorizer of the authorization chain, deciding from
  each user's rules compiled into lookup tables (and listing them, for SelfSubjectRulesReview).
- :mod:`.escalation`, :mod:`.policybased`: nobody grants what they do not hold (short of ``escalate``
  and ``bind``); the storage of the four RBAC kinds enforces it.
- :mod:`.bootstrap`, :mod:`.reconciliation`: upstream's default roles and bindings, reconciled at start.
- :mod:`.aggregation`: ClusterRoles built from others by label selectors.
- :mod:`.install`: how an API server puts them together.
"""
