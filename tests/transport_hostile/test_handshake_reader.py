"""The opener reads the handshake's answer through a peek buffer (``_HeaderReader``), not
one system call per byte: it must still never read past the headers (a frame sent in the
same packet as the answer is the first frame read), cope with an answer trickled byte by
byte, and hand the connection over to the plain socket once the handshake is done.
"""

import socket
import threading
from typing import Iterator, List, Tuple

import pytest

from ailoop import _websocket
from ailoop._connection import ConnectionSettings
from ailoop._urls import parse_server_url
from ailoop._websocket import WebSocketOpener
from ailoop.testing import AiloopTestServer

from ._hostile import RawServer, accept_websocket, frame

WAIT = 10.0
FIRST = b'{"id":"first frame"}'
SECOND = b'{"id":"second frame"}'


def _opener(url: str) -> WebSocketOpener:
    settings = ConnectionSettings.build(
        parse_server_url(url), timeout=WAIT, token=None, verify=True, user_agent="test"
    )
    return WebSocketOpener(settings)


def _answer_then_frames(conn: socket.socket, head: bytes) -> None:
    """The 101 answer and two frames in a single write."""
    answer: List[bytes] = []

    class Collect:
        def sendall(self, data: bytes) -> None:
            answer.append(data)

    accept_websocket(Collect(), head)  # type: ignore[arg-type]
    conn.sendall(b"".join(answer) + frame(FIRST) + frame(SECOND))


class _Trickle:
    """Sends the 101 answer and two frames one byte at a time."""

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def __call__(self, conn: socket.socket, head: bytes) -> None:
        answer: List[bytes] = []

        class Collect:
            def sendall(self, data: bytes) -> None:
                answer.append(data)

        accept_websocket(Collect(), head)  # type: ignore[arg-type]
        for byte in b"".join(answer) + frame(FIRST) + frame(SECOND):
            conn.sendall(bytes([byte]))
            if self.stopping.wait(0.001):  # pacing, interruptible by the test's end
                return


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[_websocket._HeaderReader]]:
    """Every ``_HeaderReader`` the opener makes, kept for inspection."""
    made: List[_websocket._HeaderReader] = []
    original = _websocket._HeaderReader

    def spy(sock: socket.socket) -> _websocket._HeaderReader:
        reader = original(sock)
        made.append(reader)
        return reader

    monkeypatch.setattr(_websocket, "_HeaderReader", spy)
    yield made


def _open_and_read(url: str, read_ahead: bool) -> Tuple[bytes, bytes, object]:
    opener = _opener(url)
    ws = opener.new_socket(read_ahead=read_ahead)
    try:
        opener.connect(ws, WAIT)
        first, second = ws.recv(), ws.recv()
        return first, second, ws.sock
    finally:
        ws.shutdown()
        opener.close()


@pytest.mark.parametrize("read_ahead", [False, True], ids=["agent socket", "stream socket"])
def test_a_frame_in_the_same_packet_as_the_answer_is_read_intact(readers, read_ahead) -> None:
    with RawServer(_answer_then_frames) as server:
        first, second, sock = _open_and_read(server.url, read_ahead)
    assert (first, second) == (FIRST.decode(), SECOND.decode())
    assert len(readers) == 1
    assert type(sock) is socket.socket  # frames are read from the socket itself


@pytest.mark.parametrize("read_ahead", [False, True], ids=["agent socket", "stream socket"])
def test_an_answer_trickled_byte_by_byte_still_connects(readers, read_ahead) -> None:
    trickle = _Trickle()
    with RawServer(trickle) as server:
        try:
            first, second, _ = _open_and_read(server.url, read_ahead)
        finally:
            trickle.stopping.set()
    assert (first, second) == (FIRST.decode(), SECOND.decode())
    assert len(readers) == 1


def test_the_answer_is_taken_from_the_socket_in_one_read(readers) -> None:
    """What the change is for: the stand-in's whole answer arrives in one packet, and the
    reader takes it with one read instead of one per byte (the override still applies)."""
    with AiloopTestServer() as server:
        opener = _opener(server.url)
        ws = opener.new_socket(read_ahead=False)
        try:
            opener.connect(ws, WAIT)
            assert ws.getstatus() == 101
        finally:
            ws.shutdown()
            opener.close()
    (reader,) = readers
    assert reader._buffer.startswith(b"HTTP/1.1 101")
    assert reader._buffer.endswith(b"\r\n\r\n")


def test_an_end_of_headers_split_across_arrivals_leaves_the_frame_after_it_unread() -> None:
    """The blank line that ends the headers can arrive in two parts, the second one with
    the first frame: the reader takes only the missing byte of the headers' end, so the
    frame stays on the socket for websocket-client's frame reader."""
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(WAIT)
        reader = _websocket._HeaderReader(ours)
        theirs.sendall(answer[:-1])
        taken = b"".join(reader.recv(1) for _ in range(len(answer) - 1))
        assert taken == answer[:-1]
        theirs.sendall(answer[-1:] + frame(FIRST))
        assert reader.recv(1) == b"\n"
        assert ours.recv(4096) == frame(FIRST)


def test_a_read_of_no_bytes_returns_at_once_as_on_a_socket() -> None:
    """websocket-client 1.8 reads an error answer's body of ``Content-Length: 0`` with
    ``recv(0)``: a socket returns b"" at once, so the reader must not wait for data."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(WAIT)
        reader = _websocket._HeaderReader(ours)
        assert reader.recv(0) == b""
        theirs.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        taken = b"".join(iter(lambda: reader.recv(1), b"\n"))
        assert taken == b"HTTP/1.1 404 Not Found\r"
        assert reader.recv(0) == b""
