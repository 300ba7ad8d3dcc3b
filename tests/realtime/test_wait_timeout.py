"""``wait_timeout`` bounds a ``wait=True`` prompt in one call."""

import threading
from typing import Any, Callable

import pytest

from ailoop import AiloopClient, TimeoutError, ValidationError
from ailoop.testing import AiloopTestServer

from .conftest import WAIT


def test_an_unanswered_prompt_ends_in_timeout_error_never_an_approval(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server)
    with pytest.raises(TimeoutError) as caught:
        client.authorize("drop the database", timeout=0, wait=True, wait_timeout=0.3)
    assert caught.value.last_response is None
    assert server.wait_for_pending(WAIT).kind == "authorize"  # it did reach the human


def test_the_deadline_returns_the_answer_when_it_comes_in_time(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server)

    def approve_when_shown() -> None:
        prompt = server.wait_for_pending(WAIT)
        server.respond(prompt.message_id, response_type="authorization_approved")

    approver = threading.Thread(target=approve_when_shown, name="test-approver", daemon=True)
    approver.start()
    try:
        response = client.authorize("deploy", wait=True, wait_timeout=WAIT * 3)
    finally:
        approver.join(WAIT)
    assert response.content.response_type == "authorization_approved"


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"wait_timeout": 5}, "wait_timeout needs wait=True"),
        ({"wait": True, "wait_timeout": -1}, "wait_timeout"),
        ({"wait": True, "wait_timeout": float("nan")}, "wait_timeout"),
    ],
)
def test_bad_deadlines_are_refused_before_the_wire(
    server: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    options: Any,
    problem: str,
) -> None:
    client = make_client(server, realtime=False)
    with pytest.raises(ValidationError, match=problem):
        client.navigate("https://example.org/runbook", **options)
    assert not [request for request in server.requests if request.method == "POST"]
