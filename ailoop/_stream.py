"""The network thread: one long-lived viewer connection and its reconnect loop.

:class:`ViewerStream` runs one daemon thread (``ailoop-stream``) that

1. opens the WebSocket (``SocketFactory``), lets its :class:`StreamHooks` prepare
   (``before_hello``), sends the hello frame ``{"subscribe": "*"}`` (PROTOCOL.md §6.4) and
   lets the hooks catch up (``after_hello``), then reports ``CONNECTED``;
2. reads frames and hands every text frame to ``hooks.on_frame`` -- decoding beyond what
   routing needs is the hooks' business (and happens on the dispatcher thread) -- and
   calls ``hooks.flush`` whenever the next read may wait for the network (nothing is left
   in the socket's read-ahead buffer) and a frame since the last flush left something to
   hand on, so the hooks hand a burst of frames on in one batch;
3. pings every ``ping_interval`` seconds (the server never pings, §6.7) and declares the
   link dead when nothing at all arrived for ``ping_interval + ping_timeout`` seconds;
4. after a drop, reconnects after ``backoff.full_jitter(backoff.expo(...))`` delays --
   ``reconnect_delay`` seconds base, doubling, capped at 30 s -- for up to
   ``reconnect_attempts`` consecutive failed attempts, sleeping on an ``Event`` that
   :meth:`ViewerStream.stop` sets. A connection that was established (hello sent,
   catch-up done) starts a fresh count and a fresh delay sequence after it drops.

The *first* connection of a stream is not retried: its failure is reported at once
(``GAVE_UP``) so a caller waiting in :meth:`ViewerStream.wait_settled` gets the error
instead of a long silent retry. A 401/403 answer to the handshake (or to the catch-up
requests) is fatal, and so is any other 4xx answer (a wrong URL will not get better);
network errors and 5xx answers are retried.

:meth:`ViewerStream.stop` may be called from any thread: it sets the stop event, shuts
the socket down (waking a blocked read or handshake at once) and joins the thread.
A TCP connect or TLS handshake still in progress is the one thing it cannot cut short;
the daemon thread then ends as soon as that connect returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Optional, Protocol, Tuple

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._jitter import jittered_delays
from ailoop._lazy import lazy_module
from ailoop._realtime_settings import StreamSettings
from ailoop._uwsgi import warn_if_threads_disabled
from ailoop.exceptions import AiloopError, AuthenticationError, ConnectionError

if TYPE_CHECKING:
    import websocket
else:  # loaded when the first socket is made (ailoop/_lazy.py)
    websocket = lazy_module("websocket")

__all__ = [
    "HELLO_FRAME",
    "SocketFactory",
    "StreamHooks",
    "StreamSettings",
    "ViewerStream",
]

logger = logging.getLogger("ailoop.stream")

HELLO_FRAME = json.dumps({"subscribe": "*"})
MAX_RECONNECT_DELAY = 30.0
_MIN_READ_TIMEOUT = 0.001
_TIMEOUT_SLACK = 0.05
"""How far (a fraction of ``ping_interval``) a read may wake from its ideal time before
the socket's timeout is set again."""


class SocketFactory(Protocol):
    """Creates and connects the viewer WebSocket (URL, headers, TLS and proxy settings):
    :class:`ailoop._websocket.WebSocketOpener`.
    """

    def new_socket(self) -> websocket.WebSocket:
        """A WebSocket object that is not connected yet."""

    def connect(self, ws: websocket.WebSocket, timeout: float) -> None:
        """Open ``ws`` (TCP, TLS, HTTP upgrade) within ``timeout`` seconds; raise an
        :mod:`ailoop.exceptions` error carrying the handshake's HTTP status, if any.
        """


class StreamHooks(Protocol):
    """What the stream calls on its thread; exceptions from ``before_hello`` and
    ``after_hello`` fail the connection attempt, ``on_frame`` must not raise.
    """

    def before_hello(self) -> None:
        """The socket is open; the hello frame is about to be sent."""

    def after_hello(self) -> None:
        """The hello frame is sent; catch up on what may have been missed."""

    def on_frame(self, data: bytes) -> bool:
        """A text frame arrived (raw UTF-8 bytes, not validated); True when something
        now waits to be handed on at the next :meth:`flush`.
        """

    def flush(self) -> None:
        """The stream is about to wait for the network: hand on what the frames since
        the last flush produced (called only after ``on_frame`` returned True).
        """

    def on_state(self, event: ConnectionEvent) -> None:
        """The stream's state changed."""


class _Fatal(Exception):
    """A connection failure that retrying cannot fix; ``error`` is what to report."""

    def __init__(self, error: AiloopError) -> None:
        super().__init__(str(error))
        self.error = error


class ViewerStream:
    """The network thread and its viewer connection (see the module docstring)."""

    def __init__(
        self,
        factory: SocketFactory,
        hooks: StreamHooks,
        settings: StreamSettings,
        thread_name: str = "ailoop-stream",
    ) -> None:
        self._factory = factory
        self._hooks = hooks
        self._settings = settings
        self._stop = threading.Event()
        self._condition = threading.Condition(threading.Lock())
        self._state: Optional[ConnectionState] = None
        self._error: Optional[BaseException] = None
        self._done = False
        self._socket: Optional[websocket.WebSocket] = None
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    # -- control (any thread) -----------------------------------------------------------

    def start(self) -> None:
        """Start the network thread (once)."""
        warn_if_threads_disabled()
        self._thread.start()

    @property
    def state(self) -> Optional[ConnectionState]:
        """The last state reported, None before the first attempt ends."""
        return self._state

    @property
    def done(self) -> bool:
        """True once stop was requested or the stream has given up (set before the
        ``GAVE_UP`` event is reported).
        """
        return self._done or self._stop.is_set()

    def is_stream_thread(self) -> bool:
        """True when called on this stream's network thread."""
        return threading.current_thread() is self._thread

    def wait_settled(
        self, timeout: Optional[float]
    ) -> Tuple[Optional[ConnectionState], Optional[BaseException]]:
        """Block until the stream is connected or has ended, or ``timeout`` passes;
        return ``(state, error)`` at that moment (``error`` explains an end).
        """
        with self._condition:
            self._condition.wait_for(
                lambda: self._state is ConnectionState.CONNECTED or self._done, timeout
            )
            return self._state, self._error

    def stop(self, timeout: float) -> bool:
        """Stop the thread and join it for up to ``timeout`` seconds; idempotent, any
        thread. True when the thread has ended (or was never started).
        """
        self._stop.set()
        self._interrupt()
        if not self._thread.is_alive() or self.is_stream_thread():
            return not self._thread.is_alive()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _interrupt(self) -> None:
        with self._condition:
            ws = self._socket
        sock = ws.sock if ws is not None else None
        if sock is None:
            return
        with contextlib.suppress(OSError):  # already closed: nothing left to wake
            sock.shutdown(socket.SHUT_RDWR)

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve_until_done()
        except Exception as exc:  # a bug: report it rather than die silently
            logger.exception("realtime stream failed unexpectedly")
            self._give_up(ConnectionError(f"internal error: {exc!r}"), 0, "internal error")
        finally:
            with self._condition:
                self._done = True
                self._condition.notify_all()

    def _serve_until_done(self) -> None:
        try:
            ws = self._open()
        except _Fatal as fatal:
            self._give_up(fatal.error, 0, "the server refused the connection")
            return
        except AiloopError as first_error:
            if not self._stop.is_set():
                self._give_up(first_error, 0, "could not connect")
            return
        while True:
            reason, error = self._read_until_dropped(ws)
            self._close_socket(ws)
            if self._stop.is_set():
                self._emit_stopped()
                return
            logger.info("realtime stream disconnected: %s", reason)
            self._emit(ConnectionEvent(ConnectionState.DISCONNECTED, reason=reason, error=error))
            reconnected = self._reconnect()
            if reconnected is None:
                return
            ws = reconnected

    def _reconnect(self) -> Optional[websocket.WebSocket]:
        settings = self._settings
        delays = jittered_delays(settings.reconnect_delay, MAX_RECONNECT_DELAY)
        last_error: Optional[AiloopError] = None
        for failures in range(settings.reconnect_attempts):
            delay = next(delays)
            logger.info("realtime stream reconnecting in %.2f s", delay)
            self._emit(ConnectionEvent(ConnectionState.RECONNECTING, delay=delay, attempt=failures))
            if self._stop.wait(delay):
                break
            try:
                return self._open()
            except _Fatal as fatal:
                self._give_up(fatal.error, failures + 1, "the server refused the connection")
                return None
            except AiloopError as error:
                last_error = error
                logger.info("realtime reconnect attempt %d failed: %s", failures + 1, error)
            if self._stop.is_set():
                break
        if self._stop.is_set():
            self._emit_stopped()
            return None
        self._give_up(
            last_error or ConnectionError("the realtime connection dropped; reconnecting is off"),
            settings.reconnect_attempts,
            f"{settings.reconnect_attempts} reconnect attempt(s) failed",
        )
        return None

    def _give_up(self, error: AiloopError, attempts: int, reason: str) -> None:
        logger.warning("realtime stream gave up: %s (%s)", reason, str(error))
        with self._condition:
            self._error = error
            self._done = True
        self._emit(
            ConnectionEvent(ConnectionState.GAVE_UP, attempt=attempts, reason=reason, error=error)
        )

    def _emit_stopped(self) -> None:
        logger.info("realtime stream stopped")
        self._emit(ConnectionEvent(ConnectionState.DISCONNECTED, reason="stopped by the client"))

    def _open(self) -> websocket.WebSocket:
        """Connect, hello and catch up; raise ``_Fatal`` or an ``AiloopError``."""
        ws = self._factory.new_socket()
        with self._condition:
            self._socket = ws
        if self._stop.is_set():
            raise ConnectionError("the realtime stream was stopped")
        try:
            try:
                self._factory.connect(ws, self._settings.connect_timeout)
            except AiloopError as refused:
                status = refused.status_code
                if status is not None and 300 <= status < 500:  # a wrong token or URL:
                    raise _Fatal(refused) from refused  # retrying cannot help
                raise
            self._hooks.before_hello()
            ws.settimeout(self._settings.connect_timeout)
            ws.send(HELLO_FRAME)
            self._hooks.after_hello()
        except BaseException as exc:
            self._close_socket(ws)
            raise _classify(exc) from exc
        if self._stop.is_set():
            self._close_socket(ws)
            raise ConnectionError("the realtime stream was stopped")
        logger.info("realtime stream connected")
        self._emit(ConnectionEvent(ConnectionState.CONNECTED))
        return ws

    def _read_until_dropped(self, ws: websocket.WebSocket) -> Tuple[str, Optional[BaseException]]:
        """Read frames until the link drops or stop is requested; return why.

        Pings, the liveness check and the socket's read timeout are looked after only
        before a read that may wait for the network (nothing left in the read-ahead
        buffer): frames already read are handled first. The timeout is set again only
        when a read started now would wake more than ``ping_interval / 20`` away from
        the next ping or liveness check (setting it is a system call).
        """
        interval = self._settings.ping_interval
        silence_limit = None if interval is None else interval + self._settings.ping_timeout
        slack = 0.0 if interval is None else interval * _TIMEOUT_SLACK
        monotonic = time.monotonic
        last_seen = monotonic()
        next_ping = last_seen + interval if interval is not None else 0.0
        has_buffered_data = getattr(ws, "has_buffered_data", _nothing_buffered)
        receive = ws.recv_data_frame
        stopped = self._stop.is_set
        on_frame = self._hooks.on_frame
        text, close = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_CLOSE
        read_timeout: Optional[float] = None
        armed_at: Optional[float] = None  # when read_timeout was set; None: not set yet
        unflushed = False  # a frame left something to hand on
        while not stopped():
            try:
                if not has_buffered_data():  # the read may wait for the network
                    if unflushed:
                        unflushed = False
                        self._flush()
                    now = monotonic()
                    if silence_limit is not None and interval is not None:
                        if now - last_seen > silence_limit:
                            return _dead_link(silence_limit), None
                        if now >= next_ping:
                            try:
                                ws.ping()
                            except (websocket.WebSocketException, OSError) as exc:
                                return f"sending a ping failed: {exc}", exc
                            next_ping = now + interval
                        wake_at = min(next_ping, last_seen + silence_limit)
                        if armed_at is None or abs(now + (read_timeout or 0.0) - wake_at) > slack:
                            read_timeout = max(wake_at - now, _MIN_READ_TIMEOUT)
                            ws.settimeout(read_timeout)
                            armed_at = now
                    elif armed_at is None:
                        ws.settimeout(None)
                        armed_at = now
                opcode, frame = receive(True)
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError, ValueError) as exc:
                return f"connection lost: {exc or type(exc).__name__}", exc
            last_seen = monotonic()
            if opcode == text:
                try:
                    unflushed = on_frame(frame.data) or unflushed
                except Exception:
                    unflushed = True  # it may have left something all the same
                    logger.exception("failed to route a frame; the stream goes on")
            elif opcode == close:
                return "the server closed the connection", None
        return "stopped by the client", None

    def _flush(self) -> None:
        try:
            self._hooks.flush()
        except Exception:
            logger.exception("failed to hand frames on; the stream goes on")

    def _close_socket(self, ws: websocket.WebSocket) -> None:
        with self._condition:
            if self._socket is ws:
                self._socket = None
        try:
            ws.shutdown()  # type: ignore[no-untyped-call]
        except Exception:
            logger.debug("closing the viewer socket failed", exc_info=True)

    def _emit(self, event: ConnectionEvent) -> None:
        """Report ``event`` to the hooks, then publish it to :meth:`wait_settled`: a
        caller woken by ``CONNECTED`` finds the hooks' view of the connection up to date.
        """
        try:
            self._hooks.on_state(event)
        except Exception:
            logger.exception("failed to report a connection state change")
        with self._condition:
            self._state = event.state
            self._condition.notify_all()


def _dead_link(silence_limit: float) -> str:
    return f"no frame or pong for {silence_limit:g} s: the link is dead"


def _nothing_buffered() -> bool:
    """For sockets that read no more than each frame: the next read may always wait."""
    return False


def _classify(exc: BaseException) -> Exception:
    """Turn a failure of a connection attempt into ``_Fatal`` or an ``AiloopError``.

    Credentials refused anywhere (handshake or catch-up requests) and any 4xx answer to
    the handshake (already ``_Fatal``) are fatal; everything else is worth another attempt.
    """
    if isinstance(exc, _Fatal):
        return exc
    if isinstance(exc, AuthenticationError):
        return _Fatal(exc)
    if isinstance(exc, AiloopError):
        return exc
    if isinstance(exc, (websocket.WebSocketException, OSError, ValueError)):
        return ConnectionError(f"the realtime connection failed: {exc or type(exc).__name__}")
    if isinstance(exc, Exception):
        logger.error("unexpected error while connecting", exc_info=exc)
        return ConnectionError(f"the realtime connection failed: {type(exc).__name__}: {exc}")
    raise exc
