"""The stand-in reproduces the protocol vectors (``tests/data/vectors``)."""

import copy
import json
from typing import Any, Callable, Dict

import pytest

from ailoop.testing import AiloopTestServer

from .conftest import Http, Ws, become_viewer, vector, without_volatile

JSON = {"Content-Type": "application/json"}
PROMPT_ID = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"


def frame(name: str) -> Any:
    return copy.deepcopy(vector(name)["frame"])


def sent_prompt(server: AiloopTestServer, agent: Ws, name: str, **content: Any) -> str:
    """Send a prompt vector (optionally with changed content) and wait for its registration."""
    prompt = frame(name)
    prompt["content"].update(content)
    agent.send_json(prompt)
    agent.echo_of(prompt["id"])
    server.wait_for_pending(message_id=prompt["id"])
    return str(prompt["id"])


def same_except_volatile(actual: Dict[str, Any], name: str) -> None:
    assert without_volatile(actual) == without_volatile(frame(name))


def test_decision_echo_over_websocket(connect: Callable[..., Ws]) -> None:
    agent = connect()
    agent.send_json(frame("v1_decision_message"))
    echo = agent.socket.recv()
    assert json.loads(echo) == frame("v1_decision_echo")
    assert echo == json.dumps(frame("v1_decision_echo"), separators=(",", ":"))


@pytest.mark.parametrize(
    ("request_name", "answer_name"),
    [
        ("v1_decision_via_http_request", "v1_decision_via_http_201"),
        ("v1_notification_request", "v1_notification_201"),
    ],
)
def test_http_post_answers(http: Http, request_name: str, answer_name: str) -> None:
    response = http.post("/api/v1/messages", json=frame(request_name))
    assert response.status_code == vector(answer_name)["http_status"]
    assert response.text == json.dumps(frame(answer_name), separators=(",", ":"))


def test_decision_answered_over_http(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_decision_message")
    response = http.post(
        f"/api/v1/messages/{prompt}/response", json=frame("v1_response_post_request")
    )
    assert response.status_code == vector("v1_response_post_200")["http_status"]
    same_except_volatile(response.json(), "v1_response_post_200")
    same_except_volatile(agent.recv_correlated(prompt), "v1_response_to_decision_raw")
    same_except_volatile(agent.recv_correlated(prompt), "v1_response_to_decision")


def test_decision_cancelled(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_decision_message")
    server.respond(prompt, None, "cancelled")
    agent.recv_correlated(prompt)
    same_except_volatile(agent.recv_correlated(prompt), "v1_response_to_decision_cancelled")
    server.wait_for_pending(message_id=prompt)


@pytest.mark.slow
def test_decision_and_authorization_timeouts(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    for prompt_name, answer_name in (
        ("v1_decision_message", "v1_response_to_decision_timeout"),
        ("v1_authorization_message", "v1_response_to_authorization_timeout"),
    ):
        prompt = sent_prompt(server, agent, prompt_name, timeout_seconds=1)
        same_except_volatile(agent.recv_correlated(prompt, timeout=10), answer_name)


def test_authorization_approved(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_authorization_message")
    server.respond(prompt, "yes please", "authorization_approved")
    agent.recv_correlated(prompt)
    same_except_volatile(agent.recv_correlated(prompt), "v1_response_to_authorization_approved")


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=1)
def test_navigation_approved_and_timed_out(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_navigate_message")
    same_except_volatile(
        agent.recv_correlated(prompt, timeout=10), "v1_response_to_navigate_timeout"
    )
    server.wait_for_pending(message_id=prompt)
    server.respond(prompt, None, "authorization_approved")
    agent.recv_correlated(prompt)
    same_except_volatile(agent.recv_correlated(prompt), "v1_response_to_navigate_approved")
    assert server.opened_urls == [frame("v1_navigate_message")["content"]["url"]]


@pytest.mark.parametrize("hello", ["ws_viewer_hello", "ws_viewer_hello_channel_list"])
def test_viewer_hellos(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws], hello: str
) -> None:
    viewer = become_viewer(server, connect(), frame(hello))
    http.post("/api/v1/messages", json=frame("v1_notification_request"))
    assert viewer.recv_json() == frame("v1_notification_201")


def test_health_and_pending(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    become_viewer(server, connect())
    sent_prompt(server, connect(), "v1_decision_message")
    assert http.get("/api/v1/health").json() == frame("health_v1")
    response = http.get("/api/v1/pending?channel=ops")
    assert response.json() == frame("pending_v1")


@pytest.mark.ailoop_server(protocol="v0", version="0.1.42")
def test_health_of_the_frozen_0_1_42_era(http: Http) -> None:
    assert http.get("/api/v1/health").json() == frame("health_v0_1_46")


def test_stats(server: AiloopTestServer, http: Http, connect: Callable[..., Ws]) -> None:
    sender = connect()
    connect()
    become_viewer(server, connect())
    sender.echo_of(sender.send_message({"type": "notification", "text": "x"}))
    assert http.get("/api/stats").json() == frame("stats_v1")


def test_channel_listings(http: Http) -> None:
    expected = frame("channel_messages_v1")
    prompt, raw, authorization = expected["messages"]
    http.post("/api/v1/messages", json=prompt)
    response = http.post(f"/api/v1/messages/{prompt['id']}/response", json=raw["content"])
    http.post("/api/v1/messages", json=authorization)
    builds = frame("v1_notification_201")
    http.post("/api/v1/messages", json=builds)
    listed = http.get("/api/channels/ops/messages?limit=3").json()
    listed["messages"][1] = without_volatile(listed["messages"][1])
    expected["messages"][1] = without_volatile(raw)
    assert listed == expected
    assert response.json()["content"] == raw["content"]
    channels = sorted(
        http.get("/api/channels").json()["channels"], key=lambda c: c["name"] != "ops"
    )
    assert channels == frame("channels_v1")["channels"]
    assert http.get("/api/channels/nowhere/stats").json() == frame("channel_stats_v1")


def test_tasks(http: Http) -> None:
    volatile = ("id", "created_at", "updated_at")
    created = http.post("/api/v1/tasks", json=frame("task_create_request"))
    assert created.status_code == vector("task_created_201")["http_status"]
    child = created.json()
    expected = frame("task_created_201")
    assert {k: v for k, v in child.items() if k not in volatile} == {
        k: v for k, v in expected.items() if k not in volatile
    }
    parent = http.post(
        "/api/v1/tasks", json={"title": "Provision vault", "description": "", "channel": "ops"}
    ).json()
    dependency = {
        **frame("task_dependency_add_request"),
        "child_id": child["id"],
        "parent_id": parent["id"],
    }
    added = http.post(f"/api/v1/tasks/{child['id']}/dependencies?channel=ops", json=dependency)
    assert added.json() == frame("task_dependency_ok_200")
    listed = http.get(f"/api/v1/tasks/{child['id']}/dependencies?channel=ops").json()
    assert listed == {"task_id": child["id"], "depends_on": [parent["id"]], "blocking_for": []}
    graph = http.get(f"/api/v1/tasks/{child['id']}/graph?channel=ops").json()
    expected_graph = frame("task_graph_200")
    assert graph["task"]["blocked"] is expected_graph["task"]["blocked"] is True
    assert [p["title"] for p in graph["parents"]] == [p["title"] for p in expected_graph["parents"]]
    assert graph["children"] == expected_graph["children"] == []
    pending = http.get("/api/v1/tasks?channel=ops&state=pending").json()
    assert (pending["channel"], pending["total_count"]) == ("ops", 2)
    updated = http.put(
        f"/api/v1/tasks/{child['id']}?channel=ops", json=frame("task_update_request")
    )
    assert updated.json()["state"] == "done"


@pytest.mark.ailoop_server(tokens=["t"])
def test_401(http: Http) -> None:
    response = http.get("/api/v1/health")
    assert (response.status_code, response.json()) == (401, frame("error_401_unauthorized"))


def test_error_bodies(server: AiloopTestServer, http: Http) -> None:
    bad_channel = {**frame("v1_notification_request"), "channel": "System"}
    response = http.post("/api/v1/messages", json=bad_channel)
    assert (response.status_code, response.json()) == (400, frame("error_400_invalid_channel"))
    assert http.get("/ws").json() == frame("error_404_fallback")
    missing = frame("error_404_message_not_found")["message_id"]
    assert http.get(f"/api/v1/messages/{missing}").json() == frame("error_404_message_not_found")
    posted = http.post(f"/api/v1/messages/{missing}/response", json={"response_type": "text"})
    assert posted.json() == frame("error_404_response_original_not_found")
    task = frame("error_404_task_not_found")["task_id"]
    assert http.get(f"/api/v1/tasks/{task}?channel=ops").json() == frame("error_404_task_not_found")
    lowercase = frame("edge_sender_type_lowercase")
    unprocessable = http.post("/api/v1/messages", json=lowercase)
    assert unprocessable.status_code == vector("error_422_bad_schema")["http_status"]
    assert unprocessable.headers["Content-Type"] == vector("error_422_bad_schema")["content_type"]
    assert "unknown variant `agent`" in unprocessable.text
    server.begin_shutdown()
    unavailable = http.post("/api/v1/messages", json=frame("v1_notification_request"))
    assert (unavailable.status_code, unavailable.json()) == (503, frame("error_503_shutting_down"))


@pytest.mark.ailoop_server(protocol="v0")
def test_v0_question_answered_over_http_and_workflow_types_dropped(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.send_json(frame("v0_workflow_progress"))
    prompt = frame("v0_question_message")
    agent.send_json(prompt)
    assert agent.recv_json() == prompt
    server.wait_for_pending(message_id=prompt["id"])
    server.respond(prompt["id"], "Blue")
    agent.recv_correlated(prompt["id"])
    same_except_volatile(agent.recv_correlated(prompt["id"]), "v0_response_to_question")


def test_v0_terminal_answers() -> None:
    answers = ["2", "Teal, actually"]
    with AiloopTestServer(protocol="v0", human=lambda message: answers.pop(0)) as server:
        agent = Ws(server.ws_url)
        try:
            for expected in ("v0_response_to_question", "v0_response_to_question_free_text"):
                prompt = frame("v0_question_message")
                agent.send_json(prompt)
                same_except_volatile(agent.recv_correlated(prompt["id"]), expected)
        finally:
            agent.close()


@pytest.mark.parametrize(
    "name",
    [
        "edge_python_subscribe_frame",
        "edge_question_sent_to_v1",
        "edge_timestamp_no_offset",
        "edge_sender_type_lowercase",
        "edge_unknown_content_type",
        "edge_non_json_text_frame",
    ],
)
def test_frames_the_server_drops(
    server: AiloopTestServer, connect: Callable[..., Ws], name: str
) -> None:
    agent = connect()
    value = frame(name)
    agent.socket.send(value if isinstance(value, str) else json.dumps(value))
    marker = agent.send_message({"type": "notification", "text": "marker"})
    assert agent.recv_json()["id"] == marker


@pytest.mark.parametrize(
    "name", ["edge_question_sent_to_v1", "edge_timestamp_no_offset", "edge_unknown_content_type"]
)
def test_bodies_the_server_rejects(http: Http, name: str) -> None:
    assert http.post("/api/v1/messages", json=frame(name)).status_code == 422


def _null_metadata_echo(sent: Dict[str, Any]) -> Dict[str, Any]:
    echo = {k: v for k, v in sent.items() if k != "metadata"}
    echo["timestamp"] = "2026-06-11T09:41:00.500Z"
    return echo


def _missing_optionals_echo(sent: Dict[str, Any]) -> Dict[str, Any]:
    content = {"type": "response", "answer": None, "response_type": "authorization_denied"}
    return {**sent, "content": content, "correlation_id": None}


def _extra_fields_echo(sent: Dict[str, Any]) -> Dict[str, Any]:
    echo = {k: v for k, v in sent.items() if k not in ("server_hint", "priority")}
    echo["content"] = {k: v for k, v in sent["content"].items() if k != "confidence"}
    return echo


@pytest.mark.parametrize(
    ("name", "expected_echo"),
    [
        ("edge_metadata_non_object", lambda sent: sent),
        ("edge_task_update_content", lambda sent: sent),
        ("edge_null_metadata", _null_metadata_echo),
        ("edge_missing_optional_fields", _missing_optionals_echo),
        ("edge_extra_fields", _extra_fields_echo),
    ],
)
def test_edge_frames_are_normalised_on_echo(
    connect: Callable[..., Ws], name: str, expected_echo: Callable[[Dict[str, Any]], Dict[str, Any]]
) -> None:
    agent = connect()
    sent = frame(name)
    agent.send_json(sent)
    assert agent.recv_json() == expected_echo(frame(name))


def test_zero_option_decision_is_accepted_and_prompted(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = frame("edge_decision_zero_options")
    agent.send_json(prompt)
    assert agent.recv_json() == prompt
    server.wait_for_pending(message_id=prompt["id"])
    server.respond(prompt["id"], "1")
    agent.recv_correlated(prompt["id"])
    server.wait_for_pending(message_id=prompt["id"])
    server.respond(prompt["id"], None, "authorization_denied")
    agent.recv_correlated(prompt["id"])
    assert agent.recv_correlated(prompt["id"])["content"]["response_type"] == "authorization_denied"


def test_uncorrelated_response_message_never_completes_the_prompt(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_decision_message")
    posted = http.post("/api/v1/messages", json=frame("edge_response_uncorrelated"))
    assert posted.status_code == 201
    assert agent.recv_correlated(prompt)["id"] == frame("edge_response_uncorrelated")["id"]
    assert server.pending()[0].message_id == prompt


def test_unmatched_raw_answer(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    prompt = sent_prompt(server, agent, "v1_decision_message")
    server.respond(prompt, "maybe later")
    same_except_volatile(agent.recv_correlated(prompt), "edge_raw_unmatched_decision_answer")
    server.wait_for_pending(message_id=prompt)
    server.respond(prompt, "Canary (10%)")
    agent.recv_correlated(prompt)
    final = agent.recv_correlated(prompt)
    assert final["metadata"] == {"option_id": "canary", "label": "Canary (10%)", "index": 1}
