"""Hostile input to the model decoder: any JSON value decodes or raises ValidationError,
and every model survives encode -> decode unchanged."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any, List, Type

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ailoop
from ailoop import Message, ValidationError
from ailoop.models._content import decode_content
from ailoop.models._wire import WireModel
from tests import strategies as s

pytestmark = pytest.mark.reliability

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MODEL_CLASSES: List[Type[WireModel]] = sorted(
    (
        value
        for value in vars(ailoop).values()
        if isinstance(value, type) and issubclass(value, WireModel)
    ),
    key=lambda cls: cls.__name__,
)


def test_every_exported_model_is_fuzzed() -> None:
    """The list below is complete: each model the package exports is decoded from garbage."""
    names = {cls.__name__ for cls in MODEL_CLASSES}
    assert {"Message", "Task", "DecisionContent", "UnknownContent", "HealthInfo"} <= names
    assert len(names) >= 20


def _decode_or_reject(model: Type[WireModel], value: Any) -> Any:
    """``model.from_wire(value)``; None when it raised ValidationError (and only that)."""
    try:
        decoded = model.from_wire(value)
    except ValidationError as exc:
        assert str(exc), "a ValidationError must say what is wrong"
        return None
    assert isinstance(decoded, model)
    return decoded


@pytest.mark.slow
@FUZZ
@given(value=s.json_values)
def test_any_json_value_decodes_or_raises_validation_error(value: Any) -> None:
    for model in MODEL_CLASSES:
        _decode_or_reject(model, value)
    with contextlib.suppress(ValidationError):
        decode_content(value)


@pytest.mark.slow
@FUZZ
@given(value=s.message_like)
def test_message_shaped_garbage_decodes_or_raises_validation_error(value: Any) -> None:
    decoded = _decode_or_reject(Message, value)
    event("decoded" if decoded is not None else "rejected")
    if decoded is None:
        return
    # Whatever decodes is normalised: it encodes, and decodes again to the same message.
    again = Message.from_wire(json.loads(decoded.to_json()))
    assert again == decoded


@pytest.mark.slow
@FUZZ
@given(value=s.content_like)
def test_content_shaped_garbage_decodes_or_raises_validation_error(value: Any) -> None:
    try:
        content = decode_content(value)
    except ValidationError:
        return
    assert content.content_type == value["type"]
    assert decode_content(json.loads(json.dumps(content.to_wire()))) == content


@pytest.mark.slow
@FUZZ
@given(value=s.json_values, key=st.sampled_from(["content", "metadata", "correlation_id"]))
def test_valid_message_with_one_field_replaced_by_any_json(value: Any, key: str) -> None:
    wire = Message.new("ops", ailoop.NotificationContent(text="hi")).to_wire()
    wire[key] = value
    _decode_or_reject(Message, wire)


@pytest.mark.slow
@ROUND_TRIP
@given(model=s.models)
def test_every_model_round_trips_through_the_wire(model: WireModel) -> None:
    text = model.to_json()
    decoded = type(model).from_wire(json.loads(text))
    assert decoded == model
    assert decoded.to_json() == text


@pytest.mark.slow
@ROUND_TRIP
@given(model=s.models)
def test_every_model_round_trips_through_dataclasses_json(model: WireModel) -> None:
    assert type(model).from_dict(model.to_dict()) == model


@pytest.mark.slow
@ROUND_TRIP
@given(message=s.messages)
def test_messages_round_trip_with_microsecond_timestamps(message: Message) -> None:
    decoded = Message.from_wire(json.loads(message.to_json()))
    assert decoded.timestamp == message.timestamp
    assert decoded.timestamp.utcoffset() is not None
    assert (
        decoded.timestamp.microsecond
        == message.timestamp.astimezone(decoded.timestamp.tzinfo).microsecond
    )


def _base_message() -> dict:
    return Message.new("ops", ailoop.AuthorizationContent(action="deploy")).to_wire()


@pytest.mark.parametrize(
    "path, value",
    [
        (("content", "timeout_seconds"), math.nan),
        (("content", "timeout_seconds"), math.inf),
        (("content", "timeout_seconds"), -math.inf),
        (("content", "timeout_seconds"), -1),
        (("content", "timeout_seconds"), 2**32),
        (("content", "timeout_seconds"), 10**400),
        (("content", "timeout_seconds"), 1.5),
        (("content", "timeout_seconds"), True),
        (("content", "timeout_seconds"), "10"),
        (("id",), "not-a-uuid"),
        (("id",), ""),
        (("id",), 12345),
        (("id",), "x" * 1_000_000),
        (("timestamp",), "2026-13-40T25:61:61Z"),
        (("timestamp",), "0000-01-01T00:00:00Z"),
        (("timestamp",), "9999-12-31T23:59:59-23:59"),
        (("timestamp",), "2026-06-11T09:30:00+24:00"),
        (("timestamp",), 1718000000.0),
        (("timestamp",), "9" * 1_000_000),
        (("sender_type",), "SYSTEM"),
        (("sender_type",), None),
        (("channel",), None),
        (("channel",), ["ops"]),
        (("content",), None),
        (("content",), "authorization"),
        (("content", "type"), None),
        (("content", "type"), 7),
        (("content", "action"), None),
        (("correlation_id",), "nope"),
    ],
)
def test_impossible_field_values_raise_validation_error(path: tuple, value: Any) -> None:
    wire = _base_message()
    target = wire
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as caught:
        Message.from_wire(wire)
    assert len(str(caught.value)) < 1000, "errors quote bounded slices of hostile input"


@pytest.mark.parametrize(
    "metadata",
    [
        "x" * 1_000_000,
        {"k" * 1000: ["v" * 1000] * 1000},
        json.loads("[" * 72 + "]" * 72),
        10**400,
        -0.0,
        math.inf,
    ],
    ids=["1MB-string", "1MB-object", "nested-72", "huge-int", "negative-zero", "infinity"],
)
def test_huge_and_odd_metadata_is_kept_as_is(metadata: Any) -> None:
    wire = _base_message()
    wire["metadata"] = metadata
    assert Message.from_wire(wire).metadata == metadata


def test_deeply_nested_metadata_decodes() -> None:
    nested: Any = "leaf"
    for _ in range(100_000):
        nested = [nested]
    wire = _base_message()
    wire["metadata"] = nested
    assert Message.from_wire(wire).metadata is nested


def test_a_one_megabyte_text_field_round_trips() -> None:
    text = "é" * 1_000_000
    message = Message.new("ops", ailoop.NotificationContent(text=text))
    decoded = Message.from_wire(json.loads(message.to_json()))
    assert decoded.content.text == text  # type: ignore[union-attr]


def test_unknown_content_types_and_fields_are_kept_not_dropped() -> None:
    wire = _base_message()
    wire["content"] = {"type": "hologram", "beam": [1, 2], "nested": {"a": None}}
    wire["future_field"] = {"anything": True}
    decoded = Message.from_wire(wire)
    assert isinstance(decoded.content, ailoop.UnknownContent)
    assert decoded.content.raw == wire["content"]
    assert decoded.content_type == "hologram"
    assert "future_field" not in decoded.to_wire()
