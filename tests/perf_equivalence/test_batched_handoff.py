"""The network thread hands messages to the dispatcher in batches: nothing else changes.

* A batch overflows the bounded queue exactly as its messages would one at a time: the
  same messages are delivered, in the same order, connection events never dropped, and
  the same number counted in ``dropped_messages`` (checked against a model of the
  one-at-a-time queue for random batch sizes, events and bounds).
* The engine keeps what it routes until the stream flushes (before it may wait for the
  network), then hands it over as one batch; a connection event is never delivered
  before messages routed ahead of it.
* Over a real socket, a burst of frames on several channels (duplicates included)
  reaches a handler exactly once per message, in server order per channel.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Any, Dict, Iterator, List, Sequence, Tuple, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop import AiloopClient, Message, NotificationContent
from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._dispatch import Dispatcher
from ailoop._realtime import RealtimeEngine, _Hooks
from ailoop._stream import StreamSettings
from ailoop.testing import AiloopTestServer

WAIT = 10.0
Step = Union[int, str]  # a batch of that many messages, or "event"
steps = st.lists(
    st.one_of(st.integers(min_value=0, max_value=7), st.just("event")), max_size=12
)


def _frame(number: int) -> Dict[str, Any]:
    return {"id": f"id-{number}"}


def _model(max_pending: int, plan: Sequence[Step]) -> Tuple[List[str], int]:
    """What the one-at-a-time queue delivers after its first message, and drops."""
    waiting: List[str] = []
    dropped = 0
    number = 1
    for step in plan:
        if step == "event":
            waiting.append("event")
            continue
        for _ in range(int(step)):
            if sum(item != "event" for item in waiting) >= max_pending:
                waiting.remove(next(item for item in waiting if item != "event"))
                dropped += 1
            waiting.append(f"id-{number}")
            number += 1
    return waiting, dropped


def _feed_while_blocked(max_pending: int, plan: Sequence[Step]) -> Tuple[List[str], int]:
    """Block the dispatcher in its first message, feed ``plan``, release, record."""
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    delivered: List[str] = []
    dispatcher = Dispatcher(lambda f: f["id"], max_pending=max_pending)

    def handler(message: str) -> None:
        if message == "id-0":
            entered.set()
            release.wait(WAIT)
        else:
            delivered.append(message)

    def on_event(event: ConnectionEvent) -> None:
        if event.reason == "end":
            finished.set()
        else:
            delivered.append("event")

    dispatcher.add_message_handler(handler)
    dispatcher.add_connection_handler(on_event)
    dispatcher.submit_messages([_frame(0)])
    assert entered.wait(WAIT)
    number = 1
    for step in plan:
        if step == "event":
            dispatcher.submit_event(ConnectionEvent(ConnectionState.CONNECTED))
            continue
        dispatcher.submit_messages([_frame(number + index) for index in range(int(step))])
        number += int(step)
    dropped = dispatcher.dropped_messages
    # events are never dropped and come after everything queued before them
    dispatcher.submit_event(ConnectionEvent(ConnectionState.DISCONNECTED, reason="end"))
    release.set()
    assert finished.wait(WAIT)
    assert dispatcher.stop(WAIT)
    return delivered, dropped


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(max_pending=st.integers(min_value=1, max_value=6), plan=steps)
def test_a_batch_overflows_exactly_like_its_messages_one_at_a_time(
    max_pending: int, plan: List[Step]
) -> None:
    expected, expected_dropped = _model(max_pending, plan)
    delivered, dropped = _feed_while_blocked(max_pending, plan)
    assert dropped == expected_dropped
    assert delivered == expected


class _NoHistory:
    """History access for an engine that never reads REST in these tests."""

    def channel_names(self) -> List[str]:
        return []

    def channel_history(self, channel: str, limit: int) -> List[Dict[str, Any]]:
        return []

    def find_message(self, message_id: str) -> None:
        return None


class _NoSockets:
    def new_socket(self) -> Any:
        raise AssertionError("no stream in this test")

    def connect(self, ws: Any, timeout: float) -> None:
        raise AssertionError("no stream in this test")


@pytest.fixture
def engine() -> Iterator[RealtimeEngine]:
    built = RealtimeEngine(
        factory=_NoSockets(),
        history=_NoHistory(),
        decode=lambda frame: frame["id"],
        settings=StreamSettings(),
        channel="ops",
        max_pending_messages=100,
        on_handler_error=None,
        realtime=False,  # no stream: the test plays the network thread through the hooks
    )
    yield built
    built.close()


def _wire(channel: str) -> bytes:
    return json.dumps({"id": str(uuid.uuid4()), "channel": channel, "content": {}}).encode()


def test_the_engine_hands_routed_frames_over_at_the_flush(engine: RealtimeEngine) -> None:
    received: queue.Queue[Any] = queue.Queue()
    engine.add_message_handler(received.put)
    engine.add_connection_handler(received.put)
    hooks = _Hooks(engine)
    frames = [_wire("ops") for _ in range(3)]
    for data in frames:
        hooks.on_frame(data)
    hooks.on_frame(frames[0])  # a duplicate: never delivered
    hooks.on_frame(_wire("elsewhere"))  # not subscribed: never delivered
    assert received.empty()  # nothing is handed over before the flush
    hooks.flush()
    ids = [json.loads(data)["id"] for data in frames]
    assert [received.get(timeout=WAIT) for _ in range(3)] == ids
    later = _wire("ops")
    hooks.on_frame(later)
    hooks.on_state(ConnectionEvent(ConnectionState.DISCONNECTED, reason="test"))
    assert received.get(timeout=WAIT) == json.loads(later)["id"]  # before the event
    event = received.get(timeout=WAIT)
    assert isinstance(event, ConnectionEvent) and event.state is ConnectionState.DISCONNECTED
    hooks.flush()  # nothing left: a flush hands over nothing
    with pytest.raises(queue.Empty):
        received.get(timeout=0.2)


def test_a_burst_reaches_a_handler_once_per_message_in_order_per_channel() -> None:
    channels = ["ops", "audit", "deploy"]
    sent: Dict[str, List[str]] = {channel: [] for channel in channels}
    frames = []
    for number in range(600):
        channel = channels[number % len(channels)]
        message_id = str(uuid.uuid4())
        sent[channel].append(message_id)
        text = json.dumps(
            {
                "id": message_id,
                "channel": channel,
                "sender_type": "AGENT",
                "content": {"type": "notification", "text": f"n{number}", "priority": "low"},
                "timestamp": "2026-06-11T09:30:00.123456789Z",
                "correlation_id": None,
            }
        )
        frames.append(text)
        if number % 50 == 0:
            frames.append(text)  # the server never de-duplicates; the client does
    received: queue.Queue[Message] = queue.Queue()
    with AiloopTestServer() as server, AiloopClient(server.url, channel="ops") as client:
        client.subscribe_to_channel("*")
        client.add_message_handler(received.put)
        client.connect_websocket()
        server.pause_pongs()  # queue the whole burst, then release it at once
        for text in frames:
            server.inject_frame(text)
        server.resume_pongs()
        got = [received.get(timeout=WAIT) for _ in range(600)]
        client.say("marker")  # comes after the burst: no duplicate of it may come between
        tail = received.get(timeout=WAIT)
        assert isinstance(tail.content, NotificationContent) and tail.content.text == "marker"
        assert client.dropped_messages == 0
    per_channel: Dict[str, List[str]] = {channel: [] for channel in channels}
    for message in got:
        per_channel[message.channel].append(str(message.id))
    assert per_channel == sent
