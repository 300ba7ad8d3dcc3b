"""``ailoop._fast_decode.decode_message`` yields exactly what ``Message.from_wire`` yields.

The realtime stream decodes every message for handlers with ``decode_message``; it must
give the same ``Message`` (or raise the same ``ValidationError``) as ``from_wire`` for any
input, and ``from_wire`` in turn matches dataclasses-json (see test_decode_equivalence).
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop import Message, ValidationError
from ailoop._fast_decode import decode_message
from tests.strategies import VALID_WIRE as VALID
from tests.strategies import arbitrary_inputs, server_messages

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(decode: Any, data: Any) -> Any:
    """The decoded message, or the text of the ValidationError raised."""
    try:
        return decode(data)
    except ValidationError as error:
        return ("ValidationError", str(error))


@EXAMPLES
@given(st.one_of(server_messages, VALID[Message], arbitrary_inputs(Message)))
def test_decode_message_matches_from_wire_on_anything(data: Any) -> None:
    """Same message or same error as ``Message.from_wire``, whatever the input."""
    assert outcome(decode_message, data) == outcome(Message.from_wire, data)


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the fast timestamp path needs Python 3.11's fromisoformat"
)
@EXAMPLES
@given(server_messages)
def test_server_form_takes_the_fast_path(data: Any) -> None:
    """Frames as the real server writes them never fall back to ``from_wire``."""

    def fallback(_data: Any) -> NoReturn:
        raise AssertionError("decode_message fell back to Message.from_wire")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Message, "from_wire", fallback)
        decoded = decode_message(data)
    assert decoded == Message.from_wire(data)
