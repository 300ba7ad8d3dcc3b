"""Hostile frames from the server never kill the listener.

The stand-in's ``inject_frame`` sends raw text on every open WebSocket: random text and
bytes, truncated JSON, 1 MB strings, nesting far past the recursion limit, JSON that is
not a message, unknown content types and fields, duplicate ids. Afterwards the very same
connection (no reconnect) still delivers messages to handlers and answers to waiters.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ailoop
from ailoop import AiloopClient, Message, NotificationContent
from ailoop.testing import AiloopTestServer
from tests import strategies as s
from tests.reliability.conftest import Collector, StateLog

pytestmark = pytest.mark.reliability

EXAMPLES = 150
FRAME_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Listener:
    """A connected client subscribed to every channel, with a handler and a state log."""

    def __init__(self, server: AiloopTestServer, client: AiloopClient) -> None:
        self.server = server
        self.client = client
        self.messages = Collector()
        self.states = StateLog()
        self.injected = 0
        client.add_connection_handler(self.states)
        client.subscribe_to_channel("*")
        client.add_message_handler(self.messages)
        client.connect_websocket()
        self.states.wait_for("connected", 10.0)

    def inject(self, text: str) -> None:
        self.server.inject_frame(text)
        self.injected += 1

    def assert_alive(self) -> None:
        """A message posted now reaches the handler over the same, never-dropped link."""
        marker = self.client.say(f"still alive {uuid.uuid4()}", channel="sentinel")
        self.messages.wait_for(
            lambda got: any(m.id == marker.id for m in got), 20.0, "the sentinel message"
        )
        assert self.states.states() == ["connected"], "the link was never dropped"


@pytest.fixture
def listener(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> Iterator[Listener]:
    client = make_client(server.url, protocol="v1", timeout=5.0, reconnect_delay=0.05)
    yield Listener(server, client)


def _message(**overrides: Any) -> Dict[str, Any]:
    wire = Message.new("hostile", NotificationContent(text="hi")).to_wire()
    wire.update(overrides)
    return wire


def _nested(depth: int, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def _truncations() -> st.SearchStrategy[str]:
    return st.builds(
        lambda text, cut: text[: max(1, int(len(text) * cut))],
        st.builds(lambda: json.dumps(_message())),
        st.floats(min_value=0.0, max_value=0.999),
    )


hostile_frames = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    _truncations(),
    s.json_values.map(json.dumps),
    s.message_like.map(json.dumps),
    st.sampled_from(["null", "[]", "{}", "1e999", "-1e999", "NaN", '"text"', "true", "\x00"]),
)
"""Anything a broken or malicious server could put in a text frame."""


@pytest.mark.slow
def test_random_and_malformed_frames_never_kill_the_listener(listener: Listener) -> None:
    @FRAME_SETTINGS
    @given(frame=hostile_frames)
    def inject(frame: str) -> None:
        listener.inject(frame)

    inject()
    listener.assert_alive()
    assert listener.injected >= EXAMPLES


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param("x" * 1_000_000, id="1MB-garbage"),
        pytest.param(json.dumps(_message(channel="c" * 1_000_000)), id="1MB-channel"),
        pytest.param(json.dumps({"blob": "é" * 1_000_000}), id="1MB-non-message"),
        pytest.param(_nested(200_000), id="nested-list-200k"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="nested-object-100k"),
        pytest.param(
            json.dumps(_message())[:-1] + ',"metadata":' + _nested(50_000) + "}",
            id="message-with-nested-metadata-50k",
        ),
        pytest.param(_nested(200_000)[:-5], id="nested-truncated"),
        pytest.param("[" * 1_000_000, id="1M-open-brackets"),
        pytest.param(json.dumps(_message(id="not-a-uuid")), id="bad-id"),
        pytest.param(json.dumps(_message(timestamp="yesterday")), id="bad-timestamp"),
        pytest.param(json.dumps(_message(sender_type="ROBOT")), id="bad-sender"),
        pytest.param(json.dumps(_message(content=[1, 2, 3])), id="content-not-object"),
        pytest.param(json.dumps(_message(correlation_id=7)), id="bad-correlation"),
        pytest.param(json.dumps([_message(), _message()]), id="array-of-messages"),
    ],
)
def test_huge_deep_and_broken_frames_never_kill_the_listener(
    listener: Listener, frame: str
) -> None:
    listener.inject(frame)
    listener.assert_alive()


def test_a_valid_message_with_a_1mb_text_is_delivered(listener: Listener) -> None:
    text = "é" * 1_000_000
    wire = _message(content={"type": "notification", "text": text, "priority": "low"})
    listener.inject(json.dumps(wire))
    listener.messages.wait_for(
        lambda got: any(str(m.id) == wire["id"] for m in got), 20.0, "the 1 MB message"
    )
    delivered = next(m for m in listener.messages.messages if str(m.id) == wire["id"])
    assert delivered.content.text == text
    listener.assert_alive()


def test_unknown_types_and_fields_are_delivered_as_unknown_content(listener: Listener) -> None:
    wire = _message(
        content={"type": "hologram", "beam": {"colour": "green"}, "power": 9000},
        future_envelope_field=[1, 2, 3],
    )
    wire["content"]["extra"] = True
    listener.inject(json.dumps(wire))
    listener.messages.wait_for(
        lambda got: any(str(m.id) == wire["id"] for m in got), 10.0, "the hologram message"
    )
    delivered = next(m for m in listener.messages.messages if str(m.id) == wire["id"])
    assert isinstance(delivered.content, ailoop.UnknownContent)
    assert delivered.content.raw["power"] == 9000
    listener.assert_alive()


def test_duplicate_ids_are_delivered_once(listener: Listener) -> None:
    first = _message()
    again = dict(first, metadata={"replayed": True})
    for wire in (first, first, again, first):
        listener.inject(json.dumps(wire))
    listener.assert_alive()
    assert listener.messages.ids().count(first["id"]) == 1


def _answered_prompt(
    listener: Listener,
) -> Tuple[Message, Callable[[], Any]]:
    prompt = listener.client.authorize("deploy after the storm", channel="hostile", timeout=30)
    return prompt, lambda: listener.client.wait_for_response(prompt.id, timeout=20.0)


def test_waiters_are_answered_after_hostile_frames_and_fake_responses(listener: Listener) -> None:
    prompt, wait = _answered_prompt(listener)
    # Fake "responses" the waiter must not take: bad correlation ids, non-final types,
    # broken content, and a response for some other prompt. (A final response with an
    # unknown type ends the wait as no approval: tests/realtime/test_wait_rules.py.)
    fakes = [
        _message(content={"type": "response", "answer": None}, correlation_id=str(prompt.id)),
        _message(
            content={"type": "response", "answer": None, "response_type": "cancelled"},
            correlation_id=str(prompt.id),
        ),
        _message(
            content={"type": "response", "answer": None, "response_type": "authorization_approved"},
            correlation_id=str(uuid.uuid4()),
        ),
        _message(correlation_id="not-a-uuid"),
    ]
    for fake in fakes:
        listener.inject(json.dumps(fake))
    listener.server.wait_for_pending(10.0, message_id=prompt.id)
    listener.server.respond(prompt.id, None, "authorization_denied")
    response = wait()
    assert response.content.response_type == "authorization_denied"
    assert response.correlation_id == prompt.id
    listener.assert_alive()
