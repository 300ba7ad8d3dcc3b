"""The shortcuts on ``say()``'s model steps give exactly what the general paths give.

* ``uuid_from_text`` is ``uuid.UUID(text)``: an equal UUID, or a ValueError, for any
  text (canonical ids, other spellings ``UUID()`` reads, and near misses);
* ``random_uuid4`` gives version-4 RFC 4122 UUIDs indistinguishable from ``uuid.uuid4()``'s
  (equal and equally hashed when re-read, same ``is_safe``);
* ``format_timestamp``/``format_rfc3339`` write the shortest exact 0/3/6-digit UTC form
  for any datetime, whatever its offset;
* a content's wire object through the message codec is its own ``to_wire()``;
* the priority and response-type argument checks give the member (or the error) that
  parsing the stripped value gives.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailoop import (
    Message,
    NotificationContent,
    NotificationPriority,
    ResponseType,
    ValidationError,
)
from ailoop._timestamps import format_rfc3339, format_timestamp
from ailoop._validation import validate_priority, validate_response_type
from ailoop.models._content import encode_content
from ailoop.models._uuids import random_uuid4, uuid_from_text
from tests.strategies import VALID_WIRE

HEX = "0123456789abcdefABCDEF"
NOISE = "-{}:urnid _+x0 \u0663"


@st.composite
def uuid_texts(draw: Any) -> str:
    value = uuid.UUID(int=draw(st.integers(min_value=0, max_value=2**128 - 1)))
    spelling = draw(
        st.sampled_from(
            [str(value), str(value).upper(), value.hex, f"{{{value}}}", value.urn, str(value)[:-1]]
        )
    )
    if draw(st.booleans()):
        index = draw(st.integers(min_value=0, max_value=len(spelling)))
        spelling = spelling[:index] + draw(st.text(alphabet=NOISE, max_size=2)) + spelling[index:]
    return spelling


def _uuid_or_error(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        return ValueError


@settings(max_examples=400, deadline=None)
@given(st.one_of(uuid_texts(), st.text(alphabet=HEX + NOISE, max_size=40)))
def test_uuid_from_text_is_uuid(text: str) -> None:
    expected = _uuid_or_error(uuid.UUID, text)
    got = _uuid_or_error(uuid_from_text, text)
    assert got == expected
    if expected is not ValueError:
        assert type(got) is uuid.UUID
        assert (str(got), hash(got)) == (str(expected), hash(expected))
        assert got.is_safe == expected.is_safe


def test_random_uuid4_is_a_version_4_uuid() -> None:
    reference = uuid.uuid4()
    made = [random_uuid4() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for value in made:
        reread = uuid.UUID(str(value))
        assert type(value) is uuid.UUID
        assert (value.version, value.variant) == (4, uuid.RFC_4122)
        assert (value, hash(value), value.is_safe) == (reread, hash(reread), reference.is_safe)


def _shortest_exact(moment: datetime.datetime, suffix: str) -> str:
    utc = (
        moment.replace(tzinfo=datetime.timezone.utc)
        if moment.tzinfo is None
        else moment.astimezone(datetime.timezone.utc)
    )
    text = utc.replace(tzinfo=None).isoformat(timespec="microseconds")
    if utc.microsecond == 0:
        text = text[:-7]
    elif utc.microsecond % 1000 == 0:
        text = text[:-3]
    return text + suffix


offsets = st.one_of(
    st.none(),
    st.just(datetime.timezone.utc),
    st.integers(min_value=-1439, max_value=1439).map(
        lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
    ),
)
micros = st.one_of(
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=0, max_value=999).map(lambda millis: millis * 1000),
    st.just(0),
)


@settings(max_examples=400, deadline=None)
@given(
    st.datetimes(
        min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31)
    ),
    micros,
    offsets,
)
def test_timestamp_forms(moment: datetime.datetime, micro: int, zone: Any) -> None:
    moment = moment.replace(microsecond=micro, tzinfo=zone)
    assert format_timestamp(moment) == _shortest_exact(moment, "Z")
    assert format_rfc3339(moment) == _shortest_exact(moment, "+00:00")


CONTENT_MODELS = sorted(
    (model for model in VALID_WIRE if isinstance(getattr(model, "content_type", None), str)),
    key=lambda model: model.__name__,
)


@pytest.mark.parametrize("model", CONTENT_MODELS)
def test_content_through_the_message_codec_is_its_to_wire(model: Any) -> None:
    @settings(max_examples=25, deadline=None)
    @given(VALID_WIRE[model])
    def check(obj: Any) -> None:
        decoded = model.from_wire(obj)
        assert encode_content(decoded) == decoded.to_wire()
        wire = Message.new("c", decoded).to_wire()
        assert wire["content"] == decoded.to_wire()
        assert list(wire["content"]) == list(decoded.to_wire())

    check()


def test_say_notification_wire_form() -> None:
    message = Message.new("general", NotificationContent("hi", NotificationPriority.NORMAL))
    wire = message.to_wire()
    assert wire == {
        "id": str(message.id),
        "channel": "general",
        "sender_type": "AGENT",
        "content": {"type": "notification", "text": "hi", "priority": "normal"},
        "timestamp": _shortest_exact(message.timestamp, "Z"),
        "correlation_id": None,
    }
    assert list(wire) == ["id", "channel", "sender_type", "content", "timestamp", "correlation_id"]
    assert Message.from_wire(wire) == message


def _general_enum_check(enum: Any, value: Any, name: str) -> Any:
    """The argument check without its look-up of exact wire spellings."""
    try:
        return enum.parse(value.strip() if isinstance(value, str) else value, name)
    except ValidationError as exc:
        return str(exc)


def _checked(check: Any, value: Any) -> Any:
    try:
        return check(value)
    except ValidationError as exc:
        return str(exc)


spellings = st.sampled_from(
    [member.value for member in (*NotificationPriority, *ResponseType)]
    + ["NORMAL", " high ", "Urgent\n", "", "none", "TEXT", " timeout"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(spellings, st.text(max_size=12), st.integers(), st.none()))
def test_enum_argument_checks_match_the_general_path(value: Any) -> None:
    assert _checked(validate_priority, value) == _general_enum_check(
        NotificationPriority, value, "priority"
    )
    assert _checked(validate_response_type, value) == _general_enum_check(
        ResponseType, value, "response_type"
    )
