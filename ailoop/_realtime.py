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

import logging
import queue
import re
import threading
import time
import warnings
import weakref
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Protocol, Set, Tuple

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._dedup import SeenMessages
from ailoop._dispatch import ConnectionHandler, Dispatcher, HandlerErrorHook, MessageHandler
from ailoop._history_reads import SharedRead, SharedReads
from ailoop._json_bytes import loads_bytes
from ailoop._outcomes import evaluate_response
from ailoop._realtime_settings import CLOSE_TIMEOUT
from ailoop._stream import SocketFactory, StreamSettings, ViewerStream
from ailoop._types import Frame
from ailoop._validation import ALL_CHANNELS
from ailoop._waiters import ResponseWaiter, SentPrompt, Sightings, WaiterRegistry
from ailoop.exceptions import (
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    MalformedResponseError,
    NotFoundError,
    TimeoutError,
)

__all__ = ["ALL_CHANNELS", "HistoryAccess", "PromptTicket", "RealtimeEngine"]

logger = logging.getLogger("ailoop.realtime")

# What a viewer's hello replays of every channel (PROTOCOL.md §6.4): seeding before the
# first hello reads this much of each, so the replay that follows is never handed to
# handlers, not even for a channel subscribed to while the replay is still arriving.
REPLAY_WINDOW = 500
# How the server writes every frame: ``{"id":"<uuid>","channel":"<name>",...`` (serde's
# field order); enough to route a frame without decoding it.
_ROUTING_PREFIX = re.compile(rb'\{"id":"([0-9A-Fa-f-]{36})","channel":"([^"\\]{1,512})",')
# Everything the server keeps per channel (§7.9). Catch-up and a wait's own look at the
# history read this much, so a gap longer than the replay loses nothing.
HISTORY_LIMIT = 1000
POLL_INTERVAL = 1.0


class HistoryAccess(Protocol):
    """The REST calls the engine needs, returning raw JSON (SDK errors on failure)."""

    def channel_names(self) -> List[str]:
        """``GET /api/channels``: the names of the channels that have history."""

    def channel_history(self, channel: str, limit: int) -> List[Frame]:
        """``GET /api/channels/{channel}/messages?limit=N``: the stored messages."""

    def find_message(self, message_id: str) -> Optional[Frame]:
        """``GET /api/v1/messages/{id}``: the message, or None when the server answers 404."""


class _ChannelSnapshot(NamedTuple):
    """What one REST read of a channel's history showed: its message ids, and whether it
    holds the server's maximum (then prompts older than the window are no longer shown).
    """

    ids: FrozenSet[str]
    full: bool


class PromptTicket:
    """One prompt on its way (see :meth:`RealtimeEngine.begin_prompt`); use as a context
    manager so its sighting and waiter are released whatever happens.
    """

    def __init__(
        self,
        engine: "RealtimeEngine",
        prompt_id: str,
        prompt: SentPrompt,
        sighting: Optional[threading.Event],
        waiter: Optional[ResponseWaiter],
    ) -> None:
        self._engine = engine
        self.prompt_id = prompt_id
        self._prompt = prompt
        self._sighting = sighting
        self._waiter = waiter
        self._delivered = False

    def delivered(self, sighting_timeout: float) -> None:
        """The server echoed the prompt: wait up to ``sighting_timeout`` seconds until
        the viewer connection has seen it too.
        """
        self._delivered = True
        if self._sighting is None:
            return
        seen = self._sighting.wait(sighting_timeout)
        self._engine.check_open()
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
        return self._engine.await_final(self._waiter, self._prompt, timeout)

    def __enter__(self) -> "PromptTicket":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._engine.release_prompt(self.prompt_id, self._waiter, delivered=self._delivered)


class _Threads:
    """The engine's background workers, reachable without the engine (its finalizer)."""

    def __init__(self, dispatcher: Dispatcher, reads: SharedReads) -> None:
        self.dispatcher = dispatcher
        self.reads = reads
        self.stream: Optional[ViewerStream] = None

    def stop(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        stream = self.stream
        if stream is not None:
            stream.stop(max(deadline - time.monotonic(), 0.0))
        self.reads.close(max(deadline - time.monotonic(), 0.0))
        self.dispatcher.stop(max(deadline - time.monotonic(), 0.0))


def _abandoned(threads: _Threads) -> None:
    """Finalizer of an engine whose client was dropped without ``close()``."""
    warnings.warn(
        "an AiloopClient was garbage-collected without close(); its threads and sockets "
        "are released now. Use the client as a context manager or call close().",
        ResourceWarning,
        stacklevel=2,
    )
    threads.stop(0.0)


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
        realtime: bool = True,
    ) -> None:
        self._factory = factory
        self._history = history
        self._decode = decode
        self._settings = settings
        self._max_pending = max_pending_messages
        self._on_handler_error = on_handler_error
        self._realtime = realtime
        self._lock = threading.Lock()
        self._subscriptions: FrozenSet[str] = frozenset({channel})
        self._seen = SeenMessages()
        self._waiters = WaiterRegistry()
        self._sightings = Sightings()
        self._dispatcher = Dispatcher(decode, max_pending_messages, on_handler_error)
        self._handoff: List[Frame] = []  # routed on the network thread, not yet handed on
        self._reads = SharedReads()
        self._threads = _Threads(self._dispatcher, self._reads)
        self._stream: Optional[ViewerStream] = None
        self._hooks: Optional[_Hooks] = None
        self._state = ConnectionState.DISCONNECTED
        self._epoch = 0
        self._heard_epoch: Optional[int] = None
        """The connection (epoch) on which the stream has received a text frame: proof
        that the server treats it as a viewer (PROTOCOL.md §6.3: a connection that sent
        nothing but the hello receives nothing before the hello is processed)."""
        self._history_seeded = False
        self._closed = False
        self._finalizer = weakref.finalize(self, _abandoned, self._threads)
        self._finalizer.atexit = False

    # -- subscriptions and handlers -----------------------------------------------------

    @property
    def subscriptions(self) -> FrozenSet[str]:
        """The channels whose messages go to handlers (``"*"`` = all)."""
        return self._subscriptions

    def subscribe(self, channel: str) -> None:
        """Add ``channel`` (or ``"*"``) to the subscriptions; starts the stream (unless
        built with ``realtime=False``).
        """
        with self._lock:
            self._subscriptions = self._subscriptions | {channel}
        self._autostart()

    def unsubscribe(self, channel: str) -> None:
        """Remove ``channel`` (or ``"*"``) from the subscriptions (no-op when absent)."""
        with self._lock:
            self._subscriptions = self._subscriptions - {channel}

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Register a message handler (starts the dispatcher thread, and the stream
        unless built with ``realtime=False``).
        """
        self.check_open()
        self._dispatcher.add_message_handler(handler)
        self._autostart()

    def remove_message_handler(self, handler: MessageHandler) -> bool:
        """Unregister a message handler; False when it was not registered."""
        return self._dispatcher.remove_message_handler(handler)

    def message_queue(self, maxsize: int) -> "queue.Queue[Any]":
        """A new queue fed with every delivered message (starts the dispatcher thread, and
        the stream unless built with ``realtime=False``).
        """
        self.check_open()
        target: queue.Queue[Any] = queue.Queue(maxsize)
        self._dispatcher.add_queue(target)
        self._autostart()
        return target

    def add_connection_handler(self, handler: ConnectionHandler) -> None:
        """Register a connection state handler (starts the dispatcher thread)."""
        self.check_open()
        self._dispatcher.add_connection_handler(handler)

    @property
    def dropped_messages(self) -> int:
        """Messages dropped because handlers or a bounded queue fell behind."""
        return self._dispatcher.dropped_messages

    @property
    def state(self) -> ConnectionState:
        """The stream's state: ``DISCONNECTED`` until it first connects and after it was
        stopped, else what the running stream last reported.
        """
        return self._state

    # -- stream lifecycle ---------------------------------------------------------------

    def connect(self) -> None:
        """Start the stream if needed and block until it is connected (up to the connect
        timeout); raise its error (``ConnectionError``, ``AuthenticationError``) if it
        cannot connect.
        """
        self._connected_stream(self._settings.connect_timeout)

    def disconnect(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the stream and join its thread for up to ``timeout`` seconds; waits go on
        by polling. Idempotent, any thread.
        """
        with self._lock:
            stream, self._stream, self._hooks = self._stream, None, None
            self._threads.stream = None
            self._state = ConnectionState.DISCONNECTED
        if stream is not None:
            stream.stop(timeout)
        self._sightings.release()
        self._waiters.wake_all()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop every thread (joined for up to ``timeout`` seconds in total, except the
        caller's own) and wake every waiter with :class:`ClientClosedError`. Idempotent;
        any thread, a handler included; concurrent callers all join.
        """
        with self._lock:
            self._closed = True
            self._finalizer.detach()
        error = ClientClosedError("the client was closed")
        self._waiters.close(error)
        self._sightings.close()
        self._threads.stop(timeout)
        with self._lock:
            self._state = ConnectionState.DISCONNECTED

    def forked_copy(self, history: HistoryAccess) -> "RealtimeEngine":
        """A fresh engine for a forked child: same settings, subscriptions, handlers and
        queues, REST through ``history``; no thread, socket or lock of the parent. The
        dispatcher thread starts when the first message or event arrives.
        """
        self._finalizer.detach()  # the parent's threads and sockets are not this process's
        copy = RealtimeEngine(
            factory=self._factory,
            history=history,
            decode=self._decode,
            settings=self._settings,
            channel="",
            max_pending_messages=self._max_pending,
            on_handler_error=self._on_handler_error,
            realtime=self._realtime,
        )
        copy._subscriptions = self._subscriptions
        if self._closed:
            copy.close(0.0)
        else:
            self._dispatcher.copy_registrations_to(copy._dispatcher)
        return copy

    def check_open(self) -> None:
        """Raise :class:`ClientClosedError` once :meth:`close` was called."""
        if self._closed:
            raise ClientClosedError("the client is closed")

    def _autostart(self) -> None:
        """Start the stream for handlers, queues and subscriptions (unless built with
        ``realtime=False``) and, except on the dispatcher thread, block until it is
        connected (at most the connect timeout), so that a message sent right after
        registering a handler is live traffic, not history. A failure is logged, not
        raised: the stream reports it to connection handlers and the next prompt, wait
        or ``connect_websocket()`` tries again.
        """
        if not self._realtime or self._closed:
            return
        stream = self._start_stream()
        if self._dispatcher.is_dispatcher_thread():
            return
        state, error = stream.wait_settled(self._settings.connect_timeout)
        if state is not ConnectionState.CONNECTED and not self._closed:
            logger.warning("the realtime stream could not connect for handlers: %s", error)

    def _start_stream(self) -> ViewerStream:
        """The running stream, started if there is none (or the last one ended)."""
        with self._lock:
            self.check_open()
            stream = self._stream
            if stream is None or stream.done:
                hooks = _Hooks(self)
                stream = ViewerStream(self._factory, hooks, self._settings)
                self._stream, self._hooks, self._threads.stream = stream, hooks, stream
                stream.start()
            return stream

    def _connected_stream(self, timeout: float, *, or_stopped: bool = False) -> bool:
        """Block until a stream is connected and return True. A stream stopped meanwhile
        by ``disconnect_websocket()`` in another thread is not an error: with
        ``or_stopped`` return False (the caller goes on without it), else start a fresh
        one.
        """
        deadline = time.monotonic() + timeout
        while True:
            stream = self._start_stream()
            state, error = stream.wait_settled(max(deadline - time.monotonic(), 0.0))
            if state is ConnectionState.CONNECTED:
                return True
            self.check_open()
            if error is not None:
                raise error
            if not stream.done or time.monotonic() >= deadline:
                raise ConnectionError(
                    f"the realtime stream did not connect within {timeout:g} s"
                )
            if or_stopped:
                return False

    def _stream_live(self) -> bool:
        stream = self._stream
        return stream is not None and not stream.done

    def _continuously_connected_since(self, epoch: Optional[int]) -> bool:
        """True when the stream has been connected without a gap since ``epoch``."""
        return (
            epoch is not None
            and epoch == self._epoch
            and self._state is ConnectionState.CONNECTED
            and self._stream_live()
        )

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
        and, unless it has already received a frame on its current connection (then the
        server treats it as a viewer: it will see the prompt and every answer), expect a
        sighting of the prompt; remember the prompt (its responses are kept from now on)
        and with ``wait`` register its waiter, *before* anything is sent.
        Raise ``RuntimeError`` for ``wait`` on the dispatcher thread. A stream stopped
        by ``disconnect_websocket()`` meanwhile is no error: the prompt goes out without
        it (its waits then read the history).
        """
        self.check_open()
        if wait:
            self._refuse_dispatcher_thread()
        streamed = use_stream and self._connected_stream(
            self._settings.connect_timeout, or_stopped=True
        )
        epoch = self._epoch if streamed and self._state is ConnectionState.CONNECTED else None
        prompt = SentPrompt(channel, content, epoch)
        self._waiters.remember(prompt_id, prompt)
        heard = epoch is not None and epoch == self._heard_epoch
        sighting = self._sightings.expect(prompt_id) if streamed and not heard else None
        waiter = self._waiters.register(prompt_id, channel) if wait else None
        return PromptTicket(self, prompt_id, prompt, sighting, waiter)

    def release_prompt(
        self, prompt_id: str, waiter: Optional[ResponseWaiter], *, delivered: bool
    ) -> None:
        """End a prompt's ticket: stop expecting its sighting, unregister its waiter and,
        when it was never delivered, forget it.
        """
        self._sightings.forget(prompt_id)
        if waiter is not None:
            self._waiters.unregister(waiter)
        if not delivered:
            self._waiters.forget(prompt_id)

    def await_final(
        self, waiter: ResponseWaiter, prompt: SentPrompt, timeout: Optional[float]
    ) -> Any:
        """Block on a waiter registered by :meth:`begin_prompt` (see :meth:`wait`)."""
        return self._wait(waiter, prompt, _deadline(timeout))

    def wait(self, prompt_id: str, timeout: Optional[float], *, use_stream: bool) -> Any:
        """Block until the final response to ``prompt_id`` arrives and return it decoded.

        See ``AiloopClient.wait_for_response`` for the rules. With ``use_stream``, a
        stream is started if none runs (without waiting for it to connect); without it,
        or while no stream runs, the REST history is polled. Every REST read runs off
        the calling thread (:mod:`ailoop._history_reads`), so the deadline holds however
        slow the server is.
        """
        deadline = _deadline(timeout)
        self.check_open()
        self._refuse_dispatcher_thread()
        if use_stream:
            self._start_stream()
        prompt = self._waiters.sent(prompt_id)
        waiter = self._waiters.register(prompt_id, prompt.channel if prompt else None)
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

    def _wait(
        self, waiter: ResponseWaiter, prompt: Optional[SentPrompt], deadline: Optional[float]
    ) -> Any:
        """The wait loop: judge the responses the waiter gets, while shared REST reads
        (a lookup of an unknown prompt, a look at its channel's history, a check that a
        missing prompt is really gone) run in the background and wake it when done.
        """
        content = prompt.content if prompt is not None else None
        lookup: Optional[SharedRead] = None
        history: Optional[SharedRead] = None
        proof: Optional[SharedRead] = None
        if prompt is None:
            lookup = self._request_message(waiter)
        elif not self._continuously_connected_since(prompt.epoch):
            history = self._request_channel(waiter)
        held: List[Frame] = []
        last_response: Any = None
        next_poll: Optional[float] = None
        wait_for: Optional[float] = 0.0
        while True:
            held.extend(waiter.take(wait_for))
            if lookup is not None and lookup.done:
                content = self._looked_up(lookup, waiter)
                lookup = None
                history = self._request_channel(waiter)
            if lookup is None:
                for frame in held:
                    outcome = evaluate_response(content, frame)
                    message = self._decode_response(outcome.response, outcome.final, waiter)
                    if message is None:
                        continue
                    if outcome.final:
                        return message
                    last_response = message
                held = []
            if history is not None and history.done:
                proof = self._judge_history(history, waiter)
                history = None
            if proof is not None and proof.done:
                self._judge_proof(proof, waiter)
                proof = None
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError(
                    f"no final response to prompt {waiter.prompt_id} before the deadline",
                    last_response=last_response,
                )
            wait_for = None if deadline is None else deadline - now
            if lookup is None and history is None and proof is None and not self._stream_live():
                if next_poll is None or now >= next_poll:
                    history = self._request_channel(waiter)
                    next_poll = now + POLL_INTERVAL
                    continue
                until_poll = next_poll - now
                wait_for = until_poll if wait_for is None else min(wait_for, until_poll)

    def _request_message(self, waiter: ResponseWaiter) -> SharedRead:
        prompt_id = waiter.prompt_id
        return self._reads.request(
            ("message", prompt_id), lambda: self._history.find_message(prompt_id), waiter
        )

    def _request_channel(self, waiter: ResponseWaiter) -> Optional[SharedRead]:
        channel = waiter.channel
        if not channel:
            return None
        return self._reads.request(
            ("channel", channel), lambda: self._read_channel(channel), waiter
        )

    def _read_channel(self, channel: str) -> _ChannelSnapshot:
        """A shared read: hand the channel's stored responses to the waiters."""
        frames = self._history.channel_history(channel, HISTORY_LIMIT)
        ids = set()
        for frame in frames:
            message_id = _lower(frame.get("id"))
            if message_id is not None:
                ids.add(message_id)
            correlation_id = _lower(frame.get("correlation_id"))
            if correlation_id is not None and _is_response(frame):
                self._waiters.offer(correlation_id, frame)
        return _ChannelSnapshot(frozenset(ids), len(frames) >= HISTORY_LIMIT)

    def _looked_up(self, lookup: SharedRead, waiter: ResponseWaiter) -> Optional[Dict[str, Any]]:
        """The content of a prompt this client did not send; its channel goes to the waiter."""
        self._raise_read_error(lookup, fatal=True)
        frame = lookup.result
        if frame is None:
            raise NotFoundError(f"the server has no message {waiter.prompt_id} to wait for")
        channel = frame.get("channel")
        content = frame.get("content")
        self._waiters.set_channel(waiter, channel if isinstance(channel, str) else None)
        return content if isinstance(content, dict) else None

    def _judge_history(self, history: SharedRead, waiter: ResponseWaiter) -> Optional[SharedRead]:
        """After a look at the channel: a lookup that proves the prompt lost, when the
        channel is not full and does not hold it any more; else None.
        """
        if self._raise_read_error(history, fatal=not self._stream_live()):
            return None
        snapshot: _ChannelSnapshot = history.result
        if waiter.prompt_id in snapshot.ids or snapshot.full:
            return None  # a full channel no longer shows old prompts: no proof either way
        return self._request_message(waiter)

    def _judge_proof(self, proof: SharedRead, waiter: ResponseWaiter) -> None:
        if self._raise_read_error(proof, fatal=not self._stream_live()):
            return
        if proof.result is None:
            raise _lost_prompt(waiter.prompt_id)

    @staticmethod
    def _raise_read_error(read: SharedRead, *, fatal: bool) -> bool:
        """Raise the error of a failed read when it is ``fatal`` (credentials refused and
        a closed client always are); True when the read failed.
        """
        error = read.error
        if error is None:
            return False
        if isinstance(error, (AuthenticationError, ClientClosedError, NotFoundError)):
            raise error
        if not fatal:
            logger.info("a REST look at the history failed; the stream goes on: %s", error)
            return True
        if isinstance(error, TimeoutError):
            raise ConnectionError(
                f"the server does not answer over HTTP: {error.message}",
                method=error.method,
                path=error.path,
            ) from error
        raise error

    def _decode_response(self, frame: Frame, final: bool, waiter: ResponseWaiter) -> Any:
        """The response as a Message. One that cannot be decoded is ignored while it is
        not final; a final one ends the wait with :class:`MalformedResponseError` (fail
        closed: it is no approval, and no later answer will come for it).
        """
        try:
            return self._decode(frame)
        except Exception as exc:
            if not final:
                logger.warning("ignoring a response that is not a valid message: %s", exc)
                return None
            raise MalformedResponseError(
                f"the final response to prompt {waiter.prompt_id} cannot be read ({exc}); "
                "it is not an approval"
            ) from exc

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
        waiting = [(prompt_id, channel) for prompt_id, channel in self._waiters.waiting()
                   if channel]
        channels = self._handler_channels() | {channel for _, channel in waiting}
        stored: Set[str] = set()
        full: Set[str] = set()
        for channel in sorted(channels):
            frames = self._history.channel_history(channel, HISTORY_LIMIT)
            if len(frames) >= HISTORY_LIMIT:
                full.add(channel)
            first_missed = self._oldest_seen_index(channel, frames)
            replayed_from = len(frames) - REPLAY_WINDOW
            for index, frame in enumerate(frames):
                # Older than anything remembered and outside what a replay repeats: not
                # news, and not worth remembering (it would push out what a replay repeats).
                remember = index >= first_missed or index >= replayed_from
                self._route(frame, deliver=index >= first_missed, remember=remember)
                stored.add(_lower(frame.get("id")) or "")
        for prompt_id, channel in waiting:
            if prompt_id in stored or channel in full:
                continue
            if self._history.find_message(prompt_id) is None:
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

    def _on_frame(self, data: bytes) -> bool:
        """Route one frame of the stream; True when messages wait for :meth:`_hand_over`."""
        if self._drop_unwanted(data):
            return False
        try:
            frame = loads_bytes(data)
        except (ValueError, RecursionError):
            logger.warning("ignoring a frame that is not JSON (%d bytes)", len(data))
            return False
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("frame received: %s", _describe(frame))
        self._route(frame, deliver=True)
        return bool(self._handoff)

    def _drop_unwanted(self, data: bytes) -> bool:
        """Skip a frame nothing of this client wants without decoding it: no handler or
        queue takes its channel, and no prompt sent or waited for lives there (responses
        come on their prompt's channel). Its id is still remembered, read from the
        server's fixed field order, so a later subscription gets no replayed history.
        True when the frame was dealt with.
        """
        subscriptions = self._subscriptions if self._dispatcher.wants_messages else ()
        if ALL_CHANNELS in subscriptions or type(data) is not bytes:
            return False
        wanted = self._waiters.wanted_channels
        if None in wanted:
            return False
        match = _ROUTING_PREFIX.match(data)
        if match is None:
            return False
        message_id, channel_bytes = match.groups()
        try:
            channel = channel_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return False
        if channel in subscriptions or channel in wanted or logger.isEnabledFor(logging.DEBUG):
            return False
        self._seen.add(channel, message_id.decode("ascii").lower())
        return True

    def _route(self, frame: Any, *, deliver: bool, remember: bool = True) -> None:
        if not isinstance(frame, dict):
            logger.warning("ignoring a frame that is not a JSON object")
            return
        message_id = frame.get("id")
        channel = frame.get("channel")
        if not isinstance(message_id, str) or not isinstance(channel, str):
            logger.warning("ignoring a frame without a message id and channel")
            return
        message_id = message_id.lower()
        self._sightings.notice(message_id)
        correlation_id = frame.get("correlation_id")
        if isinstance(correlation_id, str) and _is_response(frame):
            self._waiters.offer(correlation_id.lower(), frame)
        if not remember or not self._seen.add(channel, message_id) or not deliver:
            return
        if self._dispatcher.wants_messages:
            subscriptions = self._subscriptions
            if channel in subscriptions or ALL_CHANNELS in subscriptions:
                handoff = self._handoff
                handoff.append(frame)
                if len(handoff) >= self._max_pending:
                    self._hand_over()

    def _hand_over(self) -> None:
        """Give the dispatcher the messages routed since the last hand-over, as one batch
        (network thread; the stream calls it before it may wait for the network).
        """
        batch = self._handoff
        if batch:
            self._handoff = []
            self._dispatcher.submit_messages(batch)

    def _on_state(self, event: ConnectionEvent, hooks: "_Hooks") -> None:
        self._hand_over()  # messages read before the change are delivered before it
        with self._lock:
            current = hooks is self._hooks
            if current:
                if event.state is ConnectionState.CONNECTED:
                    self._epoch += 1
                    hooks.epoch = self._epoch
                self._state = event.state
        self._dispatcher.submit_event(event)
        if current and event.state is not ConnectionState.CONNECTED:
            self._sightings.release()
            error = event.error
            if isinstance(error, AuthenticationError) and event.state is ConnectionState.GAVE_UP:
                self._waiters.fail_all(error)
            else:
                self._waiters.wake_all()


class _Hooks:
    """Adapts the engine to the stream's hook interface. Holds the engine weakly: the
    network thread must not keep a forgotten client alive (its finalizer stops the
    thread).
    """

    def __init__(self, engine: RealtimeEngine) -> None:
        self._engine = weakref.ref(engine)
        self.epoch: Optional[int] = None
        """The engine's epoch of this stream's current connection (set on CONNECTED)."""

    def _live_engine(self) -> RealtimeEngine:
        engine = self._engine()
        if engine is None:
            raise ConnectionError("the client was garbage-collected")
        return engine

    def before_hello(self) -> None:
        self._live_engine()._seed()

    def after_hello(self) -> None:
        engine = self._live_engine()
        engine._catch_up()
        engine._hand_over()

    def on_frame(self, data: bytes) -> bool:
        engine = self._engine()
        if engine is None:
            return False
        engine._heard_epoch = self.epoch
        return engine._on_frame(data)

    def flush(self) -> None:
        engine = self._engine()
        if engine is not None:
            engine._hand_over()

    def on_state(self, event: ConnectionEvent) -> None:
        engine = self._engine()
        if engine is not None:
            engine._on_state(event, self)


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
