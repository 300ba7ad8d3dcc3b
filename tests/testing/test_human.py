"""The human policy (PROTOCOL §12): terminal-like and provider-like answers, canonical only."""

import queue
import threading
from typing import Any, Callable, Iterator, List, Optional

import pytest

from ailoop.models import DecisionContent, Message
from ailoop.testing import AiloopTestServer, HumanAnswer

from .conftest import Ws, authorization, decision, navigate


@pytest.fixture
def run_with() -> Iterator[Callable[..., Any]]:
    """Start a server with a policy; yields a function returning (server, agent socket)."""
    started: List[Any] = []

    def start(policy: Callable[[Message], HumanAnswer], **options: Any) -> Any:
        server = AiloopTestServer(human=policy, **options).start()
        agent = Ws(server.ws_url)
        started.append((server, agent))
        return server, agent

    yield start
    for server, agent in started:
        agent.close()
        server.stop()


def scripted(*answers: HumanAnswer) -> Callable[[Message], HumanAnswer]:
    """A policy that gives the answers in order, then None; it records what it saw."""
    pending = list(answers)
    seen: List[Message] = []

    def policy(message: Message) -> HumanAnswer:
        seen.append(message)
        return pending.pop(0) if pending else None

    policy.seen = seen  # type: ignore[attr-defined]
    return policy


def assert_no_raw_response(server: AiloopTestServer) -> None:
    assert [m.content_type for m in server.messages()] == [
        m.content_type for m in server.messages() if m.content_type != "response"
    ]


@pytest.mark.parametrize(
    ("typed", "option", "index"),
    [("b", "opt2", 1), (" 3 ", "opt3", 2), ("opt1", "opt1", 0)],
)
def test_str_is_terminal_input_for_decisions(
    run_with: Callable[..., Any], typed: str, option: str, index: int
) -> None:
    server, agent = run_with(scripted(typed))
    prompt = agent.send_message(decision("A", "B", "C"))
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": option, "response_type": "text"}
    assert final["metadata"]["index"] == index
    assert_no_raw_response(server)
    assert [str(m.id) for m in server.messages()] == [prompt]


def test_policy_receives_the_prompt_as_a_message_model(run_with: Callable[..., Any]) -> None:
    policy = scripted("opt1")
    _, agent = run_with(policy)
    prompt = agent.send_message(decision("A", "B"))
    agent.recv_correlated(prompt)
    (seen,) = policy.seen  # type: ignore[attr-defined]
    assert isinstance(seen.content, DecisionContent)
    assert str(seen.id) == prompt


def test_unresolvable_str_asks_the_policy_again(run_with: Callable[..., Any]) -> None:
    policy = scripted("maybe", "A")
    _, agent = run_with(policy)
    prompt = agent.send_message(decision("A", "B"))
    assert agent.recv_correlated(prompt)["content"]["answer"] == "opt1"
    assert len(policy.seen) == 2  # type: ignore[attr-defined]


def test_escape_cancels_and_the_prompt_comes_back(run_with: Callable[..., Any]) -> None:
    policy = scripted("\x1b", "B")
    _, agent = run_with(policy)
    prompt = agent.send_message(decision("A", "B"))
    assert agent.recv_correlated(prompt)["content"]["response_type"] == "cancelled"
    assert agent.recv_correlated(prompt)["content"]["answer"] == "opt2"


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("Y", "authorization_approved"),
        (" yes ", "authorization_approved"),
        ("OK", "authorization_approved"),
        ("authorized", "authorization_approved"),
        ("approve", "authorization_approved"),
        ("n", "authorization_denied"),
        ("", "authorization_denied"),
        ("sure", "authorization_denied"),
        ("\x1b", "cancelled"),
    ],
)
def test_str_is_terminal_input_for_authorizations(
    run_with: Callable[..., Any], typed: str, outcome: str
) -> None:
    server, agent = run_with(scripted(typed, "n"))
    prompt = agent.send_message(authorization())
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", "answer": None, "response_type": outcome}
    assert_no_raw_response(server)


def test_terminal_yes_to_a_navigation_records_the_url(run_with: Callable[..., Any]) -> None:
    server, agent = run_with(scripted("y"))
    prompt = agent.send_message(navigate("https://a.test"))
    assert agent.recv_correlated(prompt)["content"]["response_type"] == "authorization_approved"
    assert server.opened_urls == ["https://a.test"]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (("2", "text"), {"answer": "opt2", "response_type": "text"}),
        (
            ("nonsense words", "authorization_denied"),
            {"answer": None, "response_type": "authorization_denied"},
        ),
        ((None, "text"), {"answer": None, "response_type": "text"}),
    ],
)
def test_tuple_is_a_provider_reply(
    run_with: Callable[..., Any], reply: Any, expected: dict
) -> None:
    server, agent = run_with(scripted(reply))
    prompt = agent.send_message(decision("A", "B"))
    final = agent.recv_correlated(prompt)
    assert final["content"] == {"type": "response", **expected}
    assert_no_raw_response(server)


def test_tuple_keeps_any_type_for_authorizations(run_with: Callable[..., Any]) -> None:
    _, agent = run_with(scripted(("ignored", "timeout")))
    prompt = agent.send_message(authorization())
    assert agent.recv_correlated(prompt)["content"] == {
        "type": "response",
        "answer": None,
        "response_type": "timeout",
    }


def test_none_leaves_the_prompt_for_the_web_ui(run_with: Callable[..., Any]) -> None:
    policy = scripted()
    server, agent = run_with(policy)
    prompt = agent.send_message(decision("A", "B"))
    assert server.wait_for_pending(message_id=prompt).message_id == prompt
    raw = server.respond(prompt, "B")
    assert agent.recv_correlated(prompt)["id"] == str(raw.id)
    assert agent.recv_correlated(prompt)["content"]["answer"] == "opt2"
    assert [m.content_type for m in server.messages()] == ["decision", "response"]


def test_a_failing_or_malformed_policy_leaves_the_prompt_pending(
    run_with: Callable[..., Any],
) -> None:
    calls: queue.Queue[str] = queue.Queue()

    def policy(message: Message) -> HumanAnswer:
        calls.put(message.content_type)
        if message.content_type == "decision":
            raise RuntimeError("boom")
        return ("x", "approve")  # type: ignore[return-value]

    server, agent = run_with(policy)
    first = agent.send_message(decision())
    assert calls.get(timeout=5) == "decision"
    assert server.wait_for_pending(message_id=first).message_id == first
    server.respond(first, "opt1")
    second = agent.send_message(authorization())
    assert calls.get(timeout=5) == "authorization"
    assert server.wait_for_pending(message_id=second).message_id == second


def test_a_slow_policy_loses_to_an_http_answer(run_with: Callable[..., Any]) -> None:
    release = threading.Event()

    def policy(message: Message) -> Optional[str]:
        release.wait(10)
        return "opt1"

    server, agent = run_with(policy)
    prompt = agent.send_message(decision("A", "B"))
    server.wait_for_pending(message_id=prompt)
    server.respond(prompt, "opt2")
    agent.recv_correlated(prompt)
    assert agent.recv_correlated(prompt)["content"]["answer"] == "opt2"
    release.set()
    marker = agent.send_message(decision("A", "B"))
    assert agent.recv_correlated(marker)["content"]["answer"] == "opt1"


@pytest.mark.slow
def test_policy_on_a_timed_out_prompt_is_discarded(run_with: Callable[..., Any]) -> None:
    release = threading.Event()
    answered = threading.Event()

    def policy(message: Message) -> Optional[str]:
        release.wait(10)
        answered.set()
        return "y"

    _, agent = run_with(policy, default_timeout=None)
    prompt = agent.send_message(authorization(timeout=1))
    assert (
        agent.recv_correlated(prompt, timeout=10)["content"]["response_type"]
        == "authorization_denied"
    )
    release.set()
    assert answered.wait(5)
    marker = agent.send_message(authorization())
    next_outcome = agent.recv_until(lambda f: f.get("correlation_id") in (prompt, marker))
    assert next_outcome["correlation_id"] == marker
    assert next_outcome["content"]["response_type"] == "authorization_approved"
