"""The dispatcher thread: the one place where user callbacks run.

The network thread never calls user code. It hands the messages for handlers (decoded
JSON objects) to :class:`Dispatcher` in batches -- everything it read from one burst of
network data, with one lock acquisition and at most one wake-up per batch -- and each
connection state change on its own. The dispatcher's single thread (``ailoop-dispatch``,
daemon, started with the first handler or queue) decodes each message into a
:class:`ailoop.models.Message` and calls the handlers in registration order, then feeds
the queues from ``message_queue()``: everything in server order, one at a time, each
message exactly once. A slow or blocked handler therefore delays only later handler
calls, never the socket, its pings or any thread waiting for a response.

Overflow policy: at most ``max_pending`` messages wait for the dispatcher (a batch counts
message by message, exactly as if its messages had come one at a time); when a new one
arrives on a full queue, the *oldest* waiting message is dropped, counted in
:attr:`Dispatcher.dropped_messages` and reported at WARNING (at most every few seconds).
Connection events are never dropped. A bounded ``message_queue(maxsize)`` that is full
likewise loses its oldest item (also counted). Every callback is wrapped: an exception is
logged with its traceback, passed to ``on_handler_error(error, payload)`` if given, and
dispatch goes on.
"""

import logging
import queue
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Optional, Sequence, Tuple, Union

from ailoop._connection_state import ConnectionEvent
from ailoop._realtime_settings import DEFAULT_MAX_PENDING
from ailoop._types import ConnectionHandler, Frame, HandlerErrorHook, MessageHandler

__all__ = ["ConnectionHandler", "Dispatcher", "HandlerErrorHook", "MessageHandler"]

logger = logging.getLogger("ailoop.dispatch")

_Item = Union[Frame, ConnectionEvent]  # a message (a JSON object) or a state change

_DROP_WARNING_INTERVAL = 5.0


class Dispatcher:
    """Runs message handlers, message queues and connection handlers on one thread.

    ``decode`` turns a wire dict into the object handlers receive; it runs on the
    dispatcher thread. Registration methods are thread-safe and may be called from
    handlers.
    """

    def __init__(
        self,
        decode: Callable[[Frame], Any],
        max_pending: int = DEFAULT_MAX_PENDING,
        on_handler_error: Optional[HandlerErrorHook] = None,
        thread_name: str = "ailoop-dispatch",
    ) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._decode = decode
        self._max_pending = max_pending
        self._on_handler_error = on_handler_error
        self._thread_name = thread_name
        self._lock = threading.Lock()
        # The thread sleeps on this queue when it has nothing to do, and is woken with one
        # token (a C-level queue: cheaper than a Condition for one wake-up per batch).
        self._wakeup: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._sleeping = False
        self._items: Deque[_Item] = deque()
        self._pending_messages = 0
        self._dropped = 0
        self._last_drop_warning = float("-inf")
        self._message_handlers: Tuple[MessageHandler, ...] = ()
        self._queues: Tuple[queue.Queue[Any], ...] = ()
        self._connection_handlers: Tuple[ConnectionHandler, ...] = ()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    # -- registration -------------------------------------------------------------------

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Call ``handler(message)`` for every message delivered from now on."""
        with self._lock:
            self._message_handlers += (handler,)
            self._start_locked()

    def remove_message_handler(self, handler: MessageHandler) -> bool:
        """Stop calling ``handler`` (its first registration); False if it was not registered."""
        with self._lock:
            handlers = list(self._message_handlers)
            if handler not in handlers:
                return False
            handlers.remove(handler)
            self._message_handlers = tuple(handlers)
            return True

    def add_queue(self, target: "queue.Queue[Any]") -> None:
        """Put every message delivered from now on into ``target``."""
        with self._lock:
            self._queues += (target,)
            self._start_locked()

    def add_connection_handler(self, handler: ConnectionHandler) -> None:
        """Call ``handler(event)`` for every connection state change from now on."""
        with self._lock:
            self._connection_handlers += (handler,)
            self._start_locked()

    def copy_registrations_to(self, other: "Dispatcher") -> None:
        """Register this dispatcher's handlers and queues on ``other`` (in a forked child)
        without starting its thread: it starts when the first item arrives.
        """
        with other._lock:
            other._message_handlers += self._message_handlers
            other._queues += self._queues
            other._connection_handlers += self._connection_handlers

    # -- feeding (network thread) -------------------------------------------------------

    @property
    def wants_messages(self) -> bool:
        """True when at least one message handler or queue is registered."""
        return bool(self._message_handlers or self._queues)

    @property
    def dropped_messages(self) -> int:
        """How many messages were dropped because a queue overflowed."""
        return self._dropped

    def submit_message(self, frame: Frame) -> None:
        """Queue one message for handlers; never blocks (drops the oldest on overflow)."""
        self.submit_messages((frame,))

    def submit_messages(self, frames: Sequence[Frame]) -> None:
        """Queue messages for handlers, in order, under one lock acquisition and with one
        wake-up of the dispatcher thread; never blocks. On overflow the oldest waiting
        messages are dropped (and counted), as if the messages had come one at a time.
        """
        if not frames:
            return
        with self._lock:
            if self._stopped:
                return
            overflow = self._pending_messages + len(frames) - self._max_pending
            if overflow > 0:
                frames = self._make_room_locked(frames, overflow)
            self._items.extend(frames)
            self._pending_messages += len(frames)
            self._start_locked()
            self._wake_locked()

    def submit_event(self, event: ConnectionEvent) -> None:
        """Queue a connection state change for connection handlers; never blocks."""
        with self._lock:
            if self._stopped or not self._connection_handlers:
                return
            self._items.append(event)
            self._start_locked()
            self._wake_locked()

    # -- lifecycle ----------------------------------------------------------------------

    def is_dispatcher_thread(self) -> bool:
        """True when called from this dispatcher's thread (i.e. from a handler)."""
        thread = self._thread
        return thread is not None and thread is threading.current_thread()

    def stop(self, timeout: float) -> bool:
        """Discard what is pending, stop the thread and join it for up to ``timeout``
        seconds (not when called from a handler: the thread then ends as soon as the
        handler returns). Idempotent; True when the thread is gone or was never started.
        """
        with self._lock:
            self._stopped = True
            self._items.clear()
            self._pending_messages = 0
            self._wake_locked()
            thread = self._thread
        if thread is None or thread is threading.current_thread():
            return thread is None
        thread.join(timeout)
        return not thread.is_alive()

    def _start_locked(self) -> None:
        if self._thread is not None or self._stopped:
            return
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def _make_room_locked(self, frames: Sequence[Frame], overflow: int) -> Sequence[Frame]:
        """Drop the ``overflow`` oldest messages among those waiting and then ``frames``;
        what is left of ``frames``.
        """
        from_queue = min(overflow, self._pending_messages)
        if from_queue == self._pending_messages and len(self._items) == from_queue:
            self._items.clear()  # only messages wait, all of them go
        else:
            kept: Deque[_Item] = deque()
            to_drop = from_queue
            for item in self._items:
                if to_drop and not isinstance(item, ConnectionEvent):
                    to_drop -= 1
                else:
                    kept.append(item)
            self._items = kept
        self._pending_messages -= from_queue
        self._count_drops_locked(overflow)
        return frames[overflow - from_queue :]

    def _count_drops_locked(self, count: int) -> None:
        self._dropped += count
        now = time.monotonic()
        if now - self._last_drop_warning >= _DROP_WARNING_INTERVAL:
            self._last_drop_warning = now
            logger.warning(
                "message handlers fall behind: dropped the oldest undelivered message "
                "(%d dropped so far; max_pending_messages=%d)",
                self._dropped,
                self._max_pending,
            )

    # -- the thread ---------------------------------------------------------------------

    def _wake_locked(self) -> None:
        if self._sleeping:
            self._sleeping = False
            self._wakeup.put(None)

    def _run(self) -> None:
        lock = self._lock
        while True:
            with lock:
                if self._stopped:
                    return
                items = self._items
                if not items:
                    self._sleeping = True  # the next submit or stop wakes the thread
                    item: Optional[_Item] = None
                else:
                    item = items.popleft()
                    if not isinstance(item, ConnectionEvent):
                        self._pending_messages -= 1
            if item is None:
                self._wakeup.get()
            elif isinstance(item, ConnectionEvent):
                self._call_all(self._connection_handlers, item)
            else:
                self._deliver_message(item)

    def _deliver_message(self, frame: Frame) -> None:
        try:
            message = self._decode(frame)
        except Exception as exc:
            logger.warning("skipping a frame that is not a valid message: %s", exc)
            return
        self._call_all(self._message_handlers, message)
        for target in self._queues:
            self._put_dropping_oldest(target, message)

    def _call_all(self, handlers: Tuple[Callable[[Any], Any], ...], payload: Any) -> None:
        for handler in handlers:
            if self._stopped:
                return
            try:
                handler(payload)
            except Exception as exc:
                logger.exception("handler %r raised; dispatch goes on", handler)
                self._report(exc, payload)

    def _report(self, error: Exception, payload: Any) -> None:
        hook = self._on_handler_error
        if hook is None:
            return
        try:
            hook(error, payload)
        except Exception:
            logger.exception("on_handler_error %r raised", hook)

    def _put_dropping_oldest(self, target: "queue.Queue[Any]", message: Any) -> None:
        while True:
            try:
                target.put_nowait(message)
                return
            except queue.Full:
                try:
                    target.get_nowait()
                except queue.Empty:
                    continue
                with self._lock:
                    self._count_drops_locked(1)
