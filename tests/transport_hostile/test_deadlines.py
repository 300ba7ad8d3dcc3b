"""Rule 3, transport part: every blocking call ends by its own deadline across all of its
I/O, however slowly the server trickles, and ``close()`` wakes a caller blocked inside a
REST read or a WebSocket handshake at once. Bounds are asserted with generous margins
(T + 5 s) on this shared machine; docs/reliability.rst reports the measured figures."""

import os
import queue
import socket
import threading
import time
from typing import Any, Callable, Iterator

import pytest

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer
from tests.descriptors import FD_DIR, count_descriptors

from ._hostile import Front, RawServer, accept_websocket, frame_header, read_client_frame

MARGIN = 5.0
"""Seconds of slack on every time bound (two noisy cores shared by many processes)."""
TRICKLE = 0.05
"""Seconds between two bytes of a trickling server: well inside any per-read timeout."""


def _trickle(conn: socket.socket, stopping: threading.Event, first: bytes, unit: bytes) -> None:
    conn.sendall(first)
    while not stopping.wait(TRICKLE):  # pacing the hostile server, interruptible by stop()
        conn.sendall(unit)


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[..., None]], RawServer]]:
    servers = []

    def start(behaviour: Callable[..., None]) -> RawServer:
        server: RawServer = RawServer(lambda conn, head: behaviour(conn, server.stopping))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _timed(call: Callable[[], Any]) -> "tuple[float, BaseException | None]":
    began = time.monotonic()
    try:
        call()
    except BaseException as exc:  # the caller checks which
        return time.monotonic() - began, exc
    return time.monotonic() - began, None


BODIES = {
    "endless body": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000000\r\n\r\n{", b" "),
    "endless chunked body": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n", b"1\r\n \r\n"),
    "endless headers": (b"HTTP/1.1 200 OK\r\n", b"X-Slow: y\r\n"),
    "endless status line": (b"HTTP/1.1 200 ", b"O"),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(BODIES))
def test_a_rest_call_ends_by_its_timeout_when_the_server_trickles(hostile, shape) -> None:
    first, unit = BODIES[shape]
    server = hostile(lambda conn, stopping: _trickle(conn, stopping, first, unit))
    with AiloopClient(server.url, timeout=1.0) as client:
        elapsed, error = _timed(client.get_stats)
    assert isinstance(error, ailoop.TimeoutError), repr(error)
    assert elapsed <= 1.0 + MARGIN, f"{elapsed:.1f} s for a 1 s timeout"
    assert f"127.0.0.1:{server.port}" in str(error), "the error names the server"


def _stand_in_front(stand_in: AiloopTestServer, agent: Callable[..., None]) -> Front:
    """A front whose first prompt's agent handshake (upgrade 1) ``agent`` serves."""
    front: Front = Front(stand_in.port, {1: lambda conn, head: agent(conn, head, front.stopping)})
    return front


def _stall(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
    stopping.wait(60)


def _trickled_handshake(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
    _trickle(conn, stopping, b"HTTP/1.1 101 Switching Protocols\r\n", b"X-Slow: y\r\n")


def _trickled_echo(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
    accept_websocket(conn, head)
    read_client_frame(conn)
    _trickle(conn, stopping, frame_header(100_000), b" ")


@pytest.mark.slow
@pytest.mark.parametrize(
    "agent", [_stall, _trickled_handshake, _trickled_echo], ids=lambda f: f.__name__[1:]
)
def test_a_prompt_ends_by_its_echo_deadline(stand_in: AiloopTestServer, agent) -> None:
    front = _stand_in_front(stand_in, agent)
    client = AiloopClient(front.url, timeout=30.0, echo_timeout=1.0, protocol="v1")
    with front, client:
        client.connect_websocket()
        elapsed, error = _timed(lambda: client.authorize("deploy"))
    assert isinstance(error, (ailoop.TimeoutError, ailoop.DeliveryError)), repr(error)
    assert elapsed <= 1.0 + MARGIN, f"{elapsed:.1f} s for echo_timeout=1 (timeout=30)"


def _socket_fds() -> int:
    return count_descriptors("socket:")


def _close_while_blocked(client: AiloopClient, call: Callable[[], Any], started) -> Any:
    outcome: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            outcome.put(call())
        except BaseException as exc:
            outcome.put(exc)

    caller = threading.Thread(target=run, name="blocked-caller", daemon=True)
    caller.start()
    assert started.wait(10), "the server saw the call"
    began = time.monotonic()
    client.close()
    result = outcome.get(timeout=2.0 + MARGIN)
    woke = time.monotonic() - began
    caller.join(5)
    return result, woke


@pytest.mark.skipif(not os.path.isdir(FD_DIR), reason="counts descriptors in /proc")
def test_close_wakes_a_caller_inside_a_rest_read(hostile) -> None:
    started = threading.Event()

    def slow(conn: socket.socket, stopping: threading.Event) -> None:
        started.set()
        _trickle(conn, stopping, b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", b" ")

    server = hostile(slow)
    before = _socket_fds()
    client = AiloopClient(server.url, timeout=60.0)
    result, woke = _close_while_blocked(client, client.get_stats, started)
    assert isinstance(result, ailoop.ClientClosedError), repr(result)
    assert woke <= 2.0 + MARGIN
    server.stop()
    assert _socket_fds() <= before, "no socket of the client outlives close()"


def test_close_wakes_a_caller_inside_a_prompt_handshake(stand_in: AiloopTestServer) -> None:
    started = threading.Event()

    def stalled(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        started.set()
        stopping.wait(60)

    front = _stand_in_front(stand_in, stalled)
    with front:
        client = AiloopClient(front.url, timeout=60.0, echo_timeout=60.0, protocol="v1")
        client.connect_websocket()
        result, woke = _close_while_blocked(client, lambda: client.authorize("x"), started)
    assert isinstance(result, ailoop.ClientClosedError), repr(result)
    assert woke <= 2.0 + MARGIN
