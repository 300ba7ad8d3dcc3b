"""Fault switches and traffic logs."""

import threading
import time
from typing import Callable

import pytest
import requests
import websocket

from ailoop.testing import AiloopTestServer

from .conftest import Http, Ws, decision, message, notification


def test_fail_route_answers_with_status_body_and_content_type(
    server: AiloopTestServer, http: Http
) -> None:
    server.fail_route("GET", "/api/v1/health", 502, "<html>bad gateway</html>", "text/html")
    response = http.get("/api/v1/health")
    assert (response.status_code, response.text) == (502, "<html>bad gateway</html>")
    assert response.headers["Content-Type"] == "text/html"
    assert "vary" not in response.headers
    assert http.get("/api/stats").status_code == 200


def test_fail_route_globs_wildcard_method_and_times(server: AiloopTestServer, http: Http) -> None:
    server.fail_route("*", "/api/v1/messages/*/response", 503, '{"error":"busy"}', times=2)
    path = "/api/v1/messages/3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234/response"
    body = {"response_type": "text"}
    assert [http.post(path, json=body).status_code for _ in range(3)] == [503, 503, 404]


def test_newest_rule_wins_and_clear_faults_removes_all(
    server: AiloopTestServer, http: Http
) -> None:
    server.fail_route("GET", "/api/*", 500)
    server.fail_route("get", "/api/v1/health", 429, times=1)
    assert http.get("/api/v1/health").status_code == 429
    assert http.get("/api/v1/health").status_code == 500
    server.clear_faults()
    assert http.get("/api/v1/health").status_code == 200


def test_fault_rules_apply_before_auth(server: AiloopTestServer) -> None:
    with AiloopTestServer(tokens=["t"]) as guarded:
        guarded.fail_route("GET", "/api/v1/health", 418)
        assert requests.get(guarded.url + "/api/v1/health", timeout=5).status_code == 418


def test_delay_then_real_response(server: AiloopTestServer, http: Http) -> None:
    server.fail_route("GET", "/api/v1/health", None, delay=0.3)
    started = time.monotonic()
    response = http.get("/api/v1/health")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_delay_longer_than_the_client_timeout(server: AiloopTestServer, http: Http) -> None:
    server.fail_route("GET", "/api/v1/health", 200, delay=5)
    with pytest.raises(requests.Timeout):
        http.get("/api/v1/health", timeout=0.2)


def test_reset_cuts_the_connection_without_a_response(server: AiloopTestServer, http: Http) -> None:
    server.fail_route("POST", "/api/v1/messages", 200, reset=True)
    with pytest.raises(requests.ConnectionError):
        http.post("/api/v1/messages", json=message(notification()))
    assert http.get("/api/v1/health").status_code == 200


@pytest.mark.ailoop_server(base_path="/hil")
def test_fault_paths_match_with_or_without_the_base_path(
    server: AiloopTestServer, http: Http
) -> None:
    server.fail_route("GET", "/api/v1/health", 500, times=1)
    server.fail_route("GET", "/hil/api/stats", 501, times=1)
    assert http.get("/api/v1/health").status_code == 500
    assert http.get("/api/stats").status_code == 501


def test_fail_route_on_the_websocket_handshake(server: AiloopTestServer) -> None:
    server.fail_route("GET", "/", 503, '{"error":"maintenance"}', times=1)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(server.ws_url, timeout=5)
    assert refused.value.status_code == 503
    websocket.create_connection(server.ws_url, timeout=5).close()


def test_drop_connections_cuts_every_socket_and_keeps_serving(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent, viewer = connect(), connect()
    viewer.send_json({"subscribe": "*"})
    server.wait_for_connections(total=2, viewers=1)
    server.drop_connections()
    for socket in (agent, viewer):
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            socket.socket.recv()
    server.wait_for_connections(total=0)
    fresh = connect()
    assert fresh.echo_of(fresh.send_message(notification()))


def test_inject_frame_reaches_every_socket_even_silent_agents(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    silent, viewer = connect(), connect()
    viewer.send_json({"subscribe": "*"})
    server.wait_for_connections(total=2, viewers=1)
    server.inject_frame("not json at all")
    for socket in (silent, viewer):
        socket.socket.settimeout(5)
        assert socket.socket.recv() == "not json at all"


@pytest.mark.slow
def test_pause_pongs_goes_half_open_until_resumed(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.echo_of(agent.send_message(notification()))
    server.pause_pongs()
    agent.socket.ping(b"unanswered")
    queued = message(notification("queued"))
    http.post("/api/v1/messages", json=queued)
    agent.socket.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        agent.socket.recv_data_frame(control_frame=True)
    server.resume_pongs()
    assert agent.recv_json()["id"] == queued["id"]
    agent.socket.ping(b"answered")
    opcode, frame = agent.socket.recv_data_frame(control_frame=True)
    assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"answered")


def test_requests_log_records_method_raw_path_and_headers(
    server: AiloopTestServer, http: Http
) -> None:
    http.get("/api/v1/tasks?channel=a%20b", headers={"X-Trace": "42"})
    recorded = server.requests[-1]
    assert (recorded.method, recorded.path) == ("GET", "/api/v1/tasks?channel=a%20b")
    assert recorded.headers["x-trace"] == "42"
    assert tuple(recorded) == (recorded.method, recorded.path, recorded.headers)


@pytest.mark.ailoop_server(tokens=["s3cret"])
def test_recorded_requests_hide_credentials_in_their_repr(
    server: AiloopTestServer, http: Http
) -> None:
    http.get("/api/v1/health", headers={"Authorization": "Bearer s3cret", "X-Api-Key": "s3cret"})
    recorded = server.requests[-1]
    assert recorded.headers["Authorization"] == "Bearer s3cret"
    assert "s3cret" not in repr(recorded)


def test_frames_log_records_both_directions(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.socket.send("garbage")
    prompt = agent.send_message(decision())
    agent.echo_of(prompt)
    directions = [(f.direction, f.text.startswith("{")) for f in server.frames]
    assert directions[:3] == [("in", False), ("in", True), ("out", True)]
    server.clear_logs()
    assert server.frames == [] and server.requests == []


def test_logs_are_thread_safe_under_concurrent_traffic(server: AiloopTestServer) -> None:
    def hammer() -> None:
        with requests.Session() as session:
            for _ in range(25):
                session.get(server.url + "/api/v1/health", timeout=5)

    threads = [threading.Thread(target=hammer, name=f"hammer-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.requests) == 100


def test_switches_need_a_running_server() -> None:
    stopped = AiloopTestServer()
    with pytest.raises(RuntimeError):
        stopped.drop_connections()
    stopped.fail_route("GET", "/", 500)
    stopped.clear_faults()
