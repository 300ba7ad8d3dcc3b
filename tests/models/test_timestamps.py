"""The tolerant timestamp parser and the server's two output forms."""

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ailoop import ValidationError
from ailoop._timestamps import format_rfc3339, format_timestamp, parse_timestamp, utc_now

UTC = timezone.utc


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 6, 11, 9, 30, tzinfo=UTC), "2026-06-11T09:30:00Z"),
        (datetime(2026, 6, 11, 9, 30, 0, 500000, UTC), "2026-06-11T09:30:00.500Z"),
        (datetime(2026, 6, 11, 9, 30, 0, 1000, UTC), "2026-06-11T09:30:00.001Z"),
        (datetime(2026, 6, 11, 9, 30, 0, 123456, UTC), "2026-06-11T09:30:00.123456Z"),
        (datetime(2026, 6, 11, 9, 30, 0, 4, UTC), "2026-06-11T09:30:00.000004Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, UTC), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_format_picks_the_shortest_exact_fraction(moment: datetime, text: str) -> None:
    assert format_timestamp(moment) == text
    assert format_rfc3339(moment) == text[:-1] + "+00:00"
    assert parse_timestamp(text) == moment


def test_format_converts_offsets_and_naive_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2026, 6, 11, 11, 30, tzinfo=paris)) == "2026-06-11T09:30:00Z"
    assert format_timestamp(datetime(2026, 6, 11, 9, 30)) == "2026-06-11T09:30:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-11T09:30:00+0200",
        "2026-06-11T09:30:00+02",
        "2026-06-11T09:30:00+02:00",
    ],
)
def test_offset_spellings(text: str) -> None:
    assert parse_timestamp(text) == datetime(2026, 6, 11, 7, 30, tzinfo=UTC)


def test_negative_zero_offset_and_many_digits() -> None:
    parsed = parse_timestamp("2026-06-11T09:30:00.1234567891234-00:00")
    assert parsed == datetime(2026, 6, 11, 9, 30, 0, 123456, UTC)
    assert parsed.tzinfo is UTC


def test_datetime_input_is_normalised() -> None:
    naive = datetime(2026, 6, 11, 9, 30)
    assert parse_timestamp(naive) == naive.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        1718098200.5,
        "",
        "2026-06-11",
        "09:30:00Z",
        "2026-06-11T09:30Z",
        "2026-06-11T09:30:00ZZ",
        "2026-06-11T09:30:00 Z",
        "2026-6-11T09:30:00Z",
        "2026-06-11T09:30:00,5Z",
        "2026-02-30T00:00:00Z",
        "2026-06-11T09:30:60Z",
        "2026-06-11T09:30:00+25:00",
        "9999-12-31T23:59:59-01:00",
        "\uff12\uff10\uff12\uff16-06-11T09:30:00Z",  # full-width digits
        " 2026-06-11T09:30:00Z",
    ],
)
def test_rejects_what_is_not_a_timestamp(value: Any) -> None:
    with pytest.raises(ValidationError, match="when"):
        parse_timestamp(value, "when")


def test_utc_now_is_aware() -> None:
    assert utc_now().tzinfo is UTC
