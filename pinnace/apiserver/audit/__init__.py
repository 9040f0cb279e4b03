"""Auditing: who did what, when, with what result (upstream ``k8s.io/apiserver/pkg/audit``, log plugin).

    --audit-policy-file -> policy.py (decode, validate) -> checker.py (first matching rule -> level, stages)
    request chain:  filter.py (init before authentication, audit after it) -> context.py (per request)
                    -> event.py (audit.k8s.io/v1 Event as a JSON line)
    --audit-log-*   -> backend.py (bounded queue, writer thread) -> rotation.py (lumberjack) | stdout

``options.py`` holds the flags, ``auditlog.py`` builds the running log from them. Importing this package
imports nothing else, so the request chain (:mod:`pinnace.apiserver.filters`) can use :mod:`.context`.
"""
