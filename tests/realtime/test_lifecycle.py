"""Thread lifecycle: lazy start, close from anywhere, no thread left, fork safety."""

import contextlib
import os
import queue
import threading
import time
from typing import Any, Callable

import pytest

from ailoop import AiloopClient, ClientClosedError, ConnectionState, Message
from ailoop.testing import AiloopTestServer
from tests.forking import in_forked_child

from .conftest import WAIT, EventRecorder, Recorder, run_in_thread, stream_threads, wait_until

MakeServer = Callable[..., AiloopTestServer]
MakeClient = Callable[..., AiloopClient]
CLOSE_BOUND = 2.0


def test_threads_start_lazily(server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(server)
    assert stream_threads() == []
    client.say("REST only")
    assert stream_threads() == []
    client.add_connection_handler(EventRecorder())
    assert stream_threads() == ["ailoop-dispatch"]
    client.connect_websocket()
    assert stream_threads() == ["ailoop-dispatch", "ailoop-stream"]
    client.connect_websocket()  # idempotent
    assert stream_threads() == ["ailoop-dispatch", "ailoop-stream"]


def test_a_prompt_or_a_wait_starts_the_stream(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    prompting = make_client(server)
    prompt = prompting.authorize("Deploy")
    assert prompting.connection_state is ConnectionState.CONNECTED
    waiting = make_client(server)
    connected = EventRecorder()
    waiting.add_connection_handler(connected)
    assert waiting.connection_state is ConnectionState.DISCONNECTED
    with pytest.raises(TimeoutError):
        waiting.wait_for_response(prompt.id, timeout=0)
    connected.wait_for(ConnectionState.CONNECTED)  # the wait started it, without blocking
    assert waiting.connection_state is ConnectionState.CONNECTED
    assert stream_threads() == ["ailoop-dispatch", "ailoop-stream", "ailoop-stream"]


def test_close_leaves_no_thread_and_is_idempotent(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    client.add_message_handler(Recorder())
    client.connect_websocket()
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began <= CLOSE_BOUND
    assert stream_threads() == []
    client.close()
    client.disconnect_websocket()  # harmless after close
    for call in (
        client.connect_websocket,
        lambda: client.subscribe_to_channel("x"),
        lambda: client.add_message_handler(print),
        lambda: client.remove_message_handler(print),
        client.message_queue,
        lambda: client.wait_for_response("5f0c8a6e-0000-4000-8000-000000000000"),
        lambda: client.authorize("late", wait=True),
    ):
        with pytest.raises(ClientClosedError):
            call()


def test_close_from_a_message_handler(server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(server)
    outcome: queue.Queue[Any] = queue.Queue()

    def handler(message: Message) -> None:
        if getattr(message.content, "text", None) != "close now":
            return
        began = time.monotonic()
        client.close()
        outcome.put(time.monotonic() - began)

    client.add_message_handler(handler)
    prompt = client.authorize("Deploy")
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    # The server broadcasts before it answers, so the handler may close the client first.
    with contextlib.suppress(ClientClosedError):
        client.say("close now")
    assert outcome.get(timeout=WAIT) <= CLOSE_BOUND
    assert isinstance(waiting.get(timeout=WAIT), ClientClosedError)
    # The dispatcher ends once the handler has returned.
    wait_until(lambda: not stream_threads(), "the stream threads to end")
    assert stream_threads() == []


def test_close_from_several_threads_at_once(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    client.add_message_handler(Recorder())
    prompts = [client.authorize(f"job {n}") for n in range(3)]
    waits = [run_in_thread(lambda p=p: client.wait_for_response(p.id)) for p in prompts]  # type: ignore[misc]
    server.wait_for_pending(WAIT)
    start = threading.Barrier(7)
    durations: queue.Queue[float] = queue.Queue()

    def close() -> None:
        start.wait(WAIT)
        began = time.monotonic()
        client.close()
        durations.put(time.monotonic() - began)

    closers = [threading.Thread(target=close, name=f"test-closer-{n}") for n in range(6)]
    for thread in closers:
        thread.start()
    start.wait(WAIT)
    for thread in closers:
        thread.join(CLOSE_BOUND * 2)
    assert all(durations.get_nowait() <= CLOSE_BOUND for _ in closers)
    assert all(isinstance(w.get(timeout=WAIT), ClientClosedError) for w in waits)
    assert stream_threads() == []


@pytest.mark.slow
def test_a_blocked_and_a_raising_handler_do_not_hold_up_a_waiter(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, ping_interval=0.2, ping_timeout=0.3)
    release = threading.Event()
    events = EventRecorder()

    def blocked(message: Message) -> None:
        release.wait(WAIT)

    def raising(message: Message) -> None:
        raise RuntimeError("handler bug")

    client.add_connection_handler(events)
    client.add_message_handler(raising)
    client.add_message_handler(blocked)
    client.connect_websocket()
    events.wait_for(ConnectionState.CONNECTED)
    for number in range(10):
        client.say(f"pile {number}")
    prompt = client.authorize("Deploy")
    server.wait_for_pending(WAIT, message_id=prompt.id)
    began = time.monotonic()
    server.respond(prompt.id, None, "authorization_approved")
    response = client.wait_for_response(prompt.id, timeout=WAIT)
    assert response.content.response_type == "authorization_approved"
    # The handlers stay blocked for WAIT seconds: an answer well before that did not wait.
    assert time.monotonic() - began < WAIT / 2, "the waiter waited for the handlers"
    # Pings kept flowing while the handler blocked: no state change in five ping periods.
    assert events.quiet_for(1.0), "the link was declared dead while a handler blocked"
    release.set()
    assert events.nothing_more()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads, Python 3.12+
def test_a_forked_child_uses_the_client_with_fresh_threads(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server(human=lambda message: "yes")
    client = make_client(server)
    notes = Recorder()
    client.add_message_handler(lambda m: m.content_type == "notification" and notes(m))
    assert client.authorize("parent", wait=True).content.response_type == "authorization_approved"
    client.say("before the fork")
    assert notes.take(1)[0].content.text == "before the fork"  # the dispatcher is idle now
    parent_threads = stream_threads()

    def child() -> str:  # uses the inherited client
        fresh = stream_threads() == []
        child_queue = client.message_queue()
        answer = client.authorize("child", wait=True).content.response_type
        client.say("from the child")
        texts = []
        while "from the child" not in texts:
            texts.append(getattr(child_queue.get(timeout=WAIT).content, "text", None))
        client.close()
        left = stream_threads()
        ok = fresh and answer == "authorization_approved" and left == []
        return "ok" if ok else f"fresh={fresh} answer={answer} threads left={left}"

    assert in_forked_child(child, WAIT * 3) == "ok"
    # The parent's threads and connection were not disturbed by the child.
    assert stream_threads() == parent_threads
    assert notes.take(1)[0].content.text == "from the child"  # seen by the parent's stream too
    response = client.authorize("parent again", wait=True)
    assert response.content.response_type == "authorization_approved"
