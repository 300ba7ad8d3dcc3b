"""Message handlers and message queues: filtering, order, replay, bad input, overflow."""

import json
import logging
import queue
import threading
import uuid
from typing import Any, Callable, List

import pytest

from ailoop import (
    AiloopClient,
    ConnectionState,
    Message,
    NotificationContent,
    UnknownContent,
    ValidationError,
)
from ailoop.testing import AiloopTestServer

from .conftest import WAIT, EventRecorder, Recorder, message, notification, post

MakeClient = Callable[..., AiloopClient]


def texts(messages: List[Message]) -> List[str]:
    return [m.content.text for m in messages if isinstance(m.content, NotificationContent)]


def test_handlers_and_queues_get_subscribed_channels_in_server_order(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, channel="ops")
    first, second = Recorder(), Recorder()
    client.add_message_handler(first)
    client.add_message_handler(second)
    pulled = client.message_queue()
    client.subscribe_to_channel("audit")
    assert client.subscriptions == ["audit", "ops"]
    client.connect_websocket()
    expected = []
    for number in range(20):
        client.say(f"ops {number}")
        expected.append(f"ops {number}")
        client.say(f"noise {number}", channel="elsewhere")
        if number % 5 == 0:
            client.say(f"audit {number}", channel="audit")
            expected.append(f"audit {number}")
    assert texts(first.take(24)) == expected
    assert texts(second.take(24)) == expected
    assert texts([pulled.get(timeout=WAIT) for _ in range(24)]) == expected
    client.unsubscribe_from_channel("audit")
    client.say("audit hidden", channel="audit")
    client.say("ops last")
    assert texts(first.take(1)) == ["ops last"]
    assert first.nothing_more()


def test_star_subscribes_to_every_channel_and_handlers_can_be_removed(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    kept, removed = Recorder(), Recorder()
    client.add_message_handler(kept)
    client.add_message_handler(removed)
    client.subscribe_to_channel("*")
    client.connect_websocket()
    client.say("one", channel="a")
    client.say("two", channel="b")
    assert texts(removed.take(2)) == ["one", "two"]
    client.remove_message_handler(removed)
    client.remove_message_handler(removed)  # no-op the second time
    client.say("three", channel="c")
    assert texts(kept.take(3)) == ["one", "two", "three"]
    assert removed.nothing_more()
    client.unsubscribe_from_channel("*")
    client.say("four", channel="d")
    client.say("five")  # the default channel is still subscribed
    assert texts(kept.take(1)) == ["five"]


def test_history_replayed_on_the_first_connect_is_not_delivered(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    for number in range(5):
        post(server, notification("public", f"old {number}"))
    client = make_client(server)
    received = Recorder()
    client.add_message_handler(received)
    client.subscribe_to_channel("*")
    client.connect_websocket()
    client.say("new")
    assert texts(received.take(1)) == ["new"]
    assert received.nothing_more()


def test_bad_frames_are_skipped_and_unknown_types_delivered(
    server: AiloopTestServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(server)
    events = EventRecorder()
    received = Recorder()
    client.add_connection_handler(events)
    client.add_message_handler(received)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    duplicate = notification("public", "twice")
    unknown = message("public", {"type": "hologram", "beam": 3})
    with caplog.at_level(logging.WARNING, logger="ailoop"):
        for frame in [
            "not json",
            "[1, 2]",
            '{"no": "id"}',
            "[" * 100_000,
            json.dumps(message("public", {"type": "response"}, sender_type="ROBOT")),
            json.dumps(duplicate),
            json.dumps(duplicate),
            json.dumps(unknown),
        ]:
            server.inject_frame(frame)
        client.say("after")
    got = received.take(3)
    assert [m.id for m in got] == [uuid.UUID(duplicate["id"]), uuid.UUID(unknown["id"]), got[2].id]
    assert isinstance(got[1].content, UnknownContent)
    assert got[1].content.content_type == "hologram"
    assert texts([got[2]]) == ["after"]
    assert events.nothing_more(), "the link survived every bad frame"
    assert "not JSON" in caplog.text and "not a valid message" in caplog.text


def test_a_slow_handler_drops_the_oldest_and_counts(
    server: AiloopTestServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(server, max_pending_messages=5)
    entered, release = threading.Event(), threading.Event()
    delivered: queue.Queue[str] = queue.Queue()

    def slow(message: Message) -> None:
        entered.set()
        release.wait(WAIT)
        delivered.put(message.content.text)

    client.add_message_handler(slow)
    client.connect_websocket()
    client.say("first")
    assert entered.wait(WAIT)
    with caplog.at_level(logging.WARNING, logger="ailoop.dispatch"):
        for number in range(12):
            client.say(f"m{number}")
        client.say("last")
        # The stream handles frames in order: once it has matched this answer, every
        # message above is queued for the (still blocked) handler.
        prompt = client.authorize("sync point", channel="unsubscribed")
        server.wait_for_pending(WAIT, message_id=prompt.id)
        server.respond(prompt.id, None, "authorization_approved")
        client.wait_for_response(prompt.id, timeout=WAIT)
        release.set()
        texts_seen = [delivered.get(timeout=WAIT)]
        while texts_seen[-1] != "last":
            texts_seen.append(delivered.get(timeout=WAIT))
    assert client.dropped_messages == 8
    assert texts_seen == ["first", "m8", "m9", "m10", "m11", "last"]
    assert "dropped the oldest undelivered message" in caplog.text


def test_a_bounded_message_queue_keeps_the_newest(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    bounded = client.message_queue(maxsize=2)
    done = Recorder()
    client.add_message_handler(done)
    client.connect_websocket()
    for number in range(4):
        client.say(f"q{number}")
    done.take(4)
    assert [bounded.get(timeout=WAIT).content.text for _ in range(2)] == ["q2", "q3"]
    assert client.dropped_messages == 2


def test_handler_errors_are_reported_and_delivery_goes_on(
    server: AiloopTestServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    reported: queue.Queue[Any] = queue.Queue()
    client = make_client(
        server, on_handler_error=lambda error, payload: reported.put((error, payload))
    )
    received = Recorder()

    def explode(message: Message) -> None:
        raise ZeroDivisionError(message.content.text)

    client.add_message_handler(explode)
    client.add_message_handler(received)
    with caplog.at_level(logging.ERROR, logger="ailoop.dispatch"):
        client.connect_websocket()
        client.say("boom")
        client.say("again")
        assert texts(received.take(2)) == ["boom", "again"]
    error, payload = reported.get(timeout=WAIT)
    assert isinstance(error, ZeroDivisionError) and payload.content.text == "boom"
    assert "ZeroDivisionError" in caplog.text


def test_registration_arguments_are_checked(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    with pytest.raises(ValidationError):
        client.add_message_handler("not callable")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        client.add_connection_handler(None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        client.subscribe_to_channel("")
    with pytest.raises(ValidationError):
        client.message_queue(-1)
    with pytest.raises(ValidationError):
        AiloopClient(server.url, max_pending_messages=0)
    with pytest.raises(ValidationError):
        AiloopClient(server.url, realtime="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        AiloopClient(server.url, ping_interval=0)
    assert server.requests == []
