"""The WebSocket classes the client reads with: a message-size cap, and read-ahead.

:class:`CappedWebSocket` refuses a message larger than ``max_message_bytes`` as soon as a
frame header announces it (the payload is never read, so never held in memory), counting
the frames of a fragmented message together. It raises
:class:`~ailoop.exceptions.MessageTooLargeError`, after which the connection is unusable.

:class:`ReadAheadWebSocket` adds read-ahead. websocket-client asks the socket for exactly
the bytes it needs next: the 2-byte frame header, the extended length, then the payload,
i.e. three ``recv`` calls per frame. Each call releases and re-takes the interpreter lock,
and while the dispatcher thread is busy each of those hand-overs costs a thread switch: on
a busy stream that is about a third of the network thread's CPU time (BENCHMARKS.md, item
2). Reading ahead serves most frames from memory with no system call and no lock
hand-over. Its frame reader also takes the header and the payload of a frame straight
from the buffer when they are there whole (websocket-client's own reader sums and joins a
list of pieces for every part of every frame). The opening handshake is read by
websocket-client straight from the socket, so nothing is read ahead before it ends.

Both override internals of websocket-client (``WebSocket._recv`` and the frame reader's
``recv_length`` and ``recv_strict``); setup.py bounds the version below its next major
release, tox tests the oldest and newest allowed versions, and
tests/perf_equivalence/test_readahead.py fails when an override stops being called.
"""

from typing import Any

import websocket
from websocket._abnf import frame_buffer

from ailoop._connection import DEFAULT_MAX_MESSAGE_BYTES
from ailoop.exceptions import MessageTooLargeError

__all__ = ["READ_AHEAD_BYTES", "CappedWebSocket", "ReadAheadWebSocket"]

READ_AHEAD_BYTES = 65536

_DATA_OPCODES = (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY)
_OPCODE_INDEX = 4


class _CappedFrameBuffer(frame_buffer):
    """websocket-client's frame reader, refusing a message above ``limit`` bytes once the
    frame header gives its length (before the payload is read)."""

    def __init__(self, recv_fn: Any, skip_utf8_validation: bool, limit: int) -> None:
        super().__init__(recv_fn, skip_utf8_validation)
        self._limit = limit
        self._message_bytes = 0

    def recv_length(self) -> None:
        super().recv_length()
        header, length = self.header, self.length
        if header is None or length is None:
            return  # websocket-client reports its own protocol error
        opcode = header[_OPCODE_INDEX]
        if opcode in _DATA_OPCODES:
            self._message_bytes = 0
        size = length
        if opcode in _DATA_OPCODES or opcode == websocket.ABNF.OPCODE_CONT:
            self._message_bytes += length
            size = self._message_bytes
        if size > self._limit:
            raise MessageTooLargeError(
                f"the server sent a WebSocket message of at least {size} bytes, more than "
                f"max_message_bytes ({self._limit}); the connection was dropped unread",
                limit=self._limit,
            )


class CappedWebSocket(websocket.WebSocket):
    """``websocket.WebSocket`` that refuses messages larger than ``max_message_bytes``."""

    def __init__(
        self, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, **options: Any
    ) -> None:
        super().__init__(**options)
        self.frame_buffer = _CappedFrameBuffer(
            self._recv, bool(options.get("skip_utf8_validation", False)), max_message_bytes
        )


class _ReadAheadFrameBuffer(_CappedFrameBuffer):
    """The capped frame reader of a :class:`ReadAheadWebSocket`: a part of a frame that
    waits whole in the socket's buffer is sliced from it directly.
    """

    def __init__(self, ws: "ReadAheadWebSocket", skip_utf8_validation: bool, limit: int) -> None:
        super().__init__(ws._recv, skip_utf8_validation, limit)
        self._ws = ws

    def recv_strict(self, bufsize: int) -> bytes:
        if not self.recv_buffer:  # no piece of this part was read before
            ws = self._ws
            position = ws._position
            end = position + bufsize
            if end <= len(ws._buffer):
                ws._position = end
                return ws._buffer[position:end]
            if bufsize > 0 and position >= len(ws._buffer):  # read ahead, then slice
                piece: bytes = ws._recv(bufsize)
                if len(piece) == bufsize:
                    return piece
                self.recv_buffer.append(piece)
        data: bytes = super().recv_strict(bufsize)  # joins the pieces, reading the rest
        return data


class ReadAheadWebSocket(CappedWebSocket):
    """:class:`CappedWebSocket` whose frame reader is served from a read-ahead buffer."""

    _buffer = b""
    _position = 0

    def __init__(
        self, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, **options: Any
    ) -> None:
        super().__init__(max_message_bytes=max_message_bytes, **options)
        self.frame_buffer = _ReadAheadFrameBuffer(
            self, bool(options.get("skip_utf8_validation", False)), max_message_bytes
        )

    def has_buffered_data(self) -> bool:
        """True when bytes already read from the socket wait in the buffer, so the next
        frame read may return without waiting for the network.
        """
        return self._position < len(self._buffer)

    def _recv(self, bufsize: int) -> bytes:
        buffer, position = self._buffer, self._position
        if position >= len(buffer):
            buffer = super()._recv(max(bufsize, READ_AHEAD_BYTES))  # type: ignore[no-untyped-call]
            position = 0
            self._buffer = buffer
        end = position + bufsize
        self._position = end
        if position == 0 and end >= len(buffer):
            return buffer
        return buffer[position:end]
