"""Realtime delivery, subscriptions, and catching up after the client's own reconnect."""

import queue
import threading
from typing import Callable, List

import pytest

from ailoop import AiloopClient, ConnectionEvent, ConnectionState, Message

from .conftest import PATIENCE, Human, RawSocket, fresh_channel, wire_message

pytestmark = pytest.mark.timeout(60)


def _next(messages: "queue.Queue[Message]", predicate: Callable[[Message], bool]) -> Message:
    while True:
        got = messages.get(timeout=PATIENCE)
        if predicate(got):
            return got


def test_message_queue_receives_what_others_post(
    client: AiloopClient, make_client: Callable[..., AiloopClient], channel: str
) -> None:
    inbox = client.message_queue()
    client.connect_websocket()
    assert client.connection_state == ConnectionState.CONNECTED
    sent = make_client(channel=channel, realtime=False).say("from another process")
    assert _next(inbox, lambda m: m.id == sent.id).content.text == "from another process"


def test_handlers_receive_agent_messages_of_subscribed_channels_only(
    client: AiloopClient, open_socket: Callable[..., RawSocket], channel: str
) -> None:
    seen: queue.Queue[Message] = queue.Queue()
    client.add_message_handler(seen.put)
    client.connect_websocket()
    other = fresh_channel()
    agent = open_socket()
    ignored = wire_message({"type": "notification", "text": "elsewhere"}, other)
    wanted = wire_message({"type": "notification", "text": "here"}, channel)
    agent.send_json(ignored)
    agent.send_json(wanted)
    assert str(_next(seen, lambda m: m.channel in (channel, other)).id) == wanted["id"]
    assert client.subscriptions == [channel]


def test_subscribe_and_unsubscribe(client: AiloopClient, channel: str) -> None:
    other = fresh_channel()
    inbox = client.message_queue()
    client.subscribe_to_channel(other)
    assert client.subscriptions == sorted([channel, other])
    client.connect_websocket()
    first = client.say("on the other channel", channel=other)
    assert _next(inbox, lambda m: m.id == first.id).channel == other
    client.unsubscribe_from_channel(other)
    client.unsubscribe_from_channel(channel)
    client.subscribe_to_channel("*")
    anywhere = client.say("anywhere", channel=fresh_channel())
    assert _next(inbox, lambda m: m.id == anywhere.id).id == anywhere.id


def test_remove_message_handler(client: AiloopClient, channel: str) -> None:
    calls: List[Message] = []
    inbox = client.message_queue()
    client.add_message_handler(calls.append)
    client.remove_message_handler(calls.append)
    client.connect_websocket()
    sent = client.say("nobody is listening")
    _next(inbox, lambda m: m.id == sent.id)
    assert calls == []
    assert client.dropped_messages == 0


def test_connection_handler_sees_connect_and_disconnect(client: AiloopClient) -> None:
    events: queue.Queue[ConnectionEvent] = queue.Queue()
    client.add_connection_handler(events.put)
    client.connect_websocket()
    assert events.get(timeout=PATIENCE).state == ConnectionState.CONNECTED
    client.disconnect_websocket()
    assert events.get(timeout=PATIENCE).state == ConnectionState.DISCONNECTED


def test_answer_given_while_disconnected_is_caught_up(
    client: AiloopClient, human: Human, channel: str
) -> None:
    prompt = client.authorize("Approve while I am away", timeout=30)
    client.disconnect_websocket()
    human.answer(prompt.id, channel, None, "authorization_approved")
    client.connect_websocket()
    final = client.wait_for_response(prompt.id, timeout=PATIENCE)
    assert final.content.response_type == "authorization_approved"


@pytest.mark.slow
def test_messages_posted_while_disconnected_reach_handlers_after_reconnect(
    client: AiloopClient, make_client: Callable[..., AiloopClient], channel: str
) -> None:
    inbox = client.message_queue()
    client.connect_websocket()
    client.disconnect_websocket()
    missed = make_client(channel=channel, realtime=False).say("while you were away")
    client.connect_websocket()
    assert _next(inbox, lambda m: m.id == missed.id).content.text == "while you were away"


@pytest.mark.slow
def test_concurrent_waits_from_many_threads(
    client: AiloopClient, human: Human, channel: str
) -> None:
    prompts = [client.authorize(f"Step {n}", timeout=30) for n in range(3)]
    results: queue.Queue[Message] = queue.Queue()
    threads = [
        threading.Thread(
            target=lambda p=p: results.put(client.wait_for_response(p.id, timeout=PATIENCE * 2)),
            name=f"contract-wait-{n}",
            daemon=True,
        )
        for n, p in enumerate(prompts)
    ]
    for thread in threads:
        thread.start()
    for prompt in prompts:  # one at a time, the way the server shows them
        human.answer(prompt.id, channel, None, "authorization_denied")
    for thread in threads:
        thread.join(PATIENCE * 3)
    got = sorted(str(results.get(timeout=1).correlation_id) for _ in prompts)
    assert got == sorted(str(p.id) for p in prompts)
