"""Tolerant RFC 3339 timestamp parsing and the server's exact output forms.

The server accepts RFC 3339 timestamps with an offset and 0-9 fractional digits and emits
UTC with ``Z`` inside messages and tasks, but ``+00:00`` in channel listings (§3.1).
Python 3.8-3.10 ``datetime.fromisoformat`` handles neither ``Z`` nor 9 digits, hence this
small parser. Decoding is liberal: ``t``/space separators, ``Z``/``z``, ``±hh:mm``,
``±hhmm`` and ``±hh`` offsets, any number of fractional digits (truncated to
microseconds), and naive timestamps (taken as UTC) are accepted.
"""

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from ailoop.exceptions import ValidationError

__all__ = ["format_rfc3339", "format_timestamp", "parse_timestamp", "utc_now"]

_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?",
    re.ASCII,
)


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def parse_timestamp(value: Any, name: str = "timestamp") -> datetime:
    """Parse a wire timestamp into an aware UTC datetime (microsecond precision).

    Raises :class:`ailoop.ValidationError` naming ``name`` when ``value`` is not a string
    in RFC 3339 form or names an impossible date or offset.
    """
    if isinstance(value, datetime):
        return _to_utc(value)
    if not isinstance(value, str):
        raise ValidationError(
            f"{name}: expected an RFC 3339 timestamp string, got {type(value).__name__}"
        )
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise ValidationError(f"{name}: not an RFC 3339 timestamp: {value[:64]!r}")
    year, month, day, hour, minute, second, fraction, _zulu, sign, off_h, off_m = (
        match.groups()
    )
    microsecond = int((fraction or "")[:6].ljust(6, "0"))
    tzinfo = _offset(sign, off_h, off_m, value, name) if sign else timezone.utc
    try:
        parsed = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            microsecond, tzinfo,
        )
        return parsed if tzinfo is timezone.utc else parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{name}: invalid timestamp {value[:64]!r}: {exc}") from None


def _offset(
    sign: str, hours: str, minutes: Optional[str], value: str, name: str
) -> timezone:
    """The fixed offset written as ``±hh[:mm]``."""
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if int(minutes or 0) >= 60 or delta >= timedelta(hours=24):
        raise ValidationError(f"{name}: invalid UTC offset in {value[:64]!r}")
    if not delta:
        return timezone.utc
    return timezone(-delta if sign == "-" else delta)


def _to_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    if moment.tzinfo is timezone.utc:
        return moment
    return moment.astimezone(timezone.utc)


def _format(moment: datetime, suffix: str) -> str:
    if moment.tzinfo is not timezone.utc:
        moment = _to_utc(moment)
    micros = moment.microsecond
    if micros % 1000:
        # The common case (a clock reading): %-formatting takes half an f-string's time.
        return "%04d-%02d-%02dT%02d:%02d:%02d.%06d%s" % (  # noqa: UP031
            moment.year, moment.month, moment.day,
            moment.hour, moment.minute, moment.second, micros, suffix,
        )
    base = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if micros == 0:
        return base + suffix
    return f"{base}.{micros // 1000:03d}{suffix}"


def format_timestamp(moment: datetime) -> str:
    """The form the server emits inside messages and tasks: UTC with ``Z``.

    Fractional digits are 0, 3 or 6, the shortest exact form (as the server's
    ``AutoSi`` choice of 0/3/6/9 digits, limited to microseconds). A naive datetime is
    taken to be UTC.
    """
    return _format(moment, "Z")


def format_rfc3339(moment: datetime) -> str:
    """The form the server emits in channel listings and stats: UTC with ``+00:00``."""
    return _format(moment, "+00:00")
