"""An audit ``Event`` (``audit.k8s.io/v1``) and its JSON line, byte-compatible with kube-apiserver's log.

The event is filled in as the request is served and written once per stage. :meth:`Event.encode` produces
what upstream's log backend writes (``plugin/pkg/audit/log/backend.go`` with the JSON format): keys in the Go
struct's order, empty optional fields left out, map keys (annotations, user extra) sorted, timestamps as
``metav1.MicroTime`` (RFC 3339, UTC, six fractional digits), and Go's HTML-safe escaping of ``&``, ``<``,
``>``, U+2028 and U+2029 inside strings (``\\u0026`` in a ``requestURI`` is what readers of real audit
logs expect to see).

Request and response objects are kept as the JSON values the client sent and the server answered; upstream
re-encodes its Go structs, so key order inside them and zero-valued fields may differ.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from multidict import CIMultiDictProxy

from pinnace.apiserver.audit.types import GROUP_VERSION, Level, Stage
from pinnace.apiserver.user import UserInfo

MAX_USER_AGENT_LENGTH: Final = 1024
USER_AGENT_TRUNCATE_SUFFIX: Final = "...TRUNCATED"

# Go's encoding/json escapes these even inside strings (HTMLEscape, and the JavaScript line separators).
_GO_ESCAPES: Final = {
    b"&": b"\\u0026",
    b"<": b"\\u003c",
    b">": b"\\u003e",
    "\u2028".encode(): b"\\u2028",
    "\u2029".encode(): b"\\u2029",
}
_GO_ESCAPED: Final = re.compile(b"|".join(re.escape(raw) for raw in _GO_ESCAPES))


def micro_time(moment: datetime) -> str:
    """``metav1.MicroTime``'s JSON form: ``2006-01-02T15:04:05.000000Z`` in UTC (naive times are UTC)."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    # isoformat is several times faster than strftime; its first 26 characters are the wanted form.
    return moment.isoformat(timespec="microseconds")[:26] + "Z"


def user_info(user: UserInfo) -> dict[str, Any]:
    """``authentication/v1.UserInfo`` as JSON: empty uid, groups and extra left out, extra keys sorted."""
    out: dict[str, Any] = {}
    if user.name:
        out["username"] = user.name
    if user.uid:
        out["uid"] = user.uid
    if user.groups:
        out["groups"] = list(user.groups)
    if user.extra:
        out["extra"] = {key: list(values) for key, values in sorted(user.extra)}
    return out


def truncate_user_agent(user_agent: str) -> str:
    if len(user_agent) > MAX_USER_AGENT_LENGTH:
        return user_agent[:MAX_USER_AGENT_LENGTH] + USER_AGENT_TRUNCATE_SUFFIX
    return user_agent


@functools.lru_cache(maxsize=1024)
def _peer_text(remote: str) -> str:
    """The peer address as Go prints it, "" if it is not an IP (parsed once per address)."""
    ip = _parse_ip(remote)
    return "" if ip is None else str(ip)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # Go's net.IP prints an IPv4-mapped IPv6 address as IPv4.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def source_ips(headers: CIMultiDictProxy[str], remote: str | None) -> list[str]:
    """``utilnet.SourceIPs``: the X-Forwarded-For chain, X-Real-Ip unless already in it, then the peer address
    unless it is the last one already listed."""
    forwarded = headers.get("X-Forwarded-For", "")
    real_ip = headers.get("X-Real-Ip", "")
    if not forwarded and not real_ip:  # the common case: the peer alone
        peer_text = _peer_text(remote) if remote else ""
        return [peer_text] if peer_text else []
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    if forwarded:
        ips += [ip for part in forwarded.split(",") if (ip := _parse_ip(part)) is not None]
    if real_ip:
        parsed = _parse_ip(real_ip)
        if parsed is not None and parsed not in ips:
            ips.append(parsed)
    peer = _parse_ip(remote) if remote else None
    if peer is not None and (not ips or ips[-1] != peer):
        ips.append(peer)
    return [str(ip) for ip in ips]


@dataclass(slots=True)
class ObjectReference:
    """``audit.k8s.io/v1.ObjectReference``; the request's target, completed from the request object."""

    resource: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    api_group: str = ""
    api_version: str = ""
    resource_version: str = ""
    subresource: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "apiGroup": self.api_group,
            "apiVersion": self.api_version,
            "resourceVersion": self.resource_version,
            "subresource": self.subresource,
        }
        return {key: value for key, value in out.items() if value}

    def complete_from(self, obj: Any) -> None:
        """Fill what the URL did not say from the request object's metadata (``LogRequestObject``)."""
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        if not isinstance(metadata, dict):
            return
        for attribute, key in (
            ("namespace", "namespace"),
            ("name", "name"),
            ("uid", "uid"),
            ("resource_version", "resourceVersion"),
        ):
            value = metadata.get(key)
            if not getattr(self, attribute) and isinstance(value, str):
                setattr(self, attribute, value)


def response_status(status: dict[str, Any] | None, code: int) -> dict[str, Any]:
    """``responseStatus``: the bounded fields of a ``Status`` response, or only the code for anything else."""
    out: dict[str, Any] = {"metadata": {}}
    if status is not None:
        for key in ("status", "message", "reason", "details"):
            value = status.get(key)
            if value:
                out[key] = value
    out["code"] = code
    return out


@dataclass(slots=True)
class Event:
    """One request's audit event; :meth:`encode` renders it at a stage."""

    level: Level
    audit_id: str
    request_uri: str
    verb: str
    request_received: datetime
    user: dict[str, Any] = field(default_factory=dict)
    impersonated_user: dict[str, Any] | None = None
    source_ips: list[str] = field(default_factory=list)
    user_agent: str = ""
    object_ref: ObjectReference | None = None
    response_status: dict[str, Any] | None = None
    # JSON values, or orjson.Fragment when the bytes are already compact JSON (a response body).
    request_object: Any = None
    response_object: Any = None
    annotations: dict[str, str] = field(default_factory=dict)
    _received_text: str = ""

    def encode(self, stage: Stage, stage_timestamp: datetime) -> bytes:
        """The event's JSON line (with the trailing newline) as upstream's log backend writes it."""
        if not self._received_text:
            self._received_text = micro_time(self.request_received)
        out: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": GROUP_VERSION,
            "level": self.level.value,
            "auditID": self.audit_id,
            "stage": stage.value,
            "requestURI": self.request_uri,
            "verb": self.verb,
            "user": self.user,
        }
        if self.impersonated_user is not None:
            out["impersonatedUser"] = self.impersonated_user
        if self.source_ips:
            out["sourceIPs"] = self.source_ips
        if self.user_agent:
            out["userAgent"] = self.user_agent
        if self.object_ref is not None:
            out["objectRef"] = self.object_ref.to_dict()
        if self.response_status is not None:
            out["responseStatus"] = self.response_status
        if self.request_object is not None:
            out["requestObject"] = self.request_object
        if self.response_object is not None:
            out["responseObject"] = self.response_object
        out["requestReceivedTimestamp"] = self._received_text
        out["stageTimestamp"] = (
            self._received_text if stage_timestamp is self.request_received else micro_time(stage_timestamp)
        )
        if self.annotations:
            out["annotations"] = dict(sorted(self.annotations.items()))
        return go_escape(orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE))


def go_escape(line: bytes) -> bytes:
    """Go's HTML-safe JSON escaping; the characters can only occur inside strings, so bytes are replaced."""
    if _GO_ESCAPED.search(line) is None:  # the common case: one scan, nothing to do
        return line
    return _GO_ESCAPED.sub(lambda match: _GO_ESCAPES[match.group()], line)
