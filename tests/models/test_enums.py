"""The protocol enumerations: wire values, ``str``/``format``, tolerant parsing."""

import pickle
from enum import Enum
from typing import Type

import pytest

from ailoop import (
    DependencyType,
    NotificationPriority,
    ResponseType,
    SenderType,
    TaskState,
    ValidationError,
)

WIRE_VALUES = {
    SenderType: ["AGENT", "HUMAN"],
    ResponseType: [
        "text",
        "authorization_approved",
        "authorization_denied",
        "timeout",
        "cancelled",
    ],
    NotificationPriority: ["low", "normal", "high", "urgent"],
    TaskState: ["pending", "done", "abandoned"],
    DependencyType: ["blocks", "related", "parent"],
}


@pytest.mark.parametrize("enum", list(WIRE_VALUES))
def test_members_are_upper_case_names_of_the_wire_values(enum: Type[Enum]) -> None:
    assert [member.value for member in enum] == WIRE_VALUES[enum]
    for member in enum:
        assert member.name == member.value.upper()
        assert isinstance(member, str)
        assert member == member.value
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert format(member, ">20") == member.value.rjust(20)
        assert "%s" % member == member.value  # noqa: UP031 - the old formatting must agree
        assert pickle.loads(pickle.dumps(member)) is member


def test_quick_start_equality() -> None:
    assert ResponseType.AUTHORIZATION_APPROVED == "authorization_approved"
    assert SenderType.AGENT == "AGENT"
    assert NotificationPriority.HIGH == "high"


@pytest.mark.parametrize("text", ["high", "HIGH", "High"])
def test_parse_any_case(text: str) -> None:
    assert NotificationPriority.parse(text, "priority") is NotificationPriority.HIGH


@pytest.mark.parametrize("value", ["max", "", None, 3, ["high"], " high"])
def test_parse_rejects_with_the_allowed_values(value: object) -> None:
    with pytest.raises(ValidationError, match=r"priority: expected one of 'low', 'normal'"):
        NotificationPriority.parse(value, "priority")
