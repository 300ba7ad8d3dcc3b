"""The human-interaction loop (PROTOCOL §7): queues, registry, answers, timeouts."""

import threading
import time
from typing import Callable, Optional

import pytest

from ailoop.models import Message
from ailoop.testing import AiloopTestServer
from tests.polling import pause

from .conftest import Http, Ws, authorization, decision, message, navigate, notification


def answer(
    server: AiloopTestServer, socket: Ws, prompt_id: str, text: object, kind: str = "text"
) -> dict:
    """Answer over HTTP semantics; returns the raw response frame as broadcast."""
    raw = server.respond(prompt_id, text, kind)  # type: ignore[arg-type]
    frame = socket.recv_correlated(prompt_id)
    assert frame["id"] == str(raw.id)
    assert "metadata" not in frame
    return frame


def test_http_answer_to_a_websocket_prompt_gives_raw_then_canonical(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision("Blue/Green", "Canary"))
    agent.echo_of(prompt)
    server.wait_for_pending(message_id=prompt)
    response = http.post(
        f"/api/v1/messages/{prompt}/response", json={"answer": "2", "response_type": "text"}
    )
    raw = agent.recv_correlated(prompt)
    assert raw == response.json()
    assert raw["content"] == {"type": "response", "answer": "2", "response_type": "text"}
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": "opt2", "response_type": "text"}
    assert final["metadata"] == {"option_id": "opt2", "label": "Canary", "index": 1}
    assert final["sender_type"] == "HUMAN"
    assert http.get(f"/api/v1/messages/{final['id']}").status_code == 404
    assert server.pending() == []


@pytest.mark.parametrize(
    ("reply", "option"),
    [
        ("opt3", "opt3"),
        ("  opt1\t", "opt1"),
        ("blue/green", "opt1"),
        ("CANARY", "opt2"),
        ("3", "opt3"),
        ("+2", "opt2"),
        (" 1 ", "opt1"),
    ],
)
def test_decision_answers_resolve_by_id_then_label_then_number(
    server: AiloopTestServer, connect: Callable[..., Ws], reply: str, option: str
) -> None:
    agent = connect()
    prompt = agent.send_message(decision("Blue/Green", "Canary", "3"))
    server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, reply)
    assert agent.recv_correlated(prompt)["content"]["answer"] == option


def test_a_label_that_looks_like_a_number_wins_over_the_index(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision("2", "x"))
    server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, "2")
    assert agent.recv_correlated(prompt)["metadata"] == {
        "option_id": "opt1",
        "label": "2",
        "index": 0,
    }


@pytest.mark.parametrize("reply", ["OPT1", "0", "4", "maybe", "", "1.0", "٣"])
def test_unresolved_decision_answer_gives_raw_only_and_re_registers(
    server: AiloopTestServer, connect: Callable[..., Ws], reply: str
) -> None:
    agent = connect()
    prompt = agent.send_message(decision("A", "B", "C"))
    first = server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, reply)
    again = server.wait_for_pending(message_id=prompt)
    assert (again.message_id, again.position) == (first.message_id, 1)
    answer(server, agent, prompt, "opt2")
    assert agent.recv_correlated(prompt)["content"]["answer"] == "opt2"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (None, "text"),
        ("opt1", "authorization_approved"),
        (None, "authorization_denied"),
        ("x", "timeout"),
    ],
)
def test_decision_non_text_or_null_answer_ends_without_metadata(
    server: AiloopTestServer, connect: Callable[..., Ws], reply: object, kind: str
) -> None:
    agent = connect()
    prompt = agent.send_message(decision())
    server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, reply, kind)
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": None, "response_type": kind}
    assert "metadata" not in final


@pytest.mark.parametrize(
    "kind", ["authorization_approved", "authorization_denied", "text", "timeout"]
)
def test_authorization_takes_the_posted_type_and_drops_the_answer(
    server: AiloopTestServer, connect: Callable[..., Ws], kind: str
) -> None:
    agent = connect()
    prompt = agent.send_message(authorization())
    server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, "some words", kind)
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": None, "response_type": kind}


def test_approved_navigation_is_recorded_never_opened(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(navigate("https://grafana.test/d/1"))
    server.wait_for_pending(message_id=prompt)
    answer(server, agent, prompt, None, "authorization_approved")
    assert agent.recv_correlated(prompt)["content"]["response_type"] == "authorization_approved"
    assert server.opened_urls == ["https://grafana.test/d/1"]
    declined = agent.send_message(navigate("https://other.test"))
    server.wait_for_pending(message_id=declined)
    answer(server, agent, declined, None, "authorization_denied")
    assert agent.recv_correlated(declined)["content"]["response_type"] == "authorization_denied"
    assert server.opened_urls == ["https://grafana.test/d/1"]


def test_cancelled_re_enqueues_at_the_back_of_the_channel_queue(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    first = agent.send_message(decision())
    second = agent.send_message(decision())
    server.wait_for_pending(message_id=first)
    answer(server, agent, first, None, "cancelled")
    assert agent.recv_correlated(first)["content"]["response_type"] == "cancelled"
    server.wait_for_pending(message_id=second)
    answer(server, agent, second, "opt1")
    agent.recv_correlated(second)
    server.wait_for_pending(message_id=first)


def test_prompts_posted_over_http_are_never_enqueued(
    server: AiloopTestServer, http: Http, viewer: Ws
) -> None:
    sent = message(decision(timeout=1))
    assert http.post("/api/v1/messages", json=sent).status_code == 201
    viewer.echo_of(sent["id"])
    answer(server, viewer, sent["id"], "opt1")
    marker = message(notification("marker"))
    http.post("/api/v1/messages", json=marker)
    assert viewer.recv_json()["id"] == marker["id"]
    assert server.pending() == []


def test_one_prompt_at_a_time_server_wide_and_round_robin_across_channels(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    a1 = agent.send_message(decision(), channel="a")
    a2 = agent.send_message(decision(), channel="a")
    b1 = agent.send_message(decision(), channel="b")
    order = []
    for _ in range(3):
        prompt = server.wait_for_pending()
        assert len(server.pending()) == 1
        order.append(prompt.message_id)
        answer(server, agent, prompt.message_id, "opt1")
        agent.recv_correlated(prompt.message_id)
    # One message per channel per tick; the real server walks channels in hash-map order.
    assert sorted(order[:2]) == sorted([a1, b1])
    assert order[2] == a2


def test_answer_while_still_queued_is_lost_for_the_loop(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    blocking = agent.send_message(decision())
    queued = agent.send_message(decision())
    server.wait_for_pending(message_id=blocking)
    agent.echo_of(queued)
    answer(server, agent, queued, "opt1")
    answer(server, agent, blocking, "opt1")
    agent.recv_correlated(blocking)
    assert server.wait_for_pending(message_id=queued).message_id == queued


def test_full_channel_queue_drops_its_oldest_message() -> None:
    release = threading.Event()
    first_prompt = []

    def human(prompt: Message) -> Optional[str]:
        if first_prompt:
            return None
        first_prompt.append(prompt.id)
        release.wait(10)  # the answer must wait until the queue behind it is full
        return "opt1"

    with AiloopTestServer(human=human) as server:
        agent = Ws(server.ws_url)
        try:
            blocking = agent.send_message(decision(), channel="busy")
            server.wait_for_pending(message_id=blocking)
            queued = [message(decision(), channel="busy") for _ in range(1001)]
            for frame in queued:
                agent.send_json(frame)
            agent.echo_of(queued[-1]["id"])
            release.set()
            assert server.wait_for_pending(message_id=queued[1]["id"]).message_id == queued[1]["id"]
        finally:
            agent.close()


def test_responses_and_task_events_are_enqueued_but_produce_nothing(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.send_in_order(message({"type": "response", "answer": "x", "response_type": "text"}))
    agent.send_in_order(message(notification()))
    prompt = agent.send_in_order(message(decision()))
    server.wait_for_pending(message_id=prompt)
    assert [m.content_type for m in server.messages()] == ["response", "notification", "decision"]


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=None)
def test_timeout_matrix(server: AiloopTestServer, connect: Callable[..., Ws]) -> None:
    agent = connect()
    outcomes = {}
    for content in (decision(timeout=1), authorization(timeout=1)):
        prompt = agent.send_message(content)
        outcomes[content["type"]] = agent.recv_correlated(prompt, timeout=10)["content"]
    assert outcomes == {
        "decision": {"type": "response", "answer": None, "response_type": "timeout"},
        "authorization": {
            "type": "response",
            "answer": None,
            "response_type": "authorization_denied",
        },
    }


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=1)
def test_navigation_timeout_is_cancelled_and_re_asked(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(navigate())
    for _ in range(2):
        final = agent.recv_correlated(prompt, timeout=10)
        assert final["content"] == {
            "type": "response",
            "answer": None,
            "response_type": "cancelled",
        }
    server.wait_for_pending(message_id=prompt)


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=1)
def test_timeout_zero_uses_the_server_default(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision(timeout=0))
    assert agent.recv_correlated(prompt, timeout=10)["content"]["response_type"] == "timeout"


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=None)
@pytest.mark.usefixtures("standin_only")
def test_environment_default_wins_over_the_server_default(
    server: AiloopTestServer, connect: Callable[..., Ws], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AILOOP_DEFAULT_PROMPT_TIMEOUT_SECS", "1")
    agent = connect()
    prompt = agent.send_message(authorization(timeout=0))
    final = agent.recv_correlated(prompt, timeout=10)
    assert final["content"]["response_type"] == "authorization_denied"


@pytest.mark.slow
@pytest.mark.ailoop_server(default_timeout=None)
def test_no_default_waits_forever(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision(timeout=0))
    server.wait_for_pending(message_id=prompt)
    later = agent.send_message(decision(timeout=1), channel="later")
    agent.echo_of(later)
    with pytest.raises(TimeoutError):
        server.wait_for_pending(1.5, message_id=later)
    assert server.pending()[0].message_id == prompt


@pytest.mark.slow
def test_unresolved_answer_restarts_the_timer(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision(timeout=2))
    server.wait_for_pending(message_id=prompt)
    started = time.monotonic()
    pause(1.0)  # the answer must come in the middle of the timeout
    answer(server, agent, prompt, "nonsense")
    final = agent.recv_correlated(prompt, timeout=10)
    assert final["content"]["response_type"] == "timeout"
    assert time.monotonic() - started >= 2.9


@pytest.mark.slow
def test_missed_ticks_are_burst_after_a_long_prompt(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision(timeout=2))
    queued = [agent.send_message(notification(str(n))) for n in range(10)]
    last = agent.send_message(decision())
    agent.echo_of(last)
    agent.recv_correlated(prompt, timeout=10)
    after_timeout = time.monotonic()
    server.wait_for_pending(5, message_id=last)
    assert time.monotonic() - after_timeout < 0.5, "ten queued messages need 1 s without burst"
    assert len(queued) == 10
