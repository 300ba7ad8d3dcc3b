"""The wire codec derived from each model's declaration agrees with dataclasses-json.

Both are derived from one declaration per field (:mod:`ailoop.models._codec`):
dataclasses-json's ``to_dict``/``from_dict`` are the declared mapping users call, the
generated ``from_wire``/``to_wire`` are what the SDK runs on its hot paths. For every
model these properties pin them together:

* every valid wire object, in every form a server may send it, decodes to equal,
  well-typed models, and ``to_dict()`` is ``to_wire()`` (without a content's ``type``);
* on arbitrary JSON, ``from_wire`` either raises ``ailoop.ValidationError`` or returns a
  well-typed model, and then ``from_dict`` yields that same model unless it fails or
  yields an ill-typed one (``from_wire`` checks types, ``from_dict`` does not);
* frames exactly as the real server writes them take the inline checks only: the
  liberal readers (the fallback for every other form) are never called for them.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import sys
import typing
import uuid
import warnings
from typing import Any, Callable, NoReturn, Optional

import pytest
from hypothesis import HealthCheck, given, settings

from ailoop import Message, ValidationError
from ailoop.models import UnknownContent, _field_kinds
from tests.strategies import VALID_WIRE as VALID
from tests.strategies import arbitrary_inputs, server_messages

MODELS = sorted(VALID, key=lambda model: model.__name__)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIBERAL_READERS = [
    name for name in vars(_field_kinds) if name.startswith("read_") and "list" not in name
]


def dataclasses_json_decode(model: Any, obj: Any) -> Any:
    """The declared mapping: ``from_dict`` (``UnknownContent`` keeps the object as ``raw``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dataclasses-json warns about unknown fields
        if model is UnknownContent:
            return model.from_dict({"raw": obj})
        return model.from_dict(obj)


def decode_or_none(decode: Callable[[], Any]) -> Optional[Any]:
    """``decode()``, or None when it raises anything."""
    try:
        return decode()
    except Exception:
        return None


def conforms(value: Any, annotation: Any) -> bool:
    """Whether ``value`` matches a model field's annotation, recursively."""
    if annotation is Any:
        return True
    if isinstance(annotation, typing.TypeVar):
        return annotation.__bound__ is None or conforms(value, annotation.__bound__)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union:
        return any(conforms(value, argument) for argument in arguments)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, arguments[0]) for item in value)
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    if annotation is type(None):
        return value is None
    if annotation in (bool, int, str, uuid.UUID):
        return type(value) is annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return type(value) is annotation
    if dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        return type(value) is annotation and all(
            conforms(getattr(value, field.name), hints[field.name])
            for field in dataclasses.fields(annotation)
        )
    if annotation is datetime.datetime:
        return isinstance(value, datetime.datetime) and value.tzinfo is datetime.timezone.utc
    raise AssertionError(f"no conformance rule for {annotation!r}")


def wire_without_type(model: Any) -> Any:
    """``to_wire()`` as ``to_dict()`` holds it: a content's ``type`` is the Message's."""
    wire = model.to_wire()
    if isinstance(model, UnknownContent):
        return {"raw": model.raw}
    if isinstance(getattr(type(model), "content_type", None), str):
        del wire["type"]
    return wire


def test_every_model_has_a_strategy() -> None:
    """Every public model class is covered by the properties below."""
    import ailoop

    models = {
        value
        for value in vars(ailoop).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
    }
    assert models == set(VALID)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_valid_wire_objects_decode_and_encode_as_dataclasses_json_does(model: Any) -> None:
    """Valid wire objects: the same model both ways, and the same JSON values back."""

    @EXAMPLES
    @given(VALID[model])
    def check(obj: Any) -> None:
        decoded = model.from_wire(obj)
        assert conforms(decoded, model)
        assert decoded == dataclasses_json_decode(model, obj)
        assert decoded.to_dict() == wire_without_type(decoded)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert model.from_dict(decoded.to_dict()) == decoded

    check()


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_arbitrary_json_is_rejected_or_decoded_as_from_dict_does(model: Any) -> None:
    """On anything at all, ``from_wire`` never disagrees with a well-typed ``from_dict``."""

    @EXAMPLES
    @given(arbitrary_inputs(model))
    def check(obj: Any) -> None:
        try:
            decoded = model.from_wire(obj)
        except ValidationError:
            return
        assert conforms(decoded, model)
        declared = decode_or_none(lambda: dataclasses_json_decode(model, obj))
        if declared is not None and conforms(declared, model):
            assert decoded == declared

    check()


@pytest.mark.slow
@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the inline timestamp check needs 3.11"
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(server_messages)
def test_server_form_never_reaches_the_liberal_readers(data: Any) -> None:
    """Frames as the real server writes them are decoded by the inline checks alone."""
    expected = Message.from_wire(data)

    def fallback(*_args: Any) -> NoReturn:
        raise AssertionError("the decoder fell back to a liberal reader")

    with pytest.MonkeyPatch.context() as patch:
        for name in LIBERAL_READERS:
            patch.setattr(_field_kinds, name, fallback)
        assert Message.from_wire(data) == expected


def test_the_liberal_readers_are_patched_where_the_decoders_call_them() -> None:
    """The property above would pass vacuously if the decoders did not use these names."""
    with pytest.MonkeyPatch.context() as patch:
        for name in LIBERAL_READERS:
            patch.setattr(_field_kinds, name, lambda *_args: "patched")
        content = {"type": "notification", "text": "t"}
        frame = {"id": 1, "channel": 2, "sender_type": "x", "content": content, "timestamp": 3}
        assert Message.from_wire(frame).id == "patched"
