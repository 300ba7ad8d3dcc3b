"""Property tests: decoding never fails with anything but ``ValidationError``; every
model round-trips through its wire form, its JSON text and dataclasses-json.
"""

import contextlib
import dataclasses
import json
import math
from typing import Any, List, Type

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop import Message, UnknownContent, ValidationError
from ailoop._timestamps import format_rfc3339, format_timestamp, parse_timestamp
from ailoop._validation import (
    validate_channel,
    validate_choices,
    validate_prompt_timeout,
    validate_wait_timeout,
)
from ailoop.models._wire import WireModel
from tests.strategies import (
    corrupted_messages,
    corrupted_rest_bodies,
    messages,
    rest_models,
    timestamps,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _concrete_models() -> List[Type[WireModel]]:
    found: List[Type[WireModel]] = []
    pending = list(WireModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if dataclasses.is_dataclass(model) and model.__module__.startswith("ailoop"):
            found.append(model)
    return found


CONCRETE_MODELS = _concrete_models()


def test_every_model_is_reached() -> None:
    assert len(CONCRETE_MODELS) == 22


def _decode_or_validation_error(data: Any) -> None:
    try:
        message = Message.from_wire(data)
    except ValidationError:
        return
    assert Message.from_wire(message.to_wire()) == message


@pytest.mark.slow
@SETTINGS
@given(corrupted_messages)
def test_broken_messages_decode_or_raise_validation_error(data: Any) -> None:
    _decode_or_validation_error(data)


@pytest.mark.slow
@SETTINGS
@given(corrupted_rest_bodies | corrupted_messages)
def test_broken_bodies_fed_to_any_model_decode_or_raise_validation_error(data: Any) -> None:
    """(Arbitrary JSON fed to every model: tests/reliability/test_hostile_models.py.)"""
    for model in CONCRETE_MODELS:
        with contextlib.suppress(ValidationError):
            model.from_wire(data)


@SETTINGS
@given(messages)
def test_message_round_trips_through_wire_json_and_dataclasses_json(message: Message) -> None:
    wire = message.to_wire()
    assert Message.from_wire(wire) == message
    assert Message.from_wire(json.loads(message.to_json())) == message
    assert Message.from_dict(message.to_dict()) == message
    assert message.to_dict() == wire
    assert list(wire)[:6] == [
        "id",
        "channel",
        "sender_type",
        "content",
        "timestamp",
        "correlation_id",
    ]
    assert next(iter(wire["content"])) == "type"
    assert wire["sender_type"] in ("AGENT", "HUMAN")
    assert wire["timestamp"].endswith("Z")
    assert ("metadata" in wire) == (message.metadata is not None)


@pytest.mark.slow
@SETTINGS
@given(rest_models)
def test_rest_models_round_trip(model: WireModel) -> None:
    cls = type(model)
    wire = model.to_wire()
    assert cls.from_wire(wire) == model
    assert cls.from_wire(json.loads(model.to_json())) == model
    assert cls.from_dict(model.to_dict()) == model
    assert cls.from_wire_list({"items": [wire, wire]}, "items") == [model, model]


@SETTINGS
@given(timestamps)
def test_timestamps_round_trip_in_both_forms(moment: Any) -> None:
    assert parse_timestamp(format_timestamp(moment)) == moment
    assert parse_timestamp(format_rfc3339(moment)) == moment
    assert parse_timestamp(moment.isoformat()) == moment


@SETTINGS
@given(st.text(max_size=40))
def test_any_text_parses_as_timestamp_or_raises_validation_error(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_timestamp(text)


@SETTINGS
@given(st.floats() | st.integers() | st.none() | st.booleans() | st.text(max_size=3))
def test_timeouts_validate_or_raise(value: Any) -> None:
    try:
        seconds = validate_prompt_timeout(value)
        assert isinstance(seconds, int) and 0 <= seconds <= 4_294_967_295
        assert seconds == (0 if value is None else math.ceil(value))
    except ValidationError:
        pass
    try:
        wait = validate_wait_timeout(value)
        assert wait is None or (math.isfinite(wait) and wait >= 0)
    except ValidationError:
        pass


@SETTINGS
@given(st.text(max_size=70))
def test_channels_validate_or_raise(name: str) -> None:
    with contextlib.suppress(ValidationError):
        assert validate_channel(name) == name


@SETTINGS
@given(st.lists(st.text(max_size=5), max_size=5))
def test_choices_validate_or_raise(choices: Any) -> None:
    with contextlib.suppress(ValidationError):
        assert validate_choices(choices) == choices


@pytest.mark.slow
@SETTINGS
@given(messages)
def test_content_to_dict_is_the_wire_form_without_type(message: Message) -> None:
    content = message.content
    wire = content.to_wire()
    if isinstance(content, UnknownContent):
        assert content.to_dict() == {"raw": content.raw}
    else:
        assert content.to_dict() == {key: value for key, value in wire.items() if key != "type"}
        assert type(content).from_dict(content.to_dict()) == content
