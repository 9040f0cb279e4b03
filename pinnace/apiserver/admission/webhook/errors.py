"""How webhook failures and refusals read (``plugin/webhook/errors/statuserror.go``,
``util/webhook/error.go``).

- :class:`CallingWebhookError` — the webhook could not be asked or answered nonsense:
  ``failed calling webhook "x": failed to call webhook: Post "https://...": <reason>``. The failure policy
  decides: ``Ignore`` lets the request through, ``Fail`` refuses it as ``Internal error occurred: ...``.
- :func:`to_status_error` — the webhook said no: its Status, with the message prefixed by
  ``admission webhook "x" denied the request``, the code at least 400.
- :func:`dry_run_unsupported` — a webhook with side effects asked about a dry run (400).
"""

from __future__ import annotations

import functools
from typing import Any

from pinnace.apiserver import status
from pinnace.apiserver.status import StatusCause, StatusDetails, StatusError

Object = dict[str, Any]


class CallingWebhookError(Exception):
    """``webhookutil.ErrCallingWebhook``."""

    def __init__(self, webhook: str, reason: str) -> None:
        super().__init__(f"failed calling webhook {_quote(webhook)}: {reason}")
        self.webhook = webhook
        self.reason = reason


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.cache
def status_error_class(code: int, reason: str) -> type[StatusError]:
    """A StatusError class answering ``code`` with ``reason``: a webhook may refuse with any Status."""
    for known in _known_classes():
        if known.code == code and known.reason == reason:
            return known
    return type(f"StatusError{code}{reason}", (StatusError,), {"code": code, "reason": reason})


def _known_classes() -> list[type[StatusError]]:
    found: list[type[StatusError]] = []
    pending = list(StatusError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__ == status.__name__]


def _details(raw: Any) -> StatusDetails | None:
    if not isinstance(raw, dict):
        return None
    causes = tuple(
        StatusCause(
            type=str(cause.get("reason") or ""),
            message=str(cause.get("message") or ""),
            field=str(cause.get("field") or ""),
        )
        for cause in raw.get("causes") or ()
        if isinstance(cause, dict)
    )
    retry = raw.get("retryAfterSeconds")
    return StatusDetails(
        name=str(raw.get("name") or ""),
        group=str(raw.get("group") or ""),
        kind=str(raw.get("kind") or ""),
        uid=str(raw.get("uid") or ""),
        causes=causes,
        retry_after_seconds=retry if isinstance(retry, int) else 0,
    )


def to_status_error(webhook: str, result: Object | None) -> StatusError:
    """``webhookerrors.ToStatusErr``: the webhook's refusal as the API's error."""
    result = result if isinstance(result, dict) else {}
    denied_by = f"admission webhook {_quote(webhook)} denied the request"
    code = result.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) and code >= 400 else 400
    message = str(result.get("message") or "")
    reason = str(result.get("reason") or "")
    if message:
        text = f"{denied_by}: {message}"
    elif reason:
        text = f"{denied_by}: {reason}"
    else:
        text = f"{denied_by} without explanation"
    return status_error_class(code, reason)(text, details=_details(result.get("details")))


def dry_run_unsupported(webhook: str) -> status.BadRequest:
    """``NewDryRunUnsupportedErr``."""
    return status.bad_request(f"admission webhook {_quote(webhook)} does not support dry run")
