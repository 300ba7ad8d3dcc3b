"""Timestamps exactly as the real server reads and writes them.

Input follows chrono's relaxed RFC 3339 reading (what ``DateTime<Utc>`` fields use):
leading whitespace and whitespace around the separators is skipped; the year takes up to
four digits (or any number after an explicit sign; ``24`` is the year 0024), the other
fields one or two digits; the date/time separator is ``T``, ``t`` or a space; any number
of fractional digits is accepted (beyond nine they are ignored); second ``60`` is a leap
second; an offset is mandatory (``Z``, ``z``, ``UTC`` in any case, or ``+hh:mm``,
``+hhmm``, ``-hh mm``, with ``U+2212`` as a minus too); trailing whitespace is ignored.
Output is UTC with ``Z`` and 0, 3, 6 or 9 fractional digits, the shortest exact form;
channel listings use ``+00:00`` instead of ``Z``.  Nanoseconds are kept, which Python's
``datetime`` alone cannot do.
"""

import datetime
import time
from typing import Tuple

_NANOS_PER_SECOND = 1_000_000_000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


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


_OUT_OF_RANGE = "input is out of range"
_IMPOSSIBLE = "no possible date and time matching input"
_INVALID = "input contains invalid characters"
_TOO_SHORT = "premature end of input"
_TOO_LONG = "trailing input"
_MIN_YEAR, _MAX_YEAR = -262144, 262143  # chrono's NaiveDate range
_I32_MAX = 2**31 - 1
_I64_MAX = 2**63 - 1
_SECONDS_PER_DAY = 86400
#: Rust's char::is_whitespace (Unicode White_Space), what str::trim uses; Python's
#: str.strip() also strips U+001C..U+001F, which Rust keeps.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class _Reader:
    """chrono's relaxed RFC 3339 scanner over one string (errors are chrono's texts)."""

    def __init__(self, text: str) -> None:
        self.rest = text

    def skip_space(self) -> None:
        self.rest = self.rest.lstrip(RUST_WHITESPACE)

    def literal(self, prefix: str) -> None:
        if len(self.rest.encode("utf-8")) < len(prefix):
            raise ValueError(_TOO_SHORT)
        if not self.rest.startswith(prefix):
            raise ValueError(_INVALID)
        self.rest = self.rest[len(prefix) :]

    def number(self, minimum: int, maximum: int) -> int:
        if len(self.rest.encode("utf-8")) < minimum:
            raise ValueError(_TOO_SHORT)
        value = 0
        taken = 0
        for char in self.rest[:maximum]:
            if not ("0" <= char <= "9"):
                break
            value = value * 10 + int(char)
            taken += 1
            if value > _I64_MAX:
                raise ValueError(_OUT_OF_RANGE)
        if taken < minimum:
            raise ValueError(_INVALID)
        self.rest = self.rest[taken:]
        return value

    def field(self, width: int, low: int, high: int) -> int:
        self.skip_space()
        value = self.number(1, width)
        if not low <= value <= high:
            raise ValueError(_OUT_OF_RANGE)
        return value

    def year(self) -> int:
        self.skip_space()
        if self.rest.startswith("-"):
            self.rest = self.rest[1:]
            value = -self.number(1, len(self.rest) or 1)
        elif self.rest.startswith("+"):
            self.rest = self.rest[1:]
            value = self.number(1, len(self.rest) or 1)
        else:
            value = self.number(1, 4)
        if not -_I32_MAX - 1 <= value <= _I32_MAX:
            raise ValueError(_OUT_OF_RANGE)
        return value

    def nanoseconds(self) -> int:
        if not self.rest.startswith("."):
            return 0
        self.rest = self.rest[1:]
        before = len(self.rest)
        value = self.number(1, 9)
        scale: int = 10 ** (9 - (before - len(self.rest)))
        self.rest = self.rest.lstrip("0123456789")
        return value * scale

    def offset_seconds(self) -> int:
        self.skip_space()
        if len(self.rest.encode("utf-8")) >= 3 and self.rest[:3].lower() == "utc":
            self.rest = self.rest[3:]
            return 0
        if self.rest[:1] in ("Z", "z"):
            self.rest = self.rest[1:]
            return 0
        if not self.rest:
            raise ValueError(_TOO_SHORT)
        sign = self.rest[0]
        if sign not in "+-\u2212":
            raise ValueError(_INVALID)
        self.rest = self.rest[1:]
        hours = self._two_digits("9")
        self.rest = self.rest.lstrip(":" + RUST_WHITESPACE)
        minutes = self._two_digits("5")
        seconds = hours * 3600 + minutes * 60
        return seconds if sign == "+" else -seconds

    def _two_digits(self, highest_first: str) -> int:
        if len(self.rest.encode("utf-8")) < 2:
            raise ValueError(_TOO_SHORT)
        first, second = self.rest[0], self.rest[1]
        if not ("0" <= second <= "9" and "0" <= first <= "9"):
            raise ValueError(_INVALID)
        if first > highest_first:
            raise ValueError(_OUT_OF_RANGE)
        self.rest = self.rest[2:]
        return int(first + second)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _civil_from_days(days: int) -> Tuple[int, int, int]:
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + (3 if shifted_month < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_timestamp(text: str) -> str:
    """Validate a client timestamp and return its normalised UTC form.

    Raises ``ValueError`` with chrono's message when the text is not accepted.
    """
    reader = _Reader(text)
    year = reader.year()
    reader.skip_space()
    reader.literal("-")
    month = reader.field(2, 1, 12)
    reader.skip_space()
    reader.literal("-")
    day = reader.field(2, 1, 31)
    if not reader.rest:
        raise ValueError(_TOO_SHORT)
    if reader.rest[0] not in "Tt ":
        raise ValueError(_INVALID)
    reader.rest = reader.rest[1:]
    hour = reader.field(2, 0, 23)
    reader.skip_space()
    reader.literal(":")
    minute = reader.field(2, 0, 59)
    reader.skip_space()
    reader.literal(":")
    second = reader.field(2, 0, 60)
    nanos = reader.nanoseconds()
    offset = reader.offset_seconds()
    if reader.rest.lstrip(RUST_WHITESPACE):
        raise ValueError(_TOO_LONG)
    if not _MIN_YEAR <= year <= _MAX_YEAR or day > _days_in_month(year, month):
        raise ValueError(_OUT_OF_RANGE)
    if abs(offset) >= _SECONDS_PER_DAY:
        raise ValueError(_OUT_OF_RANGE)
    leap = second == 60
    local = (
        _days_from_civil(year, month, day) * _SECONDS_PER_DAY
        + hour * 3600
        + minute * 60
        + (59 if leap else second)
    )
    utc_days, utc_seconds = divmod(local - offset, _SECONDS_PER_DAY)
    utc_year, utc_month, utc_day = _civil_from_days(utc_days)
    if not _MIN_YEAR <= utc_year <= _MAX_YEAR:
        raise ValueError(_IMPOSSIBLE)
    hours, rest = divmod(utc_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    year_text = f"{utc_year:04d}" if 0 <= utc_year <= 9999 else f"{utc_year:+05d}"
    return (
        f"{year_text}-{utc_month:02d}-{utc_day:02d}T{hours:02d}:{minutes:02d}:"
        f"{seconds + leap:02d}{_fraction(nanos)}Z"
    )


def listing_timestamp(normalised: str) -> str:
    """Turn a normalised ``...Z`` timestamp into chrono's ``to_rfc3339`` form (``+00:00``)."""
    return normalised[:-1] + "+00:00"
