"""The ``v0`` mode: v1.0.0 behaviour (PROTOCOL §8.4, §8.7)."""

import json
from typing import Any, Callable, Iterator, List

import pytest

from ailoop.models import Message
from ailoop.testing import AiloopTestServer

from .conftest import Http, Ws, authorization, decision, message, notification

pytestmark = pytest.mark.ailoop_server(protocol="v0")

TEXT = "text/plain; charset=utf-8"


def question(*choices: str, timeout: int = 30, text: str = "Which color?") -> dict:
    content: dict = {"type": "question", "text": text, "timeout_seconds": timeout}
    if choices:
        content["choices"] = list(choices)
    return content


def test_health_is_v1_0_0_with_queue_size_always_zero(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    prompt = connect().send_message(question("Red", "Blue"))
    server.wait_for_pending(message_id=prompt)
    assert http.get("/api/v1/health").json() == {
        "status": "healthy",
        "version": "1.0.0",
        "active_connections": 1,
        "queue_size": 0,
        "active_channels": 1,
    }
    assert "vary" not in http.get("/api/v1/health").headers


def test_question_is_accepted_and_decision_is_dropped(connect: Callable[..., Ws]) -> None:
    agent = connect()
    agent.send_message(decision())
    prompt = agent.send_message(question("Red", "Blue"))
    echo = agent.recv_json()
    assert echo["id"] == prompt
    assert echo["content"] == {
        "type": "question",
        "text": "Which color?",
        "timeout_seconds": 30,
        "choices": ["Red", "Blue"],
    }


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(message(decision())),
        json.dumps(message(notification(), channel="System")),
        "{",
        json.dumps(message(notification(), sender_type="agent")),
    ],
)
def test_every_rejected_post_is_405_text(http: Http, body: str) -> None:
    response = http.post(
        "/api/v1/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.text) == (405, "Method Not Allowed")
    assert response.headers["Content-Type"] == TEXT


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("POST", "/api/v1/nope", 405, "Method Not Allowed"),
        ("GET", "/api/v1/nope", 404, "Not Found"),
        ("GET", "/api/v1/pending", 404, "Not Found"),
        ("GET", "/", 500, "Internal Server Error"),
        ("GET", "/api/v1/messages", 405, "Method Not Allowed"),
        ("OPTIONS", "/api/v1/health", 405, "Method Not Allowed"),
        ("DELETE", "/api/v1/health", 405, "Method Not Allowed"),
        ("GET", "/api/v1/tasks", 405, "Method Not Allowed"),
        ("GET", "/api/v1/tasks/ready", 500, "Internal Server Error"),
        ("GET", "/api/channels/ops/messages?limit=x", 500, "Internal Server Error"),
        ("GET", "/api/v1/messages/not-a-uuid", 404, "Not Found"),
        ("GET", "/api/v1/tasks/not-a-uuid/dependencies", 405, "Method Not Allowed"),
    ],
)
def test_warp_era_statuses(http: Http, method: str, path: str, status: int, body: str) -> None:
    response = http.request(method, path)
    assert (response.status_code, response.text) == (status, body)


def test_no_content_type_requirement_but_a_wrong_one_is_rejected(http: Http) -> None:
    body = json.dumps(message(notification()))
    assert http.post("/api/v1/messages", data=body).status_code == 201
    assert (
        http.post("/api/v1/messages", data=body, headers={"Content-Type": "text/plain"}).status_code
        == 405
    )


def test_handler_json_errors_are_kept(http: Http) -> None:
    missing = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"
    response = http.get(f"/api/v1/messages/{missing}")
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Message not found", "message_id": missing},
    )


def test_http_answer_is_repeated_verbatim_with_index_metadata(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(question("Red", "Blue", "Green"))
    server.wait_for_pending(message_id=prompt)
    assert server.pending()[0].kind == "question"
    http.post(f"/api/v1/messages/{prompt}/response", json={"answer": "2", "response_type": "text"})
    assert agent.recv_correlated(prompt)["content"]["answer"] == "2"
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": "2", "response_type": "text"}
    assert final["metadata"] == {"index": 1, "value": "Blue"}


@pytest.mark.parametrize(
    ("reply", "metadata"),
    [
        ("Green", {"index": 2, "value": "Green"}),
        ("green", None),
        (" 1", None),
        ("Teal, actually", None),
    ],
)
def test_http_answer_metadata_only_for_exact_choice_or_number(
    server: AiloopTestServer, connect: Callable[..., Ws], reply: str, metadata: Any
) -> None:
    agent = connect()
    prompt = agent.send_message(question("Red", "Blue", "Green"))
    server.wait_for_pending(message_id=prompt)
    server.respond(prompt, reply)
    agent.recv_correlated(prompt)
    final = agent.recv_correlated(prompt)
    assert final["content"]["answer"] == reply
    assert final.get("metadata") == metadata


@pytest.mark.slow
def test_question_timeout(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    prompt = agent.send_message(question(timeout=1))
    final = agent.recv_correlated(prompt, timeout=10)
    assert final["content"] == {"type": "response", "answer": None, "response_type": "timeout"}


def test_authorization_works_as_at_head(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(authorization())
    server.wait_for_pending(message_id=prompt)
    server.respond(prompt, None, "authorization_approved")
    agent.recv_correlated(prompt)
    assert agent.recv_correlated(prompt)["content"]["response_type"] == "authorization_approved"


def test_workflow_types_were_removed_in_v1_0_0(connect: Callable[..., Ws]) -> None:
    agent = connect()
    agent.send_message(
        {
            "type": "workflow_progress",
            "execution_id": "run-17",
            "workflow_name": "release",
            "current_state": "build",
            "status": "running",
            "progress_percentage": 40,
        }
    )
    marker = agent.send_message(notification())
    assert agent.recv_json()["id"] == marker


@pytest.fixture
def terminal_server() -> Iterator[Callable[..., Any]]:
    servers: List[Any] = []

    def start(*answers: str) -> Any:
        pending = list(answers)

        def human(prompt: Message) -> Any:
            return pending.pop(0) if pending else None

        server = AiloopTestServer(protocol="v0", human=human).start()
        agent = Ws(server.ws_url)
        servers.append((server, agent))
        return agent

    yield start
    for server, agent in servers:
        agent.close()
        server.stop()


@pytest.mark.parametrize(
    ("typed", "answer", "metadata"),
    [
        ("2", "Blue", {"index": 1, "value": "Blue"}),
        ("  green ", "Green", {"index": 2, "value": "Green"}),
        ("Teal, actually ", "Teal, actually", None),
        ("4", "4", None),
    ],
)
def test_terminal_answer_becomes_the_choice_text(
    terminal_server: Callable[..., Any], typed: str, answer: str, metadata: Any
) -> None:
    agent = terminal_server(typed)
    prompt = agent.send_message(question("Red", "Blue", "Green"))
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": answer, "response_type": "text"}
    assert final.get("metadata") == metadata


def test_free_text_question_and_escape(terminal_server: Callable[..., Any]) -> None:
    agent = terminal_server("\x1b", "  anything  ")
    prompt = agent.send_message(question())
    assert agent.recv_correlated(prompt)["content"]["response_type"] == "cancelled"
    final = agent.recv_correlated(prompt)
    assert final["content"]["answer"] == "anything"
    assert "metadata" not in final
