"""Helpers for the stand-in conformance suite: raw HTTP and WebSocket clients, vectors.

Everything here talks to the server with plain ``requests`` and ``websocket-client`` (never
the SDK), so the suite checks the wire itself.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests
import websocket

from ailoop.testing import AiloopTestServer

from .external import (
    COMMAND_OPTIONS,
    PROTOCOL_VARIABLE,
    SERVER_COMMAND_VARIABLE,
    SERVER_URL_VARIABLE,
    ExternalServer,
    external_mode,
)

RECEIVE_TIMEOUT = 5.0
#: The stand-in's default prompt timeout (``ailoop serve``'s), given to started servers too.
STANDIN_DEFAULT_TIMEOUT = 300
CLIENT_TIMESTAMP = "2026-06-11T09:30:00Z"


VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors"


def vector(name: str) -> Dict[str, Any]:
    """One vector file (``name`` without ``.json``)."""
    loaded: Dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def message(content: Dict[str, Any], channel: str = "ops", **fields: Any) -> Dict[str, Any]:
    """A complete client message with a fresh id."""
    built = {
        "id": str(uuid.uuid4()),
        "channel": channel,
        "sender_type": "AGENT",
        "content": content,
        "timestamp": CLIENT_TIMESTAMP,
    }
    built.update(fields)
    return built


def decision(*labels: str, timeout: int = 30, **extra: Any) -> Dict[str, Any]:
    """Decision content with options ``opt1..n`` labelled as given (default A, B, C)."""
    labels = labels or ("A", "B", "C")
    content = {
        "type": "decision",
        "decision_id": "pick",
        "summary": "Pick **one** of_these",
        "options": [{"id": f"opt{n}", "label": label} for n, label in enumerate(labels, 1)],
        "timeout_seconds": timeout,
    }
    content.update(extra)
    return content


def authorization(timeout: int = 30, action: str = "Delete the bucket") -> Dict[str, Any]:
    """Authorization content."""
    return {"type": "authorization", "action": action, "timeout_seconds": timeout}


def navigate(url: str = "https://example.com/dash") -> Dict[str, Any]:
    """Navigate content."""
    return {"type": "navigate", "url": url}


def notification(text: str = "hello", **extra: Any) -> Dict[str, Any]:
    """Notification content."""
    return {"type": "notification", "text": text, **extra}


def without_volatile(frame: Dict[str, Any]) -> Dict[str, Any]:
    """A message without its server-chosen ``id`` and ``timestamp``."""
    return {k: v for k, v in frame.items() if k not in ("id", "timestamp")}


class Http:
    """``requests`` bound to one server (paths are appended to ``server.url``)."""

    def __init__(self, server: AiloopTestServer, **defaults: Any) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False
        self.defaults = defaults

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request to ``server.url + path``."""
        for key, value in self.defaults.items():
            kwargs.setdefault(key, value)
        kwargs.setdefault("timeout", RECEIVE_TIMEOUT)
        return self.session.request(method, self.server.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        """PUT."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


class Ws:
    """One raw WebSocket connection."""

    def __init__(self, url: str, **options: Any) -> None:
        self.socket = websocket.create_connection(url, timeout=RECEIVE_TIMEOUT, **options)

    def send_json(self, value: Any) -> None:
        """Send a value as one text frame."""
        self.socket.send(json.dumps(value))

    def send_message(self, content: Dict[str, Any], channel: str = "ops", **fields: Any) -> str:
        """Send a fresh message; returns its id."""
        built = message(content, channel, **fields)
        self.send_json(built)
        return str(built["id"])

    def recv_json(self, timeout: float = RECEIVE_TIMEOUT) -> Dict[str, Any]:
        """The next text frame, decoded."""
        self.socket.settimeout(timeout)
        frame: Dict[str, Any] = json.loads(self.socket.recv())
        return frame

    def recv_until(
        self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = RECEIVE_TIMEOUT
    ) -> Dict[str, Any]:
        """Skip frames until one satisfies ``predicate``."""
        while True:
            frame = self.recv_json(timeout)
            if predicate(frame):
                return frame

    def recv_correlated(self, prompt_id: str, timeout: float = RECEIVE_TIMEOUT) -> Dict[str, Any]:
        """The next frame whose ``correlation_id`` is ``prompt_id``."""
        return self.recv_until(lambda f: f.get("correlation_id") == prompt_id, timeout)

    def echo_of(self, message_id: str) -> Dict[str, Any]:
        """Wait for the frame with this id."""
        return self.recv_until(lambda f: f.get("id") == message_id)

    def send_in_order(self, frame: Dict[str, Any]) -> str:
        """Send a message and wait for its echo before anything else is sent.

        The real server stores and broadcasts each agent message from a task of its own,
        so messages sent back to back may be stored and echoed in any order; waiting
        for the echo keeps the order the test means.
        """
        self.send_json(frame)
        self.echo_of(str(frame["id"]))
        return str(frame["id"])

    def close(self) -> None:
        """Close the connection."""
        self.socket.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The server under test: the stand-in (the plugin's fixture; options via the marker).

    With ``AILOOP_TEST_SERVER_URL`` or ``AILOOP_TEST_SERVER_COMMAND`` set it is an
    :class:`~tests.testing.external.ExternalServer` instead, and tests that need what
    only the stand-in offers are skipped with a reason naming it (see ``external.py``).
    """
    mode = external_mode()
    if mode is None:
        yield request.getfixturevalue("ailoop_server")
        return
    marker = request.node.get_closest_marker("ailoop_server")
    options: Dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    protocol = options.pop("protocol", "v1")
    if protocol != os.environ.get(PROTOCOL_VARIABLE, "v1"):
        pytest.skip(f"needs a {protocol} server; {PROTOCOL_VARIABLE} says otherwise")
    if mode == "url":
        # Every conformance test starts from an empty server (counters, channel "ops", the
        # one prompt on screen); on a shared server one prompt left waiting stalls the rest.
        pytest.skip(
            f"the wire conformance tests need a fresh server each: set {SERVER_COMMAND_VARIABLE}"
            f" (tests/contract is the suite for a running {SERVER_URL_VARIABLE} server)"
        )
    else:
        unsupported = sorted(set(options) - COMMAND_OPTIONS)
        if unsupported:
            pytest.skip(f"stand-in only: the ailoop_server marker sets {unsupported}")
        options.setdefault("default_timeout", STANDIN_DEFAULT_TIMEOUT)
        external = ExternalServer(os.environ[SERVER_COMMAND_VARIABLE], options).start()
    yield external
    external.close()


@pytest.fixture
def standin_only() -> None:
    """Skip when the suite runs against another server: the test checks the stand-in itself."""
    if external_mode() is not None:
        pytest.skip("stand-in only: checks the stand-in's own process, threads or environment")


@pytest.fixture
def http(server: AiloopTestServer) -> Iterator[Http]:
    """A requests session for ``server``."""
    client = Http(server)
    yield client
    client.close()


@pytest.fixture
def connect(server: AiloopTestServer) -> Iterator[Callable[..., Ws]]:
    """Open WebSockets to ``server`` (closed after the test)."""
    opened: List[Ws] = []

    def open_socket(url: Optional[str] = None, **options: Any) -> Ws:
        socket = Ws(url or server.ws_url, **options)
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        socket.close()


def become_viewer(server: AiloopTestServer, socket: Ws, hello: Any = None) -> Ws:
    """Send the hello frame and wait until the server counts one more viewer."""
    before = server.connections().viewers
    socket.send_json({"subscribe": "*"} if hello is None else hello)
    server.wait_for_connections(viewers=before + 1)
    return socket


@pytest.fixture
def open_viewer(server: AiloopTestServer, connect: Callable[..., Ws]) -> Callable[..., Ws]:
    """Open a viewer connection (hello sent and registered) on ``server``."""
    return lambda **options: become_viewer(server, connect(**options))


@pytest.fixture
def viewer(open_viewer: Callable[..., Ws]) -> Ws:
    """A viewer connection on ``server``."""
    return open_viewer()
