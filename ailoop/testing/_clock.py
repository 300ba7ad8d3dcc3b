"""Timestamps exactly as the real server reads and writes them.

Input follows chrono's relaxed RFC 3339 reading: an offset is mandatory (``Z``, ``z``,
``UTC``, ``+hh:mm`` or ``+hhmm``), the date/time separator may be ``T``, ``t`` or a space,
and any number of fractional digits is accepted (beyond nine they are ignored).  Output
is UTC with ``Z`` and 0, 3, 6 or 9 fractional digits, the shortest exact form; channel
listings use ``+00:00`` instead of ``Z``.  Nanoseconds are kept, which Python's
``datetime`` alone cannot do.
"""

import datetime
import re
import time

_NANOS_PER_SECOND = 1_000_000_000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?[ \t]*"
    r"(?:(?P<zulu>[Zz]|[Uu][Tt][Cc])|(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2}))\Z"
)


def format_epoch_nanos(epoch_nanos: int) -> str:
    """Render nanoseconds since the epoch as chrono does (``...Z``, 0/3/6/9 digits)."""
    seconds, nanos = divmod(epoch_nanos, _NANOS_PER_SECOND)
    moment = _EPOCH + datetime.timedelta(seconds=seconds)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        f"{_fraction(nanos)}Z"
    )


def _fraction(nanos: int) -> str:
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1_000 == 0:
        return f".{nanos // 1_000:06d}"
    return f".{nanos:09d}"


def now_nanos() -> int:
    """The current wall-clock time in nanoseconds since the epoch."""
    return time.time_ns()


def now_timestamp() -> str:
    """A server-generated timestamp (normally nine fractional digits on Linux)."""
    return format_epoch_nanos(now_nanos())


def parse_timestamp(text: str) -> str:
    """Validate a client timestamp and return its normalised UTC form.

    Raises ``ValueError`` with a chrono-like message when the text is not accepted.
    """
    match = _TIMESTAMP.match(text)
    if match is None:
        raise ValueError("input contains invalid characters" if text else "premature end of input")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    digits = (match.group(7) or "")[:9]
    nanos = int(digits.ljust(9, "0")) if digits else 0
    if match.group("zulu"):
        offset_minutes = 0
    else:
        offset_hours, offset_rest = int(match.group("hours")), int(match.group("minutes"))
        if offset_hours > 23 or offset_rest > 59:
            raise ValueError("input is out of range")
        offset_minutes = offset_hours * 60 + offset_rest
        if match.group("sign") == "-":
            offset_minutes = -offset_minutes
    try:
        local = datetime.datetime(year, month, day, hour, minute, second)
        utc = local - datetime.timedelta(minutes=offset_minutes)
    except (ValueError, OverflowError):
        raise ValueError("input is out of range") from None
    epoch_seconds = (utc.replace(tzinfo=datetime.timezone.utc) - _EPOCH) // datetime.timedelta(
        seconds=1
    )
    return format_epoch_nanos(epoch_seconds * _NANOS_PER_SECOND + nanos)


def listing_timestamp(normalised: str) -> str:
    """Turn a normalised ``...Z`` timestamp into chrono's ``to_rfc3339`` form (``+00:00``)."""
    return normalised[:-1] + "+00:00"
