"""The link breaks at every step of a prompt's life, and the waiter still gets the answer
the server kept; a flood of messages past the handler buffer drops (and counts) handler
messages only, never a waiter's answer."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable, List

import pytest

import ailoop
from ailoop import AiloopClient, Message
from ailoop.testing import AiloopTestServer
from tests.polling import eventually
from tests.reliability.conftest import SLACK, StateLog, wait_until

pytestmark = pytest.mark.reliability

APPROVED = "authorization_approved"


class Setup:
    """A connected client, its state log, and a helper to wait in the background."""

    def __init__(self, server: AiloopTestServer, client: AiloopClient) -> None:
        self.server = server
        self.client = client
        self.states = StateLog()
        client.add_connection_handler(self.states)
        client.connect_websocket()
        self.states.wait_for("connected", 10.0)

    def wait_in_background(self, prompt: Message) -> queue.Queue[Any]:
        outcome: queue.Queue[Any] = queue.Queue()

        def wait() -> None:
            try:
                outcome.put(self.client.wait_for_response(prompt.id, timeout=20.0))
            except BaseException as exc:
                outcome.put(exc)

        threading.Thread(target=wait, name="test-waiter", daemon=True).start()
        return outcome

    def link_down(self) -> None:
        """Drop the stream and keep it from reconnecting until :meth:`link_up`."""
        self.server.fail_route("GET", "/", 503, '{"error":"maintenance"}')
        self.server.drop_connections()
        self.states.wait_for("disconnected", 10.0)

    def link_up(self) -> None:
        self.server.clear_faults()
        self.states.wait_for("connected", 20.0)


@pytest.fixture
def setup(server: AiloopTestServer, make_client: Callable[..., AiloopClient]) -> Setup:
    client = make_client(
        server.url, timeout=5.0, reconnect_delay=0.05, reconnect_attempts=50, protocol="v1"
    )
    return Setup(server, client)


def _answer(response: Any) -> Message:
    assert isinstance(response, Message), repr(response)
    return response


def test_link_dropped_just_before_the_prompt_is_sent(setup: Setup) -> None:
    setup.server.drop_connections()
    prompt = setup.client.authorize("deploy", timeout=0)
    outcome = setup.wait_in_background(prompt)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.server.respond(prompt.id, None, APPROVED)
    assert _answer(outcome.get(timeout=20.0)).content.response_type == APPROVED


def test_link_dropped_between_echo_and_answer(setup: Setup) -> None:
    prompt = setup.client.authorize("deploy", timeout=0)
    outcome = setup.wait_in_background(prompt)
    setup.server.drop_connections()
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.server.respond(prompt.id, None, APPROVED)
    assert _answer(outcome.get(timeout=20.0)).content.response_type == APPROVED


def test_authorization_answered_in_the_web_ui_while_disconnected(setup: Setup) -> None:
    prompt = setup.client.authorize("deploy", timeout=0)
    outcome = setup.wait_in_background(prompt)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.link_down()
    setup.server.respond(prompt.id, None, APPROVED)  # its broadcasts reach nobody
    setup.link_up()
    response = _answer(outcome.get(timeout=20.0))
    assert response.content.response_type == APPROVED
    assert response.correlation_id == prompt.id


def test_decision_answered_by_number_in_the_web_ui_while_disconnected(setup: Setup) -> None:
    prompt = setup.client.ask_decision("pick", "Which colour?", ["red", "green", "blue"])
    outcome = setup.wait_in_background(prompt)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.link_down()
    setup.server.respond(prompt.id, "2")  # raw "2" stored; the canonical is lost
    setup.link_up()
    response = _answer(outcome.get(timeout=20.0))
    assert response.content.answer == "green"
    assert response.metadata == {"option_id": "green", "label": "green", "index": 1}


def test_link_dropped_right_after_the_answer(setup: Setup) -> None:
    prompt = setup.client.authorize("deploy", timeout=0)
    outcome = setup.wait_in_background(prompt)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.server.respond(prompt.id, None, "authorization_denied")
    setup.server.drop_connections()
    assert _answer(outcome.get(timeout=20.0)).content.response_type == "authorization_denied"


def test_wait_started_long_after_the_answer_came(setup: Setup) -> None:
    prompt = setup.client.authorize("deploy", timeout=0)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.server.respond(prompt.id, None, APPROVED)
    setup.server.drop_connections()
    setup.states.wait_for("connected", 10.0)
    response = setup.client.wait_for_response(prompt.id, timeout=10.0)
    assert response.content.response_type == APPROVED


def test_a_cancelled_prompt_is_not_an_answer_across_a_reconnect(setup: Setup) -> None:
    prompt = setup.client.authorize("deploy", timeout=0)
    outcome = setup.wait_in_background(prompt)
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    setup.server.respond(prompt.id, None, "cancelled")  # skipped: asked again later
    setup.server.drop_connections()
    setup.server.wait_for_pending(10.0, message_id=prompt.id)
    assert outcome.empty(), "cancelled is not final"
    setup.server.respond(prompt.id, None, APPROVED)
    assert _answer(outcome.get(timeout=20.0)).content.response_type == APPROVED


def test_a_flood_past_the_handler_buffer_drops_only_handler_messages(
    server: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ailoop")
    capacity, flood = 10, 60
    client = make_client(server.url, timeout=5.0, max_pending_messages=capacity, protocol="v1")
    release = threading.Event()
    handled: List[str] = []

    def blocking_handler(message: Message) -> None:
        release.wait(30.0)
        handled.append(str(message.id))

    setup = Setup(server, client)
    client.add_message_handler(blocking_handler)
    posted = [str(client.say(f"flood {i}").id) for i in range(flood)]
    prompt = client.authorize("deploy during the flood", channel="prompts", timeout=0)
    server.wait_for_pending(10.0, message_id=prompt.id)
    server.respond(prompt.id, None, APPROVED)
    began = time.monotonic()
    assert client.wait_for_response(prompt.id, timeout=10.0).content.response_type == APPROVED
    assert time.monotonic() - began < 5.0, "the waiter's answer is never queued behind handlers"

    release.set()
    eventually(lambda: len(handled) + client.dropped_messages >= flood, 10.0)
    assert len(handled) + client.dropped_messages == flood
    assert client.dropped_messages >= flood - capacity - 1
    kept = handled[1:]  # the first one was already in the handler when the flood came
    assert kept == posted[-len(kept) :], "the oldest undelivered messages are the ones dropped"
    assert any("drop" in record.getMessage().lower() for record in caplog.records)
    assert setup.states.states() == ["connected"]


@pytest.mark.slow
def test_an_answer_broadcast_while_nobody_listened_ends_in_timeout_never_approval(
    make_server: Callable[..., AiloopTestServer], make_client: Callable[..., AiloopClient]
) -> None:
    """The one gap the server leaves (a terminal/Telegram answer is broadcast, never
    stored): the waiter reaches its deadline with TimeoutError; it neither hangs nor
    takes silence for approval."""
    gate = threading.Event()

    def human(message: Message) -> Any:
        gate.wait(30.0)
        return (None, APPROVED)

    server = make_server(human=human)
    client = make_client(server.url, timeout=5.0, reconnect_delay=0.05, reconnect_attempts=50)
    setup = Setup(server, client)
    prompt = client.authorize("deploy", timeout=0)
    server.wait_for_pending(10.0, message_id=prompt.id)
    setup.link_down()
    gate.set()  # the human answers; the canonical response reaches no connection
    wait_until(lambda: not server.pending(), 10.0, "the server to consider it answered")
    setup.link_up()
    began = time.monotonic()
    with pytest.raises(ailoop.TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=1.0)
    assert time.monotonic() - began < 1.0 * SLACK + 1.0
    assert caught.value.last_response is None
