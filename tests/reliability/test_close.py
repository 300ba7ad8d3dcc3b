"""``close()`` is idempotent, bounded (2 s) and callable from any thread at once, from a
message handler and from a connection handler; it wakes every waiter with
``ClientClosedError``; afterwards every method raises ``ClientClosedError``."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from typing import Any, Callable, List

import pytest

import ailoop
from ailoop import AiloopClient, ConnectionState
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import SLACK, StateLog, socket_fds, thread_names, wait_until

pytestmark = pytest.mark.reliability

CLOSE_BOUND = 2.0  # what the issue promises for close()


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


def _blocked_waiters(client: AiloopClient, count: int) -> queue.Queue[BaseException]:
    """``count`` threads blocked in wait_for_response(timeout=None) on real prompts."""
    outcomes: queue.Queue[BaseException] = queue.Queue()
    prompts = [client.authorize(f"waiter {i}", timeout=0) for i in range(count)]

    def wait(prompt_id: uuid.UUID) -> None:
        try:
            client.wait_for_response(prompt_id, timeout=None)
        except BaseException as exc:
            outcomes.put(exc)
        else:
            outcomes.put(AssertionError("a waiter returned without an answer"))

    for prompt in prompts:
        threading.Thread(target=wait, args=(prompt.id,), name="test-waiter", daemon=True).start()
    return outcomes


def test_close_from_many_threads_at_once_with_waiters_and_handlers(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    threads_before, fds_before = threading.active_count(), socket_fds()
    client = make_client(server.url, timeout=5.0)
    _connected(client)
    client.add_message_handler(lambda message: None)
    outcomes = _blocked_waiters(client, 5)
    wait_until(
        lambda: sum(1 for name in thread_names() if name == "test-waiter") == 5, 5.0, "waiters"
    )

    callers = 8
    start = threading.Barrier(callers + 1)
    durations: queue.Queue[float] = queue.Queue()

    def close() -> None:
        start.wait()
        began = time.monotonic()
        client.close()
        durations.put(time.monotonic() - began)

    closers = [
        threading.Thread(target=close, name=f"test-closer-{i}", daemon=True) for i in range(callers)
    ]
    for thread in closers:
        thread.start()
    start.wait()
    for thread in closers:
        thread.join(CLOSE_BOUND * SLACK)
        assert not thread.is_alive(), "close() hung"
    measured = [durations.get_nowait() for _ in range(callers)]
    assert max(measured) <= CLOSE_BOUND
    print(f"\nclose: {callers} concurrent calls, slowest {max(measured) * 1000:.0f} ms")
    errors = [outcomes.get(timeout=CLOSE_BOUND) for _ in range(5)]
    assert all(isinstance(error, ailoop.ClientClosedError) for error in errors), errors
    client.close()  # still idempotent afterwards
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")
    wait_until(lambda: socket_fds() <= fds_before, 5.0, "sockets to close")


def test_close_from_a_message_handler(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    threads_before = threading.active_count()
    client = make_client(server.url, timeout=5.0)
    closed: queue.Queue[Any] = queue.Queue()

    def handler(message: Any) -> None:
        if getattr(message.content, "text", None) != "close now":
            return
        began = time.monotonic()
        try:
            client.close()
        except BaseException as exc:
            closed.put(exc)
        else:
            closed.put(time.monotonic() - began)

    _connected(client)
    client.add_message_handler(handler)
    outcomes = _blocked_waiters(client, 2)
    # The server broadcasts before it answers, so the handler may close the client first.
    with contextlib.suppress(ailoop.ClientClosedError):
        client.say("close now")
    outcome = closed.get(timeout=10.0)
    assert isinstance(outcome, float), f"close() from a handler raised {outcome!r}"
    assert outcome <= CLOSE_BOUND
    for _ in range(2):
        assert isinstance(outcomes.get(timeout=CLOSE_BOUND * SLACK), ailoop.ClientClosedError)
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")


def test_close_from_a_connection_handler(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    threads_before = threading.active_count()
    client = make_client(server.url, timeout=5.0)
    closed: queue.Queue[Any] = queue.Queue()

    def on_state(event: Any) -> None:
        if str(event.state.value) == "connected":
            began = time.monotonic()
            client.close()
            closed.put(time.monotonic() - began)

    client.add_connection_handler(on_state)
    # The handler runs on the dispatcher thread, so it may close the client before
    # connect_websocket() has returned here: that call then ends like any call cut short
    # by close().
    with contextlib.suppress(ailoop.ClientClosedError):
        client.connect_websocket()
    assert closed.get(timeout=10.0) <= CLOSE_BOUND
    assert client.closed
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")


def test_close_during_reconnect_backoff_is_bounded(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0, reconnect_delay=30.0, reconnect_attempts=5)
    states = _connected(client)
    server.stop()
    states.wait_for("reconnecting", 10.0)
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began <= CLOSE_BOUND


def _every_method(client: AiloopClient) -> List[Callable[[], Any]]:
    some_id = uuid.uuid4()
    return [
        lambda: client.ask("Proceed?", choices=["yes", "no"]),
        lambda: client.ask_decision("d", "Pick", ["a", "b"]),
        lambda: client.authorize("deploy"),
        lambda: client.navigate("https://example.com/"),
        lambda: client.say("hello"),
        lambda: client.respond(some_id, "yes"),
        lambda: client.get_message(some_id),
        lambda: client.wait_for_response(some_id, timeout=1.0),
        client.check_version_compatibility,
        client.get_health,
        client.get_stats,
        client.get_channels,
        lambda: client.get_channel_messages("public"),
        lambda: client.get_channel_stats("public"),
        client.get_pending,
        lambda: client.create_task("t", "d"),
        lambda: client.get_task(some_id),
        client.list_tasks,
        lambda: client.update_task(some_id, "done"),
        lambda: client.add_dependency(some_id, uuid.uuid4()),
        lambda: client.remove_dependency(some_id, uuid.uuid4()),
        lambda: client.get_task_dependencies(some_id),
        client.get_ready_tasks,
        client.get_blocked_tasks,
        lambda: client.get_dependency_graph(some_id),
        client.connect_websocket,
        lambda: client.subscribe_to_channel("ops"),
        lambda: client.unsubscribe_from_channel("ops"),
        lambda: client.add_message_handler(lambda message: None),
        lambda: client.add_connection_handler(lambda event: None),
        client.message_queue,
        client.__enter__,
    ]


def test_every_method_raises_client_closed_error_after_close(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=5.0)
    _connected(client)
    client.close()
    before = len(server.requests)
    for call in _every_method(client):
        with pytest.raises(ailoop.ClientClosedError):
            call()
    assert len(server.requests) == before, "nothing is sent after close()"
    client.close()
    client.disconnect_websocket()  # harmless after close


def test_a_never_used_client_closes_instantly_and_then_refuses_everything(
    server: AiloopTestServer,
) -> None:
    threads_before = set(threading.enumerate())
    client = AiloopClient(server.url)
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began < 2.0  # the documented bound, with nothing to join
    assert set(threading.enumerate()) <= threads_before, "a never-used client starts no thread"
    for call in _every_method(client):
        with pytest.raises(ailoop.ClientClosedError):
            call()
    assert server.requests == []


def test_close_cuts_a_prompt_waiting_for_its_echo(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    server = make_server(protocol="v0")  # drops v1 decisions: their echo never comes
    client = make_client(server.url, timeout=5.0, echo_timeout=30.0, protocol="v1")
    _connected(client)
    outcome: queue.Queue[Any] = queue.Queue()

    def prompt() -> None:
        try:
            outcome.put(client.ask_decision("d", "Pick", ["a", "b"]))
        except BaseException as exc:
            outcome.put(exc)

    threading.Thread(target=prompt, name="test-prompt", daemon=True).start()
    wait_until(
        lambda: any(f.direction == "in" and '"decision"' in f.text for f in server.frames),
        10.0,
        "the decision to be sent",
    )
    began = time.monotonic()
    client.close()
    error = outcome.get(timeout=CLOSE_BOUND * SLACK)
    assert isinstance(error, ailoop.ClientClosedError), repr(error)
    assert time.monotonic() - began <= CLOSE_BOUND
