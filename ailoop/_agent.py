"""Short-lived WebSocket agent connections: send one prompt, wait for its echo.

Only a Message sent on a WebSocket *agent* connection reaches the server's
human-interaction loop (PROTOCOL.md §6.3, §11 items 1-3). The server never answers with
an error frame: it echoes a message it accepted (to its sender too) and silently drops one
it rejected, so the echo is the delivery receipt. Each delivery opens its own connection
in the calling thread, sends one text frame and reads until the frame carrying the same
``id`` arrives or ``echo_timeout`` passes; everything else the connection receives (other
traffic of the channel) is ignored.
"""

import contextlib
import json
import logging
import socket
import ssl
import threading
import time
from typing import Any, Dict, Optional, Set
from uuid import UUID

import websocket

from ailoop._connection import ConnectionSettings
from ailoop._http import HttpResult, server_error_text
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    ServerError,
    TimeoutError,
)

__all__ = ["AgentConnector"]

logger = logging.getLogger("ailoop.agent")


class AgentConnector:
    """Delivers prompts on per-call agent connections; :meth:`abort_all` ends them early."""

    def __init__(self, settings: ConnectionSettings, closed: threading.Event) -> None:
        self._settings = settings
        self._closed = closed
        self._lock = threading.Lock()
        self._live: Set[websocket.WebSocket] = set()

    def deliver(
        self, frame: Dict[str, Any], message_id: UUID, echo_timeout: float
    ) -> Dict[str, Any]:
        """Send ``frame`` (a wire Message) and return the server's echo of it (a wire dict).

        Blocks the calling thread for the handshake (at most the client's ``timeout``)
        and then for the echo (at most ``echo_timeout``). Raises
        :class:`~ailoop.exceptions.DeliveryError` when no echo comes,
        :class:`~ailoop.exceptions.AuthenticationError` on a 401/403 handshake,
        :class:`~ailoop.exceptions.ConnectionError` / ``TimeoutError`` when the server
        cannot be reached, :class:`~ailoop.exceptions.ClientClosedError` when the client
        is closed meanwhile.
        """
        connection = self._open()
        try:
            text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
            try:
                connection.send(text)
            except (websocket.WebSocketException, OSError) as exc:
                raise self._broken(exc, message_id, "while sending the prompt") from exc
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("sent prompt %s (%d bytes)", message_id, len(text))
            return self._await_echo(connection, message_id, echo_timeout)
        finally:
            self._release(connection)

    def abort_all(self) -> None:
        """Cut every open agent connection (used by ``close()``; callers get an error)."""
        with self._lock:
            live = list(self._live)
        for connection in live:
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _open(self) -> websocket.WebSocket:
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")
        url = self._settings.server.ws_url
        path = self._settings.server.base_path + "/"
        try:
            connection = websocket.create_connection(
                url, timeout=self._settings.timeout, **self._settings.websocket_options()
            )
        except websocket.WebSocketBadStatusException as exc:
            raise _handshake_error(exc, path) from exc
        except (websocket.WebSocketTimeoutException, socket.timeout) as exc:
            raise TimeoutError(
                f"the WebSocket handshake timed out after {self._settings.timeout:g} s",
                method="GET",
                path=path,
            ) from exc
        except ssl.SSLError as exc:
            raise ConnectionError(
                f"TLS failed on the WebSocket: {exc.reason or exc}. For a private CA pass "
                "verify='/path/to/ca.pem'",
                method="GET",
                path=path,
            ) from exc
        except websocket.WebSocketProxyException as exc:
            raise ConnectionError(f"the proxy failed: {exc}", method="GET", path=path) from exc
        except (websocket.WebSocketException, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise ConnectionError(
                f"cannot open the WebSocket: {reason}", method="GET", path=path
            ) from exc
        with self._lock:
            self._live.add(connection)
        if self._closed.is_set():
            self._release(connection)
            raise ClientClosedError("the client is closed")
        return connection

    def _await_echo(
        self, connection: websocket.WebSocket, message_id: UUID, echo_timeout: float
    ) -> Dict[str, Any]:
        started = time.monotonic()
        deadline = started + echo_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._no_echo(message_id, echo_timeout)
            connection.settimeout(remaining)
            try:
                data = connection.recv()
            except (websocket.WebSocketTimeoutException, socket.timeout):
                raise self._no_echo(message_id, echo_timeout) from None
            except (websocket.WebSocketException, OSError) as exc:
                raise self._broken(exc, message_id, "before the echo arrived") from exc
            echo = _matching_echo(data, message_id)
            if echo is not None:
                if logger.isEnabledFor(logging.DEBUG):
                    elapsed = (time.monotonic() - started) * 1000
                    logger.debug("echo for %s after %.1f ms", message_id, elapsed)
                return echo

    def _release(self, connection: websocket.WebSocket) -> None:
        with self._lock:
            self._live.discard(connection)
        with contextlib.suppress(websocket.WebSocketException, OSError):
            if connection.connected:
                connection.send_close()
        connection.shutdown()  # type: ignore[no-untyped-call]

    def _no_echo(self, message_id: UUID, echo_timeout: float) -> AiloopError:
        if self._closed.is_set():
            return ClientClosedError("the client was closed while a prompt was being sent")
        return DeliveryError(
            f"the server did not echo prompt {message_id} within {echo_timeout:g} s, so it "
            "was not accepted (the server drops what it rejects without an error)",
            message_id=message_id,
        )

    def _broken(self, exc: BaseException, message_id: UUID, when: str) -> AiloopError:
        if self._closed.is_set():
            return ClientClosedError("the client was closed while a prompt was being sent")
        return DeliveryError(
            f"the WebSocket broke {when} ({type(exc).__name__}: {exc}); prompt {message_id} "
            "may or may not have reached the server",
            message_id=message_id,
        )


def _matching_echo(data: Any, message_id: UUID) -> Optional[Dict[str, Any]]:
    if not isinstance(data, str):
        return None
    try:
        frame = json.loads(data)
    except ValueError:
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("id"), str):
        return None
    try:
        return frame if UUID(frame["id"]) == message_id else None
    except ValueError:
        return None


def _handshake_error(exc: websocket.WebSocketBadStatusException, path: str) -> AiloopError:
    status = exc.status_code
    headers = exc.resp_headers or {}
    content_type = str(headers.get("content-type", ""))
    body = exc.resp_body if isinstance(exc.resp_body, bytes) else b""
    server_text = server_error_text(HttpResult(status, content_type, body))
    details: Dict[str, Any] = {
        "status_code": status,
        "server_message": server_text,
        "method": "GET",
        "path": path,
    }
    if status in (401, 403):
        return AuthenticationError(
            "the server refused the WebSocket handshake: the token is missing or wrong",
            **details,
        )
    if status == 404:
        return ConnectionError(
            "the WebSocket endpoint was not found: this is not a single-port ailoop server "
            "(v0.1.41 or later), or the base path in server_url is wrong",
            **details,
        )
    if status >= 500:
        return ServerError("the server failed the WebSocket handshake", **details)
    return ConnectionError(f"the WebSocket handshake was refused (HTTP {status})", **details)
