"""Admission webhooks: MutatingAdmissionWebhook and ValidatingAdmissionWebhook
(``k8s.io/apiserver/pkg/admission/plugin/webhook``).

::

    request ─► [mutating phase] MutatingAdmissionWebhook: webhooks in order, JSON patches applied,
               IfNeeded webhooks re-run once if later mutations changed the object
            ─► [validating phase] ValidatingAdmissionWebhook: matching webhooks called in parallel

- :mod:`.source` — the webhooks of every configuration, from the API server's watch cache;
- :mod:`.rules` — rules, equivalent resources, namespace and object selectors (policies use them too);
- :mod:`.generic` — whether a webhook is called (``ShouldCallHook``, matchConditions) and calling it;
- :mod:`.request` — the AdmissionReview sent and the checks on the answer;
- :mod:`.client` — where a webhook lives (``url`` or ``service``), TLS with ``caBundle``, Go's error words;
- :mod:`.errors` — ``failed calling webhook``, ``admission webhook "x" denied the request``;
- :mod:`.mutating`, :mod:`.validating` — the two plugins; :mod:`.config` — their configuration file.
"""

from pinnace.apiserver.admission.webhook import mutating, validating

__all__ = ["mutating", "validating"]
