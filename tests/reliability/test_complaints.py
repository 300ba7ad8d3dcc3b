"""What users of blocking network SDKs complain about most (GUIDE.md), one test each
(the shutdown hangs, dead links, lost or duplicated messages and waits that outlive the
connection are in test_close.py and test_faults_stream.py)."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
import uuid
from typing import Any, Callable, List

import pytest

import ailoop
from ailoop import AiloopClient, Message
from ailoop.testing import AiloopTestServer
from tests.forking import in_forked_child
from tests.polling import eventually
from tests.reliability.conftest import SLACK, Collector, StateLog

pytestmark = pytest.mark.reliability


def _connect(client: AiloopClient) -> StateLog:
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    states.wait_for("connected", 10.0)
    return states


@pytest.mark.slow
def test_a_blocked_handler_starves_neither_the_link_nor_waiters(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    interval, timeout = 0.3, 0.3
    client = make_client(server.url, timeout=5.0, ping_interval=interval, ping_timeout=timeout)
    release = threading.Event()
    seen: List[str] = []

    def slow_handler(message: Message) -> None:
        release.wait(30.0)
        seen.append(str(message.id))

    states = _connect(client)
    client.add_message_handler(slow_handler)
    posted = [str(client.say(f"n{i}").id) for i in range(50)]
    prompt = client.authorize("deploy while a handler sleeps", timeout=0)
    server.wait_for_pending(10.0, message_id=prompt.id)
    server.respond(prompt.id, None, "authorization_approved")
    began = time.monotonic()
    response = client.wait_for_response(prompt.id, timeout=10.0)
    assert time.monotonic() - began < 5.0, "the waiter was held up by the handler"
    assert response.content.response_type == "authorization_approved"
    # Hold the handler for several liveness periods: pongs must keep the link alive.
    assert states.quiet_for((interval + timeout) * 3), "a state changed while a handler blocked"
    assert states.states() == ["connected"], "a blocked handler made the link look dead"
    release.set()
    eventually(lambda: len(seen) >= len(posted) + 1, 10.0)
    assert [m for m in seen if m in posted] == posted, "handlers get messages in server order"


def test_handlers_may_call_back_into_the_client(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0)
    results: queue.Queue[Any] = queue.Queue()

    def handler(message: Message) -> None:
        if getattr(message.content, "text", None) != "call back":
            return
        try:
            results.put(client.get_health().status)
            results.put(client.say("answered from a handler").content.text)
            try:
                client.wait_for_response(uuid.uuid4(), timeout=1.0)
            except RuntimeError as exc:  # waiting on the dispatcher would deadlock
                results.put(f"refused: {type(exc).__name__}")
        except BaseException as exc:
            results.put(exc)

    _connect(client)
    client.add_message_handler(handler)
    client.say("call back")
    assert results.get(timeout=10.0) == "healthy"
    assert results.get(timeout=10.0) == "answered from a handler"
    assert results.get(timeout=10.0) == "refused: RuntimeError"


def test_no_thread_starts_at_import_or_construction(server: AiloopTestServer) -> None:
    before = threading.active_count()
    clients = [AiloopClient(server.url, channel=f"c{i}") for i in range(50)]
    assert threading.active_count() == before
    for client in clients:
        client.close()
    assert threading.active_count() == before
    assert server.requests == []


def test_frames_from_many_threads_never_interleave(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=10.0, protocol="v1")
    _connect(client)
    sent: queue.Queue[Any] = queue.Queue()

    def send(worker: int) -> None:
        for n in range(5):
            try:
                sent.put(client.authorize(f"worker {worker} prompt {n}", timeout=0).id)
            except BaseException as exc:
                sent.put(exc)

    threads = [threading.Thread(target=send, args=(w,), daemon=True) for w in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60.0)
    ids = [sent.get_nowait() for _ in range(80)]
    assert all(isinstance(i, uuid.UUID) for i in ids), [
        i for i in ids if not isinstance(i, uuid.UUID)
    ]
    incoming = [json.loads(frame.text) for frame in server.frames if frame.direction == "in"]
    prompt_ids = [f["id"] for f in incoming if "id" in f]
    assert sorted(prompt_ids) == sorted(str(i) for i in ids), "each prompt arrived once, whole"


def test_reconnect_callbacks_tell_a_clear_story(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0, reconnect_delay=0.05)
    received = Collector()
    states = _connect(client)
    client.add_message_handler(received)
    for round_ in range(5):
        server.drop_connections()
        states.wait_for("connected", 10.0)
        # Connected means receiving: a message posted right now arrives.
        marker = client.say(f"after reconnect {round_}")
        received.wait_for(lambda got: any(m.id == marker.id for m in got), 5.0, "the marker")  # noqa: B023
    story = states.states()
    assert story[0] == "connected" and story[-1] == "connected"
    assert story.count("disconnected") == 5 and story.count("connected") == 6
    for before, after in zip(story, story[1:]):
        assert (before, after) in {
            ("connected", "disconnected"),
            ("disconnected", "reconnecting"),
            ("reconnecting", "connected"),
            ("reconnecting", "reconnecting"),
        }, story
    delays = [e.delay for e in states.events if str(e.state.value) == "reconnecting"]
    assert all(d is not None and 0 <= d <= 0.05 * SLACK for d in delays), delays


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads on 3.12+
def test_a_forked_child_gets_fresh_threads_and_sockets(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    server = make_server(human=lambda message: (None, "authorization_approved"))
    client = make_client(server.url, timeout=5.0)
    _connect(client)
    assert client.authorize("parent before fork", wait=True).content.response_type == (
        "authorization_approved"
    )

    def child() -> str:  # uses the inherited client
        answer = client.authorize("child after fork", wait=True, timeout=0)
        return "ok" if answer.content.response_type == "authorization_approved" else "bad"

    assert in_forked_child(child, 30.0) == "ok"
    response = client.authorize("parent after fork", wait=True)
    assert response.content.response_type == "authorization_approved"
    with pytest.raises(ailoop.ValidationError):
        client.say("")
