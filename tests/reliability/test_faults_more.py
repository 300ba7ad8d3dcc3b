"""Faults at the seams of the realtime machinery: the catch-up requests of a reconnect
failing or hanging, a handshake that never answers, a prompt the server drops silently,
a reset agent handshake, and user code changing handlers and subscriptions while
messages flow."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, List

import pytest
import requests

import ailoop
from ailoop import AiloopClient, ConnectionState, Message, NotificationContent
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import SLACK, Collector, StateLog, socket_fds, wait_until

pytestmark = pytest.mark.reliability


def _connected(client: AiloopClient) -> StateLog:
    """A state log registered on ``client``, once its stream is connected (a handler may
    have started it already: then the log starts after that first ``connected``)."""
    already = client.connection_state is ConnectionState.CONNECTED
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    if not already:
        states.wait_for("connected", 10.0)
    return states


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "body": '{"error":"boom"}'},
        {"status": 503, "body": "<html>maintenance</html>", "content_type": "text/html"},
        {"status": None, "reset": True},
        {"status": None, "delay": 3.0},
    ],
    ids=["500", "503-html", "reset", "slower-than-timeout"],
)
def test_failing_catch_up_requests_lose_nothing(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient], fault: Any
) -> None:
    client = make_client(server.url, timeout=1.0, reconnect_delay=0.05, reconnect_attempts=20)
    client.subscribe_to_channel("*")
    received = Collector()
    client.add_message_handler(received)
    states = _connected(client)

    server.fail_route("GET", "/", 503, "<html>down</html>", "text/html")  # hold the stream off
    server.drop_connections()
    states.wait_for("disconnected", 10.0)
    missed = [client.say(f"while away {i}", channel=f"ch{i % 3}").id for i in range(9)]
    server.clear_faults()
    server.fail_route("GET", "/api/channels*", times=3, **fault)  # the catch-up fails
    states.wait_for("connected", 30.0)
    after = client.say("after the reconnect").id
    expected = {str(i) for i in [*missed, after]}
    received.wait_for(lambda got: expected <= {str(m.id) for m in got}, 15.0, "every message")
    assert sorted(received.ids()) == sorted(expected), "each message exactly once"


def test_close_while_the_handshake_hangs_is_bounded(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    threads_before = threading.active_count()
    client = make_client(server.url, timeout=30.0)
    server.fail_route("GET", "/", None, delay=20.0)  # the upgrade never answers in time
    outcome: queue.Queue[Any] = queue.Queue()

    def connect() -> None:
        try:
            client.connect_websocket()
            outcome.put("returned")
        except BaseException as exc:
            outcome.put(exc)

    threading.Thread(target=connect, name="test-connect", daemon=True).start()
    wait_until(lambda: any(r.path == "/" for r in server.requests), 5.0, "the handshake to start")
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began <= 2.0
    result = outcome.get(timeout=2.0 * SLACK)
    assert result == "returned" or isinstance(result, ailoop.AiloopError), repr(result)
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")


@pytest.mark.slow
def test_a_prompt_the_server_drops_is_a_delivery_error_sent_once(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    server = make_server(protocol="v0")  # a v1.0.0 server drops `decision` frames silently
    fds_before = socket_fds()
    client = make_client(server.url, timeout=5.0, echo_timeout=0.5, protocol="v1")
    _connected(client)
    began = time.monotonic()
    with pytest.raises(ailoop.DeliveryError) as caught:
        client.ask_decision("d", "Pick one", ["a", "b"])
    assert time.monotonic() - began <= 0.5 * SLACK + 1.0
    assert caught.value.message_id is not None
    prompts = [f for f in server.frames if f.direction == "in" and '"decision"' in f.text]
    assert len(prompts) == 1, "a prompt that got no echo is not sent again"
    client.close()
    wait_until(lambda: socket_fds() <= fds_before, 5.0, "the agent socket to close")


def test_a_reset_agent_handshake_is_a_connection_error_and_sends_nothing(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0)
    _connected(client)
    server.fail_route("GET", "/", None, reset=True)
    with pytest.raises(ailoop.ConnectionError):
        client.authorize("deploy")
    assert not [f for f in server.frames if f.direction == "in" and "deploy" in f.text]


def test_handlers_and_subscriptions_change_safely_while_messages_flow(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0)
    steady = Collector()
    client.add_message_handler(steady)
    full = client.message_queue(maxsize=1)  # never drained: must not stall anything
    _connected(client)
    stop = threading.Event()
    errors: List[BaseException] = []

    def churn(worker: int) -> None:
        try:
            while not stop.is_set():
                handler = Collector()
                client.add_message_handler(handler)
                client.subscribe_to_channel(f"churn-{worker}")
                client.remove_message_handler(handler)
                client.unsubscribe_from_channel(f"churn-{worker}")
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=churn, args=(w,), daemon=True) for w in range(4)]
    for thread in workers:
        thread.start()
    sent = [client.say(f"flow {i}").id for i in range(100)]
    steady.wait_for(lambda got: len(got) >= len(sent), 20.0, "the steady handler's messages")
    stop.set()
    for thread in workers:
        thread.join(5.0)
    assert not errors, errors[:3]
    assert [m.id for m in steady.messages][: len(sent)] == sent, "in server order, none lost"
    # The handler can report the last message while the dispatcher is still swapping it
    # into the full queue (oldest out, newest in): read the queue with a deadline instead
    # of peeking at its size. It holds the next-to-last or the last message, then the last.
    tail = [full.get(timeout=10.0).id]
    if tail[0] != sent[-1]:
        tail.append(full.get(timeout=10.0).id)
    assert tail in ([sent[-1]], [sent[-2], sent[-1]])
    assert client.dropped_messages >= len(sent) - 2


def _post_many(server: AiloopTestServer, channel: str, count: int) -> List[str]:
    """Store ``count`` notifications in ``channel`` over plain HTTP; their ids."""
    ids = []
    with requests.Session() as session:
        for index in range(count):
            message = Message.new(channel, NotificationContent(text=f"{channel} {index}"))
            answer = session.post(
                f"{server.url}/api/v1/messages",
                data=message.to_json(),
                headers={"Content-Type": "application/json"},
                timeout=10,
            )
            assert answer.status_code == 201
            ids.append(str(message.id))
    return ids


@pytest.mark.slow
@pytest.mark.parametrize(
    "old, missed, subscribe_late",
    [(1000, 100, False), (800, 700, False), (0, 999, False), (900, 100, True)],
)
def test_a_gap_longer_than_the_replay_loses_nothing_and_replays_no_old_history(
    server: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    old: int,
    missed: int,
    subscribe_late: bool,
) -> None:
    """The server keeps 1000 messages per channel but replays only 500 on a hello: the
    catch-up must still hand every message stored while away to handlers, once, and
    never history older than the client's first look at the channel (also when the
    channel is subscribed to only after the first connection)."""
    before = set(_post_many(server, "busy", old))
    client = make_client(server.url, timeout=10.0, reconnect_delay=0.05, reconnect_attempts=50)
    if not subscribe_late:
        client.subscribe_to_channel("busy")
    received = Collector()
    client.add_message_handler(received)
    states = _connected(client)
    if subscribe_late:
        client.subscribe_to_channel("busy")
    server.fail_route("GET", "/", 503, "<html>down</html>", "text/html")
    server.drop_connections()
    states.wait_for("disconnected", 10.0)
    away = _post_many(server, "busy", missed)
    server.clear_faults()
    states.wait_for("connected", 30.0)
    marker = client.say("back", channel="busy").id
    received.wait_for(lambda got: any(m.id == marker for m in got), 20.0, "the marker")
    ids = received.ids()
    assert not before & set(ids), f"{len(before & set(ids))} old messages handed out as new"
    assert len(ids) == len(set(ids)), "duplicates"
    assert [i for i in ids if i != str(marker)] == away, "every missed message, in order"


@pytest.mark.slow
def test_subscribing_right_after_connecting_never_hands_out_the_replay(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    """The hello replays up to 500 old messages of every channel; a channel subscribed to
    while they are still arriving must not get them as news."""
    old = set(_post_many(server, "busy", 900))
    client = make_client(server.url, timeout=10.0)
    received = Collector()
    client.add_message_handler(received)
    client.connect_websocket()
    client.subscribe_to_channel("busy")
    marker = client.say("news", channel="busy").id
    received.wait_for(lambda got: any(m.id == marker for m in got), 20.0, "the news")
    assert not old & set(received.ids()), "replayed history was handed out as news"
    assert received.ids() == [str(marker)]
