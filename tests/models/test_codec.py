"""The codec derived from a model's declaration (``ailoop.models._codec``).

A field is declared once, by its annotation and, where the annotation cannot say it,
``wire_field(...)`` metadata; these tests declare small models of their own and check
that the wire decoder, the wire encoder and the dataclasses-json mapping all follow.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, List, Optional, Set
from uuid import UUID

import pytest

from ailoop import NotificationPriority, ValidationError
from ailoop._timestamps import format_rfc3339
from ailoop.models import DecisionOption
from ailoop.models._codec import wire_field, wire_model
from ailoop.models._wire import WireModel

ID = "0f4d6c2e-0d5e-4c39-9a59-0a8e0c3b8f11"
MOMENT = datetime(2026, 6, 11, 9, 30, tzinfo=timezone.utc)


@wire_model
@dataclass
class Sample(WireModel):
    """One field of every kind the codec derives."""

    name: str
    at: datetime
    ref: UUID
    options: List[DecisionOption]
    count: int = field(default=0, metadata=wire_field(maximum=10))
    flag: bool = False
    note: Optional[str] = field(default=None, metadata=wire_field(omit_none=True, after="name"))
    priority: NotificationPriority = NotificationPriority.LOW
    seen: Optional[datetime] = field(
        default=None, metadata=wire_field(timestamp_form=format_rfc3339)
    )
    parent: Optional[UUID] = None
    extra: Any = None
    ids: List[UUID] = field(default_factory=list)

    wire_name: ClassVar[str] = "sample"


def sample_wire(**changes: Any) -> Any:
    wire = {
        "name": "n",
        "at": "2026-06-11T09:30:00Z",
        "ref": ID,
        "options": [{"id": "a", "label": "A"}],
    }
    wire.update(changes)
    return wire


def test_every_kind_decodes_and_encodes_from_the_declaration() -> None:
    decoded = Sample.from_wire(sample_wire(seen="2026-06-11T11:30:00+02:00", ids=[ID.upper()]))
    assert decoded == Sample(
        "n", MOMENT, UUID(ID), [DecisionOption("a", "A")], seen=MOMENT, ids=[UUID(ID)]
    )
    assert decoded.to_wire() == {
        "name": "n",
        "at": "2026-06-11T09:30:00Z",
        "ref": ID,
        "options": [{"id": "a", "label": "A"}],
        "count": 0,
        "flag": False,
        "priority": "low",
        "seen": "2026-06-11T09:30:00+00:00",
        "parent": None,
        "extra": None,
        "ids": [ID],
    }
    assert decoded.to_dict() == decoded.to_wire()
    assert Sample.from_dict(decoded.to_dict()) == decoded


def test_declared_order_and_omission() -> None:
    wire = Sample.from_wire(sample_wire(note="x")).to_wire()
    assert list(wire)[:3] == ["name", "note", "at"]
    assert "note" not in Sample.from_wire(sample_wire()).to_wire()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": 1}, "sample.name: expected a string, got int"),
        ({"count": 11}, "sample.count: expected an integer in 0..10, got 11"),
        ({"flag": "yes"}, "sample.flag: expected true or false, got str"),
        ({"ref": "nope"}, "sample.ref: not a valid UUID: 'nope'"),
        ({"at": "2026-13-01T00:00:00Z"}, "sample.at: invalid timestamp"),
        ({"priority": "loud"}, "sample.priority: expected one of 'low'"),
        ({"options": [{"id": "a"}]}, r"sample.options\[0\].label: missing"),
        ({"options": None}, "sample.options: expected a list of JSON objects, got null"),
        ({"ids": [ID, 3]}, r"sample.ids\[1\]: expected a UUID string, got int"),
    ],
)
def test_errors_name_the_field(changes: Any, error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        Sample.from_wire(sample_wire(**changes))


def test_adding_a_field_is_one_declaration() -> None:
    @wire_model
    @dataclass
    class Grown(Sample):
        tags: Optional[List[str]] = field(default=None, metadata=wire_field(omit_none=True))

    grown = Grown.from_wire(sample_wire(tags=["t"]))
    assert grown.tags == ["t"]
    assert grown.to_wire()["tags"] == ["t"]
    assert Grown.from_dict(grown.to_dict()) == grown


def test_an_annotation_without_a_codec_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match=r"odd.values: no wire codec"):

        @wire_model
        @dataclass
        class Odd(WireModel):
            values: Set[int]

            wire_name: ClassVar[str] = "odd"
