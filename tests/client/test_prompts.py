"""Prompts go out on WebSocket agent connections, are confirmed by their echo, and really
reach the server's human loop, in both protocol eras."""

import queue
import threading

import pytest

from ailoop import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    DeliveryError,
    Message,
    NavigateContent,
    QuestionContent,
    SenderType,
    ValidationError,
)
from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer

from .conftest import inbound_frames, request_paths

PENDING_WAIT = 10.0


def test_authorize_reaches_the_human_loop(client, server):
    sent = client.authorize("Deploy to production", timeout=120, context={"sha": "abc"})
    assert isinstance(sent, Message)
    assert isinstance(sent.content, AuthorizationContent)
    assert (sent.content.action, sent.content.timeout_seconds) == ("Deploy to production", 120)
    assert sent.content.context == {"sha": "abc"}
    assert sent.sender_type is SenderType.AGENT
    prompt = server.wait_for_pending(PENDING_WAIT)
    assert prompt.message_id == str(sent.id)
    assert prompt.kind == "authorize"
    # it went out on the WebSocket, never as an HTTP-posted message
    assert "POST /api/v1/messages" not in request_paths(server)
    assert [frame["id"] for frame in inbound_frames(server)] == [str(sent.id)]


def test_a_prompt_answered_through_the_human_loop(client, server):
    sent = client.authorize("Rotate keys")
    server.wait_for_pending(PENDING_WAIT)
    server.respond(sent.id, response_type="authorization_approved")
    history = client.get_channel_messages("public")
    responses = [message for message in history if message.correlation_id == sent.id]
    assert [response.content.response_type for response in responses] == ["authorization_approved"]


def test_a_prompt_reaches_a_human_policy(era):
    seen: queue.Queue[Message] = queue.Queue()

    def human(message):
        seen.put(message)

    with AiloopTestServer(protocol=era, human=human) as server, AiloopClient(
        server.url, protocol=era
    ) as client:
        sent = client.navigate("https://example.com/docs")
        shown = seen.get(timeout=PENDING_WAIT)
    assert isinstance(sent.content, NavigateContent)
    assert sent.content.url == "https://example.com/docs"
    assert isinstance(shown, Message)
    assert shown.id == sent.id


def test_ask_with_choices(client, server, era):
    sent = client.ask("Which strategy?", timeout=30, choices=["blue-green", "canary"])
    frame = inbound_frames(server)[-1]
    if era == "v1":
        assert isinstance(sent.content, DecisionContent)
        assert sent.content.decision_id == f"ask-{sent.id}"
        assert [(o.id, o.label) for o in sent.content.options] == [
            ("blue-green", "blue-green"),
            ("canary", "canary"),
        ]
        assert sent.content.summary == "Which strategy?"
        assert frame["content"]["type"] == "decision"
    else:
        assert isinstance(sent.content, QuestionContent)
        assert sent.content.choices == ["blue-green", "canary"]
        assert sent.content.text == "Which strategy?"
        assert frame["content"]["type"] == "question"
    assert sent.content.timeout_seconds == 30
    assert server.wait_for_pending(PENDING_WAIT).message_id == str(sent.id)


def test_ask_choice_answers_resolve_to_the_choice_text(client, server, era):
    sent = client.ask("Color?", choices=["Red", "Green"])
    server.wait_for_pending(PENDING_WAIT)
    server.respond(sent.id, "2")
    raw = [m for m in client.get_channel_messages("public") if m.correlation_id == sent.id]
    assert raw and raw[0].content.answer == "2"


def test_ask_free_text(client, server, era):
    if era == "v1":
        with pytest.raises(ValidationError, match="no free-text prompt"):
            client.ask("Anything to add?")
        assert inbound_frames(server) == []
        return
    sent = client.ask("Anything to add?", timeout=0)
    assert isinstance(sent.content, QuestionContent)
    assert sent.content.choices is None
    assert sent.content.timeout_seconds == 0


def test_ask_timeout_is_rounded_up(client):
    sent = client.ask("Quick?", timeout=1.2, choices=["yes", "no"])
    assert sent.content.timeout_seconds == 2
    assert client.ask("Default?", timeout=None, choices=["a", "b"]).content.timeout_seconds == 0


def test_ask_decision(client, server, era):
    options = [
        DecisionOption(id="bg", label="Blue/Green", detail_markdown="*safe*"),
        "canary",
    ]
    if era == "v0":
        with pytest.raises(ValidationError, match="no decision"):
            client.ask_decision("deploy", "How?", options)
        assert inbound_frames(server) == []
        return
    sent = client.ask_decision(
        "deploy-strategy",
        "How to deploy?",
        options,
        channel="ops",
        timeout=45,
        context_markdown="**prod**",
        recommendation="bg",
    )
    content = sent.content
    assert isinstance(content, DecisionContent)
    assert content.decision_id == "deploy-strategy"
    assert [(o.id, o.label) for o in content.options] == [
        ("bg", "Blue/Green"),
        ("canary", "canary"),
    ]
    assert content.options[0].detail_markdown == "*safe*"
    assert content.recommendation == DecisionRecommendation(option_id="bg")
    assert (content.timeout_seconds, content.context_markdown) == (45, "**prod**")
    assert sent.channel == "ops"
    pending = server.wait_for_pending(PENDING_WAIT)
    assert (pending.message_id, pending.kind, pending.channel) == (str(sent.id), "decision", "ops")


def test_navigate(client, server):
    sent = client.navigate("https://example.com/", channel="docs")
    assert sent.content.url == "https://example.com/"
    assert server.wait_for_pending(PENDING_WAIT).kind == "navigate"


@pytest.mark.slow
def test_a_dropped_prompt_is_a_delivery_error():
    # a v1 decision sent to a v0 (v1.0.0) server is dropped silently: no echo
    with AiloopTestServer(protocol="v0") as server, AiloopClient(
        server.url, protocol="v1", echo_timeout=1.0
    ) as client:
        with pytest.raises(DeliveryError) as caught:
            client.ask("Pick", choices=["a", "b"])
        frames = inbound_frames(server)
    assert len(frames) == 1
    assert caught.value.message_id is not None
    assert str(caught.value.message_id) == frames[0]["id"]
    assert "did not echo" in str(caught.value)


def test_other_traffic_before_the_echo_is_ignored(client, server):
    # a second agent on the same channel: its prompts reach our agent connection too
    stop = threading.Event()
    errors = []

    def chatter():
        with AiloopClient(server.url, protocol=client.protocol) as other:
            while not stop.is_set():
                try:
                    other.authorize("noise")
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)
                    return

    thread = threading.Thread(target=chatter, name="chatter", daemon=True)
    thread.start()
    try:
        sent = [client.authorize(f"real {n}") for n in range(5)]
    finally:
        stop.set()
        thread.join(10)
    assert not errors
    assert [message.content.action for message in sent] == [f"real {n}" for n in range(5)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.ask("", choices=["a", "b"]), "question"),
        (lambda c: c.ask("q", choices=[]), "choices"),
        (lambda c: c.ask("q", choices=["only"]), "choices"),
        (lambda c: c.ask("q", choices=["Yes", "yes"]), "duplicate"),
        (lambda c: c.ask("q", choices="ab"), "choices"),
        (lambda c: c.ask("q", choices=["a", "b"], timeout=-1), "negative"),
        (lambda c: c.ask("q", choices=["a", "b"], timeout=float("nan")), "timeout"),
        (lambda c: c.ask("q", choices=["a", "b"], timeout=2**32), "timeout"),
        (lambda c: c.ask("q", choices=["a", "b"], channel="bad channel"), "channel"),
        (lambda c: c.ask("q", choices=["a", "b"], channel="System"), "reserved"),
        (lambda c: c.ask_decision("d", "s", ["one"]), "options"),
        (lambda c: c.ask_decision("d", "s", ["a", "a"]), "duplicate"),
        (lambda c: c.ask_decision("d", "s", ["a", "b"], recommendation="c"), "recommendation"),
        (lambda c: c.ask_decision("", "s", ["a", "b"]), "decision_id"),
        (lambda c: c.ask_decision("d", "s", ["a", "b"], context_markdown=3), "context_markdown"),
        (lambda c: c.authorize("deploy", context=object()), "context"),
        (lambda c: c.authorize("deploy", timeout=float("inf")), "timeout"),
        (lambda c: c.authorize("   "), "action"),
        (lambda c: c.navigate("not a url"), "url"),
        (lambda c: c.navigate("https://exa mple.com"), "url"),
        (lambda c: c.say("hi", priority="critical"), "priority"),
        (lambda c: c.say("hi", channel=""), "channel"),
        (lambda c: c.respond("not-a-uuid", "x"), "original_message_id"),
        (
            lambda c: c.respond("7d9f2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b", "x", "maybe"),
            "response_type",
        ),
        (lambda c: c.respond("7d9f2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b", 42), "answer"),
        (lambda c: c.get_message("123"), "message_id"),
        (lambda c: c.get_pending(channel="no/slash"), "channel"),
        (lambda c: c.get_channel_messages("ops", limit=-1), "limit"),
        (lambda c: c.get_channel_messages("", limit=1), "channel"),
        (lambda c: c.create_task("", "d"), "title"),
        (lambda c: c.create_task("t", "d", metadata={1, 2}), "metadata"),
        (lambda c: c.list_tasks(state="in_progress"), "state"),
        (lambda c: c.update_task("nope", "done"), "task_id"),
        (
            lambda c: c.add_dependency(
                "7d9f2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
                "8d9f2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
                type="sibling",
            ),
            "type",
        ),
    ],
)
def test_bad_arguments_fail_before_the_wire(call, message):
    with AiloopTestServer() as server, AiloopClient(server.url) as client:
        with pytest.raises(ValidationError, match=message):
            call(client)
        assert server.requests == []
        assert server.frames == []
