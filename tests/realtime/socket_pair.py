"""A stream socket factory over a local socket pair, for tests of ``ViewerStream`` alone."""

import socket

import websocket

from ailoop._readahead import ReadAheadWebSocket


class PairFactory:
    """Connects the stream's socket to ``client``, one end of a socket pair; the test
    holds the other end, ``server`` (it may write frames there, or nothing at all).
    """

    def __init__(self) -> None:
        self.client, self.server = socket.socketpair()

    def new_socket(self) -> websocket.WebSocket:
        return ReadAheadWebSocket(skip_utf8_validation=True)

    def connect(self, ws: websocket.WebSocket, timeout: float) -> None:
        ws.sock = self.client
        ws.connected = True

    def close(self) -> None:
        self.client.close()
        self.server.close()
