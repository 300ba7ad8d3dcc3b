"""The realtime engine of one client: stream, routing, handlers, waits and prompt sightings.

:class:`RealtimeEngine` owns

* the network thread (:class:`ailoop._stream.ViewerStream`, started lazily and restarted
  after it gave up or was disconnected) and the hooks it calls: seeding the
  de-duplication memory from the channel history before the first hello (so the replay
  that follows the hello is not handed to handlers), catching up from the history after
  every later connection (missed messages go to handlers once, missed responses to
  waiters) and checking that the prompts being waited for still exist (a server restart
  loses them: their waits raise :class:`ailoop.DeliveryError`);
* routing of every frame on the network thread: sightings for prompt senders, response
  frames to waiters (never dropped), new messages of subscribed channels to the
  dispatcher (bounded, may drop the oldest);
* the dispatcher thread (:class:`ailoop._dispatch.Dispatcher`) for user callbacks;
* blocking waits for a prompt's final response, which also poll the REST history while
  no stream is running (``realtime=False``, after ``GAVE_UP`` or
  ``disconnect_websocket()``).

REST access goes through a :class:`HistoryAccess` the client provides, returning raw
JSON objects: decoding into dataclasses only happens for what a caller or handler gets.
"""

import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Protocol, Set, Tuple

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._dedup import SeenMessages
from ailoop._dispatch import ConnectionHandler, Dispatcher, HandlerErrorHook, MessageHandler
from ailoop._outcomes import evaluate_response
from ailoop._stream import SocketFactory, StreamSettings, ViewerStream
from ailoop._types import Frame
from ailoop._validation import ALL_CHANNELS
from ailoop._waiters import ResponseWaiter, Sightings, WaiterRegistry
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    NotFoundError,
    TimeoutError,
)

__all__ = ["ALL_CHANNELS", "HistoryAccess", "PromptTicket", "RealtimeEngine"]

logger = logging.getLogger("ailoop.realtime")

# What a viewer's hello replays of every channel (PROTOCOL.md §6.4): seeding before the
# first hello reads this much of each, so the replay that follows is never handed to
# handlers, not even for a channel subscribed to while the replay is still arriving.
REPLAY_WINDOW = 500
# Everything the server keeps per channel (§7.9). Catch-up and a wait's own look at the
# history read this much, so a gap longer than the replay loses nothing.
HISTORY_LIMIT = 1000
POLL_INTERVAL = 1.0
CLOSE_TIMEOUT = 2.0
RECENT_PROMPTS = 1000


class HistoryAccess(Protocol):
    """The REST calls the engine needs, returning raw JSON (SDK errors on failure)."""

    def channel_names(self) -> List[str]:
        """``GET /api/channels``: the names of the channels that have history."""

    def channel_history(self, channel: str, limit: int) -> List[Frame]:
        """``GET /api/channels/{channel}/messages?limit=N``: the stored messages."""

    def find_message(self, message_id: str) -> Optional[Frame]:
        """``GET /api/v1/messages/{id}``: the message, or None when the server answers 404."""


@dataclass(frozen=True)
class _Prompt:
    channel: str
    content: Optional[Dict[str, Any]]


class PromptTicket:
    """One prompt on its way (see :meth:`RealtimeEngine.begin_prompt`); use as a context
    manager so its sighting and waiter are released whatever happens.
    """

    def __init__(
        self,
        engine: "RealtimeEngine",
        prompt_id: str,
        prompt: _Prompt,
        sighting: Optional[threading.Event],
        waiter: Optional[ResponseWaiter],
    ) -> None:
        self._engine = engine
        self.prompt_id = prompt_id
        self._prompt = prompt
        self._sighting = sighting
        self._waiter = waiter

    def delivered(self, sighting_timeout: float) -> None:
        """The server echoed the prompt: remember it, then wait up to
        ``sighting_timeout`` seconds until the viewer connection has seen it too.
        """
        self._engine._remember_prompt(self.prompt_id, self._prompt)
        if self._sighting is None:
            return
        seen = self._sighting.wait(sighting_timeout)
        self._engine._check_open()
        if not seen:
            logger.warning(
                "prompt %s was delivered, but the realtime stream did not see its broadcast "
                "within %.1f s; an answer given before the stream catches up may be missed",
                self.prompt_id,
                sighting_timeout,
            )

    def final_response(self, timeout: Optional[float]) -> Any:
        """Block until the prompt's final response (see ``RealtimeEngine.wait``)."""
        if self._waiter is None:
            raise RuntimeError("this prompt was sent without wait=True")
        return self._engine._wait(self._waiter, self._prompt, _deadline(timeout))

    def __enter__(self) -> "PromptTicket":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._engine._sightings.forget(self.prompt_id)
        if self._waiter is not None:
            self._engine._waiters.unregister(self._waiter)


class RealtimeEngine:
    """Realtime machinery of one client (see the module docstring). Thread-safe."""

    def __init__(
        self,
        *,
        factory: SocketFactory,
        history: HistoryAccess,
        decode: Callable[[Frame], Any],
        settings: StreamSettings,
        channel: str,
        max_pending_messages: int,
        on_handler_error: Optional[HandlerErrorHook],
    ) -> None:
        self._factory = factory
        self._history = history
        self._decode = decode
        self._settings = settings
        self._max_pending = max_pending_messages
        self._on_handler_error = on_handler_error
        self._lock = threading.Lock()
        self._subscriptions: FrozenSet[str] = frozenset({channel})
        self._seen = SeenMessages()
        self._waiters = WaiterRegistry()
        self._sightings = Sightings()
        self._prompts: OrderedDict[str, _Prompt] = OrderedDict()
        self._dispatcher = Dispatcher(decode, max_pending_messages, on_handler_error)
        self._handoff: List[Frame] = []  # routed on the network thread, not yet handed on
        self._stream: Optional[ViewerStream] = None
        self._history_seeded = False
        self._closed = False

    # -- subscriptions and handlers -----------------------------------------------------

    @property
    def subscriptions(self) -> FrozenSet[str]:
        """The channels whose messages go to handlers (``"*"`` = all)."""
        return self._subscriptions

    def subscribe(self, channel: str) -> None:
        """Add ``channel`` (or ``"*"``) to the subscriptions."""
        with self._lock:
            self._subscriptions = self._subscriptions | {channel}

    def unsubscribe(self, channel: str) -> None:
        """Remove ``channel`` (or ``"*"``) from the subscriptions (no-op when absent)."""
        with self._lock:
            self._subscriptions = self._subscriptions - {channel}

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Register a message handler (starts the dispatcher thread)."""
        self._check_open()
        self._dispatcher.add_message_handler(handler)

    def remove_message_handler(self, handler: MessageHandler) -> bool:
        """Unregister a message handler; False when it was not registered."""
        return self._dispatcher.remove_message_handler(handler)

    def message_queue(self, maxsize: int) -> "queue.Queue[Any]":
        """A new queue fed with every delivered message (starts the dispatcher thread)."""
        self._check_open()
        target: queue.Queue[Any] = queue.Queue(maxsize)
        self._dispatcher.add_queue(target)
        return target

    def add_connection_handler(self, handler: ConnectionHandler) -> None:
        """Register a connection state handler (starts the dispatcher thread)."""
        self._check_open()
        self._dispatcher.add_connection_handler(handler)

    @property
    def dropped_messages(self) -> int:
        """Messages dropped because handlers or a bounded queue fell behind."""
        return self._dispatcher.dropped_messages

    @property
    def state(self) -> Optional[ConnectionState]:
        """The stream's last reported state; None when no stream ever ran."""
        stream = self._stream
        return stream.state if stream is not None else None

    # -- stream lifecycle ---------------------------------------------------------------

    def connect(self) -> None:
        """Start the stream if needed and block until it is connected (up to the connect
        timeout); raise its error (``ConnectionError``, ``AuthenticationError``) if it
        cannot connect.
        """
        self._ensure_stream(require_connected=True, timeout=self._settings.connect_timeout)

    def disconnect(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the stream and join its thread for up to ``timeout`` seconds; waits go on
        by polling. Idempotent, any thread.
        """
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop(timeout)
        self._waiters.wake_all()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop every thread (joined for up to ``timeout`` seconds in total, except the
        caller's own) and wake every waiter with :class:`ClientClosedError`. Idempotent;
        any thread, a handler included; concurrent callers all join.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            stream = self._stream
        error = ClientClosedError("the client was closed")
        self._waiters.close(error)
        self._sightings.close()
        if stream is not None:
            stream.stop(max(deadline - time.monotonic(), 0.0))
        self._dispatcher.stop(max(deadline - time.monotonic(), 0.0))

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def forked_copy(self, history: HistoryAccess) -> "RealtimeEngine":
        """A fresh engine for a forked child: same settings, subscriptions, handlers and
        queues, REST through ``history``; no thread, socket or lock of the parent. The
        dispatcher thread starts when the first message or event arrives.
        """
        copy = RealtimeEngine(
            factory=self._factory,
            history=history,
            decode=self._decode,
            settings=self._settings,
            channel="",
            max_pending_messages=self._max_pending,
            on_handler_error=self._on_handler_error,
        )
        copy._subscriptions = self._subscriptions
        copy._closed = self._closed
        if not self._closed:
            self._dispatcher.copy_registrations_to(copy._dispatcher)
        return copy

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("the client is closed")

    def _ensure_stream(self, *, require_connected: bool, timeout: Optional[float]) -> None:
        with self._lock:
            self._check_open()
            stream = self._stream
            fresh = stream is None or stream.done
            if stream is None or fresh:
                stream = ViewerStream(self._factory, _Hooks(self), self._settings)
                self._stream = stream
                stream.start()
        if not (fresh or require_connected):
            return
        state, error = stream.wait_settled(timeout)
        if state is ConnectionState.CONNECTED:
            return
        self._check_open()
        if error is not None:
            raise error
        raise ConnectionError("the realtime stream is not connected (stopped, or still retrying)")

    def _stream_live(self) -> bool:
        stream = self._stream
        return stream is not None and not stream.done

    # -- prompts and waits --------------------------------------------------------------

    def begin_prompt(
        self,
        prompt_id: str,
        channel: str,
        content: Optional[Dict[str, Any]],
        *,
        wait: bool,
        use_stream: bool,
    ) -> PromptTicket:
        """Prepare to send a prompt: with ``use_stream``, make sure the stream is connected
        and expect a sighting of the prompt; with ``wait``, register its waiter *before*
        anything is sent. Raise ``RuntimeError`` for ``wait`` on the dispatcher thread.
        """
        self._check_open()
        if wait:
            self._refuse_dispatcher_thread()
        if use_stream:
            self._ensure_stream(require_connected=True, timeout=self._settings.connect_timeout)
        prompt = _Prompt(channel, content)
        sighting = self._sightings.expect(prompt_id) if use_stream else None
        waiter = self._waiters.register(prompt_id, channel) if wait else None
        return PromptTicket(self, prompt_id, prompt, sighting, waiter)

    def wait(self, prompt_id: str, timeout: Optional[float], *, use_stream: bool) -> Any:
        """Block until the final response to ``prompt_id`` arrives and return it decoded.

        See ``AiloopClient.wait_for_response`` for the rules. With ``use_stream``, a
        stream is started if none runs (a failure to connect means polling instead);
        without it, or while no stream runs, the REST history is polled.
        """
        deadline = _deadline(timeout)
        self._check_open()
        self._refuse_dispatcher_thread()
        if use_stream and not self._stream_live():
            try:
                self._ensure_stream(require_connected=False, timeout=self._settings.connect_timeout)
            except (AuthenticationError, ClientClosedError):
                raise
            except AiloopError as exc:
                logger.info("waiting for %s by polling: %s", prompt_id, exc)
        prompt = self._prompt_for(prompt_id)
        waiter = self._waiters.register(prompt_id, prompt.channel)
        try:
            return self._wait(waiter, prompt, deadline)
        finally:
            self._waiters.unregister(waiter)

    def _refuse_dispatcher_thread(self) -> None:
        if self._dispatcher.is_dispatcher_thread():
            raise RuntimeError(
                "waiting for a response inside a message or connection handler would block "
                "the dispatcher thread that delivers it; wait in another thread"
            )

    def _remember_prompt(self, prompt_id: str, prompt: _Prompt) -> None:
        with self._lock:
            self._prompts[prompt_id] = prompt
            self._prompts.move_to_end(prompt_id)
            if len(self._prompts) > RECENT_PROMPTS:
                self._prompts.popitem(last=False)

    def _prompt_for(self, prompt_id: str) -> _Prompt:
        with self._lock:
            known = self._prompts.get(prompt_id)
        if known is not None:
            return known
        frame = self._history.find_message(prompt_id)
        if frame is None:
            raise NotFoundError(f"the server has no message {prompt_id} to wait for")
        channel = frame.get("channel")
        content = frame.get("content")
        return _Prompt(
            channel if isinstance(channel, str) else "",
            content if isinstance(content, dict) else None,
        )

    def _wait(self, waiter: ResponseWaiter, prompt: _Prompt, deadline: Optional[float]) -> Any:
        last_response: Any = None
        self._poll(waiter)
        next_poll = time.monotonic() + POLL_INTERVAL
        wait_for: Optional[float] = 0.0
        while True:
            for frame in waiter.take(wait_for):
                outcome = evaluate_response(prompt.content, frame)
                message = self._decode_response(outcome.response)
                if message is None:
                    continue
                if outcome.final:
                    return message
                last_response = message
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError(
                    f"no final response to prompt {waiter.prompt_id} before the deadline",
                    last_response=last_response,
                )
            wait_for = None if deadline is None else deadline - now
            if not self._stream_live():
                if now >= next_poll:
                    self._poll(waiter)
                    next_poll = now + POLL_INTERVAL
                    wait_for = 0.0
                    continue
                until_poll = next_poll - now
                wait_for = until_poll if wait_for is None else min(wait_for, until_poll)

    def _decode_response(self, frame: Frame) -> Any:
        try:
            return self._decode(frame)
        except Exception as exc:
            logger.warning("ignoring a response that is not a valid message: %s", exc)
            return None

    def _poll(self, waiter: ResponseWaiter) -> None:
        """Look at the prompt's channel history: hand its responses to ``waiter``; raise
        ``DeliveryError`` when the prompt is gone (the server restarted) and
        ``ConnectionError`` when HTTP does not answer either (a read timeout included:
        the caller's own deadline is the only ``TimeoutError`` a wait raises).
        """
        try:
            self._read_history(waiter)
        except TimeoutError as exc:
            raise ConnectionError(
                f"the server does not answer over HTTP: {exc.message}",
                method=exc.method,
                path=exc.path,
            ) from exc

    def _read_history(self, waiter: ResponseWaiter) -> None:
        prompt_id = waiter.prompt_id
        found_prompt = False
        if waiter.channel:
            for frame in self._history.channel_history(waiter.channel, HISTORY_LIMIT):
                if _lower(frame.get("id")) == prompt_id:
                    found_prompt = True
                elif _lower(frame.get("correlation_id")) == prompt_id and _is_response(frame):
                    waiter.push(frame)
        if not found_prompt and self._history.find_message(prompt_id) is None:
            raise _lost_prompt(prompt_id)

    # -- network thread hooks -----------------------------------------------------------

    def _seed(self) -> None:
        if self._history_seeded:
            return
        for channel in self._history.channel_names():
            for frame in self._history.channel_history(channel, REPLAY_WINDOW):
                self._route(frame, deliver=False)

    def _catch_up(self) -> None:
        if not self._history_seeded:
            self._history_seeded = True
            return
        waiting = self._waiters.waiting()
        channels = self._handler_channels() | {channel for _, channel in waiting if channel}
        stored: Set[str] = set()
        for channel in sorted(channels):
            frames = self._history.channel_history(channel, HISTORY_LIMIT)
            first_missed = self._oldest_seen_index(channel, frames)
            for index, frame in enumerate(frames):
                self._route(frame, deliver=index >= first_missed)
                stored.add(_lower(frame.get("id")) or "")
        for prompt_id, _ in waiting:
            if prompt_id not in stored and self._history.find_message(prompt_id) is None:
                self._waiters.fail(prompt_id, _lost_prompt(prompt_id))

    def _oldest_seen_index(self, channel: str, frames: List[Frame]) -> int:
        """Where the messages this client may have missed start in a channel's history: at
        the oldest one it has seen (replayed, seeded or live). Anything stored before that
        predates the client's first look at the channel and is not news; with nothing
        seen, the whole window was published while the client was away.
        """
        for index, frame in enumerate(frames):
            if (channel, _lower(frame.get("id"))) in self._seen:
                return index
        return 0

    def _handler_channels(self) -> Set[str]:
        subscriptions = self._subscriptions
        if ALL_CHANNELS in subscriptions:
            return set(self._history.channel_names())
        return set(subscriptions)

    def _on_frame(self, data: bytes) -> None:
        try:
            frame = json.loads(data)
        except (ValueError, RecursionError):
            logger.warning("ignoring a frame that is not JSON (%d bytes)", len(data))
            return
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("frame received: %s", _describe(frame))
        self._route(frame, deliver=True)

    def _route(self, frame: Any, *, deliver: bool) -> None:
        if not isinstance(frame, dict):
            logger.warning("ignoring a frame that is not a JSON object")
            return
        message_id = _lower(frame.get("id"))
        channel = frame.get("channel")
        if message_id is None or not isinstance(channel, str):
            logger.warning("ignoring a frame without a message id and channel")
            return
        self._sightings.notice(message_id)
        correlation_id = _lower(frame.get("correlation_id"))
        if correlation_id is not None and _is_response(frame):
            self._waiters.offer(correlation_id, frame)
        if not self._seen.add(channel, message_id) or not deliver:
            return
        if self._dispatcher.wants_messages and self._subscribed(channel):
            self._handoff.append(frame)
            if len(self._handoff) >= self._max_pending:
                self._hand_over()

    def _hand_over(self) -> None:
        """Give the dispatcher the messages routed since the last hand-over, as one batch
        (network thread; the stream calls it before it may wait for the network).
        """
        batch = self._handoff
        if batch:
            self._handoff = []
            self._dispatcher.submit_messages(batch)

    def _subscribed(self, channel: str) -> bool:
        subscriptions = self._subscriptions
        return channel in subscriptions or ALL_CHANNELS in subscriptions

    def _on_state(self, event: ConnectionEvent) -> None:
        self._hand_over()  # messages read before the change are delivered before it
        self._dispatcher.submit_event(event)
        if event.state is ConnectionState.GAVE_UP:
            if isinstance(event.error, AuthenticationError):
                self._waiters.fail_all(event.error)
            else:
                self._waiters.wake_all()


class _Hooks:
    """Adapts the engine to the stream's hook interface."""

    def __init__(self, engine: RealtimeEngine) -> None:
        self._engine = engine

    def before_hello(self) -> None:
        self._engine._seed()

    def after_hello(self) -> None:
        self._engine._catch_up()
        self._engine._hand_over()

    def on_frame(self, data: bytes) -> None:
        self._engine._on_frame(data)

    def flush(self) -> None:
        self._engine._hand_over()

    def on_state(self, event: ConnectionEvent) -> None:
        self._engine._on_state(event)


def _deadline(timeout: Optional[float]) -> Optional[float]:
    return None if timeout is None else time.monotonic() + timeout


def _lower(value: Any) -> Optional[str]:
    return value.lower() if isinstance(value, str) else None


def _is_response(frame: Frame) -> bool:
    content = frame.get("content")
    return isinstance(content, dict) and content.get("type") == "response"


def _lost_prompt(prompt_id: str) -> DeliveryError:
    return DeliveryError(
        f"the server no longer knows prompt {prompt_id}: it was restarted and lost the "
        "prompt, so no human will answer it; send it again",
    )


def _describe(frame: Any) -> Tuple[Any, ...]:
    if not isinstance(frame, dict):
        return (type(frame).__name__,)
    content = frame.get("content")
    kind = content.get("type") if isinstance(content, dict) else None
    return frame.get("id"), frame.get("channel"), kind, frame.get("correlation_id")
