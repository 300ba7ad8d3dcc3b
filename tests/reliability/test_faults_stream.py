"""The realtime stream under faults: a server restart under 50 waiting threads, 100 forced
disconnects during 5,000 messages, a half-open link, and a server gone for good.

Figures asserted here (reported in docs/reliability.rst): every waiter ends by its
deadline; every message the server kept reaches handlers exactly once; threads and
descriptors end where they started; a silent link is noticed within ping interval +
timeout; giving up is reported, waiters get ``ConnectionError`` and nothing retries.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import pytest
import requests

import ailoop
from ailoop import AiloopClient, Message, NotificationContent
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import (
    SLACK,
    Collector,
    StateLog,
    socket_fds,
    thread_names,
    wait_until,
)

pytestmark = pytest.mark.reliability

WAITERS = 50
ANSWERED_BEFORE_RESTART = 10
MESSAGES = 5_000
DISCONNECTS = 100
CHANNELS = [f"stream-{index}" for index in range(5)]


# --- server restart with 50 waiting threads ---------------------------------------------


@pytest.mark.slow
def test_server_restart_with_50_waiting_threads(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    answered: List[str] = []
    lock = threading.Lock()

    def human(message: Message) -> Any:
        """Approve the first prompts shown, then walk away from the screen."""
        with lock:
            if len(answered) >= ANSWERED_BEFORE_RESTART:
                return None
            answered.append(str(message.id))
        return (None, "authorization_approved")

    server = make_server(human=human)
    client = make_client(server.url, timeout=5.0, reconnect_delay=0.05, reconnect_attempts=10)
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    states.wait_for("connected", 10.0)

    deadline_seconds = 30.0
    outcomes: queue.Queue[Tuple[str, Any, float]] = queue.Queue()
    sent = threading.Barrier(WAITERS + 1)

    def wait_for_answer(index: int) -> None:
        prompt_id = "?"
        try:
            prompt = client.authorize(f"restart waiter {index}", channel="restart", timeout=0)
            prompt_id = str(prompt.id)
            sent.wait()
            response: Any = client.wait_for_response(prompt.id, timeout=deadline_seconds)
        except BaseException as exc:
            response = exc
        outcomes.put((prompt_id, response, time.monotonic()))

    waiters = [
        threading.Thread(target=wait_for_answer, args=(i,), name=f"test-waiter-{i}", daemon=True)
        for i in range(WAITERS)
    ]
    started = time.monotonic()
    for thread in waiters:
        thread.start()
    sent.wait(30.0)

    results: Dict[str, Any] = {}
    while len(results) < ANSWERED_BEFORE_RESTART:
        prompt_id, response, _ = outcomes.get(timeout=30.0)
        results[prompt_id] = response
    server.restart()
    restarted = time.monotonic()

    for thread in waiters:
        thread.join(deadline_seconds * SLACK)
        assert not thread.is_alive(), "a waiter hung past its deadline"
    finished: List[float] = []
    while not outcomes.empty():
        prompt_id, response, when = outcomes.get_nowait()
        results[prompt_id] = response
        finished.append(when)

    assert len(results) == WAITERS
    approvals = {pid for pid, r in results.items() if isinstance(r, Message)}
    assert approvals == set(answered), "exactly the answered prompts got their answer"
    for prompt_id in approvals:
        assert results[prompt_id].content.response_type == "authorization_approved"
        assert str(results[prompt_id].correlation_id) == prompt_id
    lost = [r for pid, r in results.items() if pid not in approvals]
    assert len(lost) == WAITERS - ANSWERED_BEFORE_RESTART
    for error in lost:
        assert isinstance(error, (ailoop.DeliveryError, ailoop.ConnectionError)), repr(error)
        assert str(error)
    # Lost prompts are reported promptly after the restart, long before their deadline.
    assert max(finished) - restarted < deadline_seconds / 2, "waiters noticed the loss late"
    assert max(finished) - started < deadline_seconds * SLACK
    print(  # figures for docs/reliability.rst, shown with pytest -s
        f"\nrestart: {len(approvals)} answered, {len(lost)} told the prompt was lost, "
        f"last waiter done {max(finished) - restarted:.2f} s after the restart"
    )


# --- 100 forced disconnects during 5,000 messages ---------------------------------------


def _post(session: requests.Session, server: AiloopTestServer, index: int) -> str:
    channel = CHANNELS[index % len(CHANNELS)]
    message = Message.new(channel, NotificationContent(text=f"m{index}"))
    answer = session.post(
        f"{server.url}/api/v1/messages",
        data=message.to_json(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return str(message.id)


@pytest.mark.slow
def test_100_disconnects_during_5000_messages_lose_and_duplicate_nothing(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    threads_before, fds_before = threading.active_count(), socket_fds()
    client = make_client(server.url, timeout=10.0, reconnect_delay=0.02, reconnect_attempts=20)
    received = Collector()
    states = StateLog()
    client.add_connection_handler(states)
    client.subscribe_to_channel("*")
    client.add_message_handler(received)
    client.connect_websocket()
    states.wait_for("connected", 10.0)
    threads_connected = threading.active_count()

    kept: List[str] = []
    every = MESSAGES // DISCONNECTS
    began = time.monotonic()
    with requests.Session() as session:
        for index in range(MESSAGES):
            if index % every == every // 2:
                # Drop only a live link (the previous reconnect has completed), then keep
                # publishing while the client reconnects and catches up.
                if index > every:
                    states.wait_for("connected", 10.0)
                server.drop_connections()
            kept.append(_post(session, server, index))
    states.wait_for("connected", 10.0)

    expected: Set[str] = set(kept)
    received.wait_for(
        lambda got: len(got) >= MESSAGES and expected <= {str(m.id) for m in got},
        60.0,
        "every kept message",
    )
    ids = received.ids()
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicate deliveries"
    assert set(ids) == expected
    assert states.states().count("disconnected") == DISCONNECTS
    assert states.states().count("connected") == DISCONNECTS + 1
    assert threading.active_count() == threads_connected, "reconnects leave no extra thread"
    print(
        f"\ndisconnects: {MESSAGES} messages, {DISCONNECTS} drops, {len(ids)} deliveries, "
        f"0 lost, 0 duplicated, {time.monotonic() - began:.1f} s"
    )

    client.close()
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")
    wait_until(lambda: socket_fds() <= fds_before, 5.0, f"descriptors back to {fds_before}")


# --- half-open link ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_half_open_link_is_detected_and_reconnected(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    interval, timeout = 0.5, 0.5
    client = make_client(
        server.url,
        timeout=5.0,
        reconnect_delay=0.05,
        ping_interval=interval,
        ping_timeout=timeout,
    )
    received = Collector()
    states = StateLog()
    client.add_connection_handler(states)
    client.add_message_handler(received)
    client.connect_websocket()
    states.wait_for("connected", 10.0)

    paused = time.monotonic()
    server.pause_pongs()
    missed = client.say("sent while the link was silent")  # stored; its broadcast is stuck
    states.wait_for("disconnected", (interval + timeout) * SLACK + 1.0)
    detected = time.monotonic() - paused
    assert detected <= (interval + timeout) * SLACK, f"dead link noticed after {detected:.2f} s"
    print(f"\nhalf-open: silent link noticed after {detected:.2f} s (bound {interval + timeout} s)")

    server.resume_pongs()
    states.wait_for("connected", (interval + timeout) * SLACK + 1.0)
    after = client.say("sent after the reconnect")
    received.wait_for(
        lambda got: {missed.id, after.id} <= {m.id for m in got}, 10.0, "both messages"
    )
    assert received.ids().count(str(missed.id)) == 1


@pytest.mark.slow
def test_a_link_that_stays_silent_keeps_being_detected(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    """While the server stays half-open, each new link is found dead too; no hang."""
    client = make_client(
        server.url, timeout=5.0, reconnect_delay=0.05, ping_interval=0.3, ping_timeout=0.3
    )
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    states.wait_for("connected", 10.0)
    server.pause_pongs()
    for _ in range(2):
        states.wait_for("disconnected", 0.6 * SLACK + 2.0)
    server.resume_pongs()
    states.wait_for("connected", 5.0)
    began = time.monotonic()
    client.close()
    assert time.monotonic() - began <= 2.0


# --- server gone for good -----------------------------------------------------------------


def _no_connection_attempt(port: int, window: float) -> Optional[str]:
    """Listen on ``port`` for ``window`` seconds; describe any connection that arrives."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        listener.settimeout(window)
        try:
            peer, _ = listener.accept()
        except socket.timeout:
            return None
        with peer:
            peer.settimeout(1.0)
            try:
                return peer.recv(200).decode("latin-1") or "an empty connection"
            except OSError:
                return "a connection"
    finally:
        listener.close()


@pytest.mark.slow
def test_a_server_gone_for_good_gives_up_fails_waiters_and_stops_retrying(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    threads_before = threading.active_count()
    server = make_server()
    attempts, delay = 3, 0.05
    client = make_client(
        server.url, timeout=2.0, reconnect_attempts=attempts, reconnect_delay=delay
    )
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    states.wait_for("connected", 10.0)
    prompt = client.authorize("deploy before the lights go out", timeout=0)

    outcome: queue.Queue[Any] = queue.Queue()

    def waiter() -> None:
        try:
            outcome.put(client.wait_for_response(prompt.id, timeout=60.0))
        except BaseException as exc:
            outcome.put(exc)

    thread = threading.Thread(target=waiter, name="test-waiter", daemon=True)
    thread.start()
    port = server.port
    stopped = time.monotonic()
    server.stop()

    gave_up = states.wait_for("gave_up", 20.0)
    gave_up_after = time.monotonic() - stopped
    assert gave_up.error is None or isinstance(gave_up.error, ailoop.AiloopError)
    error = outcome.get(timeout=30.0)
    failed_after = time.monotonic() - stopped
    assert isinstance(error, ailoop.ConnectionError), repr(error)
    assert time.monotonic() - stopped < 30.0, "the waiter did not wait out its 60 s"
    thread.join(5.0)

    delays = [e.delay for e in states.events if str(e.state.value) == "reconnecting"]
    assert 1 <= len(delays) <= attempts + 1
    cap = delay * 2 ** (attempts + 1)
    assert all(d is not None and 0 <= d <= cap for d in delays), delays
    sequence = states.states()
    assert sequence[-1] == "gave_up" and sequence.count("gave_up") == 1

    # Nothing retries forever: no connection reaches the port once the client gave up.
    assert _no_connection_attempt(port, 1.0) is None
    began = time.monotonic()
    client.close()
    closed_in = time.monotonic() - began
    assert closed_in <= 2.0
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads to end")
    assert not [name for name in thread_names() if name.startswith("ailoop")]
    print(
        f"\ngone: gave up {gave_up_after:.2f} s after the server stopped, waiter failed "
        f"after {failed_after:.2f} s, close() took {closed_in * 1000:.0f} ms"
    )


@pytest.mark.slow
def test_reconnect_delays_are_jittered_not_a_storm(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    """Several clients losing the same server do not retry in lock step."""
    server = make_server()
    logs: List[StateLog] = []
    for _ in range(4):
        client = make_client(server.url, timeout=2.0, reconnect_attempts=4, reconnect_delay=0.2)
        states = StateLog()
        client.add_connection_handler(states)
        client.connect_websocket()
        states.wait_for("connected", 10.0)
        logs.append(states)
    server.stop()
    for states in logs:
        states.wait_for("gave_up", 30.0)
    delays = [
        round(e.delay, 6)
        for states in logs
        for e in states.events
        if str(e.state.value) == "reconnecting" and e.delay is not None
    ]
    assert len(delays) >= 8
    assert len(set(delays)) >= len(delays) - 1, f"delays in lock step: {delays}"
    assert max(delays) <= 0.2 * 2**5
