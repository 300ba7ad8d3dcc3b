"""Shared helpers of the realtime tests: a stand-in server, raw agents, event recorders."""

import json
import queue
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests
import websocket

from ailoop import AiloopClient
from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop.testing import AiloopTestServer
from tests import polling

WAIT = 10.0  # bound for "happens promptly"; generous because the machine is shared
FAST = {"reconnect_delay": 0.02, "timeout": WAIT, "echo_timeout": WAIT}
"""Client options for tests: quick reconnects, generous per-call timeouts."""


@pytest.fixture
def server() -> Iterator[AiloopTestServer]:
    """A v1 stand-in without a human (prompts wait; tests answer with ``respond``)."""
    with AiloopTestServer(default_timeout=None) as running:
        yield running


@pytest.fixture
def make_server() -> Iterator[Callable[..., AiloopTestServer]]:
    """Start stand-ins with the given options (``default_timeout=None`` unless given)."""
    servers: List[AiloopTestServer] = []

    def make(**options: Any) -> AiloopTestServer:
        options.setdefault("default_timeout", None)
        started = AiloopTestServer(**options).start()
        servers.append(started)
        return started

    yield make
    for started in reversed(servers):
        started.stop()


@pytest.fixture
def make_client() -> Iterator[Callable[..., AiloopClient]]:
    """Build clients (``FAST`` options unless overridden); each is closed at teardown."""
    clients: List[AiloopClient] = []

    def make(server: AiloopTestServer, **options: Any) -> AiloopClient:
        for name, value in FAST.items():
            options.setdefault(name, value)
        client = AiloopClient(server.url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def stream_threads() -> List[str]:
    """Names of the client threads alive right now."""
    return sorted(
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith(("ailoop-stream", "ailoop-dispatch"))
    )


def message(channel: str, content: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    """A wire Message with a fresh id."""
    frame = {
        "id": str(uuid.uuid4()),
        "channel": channel,
        "sender_type": "AGENT",
        "content": content,
        "timestamp": "2026-06-11T09:30:00.123456Z",
        "correlation_id": None,
    }
    frame.update(extra)
    return frame


def notification(channel: str, text: str) -> Dict[str, Any]:
    return message(channel, {"type": "notification", "text": text, "priority": "low"})


def decision(channel: str = "public", options: Optional[List[str]] = None) -> Dict[str, Any]:
    ids = options or ["blue-green", "canary", "rollback"]
    return message(
        channel,
        {
            "type": "decision",
            "decision_id": "strategy",
            "summary": "Which strategy?",
            "options": [{"id": i, "label": i.title()} for i in ids],
            "timeout_seconds": 0,
        },
    )


def post(server: AiloopTestServer, frame: Dict[str, Any]) -> None:
    """Store and broadcast ``frame`` over HTTP (not a prompt for the server's loop)."""
    response = requests.post(f"{server.url}/api/v1/messages", json=frame, timeout=WAIT)
    response.raise_for_status()


def send_as_agent(server: AiloopTestServer, frame: Dict[str, Any]) -> None:
    """Send ``frame`` on a short agent connection and wait for its echo."""
    agent = websocket.create_connection(server.ws_url, timeout=WAIT)
    try:
        agent.send(json.dumps(frame))
        while json.loads(agent.recv()).get("id") != frame["id"]:
            pass
    finally:
        agent.close()


class Recorder:
    """Collects what handlers receive; tests block on it with timeouts."""

    def __init__(self) -> None:
        self.items: queue.Queue[Any] = queue.Queue()

    def __call__(self, item: Any) -> None:
        self.items.put(item)

    def take(self, count: int, timeout: float = WAIT) -> List[Any]:
        return [self.items.get(timeout=timeout) for _ in range(count)]

    def nothing_more(self) -> bool:
        return self.items.empty()

    def quiet_for(self, seconds: float) -> bool:
        """True when nothing arrives within ``seconds`` (waits on the queue, never sleeps)."""
        try:
            self.items.put(self.items.get(timeout=seconds))
        except queue.Empty:
            return True
        return False


class EventRecorder(Recorder):
    """A connection handler that lets a test wait for a given state."""

    def wait_for(self, state: ConnectionState, timeout: float = WAIT) -> ConnectionEvent:
        deadline = time.monotonic() + timeout
        while True:
            event = self.items.get(timeout=max(deadline - time.monotonic(), 0.001))
            if event.state is state:
                return event


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll a *measurement* (server logs, counters) until ``check()`` holds."""
    polling.wait_until(check, what, timeout)


def run_in_thread(target: Callable[[], Any]) -> "queue.Queue[Any]":
    """Run ``target`` in a daemon thread; its result or exception lands in the queue."""
    results: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            results.put(target())
        except BaseException as exc:
            results.put(exc)

    threading.Thread(target=run, name="test-worker", daemon=True).start()
    return results
