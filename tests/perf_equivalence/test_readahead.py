"""The read-ahead WebSocket (``ailoop._readahead``) reads exactly what websocket-client reads.

The realtime stream reads its viewer socket through ``ReadAheadWebSocket`` to save two
system calls (and two interpreter-lock hand-overs) per frame. Against the stand-in, a
plain ``websocket.WebSocket`` and a ``ReadAheadWebSocket`` must see the same frames in the
same order, whatever their sizes (tiny, split across reads, larger than the read-ahead
buffer), with control frames (pongs) interleaved. Both of its overrides of websocket-client
internals are checked to still take effect: the socket reads per frame are counted, and
the message cap must refuse a frame from its header.
"""

from __future__ import annotations

import json
import socket
import sys
import uuid
from typing import Any, Iterator, List, Tuple

import pytest
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop import MessageTooLargeError
from ailoop._readahead import READ_AHEAD_BYTES, ReadAheadWebSocket
from ailoop.testing import AiloopTestServer
from tests.polling import eventually

OPTIONS = {"skip_utf8_validation": True}
CAP = 1024 * 1024
texts = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda unit, times: unit * times, st.text(min_size=1, max_size=8), st.integers(1, 40_000)
    ),
)


@pytest.fixture(scope="module")
def server() -> Iterator[AiloopTestServer]:
    """One stand-in for the whole module (hypothesis runs many examples)."""
    with AiloopTestServer() as running:
        yield running


def _registered(ws: websocket.WebSocket, channel: str) -> None:
    """Send a message and wait for its echo: the server now knows this connection."""
    message_id = str(uuid.uuid4())
    ws.send(
        json.dumps(
            {
                "id": message_id,
                "channel": channel,
                "sender_type": "AGENT",
                "content": {"type": "notification", "text": "hello", "priority": "low"},
                "timestamp": "2026-06-11T09:30:00Z",
            }
        )
    )
    while json.loads(ws.recv()).get("id") != message_id:
        pass


def _pair(server: AiloopTestServer) -> Tuple[websocket.WebSocket, websocket.WebSocket]:
    plain = websocket.WebSocket(**OPTIONS)
    ahead = ReadAheadWebSocket(max_message_bytes=CAP, **OPTIONS)
    for ws in (plain, ahead):
        ws.connect(server.ws_url, timeout=10)
        _registered(ws, f"readahead-{uuid.uuid4()}")
    return plain, ahead


def _read(ws: websocket.WebSocket, count: int) -> List[str]:
    received = []
    for _ in range(count):
        opcode, frame = ws.recv_data_frame(True)
        assert opcode == websocket.ABNF.OPCODE_TEXT
        received.append(frame.data.decode("utf-8"))
    return received


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(texts, min_size=1, max_size=8))
def test_read_ahead_socket_sees_the_same_frames(
    server: AiloopTestServer, frames: List[str]
) -> None:
    """Same text frames, in order, then a pong, on both sockets."""
    plain, ahead = _pair(server)
    try:
        for frame in frames:
            server.inject_frame(frame)
        assert _read(plain, len(frames)) == frames
        assert _read(ahead, len(frames)) == frames
        for ws in (plain, ahead):
            ws.ping("still there?")
            opcode, frame = ws.recv_data_frame(True)
            assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"still there?")
    finally:
        plain.close()
        ahead.close()


def test_frames_larger_than_the_read_ahead_buffer(server: AiloopTestServer) -> None:
    """A frame several buffers long arrives whole, and so does the small one after it."""
    plain, ahead = _pair(server)
    frames = ["x" * (3 * READ_AHEAD_BYTES + 17), "after"]
    try:
        for frame in frames:
            server.inject_frame(frame)
        assert _read(ahead, 2) == frames
        assert _read(plain, 2) == frames
    finally:
        plain.close()
        ahead.close()


class _CountingSocket:
    """Delegates to a connected socket, counting ``recv`` calls."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.reads = 0

    def recv(self, bufsize: int) -> bytes:
        self.reads += 1
        return self._sock.recv(bufsize)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _wait_buffered(sock: socket.socket, size: int) -> None:
    """Until ``size`` bytes wait in ``sock``'s receive buffer (FIONREAD), 10 s at most."""
    import fcntl
    import struct
    import termios

    def buffered() -> int:
        raw = fcntl.ioctl(sock.fileno(), termios.FIONREAD, struct.pack("i", 0))
        count: int = struct.unpack("i", raw)[0]
        return count

    eventually(lambda: buffered() >= size, 10.0)


@pytest.mark.skipif(sys.platform == "win32", reason="FIONREAD through fcntl is POSIX-only")
def test_read_ahead_serves_many_frames_from_one_socket_read(server: AiloopTestServer) -> None:
    """If websocket-client stopped calling the ``_recv`` override, every frame would cost
    two reads again (header, payload), as on the plain socket: this count would show it."""
    plain, ahead = _pair(server)
    frames = [f"frame {index}" for index in range(200)]
    try:
        for frame in frames:
            server.inject_frame(frame)
        counters = []
        for ws in (plain, ahead):
            _wait_buffered(ws.sock, sum(2 + len(frame) for frame in frames))
            counter = _CountingSocket(ws.sock)
            ws.sock = counter
            counters.append(counter)
        assert _read(plain, len(frames)) == frames
        assert _read(ahead, len(frames)) == frames
        plain_reads, ahead_reads = (counter.reads for counter in counters)
        assert plain_reads >= 2 * len(frames)
        assert ahead_reads <= 2, f"{ahead_reads} socket reads for {len(frames)} frames"
    finally:
        for ws in (plain, ahead):
            if isinstance(ws.sock, _CountingSocket):
                ws.sock = ws.sock._sock
            ws.close()


def test_a_message_above_the_cap_is_refused_from_its_header(server: AiloopTestServer) -> None:
    """The frame reader's ``recv_length`` override refuses it before reading the payload."""
    plain, ahead = _pair(server)
    try:
        server.inject_frame("y" * (CAP + 1))
        with pytest.raises(MessageTooLargeError) as caught:
            ahead.recv_data_frame(True)
        assert caught.value.limit == CAP
        assert len(ahead._buffer) < READ_AHEAD_BYTES + 16, "the payload was not buffered"
    finally:
        plain.close()
        ahead.close()


class _ScriptedSocket:
    """A socket whose reads return the given pieces in turn (``None``: a read timeout)."""

    def __init__(self, pieces: List[Any]) -> None:
        self._pieces = list(pieces)

    def gettimeout(self) -> float:
        return 1.0

    def recv(self, bufsize: int) -> bytes:
        if not self._pieces:
            raise AssertionError("read past the scripted bytes")
        piece = self._pieces.pop(0)
        if piece is None:
            raise socket.timeout("timed out")
        if len(piece) > bufsize:
            self._pieces.insert(0, piece[bufsize:])
            piece = piece[:bufsize]
        data: bytes = piece
        return data


def _server_wire(texts: List[str]) -> bytes:
    """``texts`` as a server sends them: unmasked text frames."""
    wire = b""
    for text in texts:
        frame = websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT)
        frame.mask_value = 0
        frame.mask = 0
        wire += frame.format()
    return wire


@settings(max_examples=200, deadline=None)
@given(
    frames=st.lists(
        st.one_of(st.text(max_size=20), st.text(min_size=120, max_size=400)), min_size=1, max_size=6
    ),
    cuts=st.lists(st.integers(0, 2000), max_size=12),
    timeouts=st.lists(st.integers(0, 12), max_size=3),
)
def test_frames_split_anywhere_across_reads_and_timeouts(
    frames: List[str], cuts: List[int], timeouts: List[int]
) -> None:
    """Whatever pieces the socket returns -- a frame's header split from its length or
    payload, several frames in one read, a read timing out half-way through a frame --
    the read-ahead socket's frame reader yields exactly the frames sent, in order.
    """
    wire = _server_wire(frames)
    points = sorted({cut for cut in cuts if 0 < cut < len(wire)})
    pieces: List[Any] = [wire[start:end] for start, end in zip([0, *points], [*points, len(wire)])]
    for index in sorted(set(timeouts), reverse=True):
        pieces.insert(min(index, len(pieces)), None)
    ws = ReadAheadWebSocket(max_message_bytes=CAP, **OPTIONS)
    ws.sock = _ScriptedSocket(pieces)
    ws.connected = True
    received: List[str] = []
    while len(received) < len(frames):
        try:
            opcode, frame = ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            continue
        assert opcode == websocket.ABNF.OPCODE_TEXT
        received.append(frame.data.decode("utf-8"))
    assert received == frames
    assert not ws.has_buffered_data()
