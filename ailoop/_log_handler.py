"""``AiloopLogHandler``: log records streamed to a channel as notifications.

The logging call only formats the record and appends it to a bounded buffer; one
background thread (``ailoop-log-handler``, daemon, started with the first record) posts
the notifications. A full buffer loses its oldest record, a server outage is retried
with jittered backoff, and nothing the handler or the server does raises into the code
that logs.
"""

import collections
import logging
import threading
from typing import TYPE_CHECKING, Deque, Iterator, Optional, Tuple

from ailoop import _fork
from ailoop._jitter import jittered_delays
from ailoop._public import present_as
from ailoop._validation import validate_channel
from ailoop.exceptions import AiloopError, ConnectionError, ValidationError
from ailoop.models import NotificationPriority

if TYPE_CHECKING:
    from ailoop.client import AiloopClient

__all__ = ["AiloopLogHandler", "priority_for_level"]

logger = logging.getLogger("ailoop.log_handler")

THREAD_NAME = "ailoop-log-handler"
CLOSE_TIMEOUT = 5.0
"""Seconds :meth:`AiloopLogHandler.close` waits for the queued records to be sent."""
MAX_RETRY_DELAY = 30.0

_Item = Tuple[str, NotificationPriority]


def priority_for_level(levelno: int) -> NotificationPriority:
    """``CRITICAL`` → urgent, ``ERROR``/``WARNING`` → high, ``INFO`` → normal, below → low."""
    if levelno >= logging.CRITICAL:
        return NotificationPriority.URGENT
    if levelno >= logging.WARNING:
        return NotificationPriority.HIGH
    if levelno >= logging.INFO:
        return NotificationPriority.NORMAL
    return NotificationPriority.LOW


def _own_record(name: str) -> bool:
    """A record of the SDK's own loggers: sending it could log again, forever."""
    return name == "ailoop" or name.startswith("ailoop.")


class AiloopLogHandler(logging.Handler):
    """A :class:`logging.Handler` that posts each record to ``channel`` as a notification.

    The priority follows the record's level (``CRITICAL`` urgent, ``ERROR`` and
    ``WARNING`` high, ``INFO`` normal, ``DEBUG`` low); the text is the formatted record
    (set a formatter as with any handler). ``channel`` defaults to the client's channel.

    Logging never blocks and never raises: :meth:`emit` appends the formatted record to
    a buffer of ``capacity`` records and returns; one background thread,
    ``ailoop-log-handler`` (daemon, started with the first record), posts them with
    :meth:`~ailoop.AiloopClient.say`, in order. When the buffer is full the oldest
    record is dropped and counted in :attr:`dropped`. While the server cannot be
    reached the thread retries with jittered exponential backoff (up to 30 s apart);
    records the server refuses are counted in :attr:`failed`. Records of the SDK's own
    ``ailoop`` loggers, and records logged by the sending thread itself (``requests``,
    ``urllib3``), are ignored, so the handler never logs into itself.

    :meth:`flush` waits (at most ``timeout``) until the buffer is sent; :meth:`close`
    sends what is queued (at most 5 s, without retrying), stops and joins the thread.
    The client is not closed. Records logged after ``close()`` are dropped.
    """

    def __init__(
        self,
        client: "AiloopClient",
        channel: Optional[str] = None,
        level: int = logging.NOTSET,
        capacity: int = 1000,
    ) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValidationError(f"capacity must be a positive integer, got {capacity!r}")
        if not callable(getattr(client, "say", None)):
            raise ValidationError("client must be an ailoop.AiloopClient")
        super().__init__(level)
        self._client = client
        self._channel = None if channel is None else validate_channel(channel)
        self._capacity = capacity
        self._dropped = 0
        self._failed = 0
        self._sent = 0
        self._reset_machinery()
        _fork.track(self)

    def _reset_machinery(self) -> None:
        self._guard = threading.Lock()
        self._idle = threading.Condition(self._guard)
        self._buffer: Deque[_Item] = collections.deque()
        self._in_flight = False
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._complained = False

    @property
    def channel(self) -> str:
        """The channel the notifications go to."""
        return self._client.channel if self._channel is None else self._channel

    @property
    def capacity(self) -> int:
        """How many records the buffer holds."""
        return self._capacity

    @property
    def dropped(self) -> int:
        """Records lost because the buffer was full, or because they came after close()."""
        with self._guard:
            return self._dropped

    @property
    def failed(self) -> int:
        """Records the server refused, or that could not be sent before close() ended."""
        with self._guard:
            return self._failed

    @property
    def sent(self) -> int:
        """Records delivered as notifications."""
        with self._guard:
            return self._sent

    def filter(self, record: logging.LogRecord) -> bool:
        """Refuse the SDK's own records and those of the sending thread, then apply the
        handler's filters.

        Refusing here, before :meth:`logging.Handler.handle` takes the handler's lock,
        also keeps the sending thread from waiting on that lock while ``close()`` holds
        it (``logging.shutdown`` does).
        """
        if _own_record(record.name) or threading.current_thread() is self._thread:
            return False
        return super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        """Queue ``record`` for the background thread; never blocks, never raises."""
        try:
            text = self.format(record)
        except Exception:
            self.handleError(record)
            return
        if not text.strip():
            return
        item = (text, priority_for_level(record.levelno))
        with self._guard:
            if self._stopping.is_set():
                self._dropped += 1
                return
            if len(self._buffer) >= self._capacity:
                self._buffer.popleft()
                self._dropped += 1
            self._buffer.append(item)
            if self._thread is None and not self._start_thread():
                return
        self._wake.set()

    def _start_thread(self) -> bool:
        """Start the sender (with the guard held); False when Python refuses a thread."""
        thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        try:
            thread.start()
        except RuntimeError:  # at interpreter shutdown
            self._dropped += len(self._buffer)
            self._buffer.clear()
            return False
        self._thread = thread
        return True

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued record was sent or given up, at most ``timeout`` s."""
        if threading.current_thread() is self._thread:
            return
        with self._idle:
            self._idle.wait_for(lambda: not self._buffer and not self._in_flight, timeout)

    def close(self) -> None:
        """Send what is queued (at most 5 s), stop and join the thread; idempotent."""
        with self._guard:
            self._stopping.set()
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_TIMEOUT)
            if thread.is_alive():
                logger.warning("the log handler is still sending after %.0f s", CLOSE_TIMEOUT)
        super().close()

    def _after_fork_in_child(self) -> None:
        """In a forked child: the parent's thread is gone and its records are not ours."""
        self._reset_machinery()

    def _run(self) -> None:
        delays: Optional[Iterator[float]] = None
        while True:
            self._wake.wait()
            with self._guard:
                if not self._buffer:
                    self._wake.clear()
                    self._idle.notify_all()
                    if self._stopping.is_set():
                        return
                    continue
                item = self._buffer.popleft()
                self._in_flight = True
            retry = self._deliver(item, delays is not None)
            with self._guard:
                self._in_flight = False
                if retry and not self._stopping.is_set():
                    if len(self._buffer) < self._capacity:
                        self._buffer.appendleft(item)
                    else:
                        self._dropped += 1
                elif retry:
                    self._failed += 1 + len(self._buffer)
                    self._buffer.clear()
            if not retry:
                if delays is not None:
                    logger.info("the ailoop server is reachable again; sending log records")
                delays = None
                continue
            if delays is None:
                delays = jittered_delays(0.5, MAX_RETRY_DELAY)
            self._stopping.wait(next(delays))

    def _deliver(self, item: _Item, in_outage: bool) -> bool:
        """Post one record; True when it should be retried (the server was unreachable)."""
        text, priority = item
        try:
            self._client.say(text, self.channel, priority)
        except ConnectionError as exc:
            if not in_outage:
                # the text only: a record holding the error would keep its traceback alive
                logger.warning("cannot reach the ailoop server to send log records (%s)", str(exc))
            return True
        except Exception as exc:
            if not self._complained:  # once until a record goes through again
                logger.warning(
                    "log records are not being sent: %s",
                    str(exc),
                    exc_info=not isinstance(exc, AiloopError),
                )
                self._complained = True
            with self._guard:
                self._failed += 1
            return False
        self._complained = False
        with self._guard:
            self._sent += 1
        return False


present_as("ailoop", globals(), ["AiloopLogHandler"])
