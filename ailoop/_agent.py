"""Short-lived WebSocket agent connections: send one prompt, wait for its echo.

Only a Message sent on a WebSocket *agent* connection reaches the server's
human-interaction loop (PROTOCOL.md §6.3, §11 items 1-3). The server never answers with
an error frame: it echoes a message it accepted (to its sender too) and silently drops one
it rejected, so the echo is the delivery receipt. Each delivery opens its own connection
in the calling thread, sends one text frame and reads until the frame carrying the same
``id`` arrives or ``echo_timeout`` passes; everything else the connection receives (other
traffic of the channel) is ignored.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Type
from uuid import UUID

from ailoop._lazy import lazy_module
from ailoop._websocket import WebSocketOpener
from ailoop.exceptions import (
    AiloopError,
    ClientClosedError,
    DeliveryError,
    MessageTooLargeError,
)

if TYPE_CHECKING:
    import websocket
else:  # loaded when the first socket is made (ailoop/_lazy.py)
    websocket = lazy_module("websocket")

__all__ = ["AgentConnector"]

logger = logging.getLogger("ailoop.agent")



def _frame_failures() -> Tuple[Type[BaseException], ...]:
    """What a failed read or write raises (websocket-client is loaded lazily)."""
    return (websocket.WebSocketException, OSError, ValueError)


def _timeouts() -> Tuple[Type[BaseException], ...]:
    """What a read that ran out of time raises."""
    return (websocket.WebSocketTimeoutException, socket.timeout)


class AgentConnector:
    """Delivers prompts on per-call agent connections opened by a
    :class:`~ailoop._websocket.WebSocketOpener` (whose ``close()`` cuts them).
    """

    def __init__(self, opener: WebSocketOpener, timeout: float, closed: threading.Event) -> None:
        self._opener = opener
        self._timeout = timeout
        self._closed = closed

    def deliver(
        self, frame: Dict[str, Any], message_id: UUID, echo_timeout: float
    ) -> Dict[str, Any]:
        """Send ``frame`` (a wire Message) and return the server's echo of it (a wire dict).

        Everything -- handshake, send and echo -- ends ``echo_timeout`` seconds after the
        call began, however slowly the server trickles its bytes; the handshake alone also
        within the client's ``timeout``. Raises
        :class:`~ailoop.exceptions.DeliveryError` when no echo comes,
        :class:`~ailoop.exceptions.AuthenticationError` on a 401/403 handshake,
        :class:`~ailoop.exceptions.ConnectionError` / ``TimeoutError`` when the server
        cannot be reached or the handshake does not finish in time,
        :class:`~ailoop.exceptions.MessageTooLargeError` when the server sends a message
        above ``max_message_bytes``, :class:`~ailoop.exceptions.ClientClosedError` when
        the client is closed meanwhile. Frames that are not the echo (other traffic,
        binary frames, invalid UTF-8 or JSON) are ignored.
        """
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")
        started = time.monotonic()
        deadline = started + echo_timeout
        connection = self._opener.new_socket(read_ahead=False)
        try:
            self._opener.handshake(connection, min(deadline, started + self._timeout))
            with self._opener.guard(connection, deadline) as guard:
                text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
                try:
                    connection.send(text)
                except _frame_failures() as exc:
                    raise self._broken(exc, message_id, "while sending the prompt") from exc
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("sent prompt %s (%d bytes)", message_id, len(text))
                try:
                    return self._await_echo(connection, message_id, started, deadline)
                except _frame_failures() as exc:
                    timed_out = isinstance(exc, _timeouts())
                    if (guard.expired or timed_out) and not self._closed.is_set():
                        raise self._no_echo(message_id, echo_timeout) from None
                    raise self._broken(exc, message_id, "before the echo arrived") from exc
        except AiloopError:
            if self._closed.is_set():
                raise ClientClosedError(
                    "the client was closed while a prompt was being sent"
                ) from None
            raise
        finally:
            _release(connection)

    def _await_echo(
        self, connection: websocket.WebSocket, message_id: UUID, started: float, deadline: float
    ) -> Dict[str, Any]:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("no echo before the deadline")
            connection.settimeout(remaining)
            opcode, data = connection.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise websocket.WebSocketConnectionClosedException("the server closed it")
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            echo = _matching_echo(data, message_id)
            if echo is not None:
                if logger.isEnabledFor(logging.DEBUG):
                    elapsed = (time.monotonic() - started) * 1000
                    logger.debug("echo for %s after %.1f ms", message_id, elapsed)
                return echo

    def _no_echo(self, message_id: UUID, echo_timeout: float) -> AiloopError:
        return DeliveryError(
            f"the server did not echo prompt {message_id} within {echo_timeout:g} s, so it "
            "was not accepted (the server drops what it rejects without an error)",
            message_id=message_id,
        )

    def _broken(self, exc: BaseException, message_id: UUID, when: str) -> AiloopError:
        if self._closed.is_set():
            return ClientClosedError("the client was closed while a prompt was being sent")
        if isinstance(exc, MessageTooLargeError):
            return MessageTooLargeError(
                f"{exc.message}; prompt {message_id} may or may not have reached the server",
                limit=exc.limit,
            )
        return DeliveryError(
            f"the WebSocket broke {when} ({type(exc).__name__}: {exc}); prompt {message_id} "
            "may or may not have reached the server",
            message_id=message_id,
        )


def _release(connection: websocket.WebSocket) -> None:
    try:
        if connection.connected:
            connection.send_close()
    except _frame_failures():
        pass  # the connection is going away either way
    connection.shutdown()  # type: ignore[no-untyped-call]


def _matching_echo(data: Any, message_id: UUID) -> Optional[Dict[str, Any]]:
    """The frame as a dict when it is the echo of ``message_id``, else None.

    Invalid UTF-8 is replaced rather than refused: an echo with a damaged field still
    proves that the server accepted the prompt.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if not isinstance(text, str):
        return None
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("id"), str):
        return None
    try:
        return frame if UUID(frame["id"]) == message_id else None
    except ValueError:
        return None
