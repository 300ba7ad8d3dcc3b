"""Shared fixtures and helpers of the reliability suite.

Servers and clients made through ``make_server`` / ``make_client`` are stopped and closed
at teardown, before the suite-wide leak guard looks. Helpers synchronise on queues and
events; :func:`wait_until` polls a *measurement* (descriptor counts, server logs) with a
deadline, never a guess about when some other thread will be done.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, Iterator, List, Optional

import pytest

from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer
from tests import polling
from tests.descriptors import LEAKABLE, count_descriptors

SLACK = 2.0
"""Every timing bound in this suite allows twice the expected time (or more)."""


def socket_fds() -> int:
    """Open sockets, pipes and event descriptors of this process (what a client leaks)."""
    return count_descriptors(*LEAKABLE)


def thread_names() -> List[str]:
    """Names of the live threads, sorted (for readable assertion messages)."""
    return sorted(thread.name for thread in threading.enumerate())


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` until it holds; fail the test with ``what`` after ``timeout`` s."""
    polling.wait_until(check, what, timeout)


class StateLog:
    """A connection handler that records every :class:`ConnectionEvent` it gets."""

    def __init__(self) -> None:
        self.events: List[Any] = []
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.events.append(event)
        self._queue.put(event)

    def quiet_for(self, seconds: float) -> bool:
        """True when no event arrives within ``seconds`` (waits on the queue, never sleeps)."""
        try:
            self._queue.put(self._queue.get(timeout=seconds))
        except queue.Empty:
            return True
        return False

    def states(self) -> List[str]:
        """The states seen so far, as plain strings."""
        with self._lock:
            return [str(event.state.value) for event in self.events]

    def wait_for(self, state: str, timeout: float) -> Any:
        """Consume events until one has ``state``; fail the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no {state!r} event within {timeout:.1f} s; saw {self.states()}")
            try:
                event = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.state.value == state:
                return event


class Collector:
    """A message handler that records what it gets and wakes waiters per message."""

    def __init__(self) -> None:
        self.messages: List[Any] = []
        self._condition = threading.Condition()

    def __call__(self, message: Any) -> None:
        with self._condition:
            self.messages.append(message)
            self._condition.notify_all()

    def ids(self) -> List[str]:
        """Ids of the messages received, in arrival order."""
        with self._condition:
            return [str(message.id) for message in self.messages]

    def wait_for(self, predicate: Callable[[List[Any]], bool], timeout: float, what: str) -> None:
        """Block until ``predicate(messages)`` holds; fail the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not predicate(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"timed out after {timeout:.1f} s waiting for {what}")
                self._condition.wait(remaining)


@pytest.fixture
def make_server() -> Iterator[Callable[..., AiloopTestServer]]:
    """Start stand-in servers (keyword arguments as ``AiloopTestServer``); stopped at teardown."""
    servers: List[AiloopTestServer] = []

    def make(**kwargs: Any) -> AiloopTestServer:
        server = AiloopTestServer(**kwargs)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., AiloopTestServer]) -> AiloopTestServer:
    """A plain v1 stand-in server."""
    return make_server()


@pytest.fixture
def make_client() -> Iterator[Callable[..., AiloopClient]]:
    """Build clients (arguments as ``AiloopClient``); each is closed at teardown."""
    clients: List[AiloopClient] = []

    def make(server_url: Optional[str] = None, **kwargs: Any) -> AiloopClient:
        client = AiloopClient(server_url, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
