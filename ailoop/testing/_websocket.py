"""The WebSocket endpoint: one reader loop and one ordered writer task per connection.

Pings are answered by hand (``autoping=False``) so that :meth:`WebSocketEndpoint.pause`
can withhold pongs along with every other frame, which is what a half-open link looks
like to a client.  No compression, no subprotocol, no server pings, 64 MiB messages.
"""

import asyncio
import logging
from typing import Callable, Dict, Tuple

from aiohttp import WSMsgType, web

from ._faults import TrafficLog
from ._hub import Connection, HubStats
from ._state import ServerState

logger = logging.getLogger("ailoop.testing")

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def _tokens(value: str) -> Tuple[str, ...]:
    return tuple(part.strip().lower() for part in value.split(","))


def is_websocket_upgrade(request: web.BaseRequest) -> bool:
    """The upgrade test the real server applies before answering 101."""
    headers = request.headers
    return (
        request.method == "GET"
        and "upgrade" in _tokens(headers.get("Connection", ""))
        and headers.get("Upgrade", "").lower() == "websocket"
        and headers.get("Sec-WebSocket-Version", "") == "13"
        and "Sec-WebSocket-Key" in headers
    )


class WebSocketEndpoint:
    """Open sockets of one server run, plus the drop/inject/pause switches."""

    def __init__(self, log: TrafficLog, on_change: Callable[[HubStats], None]) -> None:
        self._log = log
        self._on_change = on_change
        self._open: Dict[int, Tuple[Connection, asyncio.Transport]] = {}
        self._sending = asyncio.Event()
        self._sending.set()

    def new_response(self) -> web.WebSocketResponse:
        """A response object configured like the real server's upgrade."""
        return web.WebSocketResponse(autoping=False, compress=False, max_msg_size=MAX_MESSAGE_BYTES)

    async def serve(
        self, request: web.BaseRequest, socket: web.WebSocketResponse, state: ServerState
    ) -> web.WebSocketResponse:
        """Run one connection until the peer leaves or the link is dropped."""
        transport = request.transport
        await socket.prepare(request)
        connection = state.hub.open()
        if transport is not None:
            self._open[connection.id] = (connection, transport)
        writer = asyncio.ensure_future(self._write(connection, socket))
        self._on_change(state.hub.stats())
        try:
            await self._read(connection, socket, state)
        finally:
            writer.cancel()
            self._open.pop(connection.id, None)
            state.hub.close(connection)
            self._on_change(state.hub.stats())
        return socket

    async def _read(
        self, connection: Connection, socket: web.WebSocketResponse, state: ServerState
    ) -> None:
        while True:
            message = await socket.receive()
            if message.type == WSMsgType.TEXT:
                self._log.add_frame("in", message.data)
                was_viewer = connection.is_viewer
                state.receive_frame(connection, message.data)
                if connection.is_viewer != was_viewer:
                    self._on_change(state.hub.stats())
            elif message.type == WSMsgType.PING:
                if self._sending.is_set():
                    await socket.pong(message.data)
            elif message.type not in (WSMsgType.BINARY, WSMsgType.PONG):
                return

    async def _write(self, connection: Connection, socket: web.WebSocketResponse) -> None:
        while True:
            text = await connection.outbox.get()
            await self._sending.wait()
            self._log.add_frame("out", text)
            try:
                await socket.send_str(text)
            except Exception as exc:  # the peer is gone: stop writing, like the real server
                logger.debug("WebSocket write failed: %s", exc)
                return

    def drop_all(self) -> None:
        """Cut every open socket without a close frame."""
        for _, transport in list(self._open.values()):
            transport.abort()

    def inject(self, text: str) -> None:
        """Queue a raw text frame on every open socket."""
        for connection, _ in list(self._open.values()):
            connection.send(text)

    def pause(self) -> None:
        """Stop every send (frames queue up, pings go unanswered)."""
        self._sending.clear()

    def resume(self) -> None:
        """Send queued frames and answer pings again."""
        self._sending.set()
