"""Reconnection and liveness: forced drops, a half-open link, a refused handshake, a
server that is gone for good."""

import threading
import time
from typing import Callable, List, Set

import pytest

from ailoop import (
    AiloopClient,
    AuthenticationError,
    ConnectionError,
    ConnectionEvent,
    ConnectionState,
    Message,
)
from ailoop.testing import AiloopTestServer
from tests.descriptors import LEAKABLE, count_descriptors

from .conftest import WAIT, EventRecorder, Recorder, run_in_thread, stream_threads

MakeServer = Callable[..., AiloopTestServer]
MakeClient = Callable[..., AiloopClient]
SLACK = 2.0


def socket_count() -> int:
    """Sockets and pipes this process holds right now."""
    return count_descriptors(*LEAKABLE)


def states(events: List[ConnectionEvent]) -> List[str]:
    return [event.state.value for event in events]


@pytest.mark.slow
def test_thirty_forced_reconnects_lose_and_duplicate_nothing(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, reconnect_attempts=50)
    received, events = Recorder(), EventRecorder()
    client.add_connection_handler(events)
    client.subscribe_to_channel("*")
    client.add_message_handler(received)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    client.say("warm-up")  # the HTTP session of this thread exists from here on
    received.take(1)
    threads, sockets = stream_threads(), socket_count()
    sent: List[Message] = []
    for round_number in range(30):
        server.drop_connections()
        for channel in ("a", "b"):  # published while the client reconnects
            sent.append(client.say(f"{round_number}{channel}", channel=channel))
        events.wait_for(ConnectionState.CONNECTED)
        sent.append(client.say(f"{round_number} live"))
    got = received.take(len(sent), timeout=WAIT * 3)
    assert sorted(str(m.id) for m in got) == sorted(str(m.id) for m in sent), "all arrived"
    assert len({m.id for m in got}) == len(got), "no message arrived twice"
    assert received.nothing_more()
    for channel in ("a", "b", "public"):  # server order within each channel
        assert [m.id for m in got if m.channel == channel] == [
            m.id for m in sent if m.channel == channel
        ]
    assert stream_threads() == threads, "reconnects leave no extra thread"
    # The HTTP pool may open one more connection (both ends are in this process) for the
    # stream's catch-up running beside say(); a leak per reconnect would show 30 or more.
    assert socket_count() <= sockets + 2, "reconnects leave no extra socket"


def test_handlers_keep_server_order_across_a_reconnect(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, reconnect_attempts=50)
    received, events = Recorder(), EventRecorder()
    client.add_connection_handler(events)
    client.add_message_handler(received)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    server.fail_route("GET", "/", 503)
    server.drop_connections()
    events.wait_for(ConnectionState.RECONNECTING)
    missed = [client.say(f"missed {n}").content.text for n in range(5)]
    server.clear_faults()
    events.wait_for(ConnectionState.CONNECTED)
    live = [client.say(f"live {n}").content.text for n in range(5)]
    assert [m.content.text for m in received.take(10)] == missed + live


def test_the_connection_story_is_clear(server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(server, reconnect_delay=0.05, reconnect_attempts=50)
    events = EventRecorder()
    client.add_connection_handler(events)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    server.fail_route("GET", "/", 502, times=2)
    server.drop_connections()
    dropped = events.wait_for(ConnectionState.DISCONNECTED)
    story = [dropped]
    while story[-1].state is not ConnectionState.CONNECTED:
        story.append(events.take(1)[0])
    assert states(story) == [
        "disconnected",
        "reconnecting",
        "reconnecting",
        "reconnecting",
        "connected",
    ]
    assert [event.attempt for event in story[1:4]] == [0, 1, 2]
    assert all(0 <= event.delay <= 0.05 * 2**3 for event in story[1:4])  # type: ignore[operator]
    assert dropped.reason and "connection" in dropped.reason
    assert client.connection_state is ConnectionState.CONNECTED


@pytest.mark.slow
def test_a_half_open_link_is_noticed_and_replaced(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    interval, timeout = 0.2, 0.3
    client = make_client(
        server, ping_interval=interval, ping_timeout=timeout, reconnect_attempts=50
    )
    events, received = EventRecorder(), Recorder()
    client.add_connection_handler(events)
    client.add_message_handler(received)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    paused = time.monotonic()
    server.pause_pongs()
    stuck = client.say("sent into a silent link")
    dropped = events.wait_for(ConnectionState.DISCONNECTED, timeout=WAIT)
    assert time.monotonic() - paused <= (interval + timeout) * SLACK + 0.5
    assert "dead" in (dropped.reason or "")
    server.resume_pongs()
    deadline = time.monotonic() + WAIT
    messages: List[Message] = []
    while not any(m.id == stuck.id for m in messages) and time.monotonic() < deadline:
        messages.extend(received.take(1))
    assert [m.id for m in messages].count(stuck.id) == 1


def test_a_refused_handshake_gives_up_and_fails_waiters(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, reconnect_attempts=50)
    events = EventRecorder()
    client.add_connection_handler(events)
    prompt = client.authorize("Deploy")
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.fail_route("GET", "/", 401, '{"error":"unauthorized"}')
    server.drop_connections()
    gave_up = events.wait_for(ConnectionState.GAVE_UP)
    assert isinstance(gave_up.error, AuthenticationError)
    error = waiting.get(timeout=WAIT)
    assert isinstance(error, AuthenticationError), repr(error)
    handshakes = [r for r in server.requests if r.path == "/"]
    assert len(handshakes) == 3, "viewer, agent, one refused reconnect: no retry after a 401"


def test_a_wrong_token_fails_the_first_connection_at_once(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server(tokens=["right"])
    client = make_client(server, token="not-the-s3cret", reconnect_attempts=50)
    events = EventRecorder()
    client.add_connection_handler(events)
    with pytest.raises(AuthenticationError) as caught:
        client.connect_websocket()
    assert caught.value.status_code == 401 and "s3cret" not in str(caught.value)
    assert events.wait_for(ConnectionState.GAVE_UP).error is caught.value
    with pytest.raises(AuthenticationError):
        client.wait_for_response("5f0c8a6e-0000-4000-8000-000000000000", timeout=WAIT)


def test_a_server_gone_for_good(make_server: MakeServer, make_client: MakeClient) -> None:
    server = make_server()
    attempts = 3
    client = make_client(server, reconnect_attempts=attempts, reconnect_delay=0.05, timeout=2.0)
    events = EventRecorder()
    client.add_connection_handler(events)
    prompt = client.authorize("Deploy")
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT * 3))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.stop()
    gave_up = events.wait_for(ConnectionState.GAVE_UP, timeout=WAIT * 2)
    assert gave_up.attempt == attempts
    assert isinstance(gave_up.error, ConnectionError)
    assert isinstance(waiting.get(timeout=WAIT * 2), ConnectionError), "HTTP is gone too"
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began <= 2.0
    assert stream_threads() == []


@pytest.mark.slow
def test_waits_fall_back_to_polling_after_giving_up(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server()
    client = make_client(server, reconnect_attempts=1)
    events = EventRecorder()
    client.add_connection_handler(events)
    prompt = client.authorize("Deploy")
    events.wait_for(ConnectionState.CONNECTED)
    server.fail_route("GET", "/", 503)  # the WebSocket stays refused, HTTP works
    server.drop_connections()
    events.wait_for(ConnectionState.GAVE_UP)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, None, "authorization_approved")
    assert waiting.get(timeout=WAIT).content.response_type == "authorization_approved"


def test_disconnect_websocket_stops_the_stream_and_the_next_connect_catches_up(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    received, events = Recorder(), EventRecorder()
    client.add_connection_handler(events)
    client.add_message_handler(received)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    client.disconnect_websocket()
    assert events.wait_for(ConnectionState.DISCONNECTED).reason == "stopped by the client"
    assert stream_threads() == ["ailoop-dispatch"]
    client.disconnect_websocket()
    missed = client.say("while stopped")
    client.connect_websocket()
    assert received.take(1)[0].id == missed.id
    seen: Set[str] = {thread.name for thread in threading.enumerate()}
    assert {"ailoop-stream", "ailoop-dispatch"} <= seen
