"""Shared REST reads for blocking waits: at most one per key in flight, off the caller.

A wait that must look at the REST history (its prompt was sent before the stream was
connected, or by someone else, or the stream is down) asks :class:`SharedReads` for a
read of that key (a channel's history, one message). Every wait gets a read that starts
*after* it asked -- so it sees everything stored before its waiter was registered --
yet any number of waits share one: while a read of a key runs, later askers all join
the single read queued behind it. So 1,000 waits on one channel cost at most two reads.

Reads run on short-lived daemon threads (``ailoop-history``, at most
``MAX_READERS`` at once, each ending when nothing is queued), never in the waiting
thread: a wait keeps its own deadline however slow the server is, and ``close()`` wakes
it at once. A read's result or error is kept on its :class:`SharedRead`; each thread that
joined it is woken through the ``wake()`` of the object it passed in.
"""

import logging
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Hashable, List, Optional, Protocol

from ailoop.exceptions import ClientClosedError

__all__ = ["MAX_READERS", "SharedRead", "SharedReads"]

logger = logging.getLogger("ailoop.realtime")

MAX_READERS = 4
"""Reads of different keys running at once (one thread each)."""


class Wakeable(Protocol):
    """Something to wake when a read ends (a response waiter)."""

    def wake(self) -> None:
        """Wake the thread blocked on this object."""


class SharedRead:
    """One read, queued, running or done; ``result`` or ``error`` once :attr:`done`."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._work = work
        self._done = threading.Event()
        self._listeners: List[Wakeable] = []
        self.result: Any = None
        self.error: Optional[BaseException] = None

    @property
    def done(self) -> bool:
        """True once the read has a result or an error."""
        return self._done.is_set()

    def wait(self, timeout: Optional[float]) -> bool:
        """Block up to ``timeout`` seconds for the read to end; True when it has."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        try:
            self.result = self._work()
        except Exception as exc:  # handed to every thread that joined the read
            self.error = _without_tracebacks(exc)
        self._finish()

    def _finish(self, error: Optional[BaseException] = None) -> None:
        if error is not None:
            self.error = error
        self._done.set()
        for listener in self._listeners:
            listener.wake()


class SharedReads:
    """Runs :class:`SharedRead` s, one per key at a time (see the module docstring)."""

    def __init__(self, thread_name: str = "ailoop-history", max_readers: int = MAX_READERS):
        self._thread_name = thread_name
        self._max_readers = max_readers
        self._lock = threading.Lock()
        self._queued: Dict[Hashable, SharedRead] = {}
        self._running: Dict[Hashable, SharedRead] = {}
        self._ready: Deque[Hashable] = deque()
        self._threads: List[threading.Thread] = []
        self._readers = 0
        self._closed = False

    def request(
        self, key: Hashable, work: Callable[[], Any], listener: Optional[Wakeable] = None
    ) -> SharedRead:
        """A read of ``key`` that starts after this call (``work`` runs it, unless a read
        of ``key`` is already queued: that one is joined). ``listener.wake()`` is called
        when it ends. Raises :class:`ClientClosedError` after :meth:`close`.
        """
        with self._lock:
            if self._closed:
                raise ClientClosedError("the client is closed")
            read = self._queued.get(key)
            if read is None:
                read = self._queued[key] = SharedRead(work)
                if key not in self._running:
                    self._ready.append(key)
                    self._start_reader_locked()
            if listener is not None:
                read._listeners.append(listener)
        return read

    def close(self, timeout: float) -> None:
        """Fail queued reads with :class:`ClientClosedError`, refuse new ones and join the
        reader threads for up to ``timeout`` seconds (a read in flight ends when the
        client's HTTP transport is closed).
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            queued = list(self._queued.values())
            self._queued.clear()
            self._ready.clear()
            threads = list(self._threads)
        for read in queued:
            read._finish(ClientClosedError("the client was closed"))
        current = threading.current_thread()
        for thread in threads:
            if thread is not current:
                thread.join(max(deadline - time.monotonic(), 0.0))

    def _start_reader_locked(self) -> None:
        if self._readers >= self._max_readers:
            return  # a busy reader picks the key up when its read ends
        self._readers += 1
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        thread = threading.Thread(target=self._serve, name=self._thread_name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while True:
            with self._lock:
                if self._closed or not self._ready:
                    self._readers -= 1
                    return
                key = self._ready.popleft()
                read = self._running[key] = self._queued.pop(key)
            try:
                read._run()
            finally:
                with self._lock:
                    del self._running[key]
                    if key in self._queued:
                        self._ready.append(key)


def _without_tracebacks(error: BaseException) -> BaseException:
    """``error`` with the reader thread's tracebacks dropped (its whole cause chain): the
    thread that raises it has its own, and the reader's frames would keep that call's
    response and socket alive for as long as the caller keeps the error.
    """
    seen = set()
    link: Optional[BaseException] = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return error
