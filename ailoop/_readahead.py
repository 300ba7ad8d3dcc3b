"""A websocket-client ``WebSocket`` that reads its socket ahead, 64 KiB at a time.

websocket-client asks the socket for exactly the bytes it needs next: the 2-byte frame
header, the extended length, then the payload, i.e. three ``recv`` calls per frame. Each
call releases and re-takes the interpreter lock, and while the dispatcher thread is busy
each of those hand-overs costs a thread switch: on a busy stream that is about a third of
the network thread's CPU time (BENCHMARKS.md, item 2). Reading ahead serves most frames
from memory with no system call and no lock hand-over. The opening handshake is read by
websocket-client straight from the socket, so nothing is read ahead before it ends.
"""

import websocket

__all__ = ["ReadAheadWebSocket"]

READ_AHEAD_BYTES = 65536


class ReadAheadWebSocket(websocket.WebSocket):
    """``websocket.WebSocket`` whose frame reader is served from a read-ahead buffer."""

    _buffer = b""
    _position = 0

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
