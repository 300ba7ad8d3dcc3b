"""Rule 7: bounded memory per call. A REST body or a WebSocket message larger than
``max_message_bytes`` raises :class:`ailoop.MessageTooLargeError` without being buffered
whole -- from ``Content-Length`` or the frame header when they announce it, else once the
bytes counted pass the cap -- while the default cap holds a full 1,000-message history
page."""

import socket
import threading
import tracemalloc
from typing import Any, List

import pytest

import ailoop
from ailoop import AiloopClient, ConnectionState
from ailoop.testing import AiloopTestServer

from ._hostile import Front, RawServer, accept_websocket, frame, frame_header, read_client_frame

CAP = 1024 * 1024


def _serve(behaviour):  # type: ignore[no-untyped-def]
    server: RawServer = RawServer(lambda conn, head: behaviour(conn, server.stopping))
    return server


def test_an_announced_huge_body_is_refused_before_it_is_read() -> None:
    def huge(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n{")
        stopping.wait(30)

    server = _serve(huge)
    client = AiloopClient(server.url, max_message_bytes=CAP)
    with server, client, pytest.raises(ailoop.MessageTooLargeError) as caught:
        client.get_stats()
    assert caught.value.limit == CAP
    assert caught.value.path == "/api/stats"
    assert "10000000000" in str(caught.value)


def test_an_endless_chunked_body_is_refused_at_the_cap_without_buffering_it() -> None:
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)

    def endless(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while not stopping.is_set():
            conn.sendall(chunk)

    with _serve(endless) as server, AiloopClient(server.url, max_message_bytes=CAP) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ailoop.MessageTooLargeError):
                client.get_stats()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * CAP, f"peak {peak} bytes for a {CAP}-byte cap"


def _front_with(stand_in: AiloopTestServer, index: int, size: int, pieces: int = 1) -> Front:
    """Upgrade ``index`` gets a message of ``size`` bytes: one frame header announcing it
    (and a few bytes), or ``pieces`` fragments sent whole, each below the cap."""

    def oversized(conn: socket.socket, head: bytes) -> None:
        accept_websocket(conn, head)
        if index == 1:
            read_client_frame(conn)  # the prompt
        if pieces == 1:
            conn.sendall(frame_header(size) + b"x" * 1000)
        else:
            for piece in range(pieces):
                opcode = 0x1 if piece == 0 else 0x0
                conn.sendall(frame(b"x" * (size // pieces), opcode, fin=piece == pieces - 1))
        front.stopping.wait(30)

    front = Front(stand_in.port, {index: oversized})
    return front


def test_an_oversized_frame_on_a_prompt_connection_is_a_typed_error(
    stand_in: AiloopTestServer,
) -> None:
    front = _front_with(stand_in, 1, 2**40)
    with front, AiloopClient(front.url, protocol="v1", echo_timeout=5) as client:
        client.connect_websocket()
        with pytest.raises(ailoop.MessageTooLargeError) as caught:
            client.authorize("deploy")
    assert "may or may not have reached the server" in str(caught.value)


@pytest.mark.parametrize("pieces", [1, 3], ids=["one-frame", "fragmented"])
def test_an_oversized_message_on_the_stream_drops_the_link_which_reconnects(
    stand_in: AiloopTestServer, pieces: int
) -> None:
    front = _front_with(stand_in, 0, CAP + 3, pieces)
    events: List[Any] = []
    connected_again = threading.Event()

    def on_event(event: Any) -> None:
        events.append(event)
        if event.state is ConnectionState.CONNECTED and len(events) > 1:
            connected_again.set()

    client = AiloopClient(front.url, max_message_bytes=CAP, reconnect_delay=0.05)
    with front, client:
        client.add_connection_handler(on_event)
        client.connect_websocket()
        assert connected_again.wait(30), [e.state for e in events]
    dropped = [e for e in events if e.state is ConnectionState.DISCONNECTED]
    assert isinstance(dropped[0].error, ailoop.MessageTooLargeError), dropped[0]


@pytest.mark.slow
def test_the_default_cap_holds_a_full_history_page_of_large_messages(
    stand_in: AiloopTestServer,
) -> None:
    text = "x" * 10_000
    with AiloopClient(stand_in.url) as client:
        for _ in range(1000):
            client.say(text, channel="big")
        assert len(client.get_channel_messages("big", limit=1000)) == 1000
    small = AiloopClient(stand_in.url, max_message_bytes=CAP)
    with small, pytest.raises(ailoop.MessageTooLargeError):
        small.get_channel_messages("big", limit=1000)
