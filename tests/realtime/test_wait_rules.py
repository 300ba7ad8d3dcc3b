"""The rules a wait keeps whatever the traffic: answers seen are never lost, loss is
declared only on proof, deadlines hold while the server is slow, REST reads are shared,
handlers start the stream, and a forgotten client cleans up after itself.
"""

import gc
import json
import threading
import time
import uuid
import warnings
from typing import Any, Callable, List

import pytest
import requests

import ailoop
from ailoop import AiloopClient, ConnectionState, DeliveryError, TimeoutError, _realtime
from ailoop.testing import AiloopTestServer
from ailoop.testing._hub import StoredMessage

from .conftest import (
    WAIT,
    EventRecorder,
    Recorder,
    message,
    notification,
    run_in_thread,
    wait_until,
)

MakeServer = Callable[..., AiloopTestServer]
MakeClient = Callable[..., AiloopClient]
SLACK = 5.0  # a deadline may be overrun by this much on the shared, noisy machine


def post_all(server: AiloopTestServer, frames: List[Any]) -> None:
    """Store and broadcast ``frames`` over one HTTP session."""
    with requests.Session() as session:
        for frame in frames:
            answer = session.post(f"{server.url}/api/v1/messages", json=frame, timeout=WAIT)
            answer.raise_for_status()


def response_to(prompt_id: str, channel: str = "public") -> Any:
    content = {"type": "response", "answer": "ok", "response_type": "text"}
    return message(channel, content, sender_type="HUMAN", correlation_id=prompt_id)


def requests_to(server: AiloopTestServer, path: str, query: str = "") -> int:
    return sum(
        1
        for request in server.requests
        if request.path.split("?")[0] == path and query in request.path
    )


def history_threads() -> List[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "ailoop-history"]


def close_ends_reads(client: AiloopClient) -> None:
    """``close()`` cuts the reads in flight: no ``ailoop-history`` thread outlives it by
    more than the 2 s bound (plus slack)."""
    client.close()
    deadline = time.monotonic() + 2.0 + SLACK
    for thread in history_threads():
        thread.join(max(deadline - time.monotonic(), 0.0))
    assert history_threads() == []


# -- rule 4: never lose an answer the client has seen ------------------------------------


@pytest.mark.slow
def test_an_answer_seen_once_survives_a_flood_of_other_responses_and_a_replay(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server(human=lambda prompt: ("", "authorization_approved"))
    client = make_client(server)
    seen = Recorder()
    client.add_message_handler(seen)
    prompt = client.authorize("Deploy v2")
    # The human answered on the server: only a broadcast, never stored in the history.
    while getattr(seen.take(1)[0], "correlation_id", None) != prompt.id:
        pass
    for _ in range(1100):  # more prompts than any cache of other prompts' answers holds
        server.inject_frame(json.dumps(response_to(str(uuid.uuid4()))))
    events = EventRecorder()
    client.add_connection_handler(events)
    server.drop_connections()  # the reconnect replays 500 more responses
    events.wait_for(ConnectionState.CONNECTED)
    response = client.wait_for_response(prompt.id, timeout=WAIT)
    assert ailoop.approved(response)
    assert not [m for m in server.messages() if m.correlation_id == prompt.id]


@pytest.mark.slow
def test_a_full_channel_proves_nothing_so_the_wait_goes_on(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, realtime=False)
    prompt = client.authorize("Deploy")
    post_all(server, [notification("public", f"n{number}") for number in range(1000)])
    assert len(server.messages("public")) == 1000  # the prompt fell out of the window
    with pytest.raises(TimeoutError):
        client.wait_for_response(prompt.id, timeout=2.5)  # polled twice: no DeliveryError


def test_a_prompt_lost_by_a_restart_is_reported_promptly(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, realtime=False)
    prompt = client.authorize("Deploy")
    server.restart()
    began = time.monotonic()
    with pytest.raises(DeliveryError):
        client.wait_for_response(prompt.id, timeout=4 * WAIT)
    assert time.monotonic() - began < WAIT


# -- rule 3: a wait keeps its own deadline --------------------------------------------------


@pytest.mark.slow
def test_the_deadline_holds_while_the_history_read_is_slow(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, realtime=False)
    prompt = client.authorize("Deploy")
    server.fail_route("GET", "/api/channels/*", None, delay=3.0)
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        client.wait_for_response(prompt.id, timeout=0.5)
    assert time.monotonic() - began < 0.5 + SLACK
    close_ends_reads(client)


@pytest.mark.slow
def test_the_deadline_holds_while_the_stream_is_connecting(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    prompt = make_client(server, realtime=False).authorize("Deploy")
    server.fail_route("GET", "/", None, delay=3 * WAIT)  # the handshake stalls
    client = make_client(server, timeout=3 * WAIT)
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        client.wait_for_response(prompt.id, timeout=0.5)
    assert time.monotonic() - began < 0.5 + SLACK
    began = time.monotonic()
    client.close()  # cuts the stalled handshake
    assert time.monotonic() - began < 2.0 + SLACK


def test_close_wakes_a_wait_whose_lookup_is_slow(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    prompt = make_client(server, realtime=False).authorize("Deploy")
    server.fail_route("GET", "/api/v1/messages/*", None, delay=3.0)
    client = make_client(server, realtime=False)
    outcome = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=4 * WAIT))
    wait_until(lambda: requests_to(server, f"/api/v1/messages/{prompt.id}") > 0, "the lookup")
    began = time.monotonic()
    client.close()
    assert isinstance(outcome.get(timeout=WAIT), ailoop.ClientClosedError)
    assert time.monotonic() - began < 1.0 + SLACK
    close_ends_reads(client)


# -- issue 15: REST reads shared by every wait ------------------------------------------------


@pytest.mark.slow
def test_many_waits_for_a_foreign_prompt_share_their_reads(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    prompt = make_client(server, realtime=False).authorize("Deploy")
    client = make_client(server, realtime=False)
    server.fail_route("GET", "/api/*", None, delay=1.0)  # every read takes a while
    server.clear_logs()
    waits = [
        run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=4 * WAIT))
        for _ in range(100)
    ]
    wait_until(lambda: requests_to(server, "/api/channels/public/messages") > 0, "a shared read")
    server.clear_faults()
    server.respond(prompt.id, None, "authorization_approved")
    results = [outcome.get(timeout=4 * WAIT) for outcome in waits]
    assert all(ailoop.approved(result) for result in results), results[:3]
    # One read in flight per key, one queued behind it: not one read per wait.
    assert requests_to(server, f"/api/v1/messages/{prompt.id}") <= 2
    assert requests_to(server, "/api/channels/public/messages") <= 4


def test_a_wait_on_a_prompt_sent_on_a_connected_stream_reads_no_history(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompts = [client.authorize(f"Deploy {number}") for number in range(5)]
    server.clear_logs()
    for prompt in prompts:
        server.respond(prompt.id, None, "authorization_denied")
    for prompt in prompts:
        assert not ailoop.approved(client.wait_for_response(prompt.id, timeout=WAIT))
    assert [r.path for r in server.requests if r.path.startswith("/api/")] == []


# -- issue 12: handlers, queues and subscriptions start the stream -----------------------------


def test_a_handler_starts_the_stream_so_the_next_message_arrives(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    assert client.connection_state is ConnectionState.DISCONNECTED
    seen = Recorder()
    client.add_message_handler(seen)
    client.say("hi")
    assert seen.take(1)[0].content.text == "hi"
    assert client.connection_state is ConnectionState.CONNECTED
    client.disconnect_websocket()
    assert client.connection_state is ConnectionState.DISCONNECTED


def test_a_queue_or_a_subscription_starts_the_stream_too(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    queued = make_client(server)
    inbox = queued.message_queue()
    subscribed = make_client(server)
    subscribed.subscribe_to_channel("ops")
    assert subscribed.connection_state is ConnectionState.CONNECTED
    queued.say("hello")
    assert inbox.get(timeout=WAIT).content.text == "hello"


def test_realtime_false_starts_no_stream_for_handlers(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, realtime=False)
    client.add_message_handler(Recorder())
    client.subscribe_to_channel("ops")
    assert [t.name for t in threading.enumerate() if t.name == "ailoop-stream"] == []
    assert client.connection_state is ConnectionState.DISCONNECTED


# -- rule 8: a forgotten client cleans up; disconnecting races no prompt -----------------------


def test_a_dropped_client_warns_and_its_threads_end(server: AiloopTestServer) -> None:
    client = AiloopClient(server.url, timeout=WAIT)
    client.add_message_handler(Recorder())
    client.say("started")
    threads = [t for t in threading.enumerate() if t.name in ("ailoop-stream", "ailoop-dispatch")]
    assert len(threads) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)]
    for thread in threads:
        thread.join(2.0 + SLACK)
        assert not thread.is_alive(), thread.name


def test_a_closed_client_does_not_warn(server: AiloopTestServer) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = AiloopClient(server.url, timeout=WAIT)
        client.connect_websocket()
        client.close()
        del client
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.slow
def test_prompting_while_another_thread_disconnects(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    stop = threading.Event()

    def disconnect_repeatedly() -> None:
        while not stop.is_set():
            client.disconnect_websocket()

    disconnecting = threading.Thread(target=disconnect_repeatedly, name="test-disconnect")
    disconnecting.start()
    try:
        sent = [client.authorize(f"Deploy {number}") for number in range(10)]
    finally:
        stop.set()
        disconnecting.join(WAIT)
    assert len({prompt.id for prompt in sent}) == 10


# -- rule 5: exactly once for any number of channels -------------------------------------------


def preload(server: AiloopTestServer, frames: List[Any]) -> None:
    """Put ``frames`` straight into the stand-in's history (no broadcast): thousands of
    channels in a blink, where thousands of HTTP posts would take a minute.
    """
    stored = [StoredMessage(frame) for frame in frames]
    server._on_loop(lambda state: [state.history.add(message) for message in stored])


@pytest.mark.slow
def test_every_channel_once_across_reconnects_with_thousands_of_channels(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    channels = 1500  # half as many again as the old per-channel memory held
    old = [notification(f"c{n}", f"old {n}.{i}") for n in range(channels) for i in range(3)]
    preload(server, old)
    client = make_client(server, reconnect_attempts=50, timeout=4 * WAIT)
    received, events = Recorder(), EventRecorder()
    client.add_connection_handler(events)
    client.subscribe_to_channel("*")
    client.add_message_handler(received)
    events.wait_for(ConnectionState.CONNECTED, timeout=8 * WAIT)
    sent = []
    for round_number in range(2):
        server.drop_connections()  # each reconnect replays 3 messages of every channel
        sent.append(client.say(f"missed {round_number}", channel=f"c{round_number}"))
        events.wait_for(ConnectionState.CONNECTED, timeout=8 * WAIT)
        sent.append(client.say(f"live {round_number}", channel=f"c{channels - 1 - round_number}"))
    got = received.take(len(sent), timeout=8 * WAIT)
    assert [m.content.text for m in got] == [m.content.text for m in sent]
    assert received.nothing_more()  # no replayed history, no duplicate


# -- rule 6: hostile responses are ignored or non-final, never a raw exception ---------------


@pytest.mark.slow
def test_hostile_responses_never_escape_as_raw_exceptions(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompt = client.ask_decision("strategy", "Strategy?", ["a", "b"])
    base = response_to(str(prompt.id))

    def variant(**content: Any) -> Any:
        return dict(base, id=str(uuid.uuid4()), content=dict(base["content"], **content))

    deep: Any = {}
    for _ in range(600):
        deep = {"nested": deep}
    hostile = [
        variant(answer="0" * 5000 + "9"),
        variant(answer="9" * 5000),
        variant(answer=["a"]),
        dict(variant(answer="x"), metadata=deep),
        variant(response_type=["text"]),
    ]
    texts = [json.dumps(frame) for frame in hostile]
    texts.append(json.dumps(variant()).replace('"ok"', "1" + "0" * 5000))
    for text in texts:
        server.inject_frame(text)
    with pytest.raises(TimeoutError):
        client.wait_for_response(prompt.id, timeout=1.0)  # nothing final, nothing raw
    server.inject_frame(json.dumps(dict(variant(answer="2"), metadata=deep)))
    assert client.wait_for_response(prompt.id, timeout=WAIT).content.answer == "b"


@pytest.mark.parametrize("response_type", ["maybe_later", "text"])
def test_an_unreadable_final_answer_to_an_authorization_is_no_approval(
    server: AiloopTestServer, make_client: MakeClient, response_type: str
) -> None:
    client = make_client(server)
    prompt = client.authorize("Deploy")
    content = {"type": "response", "answer": ["yes"], "response_type": response_type}
    server.inject_frame(json.dumps(message("public", content, correlation_id=str(prompt.id))))
    began = time.monotonic()
    with pytest.raises(ailoop.MalformedResponseError, match="not an approval"):
        client.wait_for_response(prompt.id, timeout=None)  # ends although no deadline is set
    assert time.monotonic() - began < WAIT


def test_close_ends_a_stream_thread_busy_in_its_catch_up(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, timeout=3 * WAIT)
    client.add_message_handler(Recorder())
    stream = [t for t in threading.enumerate() if t.name == "ailoop-stream"]
    assert len(stream) == 1
    server.fail_route("GET", "/api/channels/*", None, delay=3 * WAIT)  # catch-up hangs
    server.clear_logs()
    server.drop_connections()
    wait_until(lambda: requests_to(server, "/api/channels/public/messages") > 0, "the catch-up")
    began = time.monotonic()
    client.close()
    for thread in stream:
        thread.join(2.0 + SLACK)
        assert not thread.is_alive()
    assert time.monotonic() - began < 2.0 + SLACK


# -- rule 1: only an approval approves -----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "response_type"),
    [("no", "text"), ("yes", "text"), (None, "authorization_denied"), (None, "timeout")],
)
def test_every_final_answer_but_an_approval_is_a_denial(
    server: AiloopTestServer, make_client: MakeClient, answer: Any, response_type: str
) -> None:
    client = make_client(server)
    prompt = client.authorize("Deploy")
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, answer, response_type)
    response = client.wait_for_response(prompt.id, timeout=WAIT)  # final: the wait ends
    assert response.content.response_type == response_type
    assert not ailoop.approved(response)


@pytest.mark.slow
def test_a_cancelled_navigation_is_asked_again_and_only_an_approval_opens_it(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompt = client.navigate("https://example.org/release-notes")
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, None, "cancelled")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=1.0)
    assert not ailoop.approved(caught.value.last_response)
    server.wait_for_pending(WAIT, message_id=prompt.id)  # the server asks again
    server.respond(prompt.id, None, "authorization_approved")
    assert ailoop.approved(client.wait_for_response(prompt.id, timeout=WAIT))


# -- issue 15: frames nobody wants are not decoded -------------------------------------------


def test_frames_of_unwanted_channels_are_not_decoded_yet_never_replayed_later(
    server: AiloopTestServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(server, channel="mine", reconnect_attempts=50)
    received, events = Recorder(), EventRecorder()
    client.add_connection_handler(events)
    client.add_message_handler(received)
    decoded: List[Any] = []
    loads = _realtime.loads_bytes  # the stream's frame parser
    monkeypatch.setattr(_realtime, "loads_bytes", lambda data: decoded.append(data) or loads(data))
    post_all(server, [notification("other", f"o{number}") for number in range(20)])
    client.say("mine")
    assert received.take(1)[0].content.text == "mine"
    # no frame of "other" was parsed
    assert not [text for text in decoded if '"channel":"other"' in str(text)]
    client.subscribe_to_channel("other")
    server.drop_connections()  # the replay repeats the 20 old messages of "other"
    events.wait_for(ConnectionState.CONNECTED)
    client.say("new", channel="other")
    assert received.take(1)[0].content.text == "new"
    assert received.nothing_more()  # the skipped frames were remembered all the same
