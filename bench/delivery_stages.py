"""Item 2, where the time goes: the CPU cost of each stage of delivery, without the network.

The frames of the delivery benchmark are written to one end of a local socket pair and
read back with websocket-client (plain, as the raw baseline reads, and with the SDK's
read-ahead socket), decoded with ``json.loads`` and turned into a ``Message`` with the
decoder the client gives its realtime engine. What the SDK spends beyond the sum of
those stages is routing, de-duplication, the hand-over to the dispatcher thread, the
thread switches and the handler call.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Type

import websocket

from ailoop._readahead import ReadAheadWebSocket
from bench.frames import traffic

STAGE_FRAMES = 4000
REPEATS = 5


def message_decoder() -> Callable[[Any], Any]:
    """The function the client hands its realtime engine to build a ``Message``."""
    try:
        from ailoop._fast_decode import decode_message

        return decode_message
    except ImportError:  # the decoder derived from the model declarations
        from ailoop.models import Message

        return Message.from_wire


def _server_frames(texts: List[str]) -> bytes:
    """The frames as a server sends them (unmasked text frames)."""
    chunks = []
    for text in texts:
        frame = websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT)
        frame.mask_value = 0  # websocket-client >= 1.9 (``mask`` before it)
        frame.mask = 0
        chunks.append(frame.format())
    return b"".join(chunks)


def _read_all(socket_class: Type[websocket.WebSocket], wire: bytes, count: int) -> float:
    """CPU seconds websocket-client needs to read ``count`` frames from ``wire``."""
    reader, writer = socket.socketpair()
    writer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    ws = socket_class(skip_utf8_validation=True)
    ws.sock = reader
    ws.connected = True
    feeder = threading.Thread(target=writer.sendall, args=(wire,), daemon=True)
    feeder.start()
    try:
        started = time.thread_time()
        for _ in range(count):
            ws.recv_data_frame(True)
        return time.thread_time() - started
    finally:
        feeder.join(30)
        reader.close()
        writer.close()


def _per_frame(action: Callable[[], float], count: int) -> float:
    """Best of ``REPEATS`` runs of ``action`` (CPU seconds), in µs per frame."""
    return min(action() for _ in range(REPEATS)) / count * 1e6


def _cpu(loop: Callable[[], None]) -> float:
    started = time.thread_time()
    loop()
    return time.thread_time() - started


def stage_costs() -> Dict[str, float]:
    """µs of CPU per frame for each stage, best of several runs."""
    texts = traffic(STAGE_FRAMES, [f"bench-{index}" for index in range(4)])
    wire = _server_frames(texts)
    raw_bytes = [text.encode("utf-8") for text in texts]
    objects = [json.loads(data) for data in raw_bytes]
    decode = message_decoder()

    def loads() -> None:
        for data in raw_bytes:
            json.loads(data)

    def build() -> None:
        for obj in objects:
            decode(obj)

    return {
        "read (websocket-client)": _per_frame(
            lambda: _read_all(websocket.WebSocket, wire, STAGE_FRAMES), STAGE_FRAMES
        ),
        "read (read-ahead socket)": _per_frame(
            lambda: _read_all(ReadAheadWebSocket, wire, STAGE_FRAMES), STAGE_FRAMES
        ),
        "json.loads": _per_frame(lambda: _cpu(loads), STAGE_FRAMES),
        "Message decode": _per_frame(lambda: _cpu(build), STAGE_FRAMES),
    }
