"""Every outcome of a prompt (PROTOCOL §7.10), through the SDK and on the raw wire."""

from typing import Any, Callable, Dict, List

import pytest

import ailoop
from ailoop import AiloopClient, DecisionOption

from .conftest import (
    PATIENCE,
    SHORT_TIMEOUT,
    Human,
    RawSocket,
    Wire,
    answered,
    wire_message,
)

pytestmark = pytest.mark.timeout(60)

OPTIONS = [
    DecisionOption(id="blue-green", label="Blue/green"),
    DecisionOption(id="canary", label="Canary"),
]


def decide(client: AiloopClient, timeout: int = 30) -> Any:
    return client.ask_decision("strategy", "Pick a **strategy**", OPTIONS, timeout=timeout)


# -- decisions (v1 era) ------------------------------------------------------------------


@pytest.mark.usefixtures("v1_only")
def test_decision_answered_by_option_id(client: AiloopClient, human: Human) -> None:
    prompt = decide(client)
    final = answered(client, human, prompt, "blue-green")
    assert final.correlation_id == prompt.id
    assert final.content.answer == "blue-green"
    assert final.content.response_type == "text"
    assert final.metadata == {"option_id": "blue-green", "label": "Blue/green", "index": 0}


@pytest.mark.usefixtures("v1_only")
def test_decision_answered_by_number_resolves_to_the_option_id(
    client: AiloopClient, human: Human
) -> None:
    prompt = decide(client)
    final = answered(client, human, prompt, "2")
    assert final.content.answer == "canary"
    assert final.metadata == {"option_id": "canary", "label": "Canary", "index": 1}


@pytest.mark.usefixtures("v1_only")
def test_decision_answered_by_label_ignoring_case_and_blanks(
    client: AiloopClient, human: Human
) -> None:
    prompt = decide(client)
    final = answered(client, human, prompt, "  BLUE/GREEN ")
    assert final.content.answer == "blue-green"
    assert final.metadata["index"] == 0


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_unresolvable_answer_is_asked_again(client: AiloopClient, human: Human) -> None:
    prompt = decide(client)
    human.answer(prompt.id, prompt.channel, "maybe")
    with pytest.raises(ailoop.TimeoutError):
        client.wait_for_response(prompt.id, timeout=1)
    final = answered(client, human, prompt, "canary")  # shown again: answered on screen
    assert final.content.answer == "canary"


@pytest.mark.usefixtures("v1_only")
def test_decision_null_text_answer_is_final(client: AiloopClient, human: Human) -> None:
    prompt = decide(client)
    final = answered(client, human, prompt, None, "text")
    assert (final.content.answer, final.content.response_type) == (None, "text")
    assert final.metadata is None


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_decision_timeout(client: AiloopClient) -> None:
    final = client.ask_decision(
        "strategy", "Pick", OPTIONS, timeout=SHORT_TIMEOUT, wait=True, wait_timeout=PATIENCE
    )
    assert (final.content.answer, final.content.response_type) == (None, "timeout")


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_cancelled_decision_is_requeued_and_asked_again(client: AiloopClient, human: Human) -> None:
    prompt = decide(client)
    human.answer(prompt.id, prompt.channel, None, "cancelled")
    with pytest.raises(ailoop.TimeoutError) as raised:
        client.wait_for_response(prompt.id, timeout=1)
    skipped = raised.value.last_response
    assert skipped is not None and skipped.content.response_type == "cancelled"
    final = answered(client, human, prompt, "1")  # the same prompt is on screen again
    assert final.content.answer == "blue-green"


@pytest.mark.usefixtures("v1_only")
def test_ask_with_choices_returns_the_choice_text(client: AiloopClient, human: Human) -> None:
    prompt = client.ask("Which region?", timeout=30, choices=["eu-west", "us-east"])
    final = answered(client, human, prompt, "US-EAST")
    assert final.content.answer == "us-east"


def test_ask_with_choices_on_any_era(client: AiloopClient, human: Human) -> None:
    prompt = client.ask("Which region?", timeout=30, choices=["eu-west", "us-east"])
    final = answered(client, human, prompt, "eu-west")
    assert final.content.answer == "eu-west"


@pytest.mark.slow
def test_question_timeout_on_any_era(client: AiloopClient) -> None:
    final = client.ask(
        "Which region?", timeout=SHORT_TIMEOUT, choices=["a", "b"], wait=True, wait_timeout=PATIENCE
    )
    assert final.content.response_type == "timeout"


# -- authorizations ------------------------------------------------------------------------


def test_authorization_approved(client: AiloopClient, human: Human) -> None:
    prompt = client.authorize("Deploy to production", timeout=30)
    final = answered(client, human, prompt, None, "authorization_approved")
    assert final.content.response_type == "authorization_approved"
    assert final.content.answer is None
    assert ailoop.approved(final)


def test_authorization_denied(client: AiloopClient, human: Human) -> None:
    prompt = client.authorize("Drop the database", timeout=30)
    final = answered(client, human, prompt, None, "authorization_denied")
    assert final.content.response_type == "authorization_denied"
    assert not ailoop.approved(final)


@pytest.mark.slow
def test_authorization_timeout_is_a_denial(client: AiloopClient) -> None:
    final = client.authorize(
        "Wait for nobody", timeout=SHORT_TIMEOUT, wait=True, wait_timeout=PATIENCE
    )
    assert final.content.response_type == "authorization_denied"
    assert not ailoop.approved(final)


@pytest.mark.slow
def test_cancelled_authorization_is_not_final(client: AiloopClient, human: Human) -> None:
    prompt = client.authorize("Restart the cluster", timeout=30)
    human.answer(prompt.id, prompt.channel, None, "cancelled")
    with pytest.raises(ailoop.TimeoutError) as raised:
        client.wait_for_response(prompt.id, timeout=1)
    assert raised.value.last_response.content.response_type == "cancelled"
    final = answered(client, human, prompt, None, "authorization_denied")
    assert final.content.response_type == "authorization_denied"


# -- navigations ---------------------------------------------------------------------------


def test_navigation_approved(client: AiloopClient, human: Human) -> None:
    # The real server asks its host to open the URL; a loopback port nobody serves is harmless.
    prompt = client.navigate("http://127.0.0.1:9/contract")
    final = answered(client, human, prompt, None, "authorization_approved")
    assert final.content.response_type == "authorization_approved"


def test_navigation_denied(client: AiloopClient, human: Human) -> None:
    prompt = client.navigate("https://example.com/dashboard")
    final = answered(client, human, prompt, None, "authorization_denied")
    assert final.content.response_type == "authorization_denied"


# -- the raw wire: raw and canonical responses ------------------------------------------------


def _send_prompt(socket: RawSocket, content: Dict[str, Any], channel: str) -> str:
    built = wire_message(content, channel)
    socket.send_json(built)
    echo = socket.recv_until(lambda f: f.get("id") == built["id"])
    assert echo["content"]["type"] == content["type"]
    return str(built["id"])


def _correlated(socket: RawSocket, prompt_id: str, count: int) -> List[Dict[str, Any]]:
    return [socket.recv_until(lambda f: f.get("correlation_id") == prompt_id) for _ in range(count)]


def _decision(timeout: int = 30) -> Dict[str, Any]:
    return {
        "type": "decision",
        "decision_id": "strategy",
        "summary": "Pick",
        "options": [
            {"id": "blue-green", "label": "Blue/green"},
            {"id": "canary", "label": "Canary"},
        ],
        "timeout_seconds": timeout,
    }


@pytest.mark.usefixtures("v1_only")
def test_wire_http_answer_gives_a_stored_raw_then_a_broadcast_canonical(
    open_socket: Callable[..., RawSocket], human: Human, wire: Wire, channel: str
) -> None:
    agent = open_socket()
    prompt_id = _send_prompt(agent, _decision(), channel)
    human.answer(prompt_id, channel, "2")
    raw, canonical = _correlated(agent, prompt_id, 2)
    assert raw["sender_type"] == "HUMAN" and canonical["sender_type"] == "HUMAN"
    assert raw["content"] == {"type": "response", "answer": "2", "response_type": "text"}
    assert "metadata" not in raw
    assert canonical["content"] == {"type": "response", "answer": "canary", "response_type": "text"}
    assert canonical["metadata"] == {"option_id": "canary", "label": "Canary", "index": 1}
    assert wire.get(f"/api/v1/messages/{raw['id']}").status_code == 200
    assert wire.get(f"/api/v1/messages/{canonical['id']}").status_code == 404
    history = wire.get(f"/api/channels/{channel}/messages").json()["messages"]
    assert [m["id"] for m in history] == [prompt_id, raw["id"]]


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_wire_timeout_gives_a_canonical_timeout_only(
    open_socket: Callable[..., RawSocket], wire: Wire, channel: str
) -> None:
    agent = open_socket()
    prompt_id = _send_prompt(agent, _decision(timeout=SHORT_TIMEOUT), channel)
    (canonical,) = _correlated(agent, prompt_id, 1)
    assert canonical["content"] == {"type": "response", "answer": None, "response_type": "timeout"}
    assert wire.get(f"/api/v1/messages/{canonical['id']}").status_code == 404


@pytest.mark.slow
def test_wire_authorization_timeout_is_denied(
    open_socket: Callable[..., RawSocket], channel: str
) -> None:
    agent = open_socket()
    content = {
        "type": "authorization",
        "action": "Nobody answers",
        "timeout_seconds": SHORT_TIMEOUT,
    }
    prompt_id = _send_prompt(agent, content, channel)
    (canonical,) = _correlated(agent, prompt_id, 1)
    assert canonical["content"] == {
        "type": "response",
        "answer": None,
        "response_type": "authorization_denied",
    }


@pytest.mark.usefixtures("v1_only")
def test_wire_authorization_canonical_drops_the_posted_answer(
    open_socket: Callable[..., RawSocket], human: Human, channel: str
) -> None:
    agent = open_socket()
    content = {"type": "authorization", "action": "Ship it", "timeout_seconds": 30}
    prompt_id = _send_prompt(agent, content, channel)
    human.answer(prompt_id, channel, "sure", "authorization_approved")
    raw, canonical = _correlated(agent, prompt_id, 2)
    assert raw["content"]["answer"] == "sure"
    assert canonical["content"] == {
        "type": "response",
        "answer": None,
        "response_type": "authorization_approved",
    }


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_wire_answer_to_a_queued_prompt_is_raw_only_and_asked_again(
    open_socket: Callable[..., RawSocket], human: Human, channel: str
) -> None:
    agent = open_socket()
    first = _send_prompt(agent, _decision(), channel)
    second = _send_prompt(agent, _decision(), channel)
    human.wait_on_screen(first, channel)
    human.post(second, "1")  # second waits behind first: nobody is asking it yet
    (raw,) = _correlated(agent, second, 1)
    assert raw["content"]["answer"] == "1"
    human.post(first, "1")
    assert _correlated(agent, first, 2)[1]["metadata"]["index"] == 0
    human.answer(second, channel, "2")  # shown now, and needs its own answer
    raw_again, canonical = _correlated(agent, second, 2)
    assert raw_again["content"]["answer"] == "2"
    assert canonical["content"]["answer"] == "canary"


def test_prompt_posted_over_http_never_reaches_the_screen(
    make_client: Callable[..., AiloopClient], human: Human, channel: str
) -> None:
    client = make_client(channel=channel, realtime=False)
    prompt = client.authorize("Only the web UI sees this", timeout=SHORT_TIMEOUT)
    assert human.pending(channel) in ([], None)
    human.post(prompt.id, None, "authorization_approved")
    final = client.wait_for_response(prompt.id, timeout=PATIENCE)
    assert final.content.response_type == "authorization_approved"
    assert human.pending(channel) in ([], None)
