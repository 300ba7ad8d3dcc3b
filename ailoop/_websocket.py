"""Opening a WebSocket to the server, for prompts and for the realtime stream alike.

:class:`WebSocketOpener` turns the client's :class:`~ailoop._connection.ConnectionSettings`
into websocket-client's options (headers, TLS, proxy) and opens connections with them:

* the handshake never follows a redirect: a 3xx answer is an error naming where it
  pointed (credentials would otherwise travel to another address);
* the whole handshake ends by its deadline even when the server trickles its answer
  (:class:`~ailoop._deadlines.DeadlineWatch` shuts the socket down when it passes), and
  :meth:`WebSocketOpener.close` cuts every handshake and every guarded read at once;
* every message read is capped at ``max_message_bytes``
  (:class:`~ailoop._readahead.CappedWebSocket`);
* the handshake's answer is read from a peek buffer (:class:`_HeaderReader`), not one
  system call per byte as websocket-client reads it, and never past the headers;
* every failure is an :mod:`ailoop.exceptions` error naming ``GET {base path}/`` and the
  server (never its credentials): a 401/403 is an ``AuthenticationError``, another
  refusal a ``ConnectionError`` (``ServerError`` for 5xx) carrying the status, a stalled
  handshake a ``TimeoutError``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import time
import weakref
from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, Optional, Tuple, Type
from urllib.parse import unquote, urlsplit

from ailoop._connection import ConnectionSettings
from ailoop._deadlines import DeadlineWatch, Guard
from ailoop._http import HttpResult, server_error_text
from ailoop._lazy import lazy_module
from ailoop._realtime_settings import CLOSE_TIMEOUT
from ailoop._urls import redact_url
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ConnectionError,
    ServerError,
    TimeoutError,
)

if TYPE_CHECKING:
    import websocket
else:  # loaded when the first socket is made (ailoop/_lazy.py)
    websocket = lazy_module("websocket")

__all__ = ["WebSocketOpener"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MATCHES_NO_HOST = "no-proxy-exceptions.invalid"
_MAX_LOCATION_TEXT = 200
_HEADERS_END = b"\r\n\r\n"
_PEEK_BYTES = 4096


def _handshake_failures() -> Tuple[Type[BaseException], ...]:
    """What a failed handshake raises (a function: websocket-client is loaded lazily)."""
    return (
        websocket.WebSocketException,
        OSError,
        ValueError,  # a malformed status line or Content-Length
        OverflowError,
        MemoryError,  # websocket-client reads an error body of the announced length at once
    )


class WebSocketOpener:
    """Opens WebSockets to one server (see the module docstring); thread-safe."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._watch = DeadlineWatch()
        weakref.finalize(self, self._watch.close)  # a client dropped unclosed
        self._path = settings.server.base_path + "/"
        self._constructor: Dict[str, Any] = {
            "sslopt": _sslopt(settings),
            "skip_utf8_validation": True,
            "max_message_bytes": settings.max_message_bytes,
        }
        self._connect: Dict[str, Any] = {
            "header": [f"{name}: {value}" for name, value in settings.headers.items()],
            "redirect_limit": 0,
            **_proxy_options(settings),
        }

    @property
    def url(self) -> str:
        """The WebSocket endpoint (no credentials)."""
        return self._settings.server.ws_url

    def new_socket(self, read_ahead: bool = True) -> websocket.WebSocket:
        """An unconnected, message-capped WebSocket; ``read_ahead`` for a busy stream
        (:class:`~ailoop._readahead.ReadAheadWebSocket`).
        """
        from ailoop._readahead import (  # noqa: PLC0415 - subclasses of websocket-client's
            CappedWebSocket,
            ReadAheadWebSocket,
        )

        cls = ReadAheadWebSocket if read_ahead else CappedWebSocket
        return cls(**self._constructor)

    def connect(self, ws: websocket.WebSocket, timeout: float) -> None:
        """Open ``ws`` (TCP, TLS, proxy, HTTP upgrade) within ``timeout`` seconds."""
        self.handshake(ws, time.monotonic() + timeout)

    def handshake(self, ws: websocket.WebSocket, deadline: float) -> None:
        """Open ``ws`` by ``deadline`` (a ``time.monotonic()`` value); raise an
        :mod:`ailoop.exceptions` error (see the module docstring) on any failure.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._stalled(0.0)
        allowed = remaining
        with self.guard(ws, deadline) as guard:
            try:
                self._open(ws, remaining)
            except _handshake_failures() as exc:
                raise self._failure(ws, exc, guard, allowed) from exc
        status = _handshake_status(ws)
        if status is not None and status != 101:  # older websocket-client: a 3xx "connects"
            ws.shutdown()  # type: ignore[no-untyped-call]
            raise self._redirect(status, _handshake_headers(ws))

    def _open(self, ws: websocket.WebSocket, timeout: float) -> None:
        """``ws.connect`` with its answer read through a :class:`_HeaderReader`: the
        connection (TCP, proxy tunnel, TLS) is opened by websocket-client as
        ``ws.connect`` would, and handed to it as a pre-connected ``socket``.
        """
        ws.sock_opt.timeout = timeout
        proxy = websocket._http.proxy_info(**self._connect)  # type: ignore[no-untyped-call]
        sock, _ = websocket._http.connect(self.url, ws.sock_opt, proxy, None)
        if isinstance(sock, ssl.SSLSocket):  # a TLS socket cannot peek: read as usual
            ws.connect(self.url, socket=sock, timeout=timeout, **self._connect)  # type: ignore[no-untyped-call]
            return
        ws.connect(self.url, socket=_HeaderReader(sock), timeout=timeout, **self._connect)  # type: ignore[no-untyped-call]
        ws.sock = sock  # frames are read from the socket itself

    @contextlib.contextmanager
    def guard(self, ws: websocket.WebSocket, deadline: float) -> Iterator[Guard]:
        """Within the block, ``ws`` is shut down at ``deadline`` or on :meth:`close`."""
        with self._watch.guard(ws, deadline) as entry:
            yield entry

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Cut every handshake and guarded read now and join the deadline thread for up
        to ``timeout`` seconds; later handshakes raise
        :class:`~ailoop.exceptions.ClientClosedError`.
        """
        self._watch.close(timeout)

    def _failure(
        self, ws: websocket.WebSocket, exc: BaseException, guard: Guard, allowed: float
    ) -> AiloopError:
        if isinstance(exc, websocket.WebSocketBadStatusException):
            return self._refused(exc)
        status = _handshake_status(ws)
        if status in _REDIRECTS:
            return self._redirect(status, _handshake_headers(ws))
        if guard.expired:
            return self._stalled(allowed)
        if isinstance(exc, (websocket.WebSocketTimeoutException, socket.timeout)):
            return self._stalled(allowed)
        details = self._details()
        server = self._settings.server.display
        if isinstance(exc, ssl.SSLError):
            return ConnectionError(
                f"TLS failed on the WebSocket to {server}: {exc.reason or exc}. For a private "
                "CA pass verify='/path/to/ca.pem'",
                **details,
            )
        if isinstance(exc, websocket.WebSocketProxyException):
            return ConnectionError(f"the proxy failed for {server}: {exc}", **details)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return ConnectionError(f"cannot open the WebSocket to {server}: {reason}", **details)

    def _refused(self, exc: websocket.WebSocketBadStatusException) -> AiloopError:
        status = exc.status_code
        headers = getattr(exc, "resp_headers", None) or {}
        if status in _REDIRECTS:  # some releases raise for the 3xx they do not follow
            return self._redirect(status, headers)
        content_type = str(headers.get("content-type", ""))
        body = getattr(exc, "resp_body", None)  # not in the oldest allowed releases
        if not isinstance(body, bytes):
            body = b""
        details = self._details(
            status_code=status,
            server_message=server_error_text(HttpResult(status, content_type, body)),
        )
        server = self._settings.server.display
        if status in (401, 403):
            return AuthenticationError(
                f"{server} refused the WebSocket handshake: the token is missing or wrong",
                **details,
            )
        if status == 404:
            return ConnectionError(
                f"the WebSocket endpoint was not found at {server}: this is not a single-port "
                "ailoop server (v0.1.41 or later), or the base path in server_url is wrong",
                **details,
            )
        if status >= 500:
            return ServerError(f"{server} failed the WebSocket handshake", **details)
        return ConnectionError(
            f"{server} refused the WebSocket handshake (HTTP {status})", **details
        )

    def _redirect(self, status: int, headers: Mapping[str, Any]) -> AiloopError:
        location = str(headers.get("location", ""))[:_MAX_LOCATION_TEXT]
        where = f" to {redact_url(location)}" if location else ""
        return ConnectionError(
            f"{self._settings.server.display} answered the WebSocket handshake with a "
            f"redirect{where}, which ailoop-py does not follow (credentials must not travel "
            "to another address); point server_url at the final address",
            **self._details(status_code=status),
        )

    def _stalled(self, allowed: float) -> AiloopError:
        return TimeoutError(
            f"the WebSocket handshake with {self._settings.server.display} did not finish "
            f"within {allowed:.3g} s",
            **self._details(),
        )

    def _details(self, **extra: Any) -> Dict[str, Any]:
        return {"method": "GET", "path": self._path, **extra}


class _HeaderReader:
    """A connected plain socket as websocket-client's handshake reads it.

    websocket-client reads the handshake's answer one byte per ``recv`` (so that it never
    reads into the first frame): some 300 system calls and Python calls per connection,
    about a third of the client's CPU for a whole prompt (BENCHMARKS.md, item 10). This
    reader peeks at what has arrived (``MSG_PEEK``), takes from the socket only what
    precedes the end of the headers (never a byte of a frame) and serves the one-byte
    reads from memory. It answers ``gettimeout()`` with 0 so that websocket-client calls
    :meth:`recv` directly instead of polling first: :meth:`recv` blocks on the socket
    itself, so the socket's timeout and a shutdown by the deadline watch still end it.
    Everything else goes to the socket.
    """

    __slots__ = ("_buffer", "_position", "_taken_tail", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""
        self._position = 0
        self._taken_tail = b""
        """The last bytes taken from the socket: the end of the headers may begin there."""

    def recv(self, bufsize: int) -> bytes:
        """Up to ``bufsize`` bytes of the answer (b"" once the peer closed, or at once for
        ``bufsize`` 0, as a socket answers: websocket-client 1.8 reads an error answer's
        ``Content-Length: 0`` body so).
        """
        if bufsize <= 0:
            return b""
        buffer, position = self._buffer, self._position
        if position >= len(buffer):
            peeked = self.sock.recv(_PEEK_BYTES, socket.MSG_PEEK)
            if not peeked:
                return peeked
            tail = self._taken_tail
            end = (tail + peeked).find(_HEADERS_END)
            wanted = end + len(_HEADERS_END) - len(tail) if end >= 0 else len(peeked)
            buffer = self.sock.recv(wanted)
            if not buffer:
                return buffer
            self._taken_tail = (tail + buffer)[1 - len(_HEADERS_END) :]
            self._buffer, position = buffer, 0
        self._position = position + bufsize
        return buffer[position : position + bufsize]

    def gettimeout(self) -> float:
        """0: see the class docstring."""
        return 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def _handshake_status(ws: websocket.WebSocket) -> Optional[int]:
    response = getattr(ws, "handshake_response", None)
    status = getattr(response, "status", None)
    return int(status) if status is not None else None


def _handshake_headers(ws: websocket.WebSocket) -> Mapping[str, Any]:
    response = getattr(ws, "handshake_response", None)
    headers: Optional[Mapping[str, Any]] = getattr(response, "headers", None)
    return headers or {}


def _sslopt(settings: ConnectionSettings) -> Dict[str, Any]:
    if settings.verify is False:
        return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
    path = str(settings.verify)
    if os.path.isdir(path):
        return {"cert_reqs": ssl.CERT_REQUIRED, "ca_cert_path": path}
    return {"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": path}


def _proxy_options(settings: ConnectionSettings) -> Dict[str, Any]:
    proxy = _proxy(settings)
    if proxy is None:
        return {}
    proxy_type, host, port, auth = proxy
    return {
        "http_proxy_host": host,
        "http_proxy_port": port,
        "http_proxy_auth": auth,
        "proxy_type": proxy_type,
        # NO_PROXY was already applied when the settings were built; a list that matches
        # no host keeps websocket-client from deciding again with its own defaults
        # (releases before 1.9 never proxy localhost and 127.0.0.1).
        "http_no_proxy": [_MATCHES_NO_HOST],
    }


_Proxy = Tuple[str, str, int, Optional[Tuple[str, str]]]
"""websocket-client's proxy type, host, port and optional (user, password)."""


def _proxy(settings: ConnectionSettings) -> Optional[_Proxy]:
    proxies = settings.proxies
    url = proxies.get("https" if settings.server.secure else "http") or proxies.get("all")
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    proxy_type = parts.scheme.lower()
    if proxy_type == "https":
        proxy_type = "http"
    auth = None
    if parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
    port = parts.port or (1080 if proxy_type.startswith("socks") else 8080)
    return proxy_type, parts.hostname, port, auth
