"""The fast decode path (``Model.from_wire``) yields exactly what dataclasses-json yields.

dataclasses-json's ``from_dict`` is the declared mapping of every model but costs about
180 µs per message; the hand-written ``from_wire`` readers cost about 15 µs and are what
the SDK uses on its hot paths (see BENCHMARKS.md). These properties pin them together:

* every valid wire object, in every form a server may send it, decodes to equal models;
* on arbitrary JSON, ``from_wire`` either raises ``ailoop.ValidationError`` or returns a
  well-typed model, and then ``from_dict`` yields that same model unless it fails or
  yields an ill-typed one (``from_wire`` checks types, ``from_dict`` does not);
* every model ``from_wire`` returns survives the dataclasses-json round trip
  ``from_dict(to_dict())`` unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
import uuid
import warnings
from typing import Any, Callable, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop import ValidationError
from ailoop.models import UnknownContent
from tests.strategies import VALID_WIRE as VALID
from tests.strategies import arbitrary_inputs

MODELS = sorted(VALID, key=lambda model: model.__name__)
EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
    if annotation is Any or isinstance(annotation, typing.TypeVar):
        return True
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union:
        return any(conforms(value, argument) for argument in arguments)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, arguments[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return type(value) is bool
    if annotation is int:
        return type(value) is int
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return type(value) is annotation
    if dataclasses.is_dataclass(annotation):
        return type(value) is annotation and all(
            conforms(getattr(value, field.name), field.type)
            for field in dataclasses.fields(annotation)
        )
    if annotation is datetime.datetime:
        return isinstance(value, datetime.datetime) and value.tzinfo is datetime.timezone.utc
    if annotation in (str, uuid.UUID):
        return type(value) is annotation
    raise AssertionError(f"no conformance rule for {annotation!r}")


def test_every_model_has_a_strategy() -> None:
    """Every public model class is covered by the properties below."""
    import ailoop

    models = {
        value
        for value in vars(ailoop).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
    }
    assert models == set(VALID)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_valid_wire_objects_decode_to_what_from_dict_yields(model: Any) -> None:
    """For every valid wire object both decoders agree exactly."""

    @EXAMPLES
    @given(VALID[model])
    def check(obj: Any) -> None:
        fast = model.from_wire(obj)
        assert conforms(fast, model)
        assert fast == dataclasses_json_decode(model, obj)

    check()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_arbitrary_json_is_rejected_or_decoded_as_from_dict_does(model: Any) -> None:
    """On anything at all, ``from_wire`` never disagrees with a well-typed ``from_dict``."""

    @EXAMPLES
    @given(arbitrary_inputs(model))
    def check(obj: Any) -> None:
        try:
            fast = model.from_wire(obj)
        except ValidationError:
            return
        assert conforms(fast, model)
        declared = decode_or_none(lambda: dataclasses_json_decode(model, obj))
        if declared is not None and conforms(declared, model):
            assert fast == declared

    check()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_decoded_models_survive_the_dataclasses_json_round_trip(model: Any) -> None:
    """``from_dict(to_dict())`` gives back what ``from_wire`` built."""

    @EXAMPLES
    @given(st.one_of(VALID[model], arbitrary_inputs(model)))
    def check(obj: Any) -> None:
        fast = decode_or_none(lambda: model.from_wire(obj))
        if fast is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert model.from_dict(fast.to_dict()) == fast

    check()
