"""Lifecycle, addresses, auth, base path, TLS and latency of the stand-in (PROTOCOL §2, §5)."""

import queue
import ssl
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
import requests
import trustme
import websocket

from ailoop.testing import AiloopTestServer
from tests.polling import eventually

from .conftest import Http, Ws, decision, message, notification


def server_threads() -> List[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ailoop-test-")]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll a condition the server offers no event for."""
    assert eventually(condition, timeout), "condition not met in time"


def test_start_and_stop_are_fast_and_leave_no_thread() -> None:
    started = time.monotonic()
    server = AiloopTestServer(human=lambda message: None).start()
    assert time.monotonic() - started < 1.0
    assert sorted(server_threads()) == sorted(
        [f"ailoop-test-server:{server.port}", f"ailoop-test-human:{server.port}"]
    )
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("ailoop-test-"))
    stopping = time.monotonic()
    server.stop()
    assert time.monotonic() - stopping < 1.0
    assert server_threads() == []


def test_stop_is_fast_with_open_sockets_pending_prompts_and_keep_alive() -> None:
    server = AiloopTestServer().start()
    session = requests.Session()
    agent = Ws(server.ws_url)
    viewer = Ws(server.ws_url)
    try:
        viewer.send_json({"subscribe": "*"})
        session.get(server.url + "/api/v1/health", timeout=5)
        prompt = agent.send_message(decision())
        server.wait_for_pending(message_id=prompt)
        server.fail_route("GET", "/api/stats", 200, delay=30)
        outcome: queue.Queue[object] = queue.Queue()

        def slow_request() -> None:
            try:
                outcome.put(requests.get(server.url + "/api/stats", timeout=10))
            except requests.ConnectionError as exc:
                outcome.put(exc)

        slow = threading.Thread(target=slow_request, name="slow-request")
        slow.start()
        wait_until(lambda: any(r.path == "/api/stats" for r in server.requests))
        stopping = time.monotonic()
        server.stop()
        assert time.monotonic() - stopping < 1.0
        slow.join(5)
        assert isinstance(outcome.get(timeout=5), requests.ConnectionError)
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            agent.recv_until(lambda frame: False)
    finally:
        agent.close()
        viewer.close()
        session.close()
    assert server_threads() == []


def test_context_manager_and_idempotent_stop() -> None:
    with AiloopTestServer() as server:
        assert server.running
        with pytest.raises(RuntimeError):
            server.start()
    assert not server.running
    server.stop()


def test_addresses() -> None:
    server = AiloopTestServer(base_path="/hil")
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018 - the port is unknown before start
    with server:
        assert server.url == f"http://127.0.0.1:{server.port}/hil"
        assert server.ws_url == f"ws://127.0.0.1:{server.port}/hil/"
        assert str(server.port) in repr(server)
    with AiloopTestServer() as plain:
        assert plain.url == f"http://127.0.0.1:{plain.port}"
        assert plain.ws_url == f"ws://127.0.0.1:{plain.port}/"


@pytest.mark.parametrize(
    "options",
    [
        {"protocol": "v2"},
        {"base_path": "hil"},
        {"base_path": "/hil/"},
        {"base_path": "/a//b"},
        {"base_path": "/api"},
        {"default_timeout": -1},
    ],
)
def test_invalid_options_are_rejected(options: dict) -> None:
    with pytest.raises(ValueError):
        AiloopTestServer(**options)


def test_root_base_path_means_none() -> None:
    with AiloopTestServer(base_path="/") as server:
        assert server.url.endswith(str(server.port))


def test_restart_keeps_the_port_and_loses_all_state(http: Http) -> None:
    server = http.server
    http.post("/api/v1/messages", json=message(notification()))
    task = http.post(
        "/api/v1/tasks", json={"title": "t", "description": "", "channel": "public"}
    ).json()
    agent = Ws(server.ws_url)
    try:
        prompt = agent.send_message(decision())
        server.wait_for_pending(message_id=prompt)
        port = server.port
        server.restart()
        assert server.port == port
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            agent.recv_until(lambda frame: False)
    finally:
        agent.close()
    assert server.pending() == []
    assert server.messages() == []
    assert http.get("/api/channels").json() == {"channels": []}
    assert http.get(f"/api/v1/tasks/{task['id']}").status_code == 404
    assert len(server.requests) >= 4


@pytest.mark.usefixtures("standin_only")
def test_a_busy_port_fails_start_cleanly(server: AiloopTestServer) -> None:
    with pytest.raises(OSError):
        AiloopTestServer(port=server.port).start()
    assert server_threads() == [f"ailoop-test-server:{server.port}"]


@pytest.mark.usefixtures("standin_only")
def test_messages_history_and_pending_stay_readable_after_stop(http: Http) -> None:
    server = http.server
    sent = message(notification(), channel="kept")
    http.post("/api/v1/messages", json=sent)
    server.stop()
    assert [str(m.id) for m in server.messages("kept")] == [sent["id"]]
    assert server.pending() == []
    assert server.connections().total == 0


def test_respond_like_the_web_ui(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    prompt = agent.send_message(decision("A", "B"))
    server.wait_for_pending(message_id=prompt.upper())
    raw = server.respond(uuid.UUID(prompt), "B")
    assert (raw.content.answer, str(raw.correlation_id)) == ("B", prompt)
    assert agent.recv_correlated(prompt)["id"] == str(raw.id)
    assert agent.recv_correlated(prompt)["metadata"]["option_id"] == "opt2"
    with pytest.raises(LookupError):
        server.respond(uuid.uuid4(), "x")
    with pytest.raises(ValueError):
        server.respond(prompt, "x", "approved")
    with pytest.raises(ValueError):
        server.respond("not a uuid")


def test_wait_for_pending_times_out(server: AiloopTestServer) -> None:
    with pytest.raises(TimeoutError):
        server.wait_for_pending(0.2)


# -- auth ------------------------------------------------------------------------------


@pytest.fixture
def guarded() -> Iterator[AiloopTestServer]:
    with AiloopTestServer(tokens=["s3cret", "other"]) as server:
        yield server


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer s3cret"}, 200),
        ({"Authorization": "Bearer other"}, 200),
        ({"X-Api-Key": "s3cret"}, 200),
        ({"x-api-key": "other"}, 200),
        ({"Authorization": "Bearer wrong", "X-Api-Key": "s3cret"}, 401),
        ({"Authorization": "bearer s3cret"}, 401),
        ({"Authorization": "Basic abc", "X-Api-Key": "s3cret"}, 200),
        ({"Authorization": "Bearer  s3cret"}, 401),
    ],
)
def test_token_extraction(guarded: AiloopTestServer, headers: dict, status: int) -> None:
    response = requests.get(guarded.url + "/api/v1/health", headers=headers, timeout=5)
    assert response.status_code == status
    if status == 401:
        assert response.headers["Content-Type"] == "application/json"
        assert response.text == '{"error":"unauthorized"}'
        assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/health", "/nope", "/", "/api/v1/messages?token=s3cret"])
def test_no_path_is_exempt_and_there_is_no_query_token(
    guarded: AiloopTestServer, path: str
) -> None:
    assert requests.get(guarded.url + path, timeout=5).status_code == 401


def test_options_bypasses_auth(guarded: AiloopTestServer) -> None:
    response = requests.options(guarded.url + "/api/v1/health", timeout=5)
    assert (response.status_code, response.content) == (200, b"")


def test_websocket_handshake_needs_the_token(guarded: AiloopTestServer) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(guarded.ws_url, timeout=5)
    assert refused.value.status_code == 401
    agent = Ws(guarded.ws_url, header=["Authorization: Bearer s3cret"])
    try:
        assert agent.echo_of(agent.send_message(notification()))
    finally:
        agent.close()


# -- base path -------------------------------------------------------------------------


@pytest.mark.ailoop_server(base_path="/hil")
def test_base_path_routes(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    root = f"http://127.0.0.1:{server.port}"
    assert requests.get(root + "/hil/api/v1/health", timeout=5).status_code == 200
    for outside in ("/api/v1/health", "/hil", "/hilx/api/v1/health", "/"):
        response = requests.get(root + outside, timeout=5)
        assert (response.status_code, response.content) == (404, b"")
        assert "vary" not in response.headers
    inside = requests.get(root + "/hil/api/unknown", timeout=5)
    assert (inside.status_code, inside.json()) == (404, {"error": "Not found"})
    assert requests.get(root + "/hil/", timeout=5).content == b""
    agent = connect()
    assert agent.echo_of(agent.send_message(notification()))
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(f"ws://127.0.0.1:{server.port}/", timeout=5)


# -- TLS -------------------------------------------------------------------------------


def test_tls(tmp_path: Path) -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    with AiloopTestServer(ssl_context=context) as server:
        assert server.url.startswith("https://") and server.ws_url.startswith("wss://")
        with requests.Session() as session:
            assert session.get(server.url + "/api/v1/health", verify=str(bundle), timeout=5).ok
        agent = Ws(server.ws_url, sslopt={"ca_certs": str(bundle)})
        try:
            assert agent.echo_of(agent.send_message(notification()))
        finally:
            agent.close()


# -- latency ---------------------------------------------------------------------------


def test_keep_alive_requests_see_no_nagle_delay(http: Http) -> None:
    http.get("/api/v1/health")
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        http.get("/api/v1/health")
        http.post("/api/test", json={})
        samples.append(time.perf_counter() - started)
    assert statistics.median(samples) < 0.02, "about 40 ms per request would mean Nagle"
