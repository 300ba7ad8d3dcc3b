"""``AiloopTestServer``: the wire-faithful stand-in, served from a background thread."""

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import socket
import ssl
import threading
import time
from types import TracebackType
from typing import Any, Callable, Iterable, List, NamedTuple, Optional, Type, TypeVar

from aiohttp import web

from ailoop._public import present_as
from ailoop.models import Message

from ._faults import FaultBook, FaultRule, RecordedFrame, RecordedRequest, TrafficLog
from ._hub import HubStats
from ._human import HumanPolicy, HumanWorker, plain_response_type
from ._interaction import TICK_SECONDS
from ._registry import PromptEntry, Reply
from ._routes import HttpApi
from ._state import ServerState
from ._websocket import WebSocketEndpoint
from ._wire import RESPONSE_TYPES, parse_uuid

logger = logging.getLogger("ailoop.testing")

T = TypeVar("T")

DEFAULT_VERSION = "1.0.0"
PROTOCOLS = ("v0", "v1")
_STARTUP_TIMEOUT = 10.0
_CALL_TIMEOUT = 10.0
_CLEANUP_TIMEOUT = 2.0
_HUMAN_JOIN_TIMEOUT = 2.0
_CLIENT_MAX_SIZE = 64 * 1024 * 1024


class PendingPrompt(NamedTuple):
    """A prompt currently registered with the human-interaction loop.

    ``kind`` is ``decision``, ``authorize`` or ``navigate`` (``question`` in ``v0``
    mode), ``position`` is 1-based, ``label`` is what ``/api/v1/pending`` shows, and
    ``message`` is the prompt itself.
    """

    message_id: str
    kind: str
    channel: str
    position: int
    label: str
    message: Message


class _Registered(NamedTuple):
    """What the loop thread publishes; the model is built on the reader's thread."""

    message_id: str
    kind: str
    channel: str
    position: int
    label: str
    text: str

    def public(self) -> PendingPrompt:
        message = Message.from_wire(json.loads(self.text))
        return PendingPrompt(
            self.message_id, self.kind, self.channel, self.position, self.label, message
        )


class ConnectionCounts(NamedTuple):
    """Open WebSocket connections: all of them, agent connections and viewers."""

    total: int
    agents: int
    viewers: int


def _validate_base_path(base_path: str) -> str:
    if base_path in ("", "/"):
        return ""
    if not base_path.startswith("/") or base_path.endswith("/") or "//" in base_path:
        raise ValueError("base_path must start with '/', must not end with '/' nor contain '//'")
    if base_path == "/api":
        raise ValueError("base_path must not be '/api'")
    return base_path


def _message_id(value: Any) -> str:
    parsed = parse_uuid(str(value))
    if parsed is None:
        raise ValueError(f"not a UUID: {value!r}")
    return parsed


class AiloopTestServer:
    """A pure-Python stand-in for the ailoop server (v1.0.14 wire behaviour, quirks included).

    HTTP and the WebSocket share one port; the server runs its own event loop on a
    named daemon thread.  Every public method may be called from any thread except
    where noted; methods that read or change server state run on the server's loop and
    return once it is done.

    :param host: interface to bind.
    :param port: port to bind; ``0`` picks a free one (see :attr:`port` after start).
    :param protocol: ``"v1"`` (HEAD, ``decision``) or ``"v0"`` (v1.0.0: ``question``,
        warp-era error statuses, no pending API, ``queue_size`` always 0).
    :param version: the health ``version`` string (default ``"1.0.0"``, as every
        v1.0.x server reports).
    :param tokens: accepted tokens; non-empty enables auth on every route (Bearer first,
        then ``X-Api-Key``), the WebSocket handshake included.
    :param base_path: mount everything under this prefix (``/hil`` gives ``/hil/api/...``
        and the WebSocket at ``/hil/``).
    :param default_timeout: seconds a prompt with ``timeout_seconds: 0`` (and any
        navigation) waits, like ``ailoop serve``'s 300; ``None`` waits forever, like a
        bare embedder.  ``AILOOP_DEFAULT_PROMPT_TIMEOUT_SECS`` takes precedence, as on the
        real server.
    :param human: optional policy ``human(message) -> None | str | (answer, response_type)``
        called on its own thread for each registered prompt (see :meth:`respond` for the
        web-UI way of answering instead).
    :param ssl_context: serve HTTPS/WSS with this context.
    :param tick: seconds between two turns of the interaction loop, which shows queued
        prompts one at a time (the real server's 100 ms). A test that sends many prompts
        in a row can pass ``tick=0.01``.
    :param time_scale: every prompt's server-side timeout is multiplied by this factor.
        The wire's ``timeout_seconds`` is a whole number, so the shortest real timeout is
        1 s; ``time_scale=0.1`` makes it 0.1 s, for tests of the timeout outcome. The
        ``timeout_seconds`` a client sent and sees in the stored prompt do not change.

    ``tokens``, ``base_path`` and ``ssl_context`` are honoured in ``v0`` mode too,
    although v1.0.0 itself had none of them.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        protocol: str = "v1",
        version: Optional[str] = None,
        tokens: Iterable[str] = (),
        base_path: str = "",
        default_timeout: Optional[float] = 300.0,
        human: Optional[HumanPolicy] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        tick: float = TICK_SECONDS,
        time_scale: float = 1.0,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if default_timeout is not None and default_timeout < 0:
            raise ValueError("default_timeout must be >= 0 or None")
        if not 0 < tick <= 60:
            raise ValueError(f"tick must be > 0 and <= 60 seconds, got {tick!r}")
        if not 0 < time_scale <= 1000:
            raise ValueError(f"time_scale must be > 0 and <= 1000, got {time_scale!r}")
        self._host = host
        self._port = port
        self._protocol = protocol
        self._version = version if version is not None else DEFAULT_VERSION
        self._tokens = tuple(tokens)
        self._base_path = _validate_base_path(base_path)
        self._default_timeout = default_timeout
        self._human = human
        self._ssl_context = ssl_context
        self._tick = tick
        self._time_scale = time_scale

        self._log = TrafficLog()
        self._faults = FaultBook()
        self._lifecycle = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._startup_error: Optional[BaseException] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop_requested: Optional[asyncio.Future[None]] = None
        self._state: Optional[ServerState] = None
        self._websockets: Optional[WebSocketEndpoint] = None
        self._worker: Optional[HumanWorker] = None

        self._watch = threading.Condition()
        self._pending: List[_Registered] = []
        self._connections = ConnectionCounts(0, 0, 0)
        self._opened_urls: List[str] = []

    # -- addresses -------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The bound host."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port (known once started; kept across :meth:`restart`)."""
        if self._port == 0:
            raise RuntimeError("the port is chosen by start()")
        return self._port

    @property
    def protocol(self) -> str:
        """``"v1"`` or ``"v0"``."""
        return self._protocol

    def _authority(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http(s)://host:port`` plus the base path, without a trailing slash."""
        scheme = "https" if self._ssl_context is not None else "http"
        return f"{scheme}://{self._authority()}{self._base_path}"

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint: ``ws(s)://host:port`` plus the base path plus ``/``."""
        scheme = "wss" if self._ssl_context is not None else "ws"
        return f"{scheme}://{self._authority()}{self._base_path}/"

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._thread is not None

    def __repr__(self) -> str:
        where = self.url if self._port else f"{self._host}:<unbound>"
        return f"<AiloopTestServer {self._protocol} {where} running={self.running}>"

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> "AiloopTestServer":
        """Bind and start serving; returns once the server accepts connections."""
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError("the server is already running")
            listener = self._bind()
            self._port = listener.getsockname()[1]
            self._ready.clear()
            self._startup_error = None
            thread = threading.Thread(
                target=self._run,
                args=(listener,),
                name=f"ailoop-test-server:{self._port}",
                daemon=True,
            )
            thread.start()
            self._ready.wait(_STARTUP_TIMEOUT)
            if self._startup_error is not None or not self._ready.is_set():
                thread.join(_STARTUP_TIMEOUT)
                listener.close()
                raise RuntimeError("the stand-in server failed to start") from self._startup_error
            self._thread = thread
            if self._human is not None:
                self._worker = HumanWorker(
                    self._human, self._deliver_human_answer, f"ailoop-test-human:{self._port}"
                )
                self._worker.start()
        return self

    def stop(self) -> None:
        """Stop serving: drop every socket, join every thread (no-op when stopped)."""
        with self._lifecycle:
            thread, loop, stop_requested = self._thread, self._loop, self._stop_requested
            if thread is None or loop is None or stop_requested is None:
                return
            with contextlib.suppress(RuntimeError):  # the loop may have ended already
                loop.call_soon_threadsafe(self._request_stop, stop_requested)
            thread.join()
            self._thread = None
            if self._worker is not None:
                self._worker.stop(_HUMAN_JOIN_TIMEOUT)
                self._worker = None
            with self._watch:
                self._pending = []
                self._connections = ConnectionCounts(0, 0, 0)
                self._watch.notify_all()

    def restart(self) -> None:
        """Stop and start again on the same port; history, tasks, queues and prompts are lost.

        Traffic logs, fault rules and :attr:`opened_urls` are kept.
        """
        self.stop()
        self.start()

    def __enter__(self) -> "AiloopTestServer":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        family, kind, proto, _, address = socket.getaddrinfo(
            self._host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        try:
            if os.name == "posix":
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(128)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        return listener

    @staticmethod
    def _request_stop(stop_requested: "asyncio.Future[None]") -> None:
        if not stop_requested.done():
            stop_requested.set_result(None)

    def _run(self, listener: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(loop, listener))
        except BaseException as exc:
            self._startup_error = exc
            if self._ready.is_set():
                logger.exception("the stand-in server stopped with an error")
            self._ready.set()
        finally:
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            listener.close()

    async def _serve(self, loop: asyncio.AbstractEventLoop, listener: socket.socket) -> None:
        state = ServerState(
            legacy=self._protocol == "v0",
            default_timeout=self._default_timeout,
            on_registry_change=self._publish_pending,
            on_prompt=self._offer_to_human,
            on_open_url=self._record_opened_url,
            tick=self._tick,
            time_scale=self._time_scale,
        )
        websockets = WebSocketEndpoint(self._log, self._publish_connections)
        closing = asyncio.Event()
        api = HttpApi(
            state=state,
            legacy=self._protocol == "v0",
            version=self._version,
            tokens=self._tokens,
            base_path=self._base_path,
            faults=self._faults,
            log=self._log,
            websockets=websockets,
            closing=closing,
        )
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", "/{tail:.*}", api.dispatch)
        app.on_response_prepare.append(api.on_prepare)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.25)
        await runner.setup()
        try:
            site = web.SockSite(runner, listener, ssl_context=self._ssl_context)
            await site.start()
            processing = asyncio.ensure_future(state.interaction.run())
            self._loop, self._state, self._websockets = loop, state, websockets
            self._stop_requested = loop.create_future()
            self._ready.set()
            await self._stop_requested
            state.shutting_down = True
            closing.set()
            processing.cancel()
            websockets.drop_all()
        finally:
            await asyncio.wait_for(runner.cleanup(), _CLEANUP_TIMEOUT)

    # -- calls into the loop ---------------------------------------------------------

    def _on_loop(self, action: Callable[[ServerState], T]) -> T:
        """Run ``action`` on the server loop and return its result.

        After :meth:`stop` the action runs directly on the last state (nothing else
        touches it any more), so results stay readable once the server is down.
        """
        state = self._state
        if state is None:
            raise RuntimeError("the server has not been started")
        loop = self._loop
        if self._thread is None or loop is None or threading.current_thread() is self._thread:
            return action(state)
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(action(state))
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result(_CALL_TIMEOUT)

    def _websocket_action(self, action: Callable[[WebSocketEndpoint], None]) -> None:
        endpoint = self._websockets
        if endpoint is None or self._thread is None:
            raise RuntimeError("the server is not running")
        self._on_loop(lambda _state: action(endpoint))

    # -- observers called on the loop thread -----------------------------------------

    def _publish_pending(self, entries: List[PromptEntry]) -> None:
        snapshot = [
            _Registered(
                entry.message.id,
                entry.kind,
                entry.channel,
                position,
                entry.label,
                entry.message.text,
            )
            for position, entry in enumerate(entries, start=1)
        ]
        with self._watch:
            self._pending = snapshot
            self._watch.notify_all()

    def _publish_connections(self, stats: HubStats) -> None:
        with self._watch:
            self._connections = ConnectionCounts(stats.total, stats.agents, stats.viewers)
            self._watch.notify_all()

    def _offer_to_human(self, entry: PromptEntry) -> None:
        if self._worker is not None:
            self._worker.submit(entry.entry_id, json.loads(entry.message.text))

    def _record_opened_url(self, url: str) -> None:
        with self._watch:
            self._opened_urls.append(url)
            self._watch.notify_all()

    def _deliver_human_answer(self, entry_id: int, reply: Reply) -> None:
        loop, state = self._loop, self._state
        if loop is None or state is None:
            return

        def complete() -> None:
            entry = state.registry.find(entry_id)
            if entry is not None:
                state.registry.complete(entry, reply)

        try:
            loop.call_soon_threadsafe(complete)
        except RuntimeError:
            logger.debug("dropping a human answer that arrived after stop()")

    # -- the human side --------------------------------------------------------------

    def pending(self) -> List[PendingPrompt]:
        """Prompts registered right now (what ``GET /api/v1/pending`` lists: 0 or 1 normally)."""
        with self._watch:
            registered = list(self._pending)
        return [prompt.public() for prompt in registered]

    def wait_for_pending(
        self, timeout: float = 5.0, *, message_id: Optional[Any] = None
    ) -> PendingPrompt:
        """Return the registered prompt (optionally the one for ``message_id``), waiting for it.

        Registration lags the echo by up to 100 ms.  Raises :class:`TimeoutError`.
        """
        wanted = None if message_id is None else _message_id(message_id)
        deadline = time.monotonic() + timeout
        with self._watch:
            while True:
                for prompt in self._pending:
                    if wanted is None or prompt.message_id == wanted:
                        return prompt.public()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no prompt was registered within {timeout} s")
                self._watch.wait(remaining)

    def respond(
        self, message_id: Any, answer: Optional[str] = None, response_type: str = "text"
    ) -> Message:
        """Answer as the web UI does (``POST /api/v1/messages/{id}/response``).

        Stores and broadcasts a raw response, then hands the answer to the prompt if it
        is registered right now (which produces the canonical response).  Returns the
        raw response; raises :class:`LookupError` if ``message_id`` is not in history.
        """
        wire_type = plain_response_type(response_type)
        if wire_type is None:
            raise ValueError(f"response_type must be one of {RESPONSE_TYPES}")
        if answer is not None and not isinstance(answer, str):
            raise TypeError("answer must be a str or None")
        wanted = _message_id(message_id)
        raw = self._on_loop(lambda state: state.post_response(wanted, answer, wire_type))
        if raw is None:
            raise LookupError(f"Original message not found: {wanted}")
        return Message.from_wire(json.loads(raw.text))

    @property
    def opened_urls(self) -> List[str]:
        """URLs of approved navigations (the real server would open a browser on its host)."""
        with self._watch:
            return list(self._opened_urls)

    # -- inspection ------------------------------------------------------------------

    def messages(self, channel: Optional[str] = None) -> List[Message]:
        """Stored history, oldest stored first (one channel, or every channel in turn).

        Canonical responses are never stored, exactly like on the real server; see
        :attr:`frames` for everything that went over the WebSockets.
        """
        texts = self._on_loop(lambda state: [m.text for m in state.history.all(channel)])
        return [Message.from_wire(json.loads(text)) for text in texts]

    def connections(self) -> ConnectionCounts:
        """Open WebSocket connections right now."""
        with self._watch:
            return self._connections

    def wait_for_connections(
        self,
        *,
        total: Optional[int] = None,
        agents: Optional[int] = None,
        viewers: Optional[int] = None,
        timeout: float = 5.0,
    ) -> ConnectionCounts:
        """Wait until each given count equals the open connections; raises TimeoutError."""
        deadline = time.monotonic() + timeout

        def satisfied(counts: ConnectionCounts) -> bool:
            return all(
                wanted is None or wanted == actual
                for wanted, actual in (
                    (total, counts.total),
                    (agents, counts.agents),
                    (viewers, counts.viewers),
                )
            )

        with self._watch:
            while not satisfied(self._connections):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"connections are {self._connections}")
                self._watch.wait(remaining)
            return self._connections

    @property
    def requests(self) -> List[RecordedRequest]:
        """Every HTTP request received so far (snapshot)."""
        return self._log.requests()

    @property
    def frames(self) -> List[RecordedFrame]:
        """Every WebSocket text frame received (``"in"``) or sent (``"out"``) so far (snapshot)."""
        return self._log.frames()

    def clear_logs(self) -> None:
        """Forget the request and frame logs."""
        self._log.clear()

    # -- fault switches --------------------------------------------------------------

    def drop_connections(self) -> None:
        """Cut every open WebSocket at once, without a close frame."""
        self._websocket_action(lambda endpoint: endpoint.drop_all())

    def inject_frame(self, text: str) -> None:
        """Send a raw text frame (anything, even non-JSON) on every open WebSocket."""
        self._websocket_action(lambda endpoint: endpoint.inject(text))

    def pause_pongs(self) -> None:
        """Go half-open: stop every send on every WebSocket, pongs included, until resumed.

        Frames queue up meanwhile and are sent by :meth:`resume_pongs`; pings received
        while paused are never answered.
        """
        self._websocket_action(lambda endpoint: endpoint.pause())

    def resume_pongs(self) -> None:
        """Undo :meth:`pause_pongs`."""
        self._websocket_action(lambda endpoint: endpoint.resume())

    def fail_route(  # noqa: PLR0917 - the positional signature is the documented contract
        self,
        method: str,
        path: str,
        status: Optional[int],
        body: str = "",
        content_type: str = "application/json",
        delay: float = 0.0,
        reset: bool = False,
        *,
        times: Optional[int] = None,
    ) -> None:
        """Answer matching requests with ``status``/``body`` instead of serving them.

        ``method`` is an HTTP method or ``"*"``; ``path`` is a glob (``fnmatch``) matched
        against the request path with and without the base path, query string excluded
        (``"/"`` is the WebSocket handshake).  ``delay`` waits first; ``reset`` then cuts
        the TCP connection without any response; ``status=None`` serves the real
        response after the delay.  ``times`` limits the rule to that many requests.
        Rules apply before auth and routing, like a misbehaving proxy.
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        self._faults.add(
            FaultRule(method.upper(), path, status, body, content_type, delay, reset), times
        )

    def clear_faults(self) -> None:
        """Remove every :meth:`fail_route` rule and resume sending on WebSockets."""
        self._faults.clear()
        if self._thread is not None:
            self._websocket_action(lambda endpoint: endpoint.resume())

    def begin_shutdown(self) -> None:
        """Set the shutting-down flag: ``POST /api/v1/messages`` answers 503 from now on."""

        def flag(state: ServerState) -> None:
            state.shutting_down = True

        self._on_loop(flag)


present_as("ailoop.testing", globals(), ["AiloopTestServer", "ConnectionCounts", "PendingPrompt"])
