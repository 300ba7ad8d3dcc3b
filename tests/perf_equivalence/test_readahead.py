"""The read-ahead WebSocket (``ailoop._readahead``) reads exactly what websocket-client reads.

The realtime stream reads its viewer socket through ``ReadAheadWebSocket`` to save two
system calls (and two interpreter-lock hand-overs) per frame. Against the stand-in, a
plain ``websocket.WebSocket`` and a ``ReadAheadWebSocket`` must see the same frames in the
same order, whatever their sizes (tiny, split across reads, larger than the read-ahead
buffer), with control frames (pongs) interleaved.
"""

from __future__ import annotations

import json
import uuid
from typing import Iterator, List, Tuple

import pytest
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailoop._readahead import READ_AHEAD_BYTES, ReadAheadWebSocket
from ailoop.testing import AiloopTestServer

OPTIONS = {"skip_utf8_validation": True}
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
    ahead = ReadAheadWebSocket(**OPTIONS)
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
