"""The contract suite's server and human: the stand-in by default, any running server on demand.

``AILOOP_TEST_SERVER_URL`` points the suite at a server that is already running (a real
``ailoop serve`` or an embedder); ``AILOOP_TEST_TOKEN`` gives its token when it was
started with tokens, and ``AILOOP_TEST_PROTOCOL`` (``v1`` by default, ``v0`` for a
question-era server such as v1.0.0) says which era it speaks.  Without the URL the suite
starts one stand-in for the whole suite, configured like that: no default prompt
timeout (a bare embedder), tokens when ``AILOOP_TEST_TOKEN`` is set, the era of
``AILOOP_TEST_PROTOCOL``.

Only what a real server offers is used: the SDK's public API, raw ``requests`` and
``websocket-client``, and a human who answers the way the web UI does
(``POST /api/v1/messages/{id}/response``) or not at all.  The server is never reset, so
every test works on channels of its own and reads counters before relying on them.
"""

import json
import os
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional

import pytest
import requests
import websocket

from ailoop import AiloopClient

SERVER_URL_VARIABLE = "AILOOP_TEST_SERVER_URL"
TOKEN_VARIABLE = "AILOOP_TEST_TOKEN"
PROTOCOL_VARIABLE = "AILOOP_TEST_PROTOCOL"
STANDIN_TOKEN = "contract-secret"

#: How long the suite waits for anything the server does by itself (generous: 2 busy cores).
PATIENCE = 10.0
#: Server-side prompt timeout used to observe timeouts (the smallest the wire allows).
SHORT_TIMEOUT = 1
_POLL = 0.05


class Target(NamedTuple):
    """The server under contract."""

    url: str
    token: Optional[str]
    protocol: str
    external: bool

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint: ``{url}/``, in ws(s)."""
        scheme, rest = self.url.split("://", 1)
        return ("wss" if scheme == "https" else "ws") + "://" + rest.rstrip("/") + "/"

    def headers(self) -> Dict[str, str]:
        """The auth header this target needs (none without a token)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _declared_protocol() -> str:
    protocol = os.environ.get(PROTOCOL_VARIABLE, "v1")
    if protocol not in ("v0", "v1"):
        raise pytest.UsageError(f"{PROTOCOL_VARIABLE} must be v0 or v1, got {protocol!r}")
    return protocol


@pytest.fixture(scope="package")
def target() -> Iterator[Target]:
    """The server under contract, shared by the whole contract suite."""
    token = os.environ.get(TOKEN_VARIABLE) or None
    protocol = _declared_protocol()
    external_url = os.environ.get(SERVER_URL_VARIABLE)
    if external_url:
        yield Target(external_url.rstrip("/"), token, protocol, True)
        return
    from ailoop.testing import AiloopTestServer

    tokens = [token] if token else []
    with AiloopTestServer(protocol=protocol, tokens=tokens, default_timeout=None) as server:
        yield Target(server.url, token, protocol, False)


@pytest.fixture(scope="package")
def token_target(target: Target) -> Iterator[Target]:
    """A server that demands a token: the target when it has one, else a stand-in with one.

    Against an external server without ``AILOOP_TEST_TOKEN`` the tests that need it are
    skipped (``ailoop serve`` has no tokens; only embedders configure them).
    """
    if target.token:
        yield target
        return
    if target.external:
        pytest.skip(f"the server under test has no token ({TOKEN_VARIABLE} is not set)")
    from ailoop.testing import AiloopTestServer

    with AiloopTestServer(
        protocol=target.protocol, tokens=[STANDIN_TOKEN], default_timeout=None
    ) as server:
        yield Target(server.url, STANDIN_TOKEN, target.protocol, False)


@pytest.fixture
def v1_only(target: Target) -> None:
    """Skip on a question-era server (no ``decision``, no pending API)."""
    if target.protocol != "v1":
        pytest.skip("decision-era (v1.0.1+) feature; the server under test is question-era")


def fresh_channel(prefix: str = "ct") -> str:
    """A channel name no other test (nor an earlier run on the same server) has used."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def channel() -> str:
    """A fresh channel for this test."""
    return fresh_channel()


class Wire:
    """Raw HTTP against the target (a ``requests`` session that never reads the environment)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers.update(target.headers())

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``method`` on ``target.url + path``."""
        kwargs.setdefault("timeout", PATIENCE)
        return self.session.request(method, self.target.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


@pytest.fixture
def wire(target: Target) -> Iterator[Wire]:
    """Raw HTTP to the target."""
    session = Wire(target)
    yield session
    session.close()


class RawSocket:
    """One raw WebSocket connection to the target."""

    def __init__(self, target: Target, **options: Any) -> None:
        header = [f"{k}: {v}" for k, v in target.headers().items()]
        options.setdefault("header", header)
        self.socket = websocket.create_connection(target.ws_url, timeout=PATIENCE, **options)

    def send_json(self, value: Any) -> None:
        """One text frame."""
        self.socket.send(json.dumps(value))

    def recv_json(self, timeout: float = PATIENCE) -> Dict[str, Any]:
        """The next text frame, decoded."""
        self.socket.settimeout(timeout)
        frame: Dict[str, Any] = json.loads(self.socket.recv())
        return frame

    def recv_until(
        self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = PATIENCE
    ) -> Dict[str, Any]:
        """Skip frames until one satisfies ``predicate`` (raises on the deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise websocket.WebSocketTimeoutException("no matching frame in time")
            frame = self.recv_json(left)
            if predicate(frame):
                return frame

    def close(self) -> None:
        """Close the connection."""
        self.socket.close()


@pytest.fixture
def open_socket(target: Target) -> Iterator[Callable[..., RawSocket]]:
    """Open raw WebSockets to the target (closed after the test)."""
    opened: List[RawSocket] = []

    def opener(**options: Any) -> RawSocket:
        raw = RawSocket(target, **options)
        opened.append(raw)
        return raw

    yield opener
    for raw in opened:
        raw.close()


class Human:
    """The person at the web UI: answers prompts over HTTP once they are on screen.

    On a server with the pending API (v1.0.8+) an answer is posted once the prompt is
    listed in ``/api/v1/pending``, which is what a person looking at the UI sees.  Older
    servers do not say what is on screen, so the answer is posted again until a viewer
    connection (what the web UI keeps open) sees the server's own canonical response.
    """

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.answered: List[str] = []

    def pending(self, channel: Optional[str] = None) -> Optional[List[Dict[str, Any]]]:
        """The pending list (``None`` when the server has no pending API)."""
        params = {"channel": channel} if channel else None
        reply = self.wire.get("/api/v1/pending", params=params)
        if reply.status_code in (404, 405):
            return None
        reply.raise_for_status()
        items: List[Dict[str, Any]] = reply.json()["items"]
        return items

    def wait_on_screen(self, prompt_id: Any, channel: str, timeout: float = PATIENCE) -> bool:
        """Block until ``prompt_id`` is on screen; False when the server cannot say."""
        deadline = time.monotonic() + timeout
        while True:
            listed = self.pending(channel)
            if listed is None:
                return False
            if any(item["message_id"] == str(prompt_id) for item in listed):
                return True
            if time.monotonic() >= deadline:
                raise AssertionError(f"prompt {prompt_id} never reached the screen: {listed}")
            time.sleep(_POLL)  # polling the server the way the web UI does

    def post(
        self, prompt_id: Any, answer: Optional[str] = None, response_type: str = "text"
    ) -> Dict[str, Any]:
        """Post an answer as the web UI does, whether or not the prompt is on screen."""
        reply = self.wire.post(
            f"/api/v1/messages/{prompt_id}/response",
            json={"answer": answer, "response_type": response_type},
        )
        assert reply.status_code == 200, reply.text
        self.answered.append(str(prompt_id))
        raw: Dict[str, Any] = reply.json()
        return raw

    def answer(
        self,
        prompt_id: Any,
        channel: str,
        answer: Optional[str] = None,
        response_type: str = "text",
    ) -> None:
        """Answer ``prompt_id`` once it is on screen (see the class docstring)."""
        if self.wait_on_screen(prompt_id, channel):
            self.post(prompt_id, answer, response_type)
            return
        viewer = RawSocket(self.wire.target)
        try:
            viewer.send_json({"subscribe": "*"})
            raw_ids = set()
            deadline = time.monotonic() + PATIENCE
            while time.monotonic() < deadline:
                raw_ids.add(self.post(prompt_id, answer, response_type)["id"])
                try:
                    viewer.recv_until(
                        lambda f: (
                            f.get("correlation_id") == str(prompt_id) and f.get("id") not in raw_ids
                        ),
                        timeout=0.5,
                    )
                    return
                except websocket.WebSocketTimeoutException:
                    continue
        finally:
            viewer.close()
        raise AssertionError(f"the server never took the answer to prompt {prompt_id}")

    def clear(self, channel: str) -> None:
        """Deny whatever of ``channel`` is still on screen, so no prompt blocks the server.

        The real server shows one prompt at a time for all channels; a prompt left
        waiting with no timeout would stall every later test.
        """
        quiet_since = time.monotonic()
        deadline = quiet_since + PATIENCE
        while time.monotonic() < deadline:
            listed = self.pending(channel)
            if not listed:
                if listed is None or time.monotonic() - quiet_since > 0.3:
                    return
            else:
                for item in listed:
                    self.post(item["message_id"], None, "authorization_denied")
                quiet_since = time.monotonic()
            time.sleep(_POLL)  # polling the server the way the web UI does


@pytest.fixture
def human(wire: Wire, channel: str) -> Iterator[Human]:
    """A web-UI human for ``channel``; clears the channel's screen after the test."""
    person = Human(wire)
    yield person
    person.clear(channel)


@pytest.fixture
def make_client(target: Target) -> Iterator[Callable[..., AiloopClient]]:
    """Build clients for the target (closed after the test)."""
    made: List[AiloopClient] = []

    def build(**options: Any) -> AiloopClient:
        options.setdefault("token", target.token)
        options.setdefault("timeout", PATIENCE)
        options.setdefault("reconnect_delay", 0.1)
        built = AiloopClient(target.url, **options)
        made.append(built)
        return built

    yield build
    for built in made:
        built.close()


@pytest.fixture
def client(make_client: Callable[..., AiloopClient], channel: str) -> AiloopClient:
    """A client on the test's own channel, speaking the target's declared era."""
    built: AiloopClient = make_client(channel=channel)
    return built


def wire_message(content: Dict[str, Any], channel: str, **fields: Any) -> Dict[str, Any]:
    """A complete agent message with a fresh id."""
    built = {
        "id": str(uuid.uuid4()),
        "channel": channel,
        "sender_type": "AGENT",
        "content": content,
        "timestamp": "2026-06-11T09:30:00Z",
    }
    built.update(fields)
    return built


def answered(
    client: AiloopClient,
    human: Human,
    prompt: Any,
    answer: Optional[str] = None,
    response_type: str = "text",
) -> Any:
    """The human answers ``prompt`` on screen; returns the client's final response."""
    human.answer(prompt.id, prompt.channel, answer, response_type)
    return client.wait_for_response(prompt.id, timeout=PATIENCE)
