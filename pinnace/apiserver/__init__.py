"""The API server: the only component that touches the store; everything else is its HTTP client.

This first slice serves HTTPS only and carries the request chain every later handler stands on::

    TLS (serving cert from the cluster CA; client certs optional, verified)       tls.py, pki.py
      -> status_middleware: any StatusError -> v1.Status JSON                      filters.py, status.py
      -> authentication: x509 CN/O, static bearer tokens, anonymous on public paths authn.py, user.py
      -> authorization: system:masters allowed; public info for everyone          authz.py
      -> handlers: /version, /healthz, /livez, /readyz (+ ?verbose, per-check)     version.py, health.py

``server.run(config)`` ensures the PKI, writes the admin kubeconfig and serves until cancelled;
``config.APIServerConfig`` is its one input. Modules are small and one job each; names follow
kube-apiserver's (``k8s.io/apiserver``) so a reader who knows it finds their way.
"""
