"""Deadlines across all the I/O of a WebSocket handshake or echo wait, and cutting on close.

A socket timeout bounds one ``recv``, not a whole exchange: a server that trickles its
handshake answer or a frame one byte at a time keeps every single read within it forever.
:class:`DeadlineWatch` runs one thread (``ailoop-deadlines``) that shuts down the socket of
each guarded WebSocket whose deadline passed, which wakes the thread blocked on it at once;
:meth:`DeadlineWatch.close` shuts down every guarded socket the same way. The thread
starts with the first guard and runs until :meth:`DeadlineWatch.close`, which joins it; it
holds no reference to the client, so its owner can close it from a finalizer. A forked
child starts afresh: the parent's thread and lock do not survive a fork.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Dict, Iterator, Optional

from ailoop.exceptions import ClientClosedError

if TYPE_CHECKING:
    import websocket

__all__ = ["DeadlineWatch", "Guard"]

_RECHECK_SECONDS = 0.05
"""How often an expired guard whose socket is not open yet is looked at again."""
_JOIN_SECONDS = 2.0


class Guard:
    """One guarded WebSocket; ``expired`` tells whether its deadline cut it."""

    __slots__ = ("deadline", "expired", "ws")

    def __init__(self, ws: websocket.WebSocket, deadline: float) -> None:
        self.ws = ws
        self.deadline = deadline
        self.expired = False


class DeadlineWatch:
    """Cuts guarded WebSockets at their deadline, and all of them on :meth:`close`."""

    def __init__(self, thread_name: str = "ailoop-deadlines") -> None:
        self._thread_name = thread_name
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._condition = threading.Condition(threading.Lock())
        self._guards: Dict[int, Guard] = {}
        self._thread: Optional[threading.Thread] = None
        self._wake_at = float("inf")
        self._closed = False

    @contextlib.contextmanager
    def guard(self, ws: websocket.WebSocket, deadline: float) -> Iterator[Guard]:
        """Within the block, ``ws``'s socket is shut down when ``deadline`` (a
        ``time.monotonic()`` value) passes or the watch is closed. Raises
        :class:`~ailoop.exceptions.ClientClosedError` after :meth:`close`.
        """
        if self._pid != os.getpid():
            self._reset()  # a forked child: the parent's thread and lock are not ours
        entry = Guard(ws, deadline)
        with self._condition:
            if self._closed:
                raise ClientClosedError("the client is closed")
            self._guards[id(entry)] = entry
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=self._thread_name, daemon=True
                )
                self._thread.start()
            elif deadline < self._wake_at:
                self._condition.notify()
        try:
            yield entry
        finally:
            with self._condition:
                self._guards.pop(id(entry), None)

    def close(self, timeout: float = _JOIN_SECONDS) -> None:
        """Shut down every guarded socket, stop the thread and join it for up to
        ``timeout`` seconds; idempotent.
        """
        if self._pid != os.getpid():
            self._reset()
        with self._condition:
            self._closed = True
            for entry in self._guards.values():
                _shut_down(entry.ws)
            thread = self._thread
            self._condition.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                wake_at: Optional[float] = None
                for entry in self._guards.values():
                    due = entry.deadline
                    if due <= now:
                        entry.expired = True
                        if _shut_down(entry.ws):
                            continue
                        due = now + _RECHECK_SECONDS  # still connecting: look again soon
                    wake_at = due if wake_at is None else min(wake_at, due)
                self._wake_at = float("inf") if wake_at is None else wake_at
                self._condition.wait(None if wake_at is None else wake_at - now)


def _shut_down(ws: websocket.WebSocket) -> bool:
    """Shut ``ws``'s socket down (a blocked read returns at once); False when it has none."""
    sock = ws.sock
    if sock is None:
        return False
    with contextlib.suppress(OSError):  # already closed: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)
    return True
