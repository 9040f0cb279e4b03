"""The Node authorizer (``plugin/pkg/auth/authorizer/node``): a kubelet, authenticated as
``system:node:<name>`` in ``system:nodes``, reads only the objects its node's pods need.

```
 pods watch cache ──► NodeGraphSync ──► NodeGraph ──► NodeAuthorizer (first in the chain after masters)
 pvc watch cache  ─────────────────────────────────────┘ (a claim's volume, read when asked)
```
"""
