"""The Go standard library behaviour behind the request decoder's messages.

Reproduces, for the inputs kube-apiserver's decoder hands them:

* ``encoding/json`` ``UnmarshalTypeError.Error()`` (Go 1.23, which Kubernetes 1.32 is built with):
  ``json: cannot unmarshal <value> into Go struct field <Struct>.<field path> of type <type>``, or ``... into
  Go value of type <type>`` without a struct;
* ``time.Parse`` with the layouts of ``metav1.Time`` (``time.RFC3339``) and ``metav1.MicroTime``
  (``2006-01-02T15:04:05.000000Z07:00``): the general parser's acceptance, its ``ParseError`` messages
  (``parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"``, ``... : month out of
  range``, ``... : extra text: ...``) and ``quote``; and the ``MarshalJSON`` of the result (UTC, no fraction
  for Time, six digits for MicroTime, ``null`` for the zero time);
* ``encoding/base64`` ``StdEncoding.Decode`` errors (``illegal base64 data at input byte N``), which
  ``[]byte`` fields report.

Go works on bytes, so offsets and the quoted remainders are those of the UTF-8 encoding.
"""

from __future__ import annotations

import binascii
from typing import Final


class GoError(ValueError):
    """An error a Go function returns; ``str(err)`` is its ``Error()``."""


def unmarshal_type_error(value: str, go_type: str, struct: str | None, field: str) -> str:
    """``UnmarshalTypeError.Error()``; ``struct`` None (no struct around the value) gives the short form."""
    if struct is None and not field:
        return f"json: cannot unmarshal {value} into Go value of type {go_type}"
    return f"json: cannot unmarshal {value} into Go struct field {struct or ''}.{field} of type {go_type}"


# time.Parse -----------------------------------------------------------------------------------------------

RFC3339: Final = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO: Final = "2006-01-02T15:04:05.000000Z07:00"
# The layouts as time's nextStdChunk splits them: (literal prefix, std element).
_RFC3339_CHUNKS: Final = (
    ("", "2006"),
    ("-", "01"),
    ("-", "02"),
    ("T", "15"),
    (":", "04"),
    (":", "05"),
    ("", "Z07:00"),
)
_MICRO_CHUNKS: Final = (*_RFC3339_CHUNKS[:-1], ("", ".000000"), ("", "Z07:00"))
_DIGITS: Final = frozenset(b"0123456789")
_ERR_BAD: Final = object()


def go_time_quote(s: bytes) -> str:
    """time's ``quote``: in double quotes, ``"`` and ``\\`` escaped, other bytes past ASCII as ``\\xNN``."""
    out = ['"']
    i = 0
    while i < len(s):
        c = s[i]
        if c < 0x20 or c >= 0x80:
            width = 1
            if c >= 0x80:
                for n in (2, 3, 4):
                    try:
                        s[i : i + n].decode("utf-8")
                    except UnicodeDecodeError:
                        continue
                    width = n
                    break
            out.extend(f"\\x{b:02x}" for b in s[i : i + width])
            i += width
            continue
        if c in (0x22, 0x5C):
            out.append("\\")
        out.append(chr(c))
        i += 1
    out.append('"')
    return "".join(out)


def _getnum(s: bytes, fixed: bool) -> tuple[int, bytes] | None:
    if not s or s[0] not in _DIGITS:
        return None
    if len(s) < 2 or s[1] not in _DIGITS:
        return None if fixed else (s[0] - 48, s[1:])
    return (s[0] - 48) * 10 + s[1] - 48, s[2:]


def _atoi(s: bytes) -> int | None:
    """time's ``atoi``: an optional sign, then digits only (``""`` is 0)."""
    negative = s[:1] == b"-"
    if s[:1] in (b"-", b"+"):
        s = s[1:]
    if any(c not in _DIGITS for c in s):
        return None
    value = int(s) if s else 0
    return -value if negative else value


def _nanoseconds(value: bytes, nbytes: int) -> tuple[int, str] | None:
    """``parseNanoseconds``: (ns, range error) or None; ``value[0]`` is the separator."""
    if value[:1] not in (b".", b","):
        return None
    nbytes = min(nbytes, 10)
    ns = _atoi(value[1:nbytes])
    if ns is None:
        return None
    if ns < 0:
        return 0, "fractional second"
    return ns * 10 ** (10 - nbytes), ""


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


_ZERO_TIME: Final = _days_from_civil(1, 1, 1) * 86400  # Go's zero Time, which MarshalJSON writes as null


def parse_time(text: str, *, micro: bool = False) -> str | None:
    """``time.Parse`` of a Time (or MicroTime) JSON string, as the string ``MarshalJSON`` writes back.

    Returns None for the zero time (written as ``null``); raises :class:`GoError` with ``ParseError``'s text.
    """
    avalue = text.encode("utf-8")
    layout = RFC3339_MICRO if micro else RFC3339
    value = avalue
    year = month = day = hour = minute = sec = nsec = offset = 0

    def error(element: str, rest: bytes, message: str = "") -> GoError:
        if message:
            return GoError(f"parsing time {go_time_quote(avalue)}{message}")
        return GoError(
            f"parsing time {go_time_quote(avalue)} as {go_time_quote(layout.encode())}: cannot parse "
            f"{go_time_quote(rest)} as {go_time_quote(element.encode())}"
        )

    for prefix, std in _MICRO_CHUNKS if micro else _RFC3339_CHUNKS:
        for expected in prefix.encode():  # skip: the literal between elements
            if not value or value[0] != expected:
                raise error(prefix, value)
            value = value[1:]
        hold = value
        bad = False
        range_error = ""
        if std == "2006":
            if len(value) < 4 or value[0] not in _DIGITS:
                bad = True
            else:
                parsed_year = _atoi(value[:4])
                bad = parsed_year is None
                year, value = parsed_year or 0, value[4:]
        elif std in ("01", "02", "15", "04"):
            got = _getnum(value, fixed=std != "15")
            if got is None:
                bad = True
            else:
                number, value = got
                if std == "01":
                    month = number
                    range_error = "month" if not 1 <= number <= 12 else ""
                elif std == "02":
                    day = number  # validated with the month and year after the loop
                elif std == "15":
                    hour = number
                    range_error = "hour" if number >= 24 else ""
                else:
                    minute = number
                    range_error = "minute" if number >= 60 else ""
        elif std == "05":
            got = _getnum(value, fixed=True)
            if got is None:
                bad = True
            else:
                sec, value = got
                if sec >= 60:
                    range_error = "second"
                elif not micro and len(value) >= 2 and value[:1] in (b".", b",") and value[1] in _DIGITS:
                    # A fraction the layout does not have is accepted and parsed anyway.
                    n = 2
                    while n < len(value) and value[n] in _DIGITS:
                        n += 1
                    frac = _nanoseconds(value, n)
                    bad = frac is None
                    nsec, range_error = frac or (0, "")
                    value = value[n:]
        elif std == ".000000":
            if len(value) < 7:
                bad = True
            else:
                frac = _nanoseconds(value, 7)
                bad = frac is None
                nsec, range_error = frac or (0, "")
                value = value[7:]
        elif value[:1] == b"Z":  # Z07:00
            value = value[1:]
        elif len(value) < 6 or value[3:4] != b":":
            bad = True
        else:
            sign, hours, minutes, value = value[:1], value[1:3], value[4:6], value[6:]
            hh = _getnum(hours, fixed=True)
            mm = _getnum(minutes, fixed=True) if hh is not None else None  # Go stops at the first error
            bad = hh is None or mm is None
            if hh is not None and hh[0] > 24:
                range_error = "time zone offset hour"
            if mm is not None and mm[0] > 60:
                range_error = "time zone offset minute"
            offset = ((hh[0] if hh else 0) * 60 + (mm[0] if mm else 0)) * 60
            if sign == b"-":
                offset = -offset
            elif sign != b"+":
                bad = True
        if range_error:
            raise error(std, value, f": {range_error} out of range")
        if bad:
            raise error(std, hold)
    if value:
        raise error("", value, f": extra text: {go_time_quote(value)}")
    if day < 1 or day > _days_in(month, year):
        raise error("", value, ": day out of range")
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec - offset
    if seconds == _ZERO_TIME and nsec == 0:
        return None
    days, rest = divmod(seconds, 86400)
    y, m, d = _civil_from_days(days)
    stamp = f"{y:04d}" if y >= 0 else f"-{-y:04d}"
    stamp += f"-{m:02d}-{d:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
    return f"{stamp}.{nsec // 1000:06d}Z" if micro else f"{stamp}Z"


# encoding/base64 ------------------------------------------------------------------------------------------

_ALPHABET: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def decode_base64(text: str) -> bytes:
    """``base64.StdEncoding.Decode``: padded, CR and LF ignored; raises GoError at the first bad byte."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        pass  # not canonical: Go may still accept it (line breaks), or fail at a precise offset
    src = text.encode("utf-8")
    out = bytearray()
    si = 0
    while si < len(src):
        quantum: list[int] = []
        while len(quantum) < 4:
            if si == len(src):
                if not quantum:
                    return bytes(out)
                raise GoError(f"illegal base64 data at input byte {si - len(quantum)}")
            c = src[si]
            si += 1
            if c in _ALPHABET:
                quantum.append(c)
                continue
            if c in (0x0A, 0x0D):
                continue
            if c != 0x3D or len(quantum) < 2:  # not "=", or padding too early
                raise GoError(f"illegal base64 data at input byte {si - 1}")
            if len(quantum) == 2:  # "==" expected: the second "=" may follow line breaks
                while si < len(src) and src[si] in (0x0A, 0x0D):
                    si += 1
                if si == len(src):
                    raise GoError(f"illegal base64 data at input byte {len(src)}")
                if src[si] != 0x3D:
                    raise GoError(f"illegal base64 data at input byte {si - 1}")
                si += 1
            while si < len(src) and src[si] in (0x0A, 0x0D):
                si += 1
            if si < len(src):  # trailing garbage after the padding
                raise GoError(f"illegal base64 data at input byte {si}")
            break
        padded = bytes(quantum) + b"=" * (4 - len(quantum))
        out += binascii.a2b_base64(padded)
    return bytes(out)
