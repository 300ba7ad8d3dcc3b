"""Bad arguments raise ``ValidationError`` before anything reaches the wire.

The real server validates channel names on one route only and never validates decisions,
URLs or the WebSocket path: it drops what it rejects without a word. So every public
method checks its arguments first; each test below asserts the server saw no request and
no frame at all.
"""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ailoop
from ailoop import AiloopClient, DecisionOption, ValidationError
from ailoop._validation import MAX_WAIT_SECONDS
from ailoop.testing import AiloopTestServer

pytestmark = pytest.mark.reliability

BAD_CHANNELS = [
    "",
    "a" * 65,
    "é" * 33,  # 66 UTF-8 bytes
    "-ops",
    "_ops",
    " ops",
    "system",
    "ADMIN",
    "Internal",
    "reserved",
    "ailoop",
    "two words",
    "ops/prod",
    "ops.prod",
    "ops\n",
    "ops\x00",
    "opé",
    "*",
    42,
    ["ops"],
]
BAD_TIMEOUTS = [-1, -0.001, math.nan, math.inf, -math.inf, 2**32, 1e20, 10**400, "10", True]
BAD_CLIENT_TIMEOUTS = [
    0,
    -1,
    math.nan,
    math.inf,
    -math.inf,
    "10",
    True,
    None,
]
BAD_UUIDS = [
    "",
    "1234",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000g",
    "../../api/v1/health",
    "%2e%2e",
    str(uuid.uuid4()) + "0",
    None,
    12,
    b"\x00" * 16,
]
BAD_URLS = [
    "",
    "not a url",
    "example.com/path",
    "/relative/path",
    "http://",
    "http://exa mple.com",
    "http://host:99999/",
    "http://host:abc/",
    "https://ok.example/\x00",
    "https://ok.example/\n",
    None,
    42,
]
BAD_OPTIONS = [
    [],
    ["only one"],
    ["same", "same"],
    ["", "b"],
    ["  ", "b"],
    [DecisionOption("a", "A"), DecisionOption("a", "B")],
    [DecisionOption("", "A"), DecisionOption("b", "B")],
    "ab",
    None,
    [1, 2],
    [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
]
BAD_CHOICES = [[], ["one"], ["Yes", "yes"], ["", "x"], ["x", None], "yes,no", [1, 2]]
BAD_PRIORITIES = ["critical", "", "LOWEST", None, 3, "urgent!"]
BAD_RESPONSE_TYPES = ["approved", "", "TEXTUAL", None, 1]


def short(value: Any) -> str:
    """A readable test id for any argument."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...{len(text)}chars"


@pytest.fixture
def server(make_server: Callable[..., AiloopTestServer]) -> Iterator[AiloopTestServer]:
    yield make_server()


@pytest.fixture
def client(server: AiloopTestServer, make_client: Callable[..., AiloopClient]) -> AiloopClient:
    return make_client(server.url, protocol="v1", timeout=5.0)


def assert_rejected_before_the_wire(server: AiloopTestServer, call: Callable[[], Any]) -> None:
    """``call()`` raises ValidationError and the server saw nothing at all."""
    requests_before, frames_before = len(server.requests), len(server.frames)
    with pytest.raises(ValidationError) as caught:
        call()
    assert str(caught.value)
    assert len(str(caught.value)) < 1000, "errors quote a bounded slice of the argument"
    assert len(server.requests) == requests_before, [r.path for r in server.requests]
    assert len(server.frames) == frames_before


def _prompt_and_post_calls(client: AiloopClient, channel: Any) -> Iterator[Callable[[], Any]]:
    yield lambda: client.ask("Proceed?", channel=channel, choices=["yes", "no"])
    yield lambda: client.ask_decision("d1", "Pick", ["a", "b"], channel=channel)
    yield lambda: client.authorize("deploy", channel=channel)
    yield lambda: client.navigate("https://example.com/", channel=channel)
    yield lambda: client.say("hello", channel=channel)
    yield lambda: client.create_task("t", "d", channel=channel)
    yield lambda: client.get_pending(channel=channel)


@pytest.mark.parametrize("channel", BAD_CHANNELS, ids=short)
def test_bad_channel_names(server: AiloopTestServer, client: AiloopClient, channel: Any) -> None:
    for call in _prompt_and_post_calls(client, channel):
        assert_rejected_before_the_wire(server, call)
    with pytest.raises(ValidationError):
        AiloopClient(server.url, channel=channel)


def test_no_default_channel_at_all(server: AiloopTestServer) -> None:
    with pytest.raises(ValidationError):
        AiloopClient(server.url, channel=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS, ids=short)
def test_bad_prompt_timeouts(server: AiloopTestServer, client: AiloopClient, timeout: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.authorize("x", timeout=timeout))
    assert_rejected_before_the_wire(
        server, lambda: client.ask("x?", choices=["a", "b"], timeout=timeout)
    )
    assert_rejected_before_the_wire(
        server, lambda: client.ask_decision("d", "s", ["a", "b"], timeout=timeout)
    )


@pytest.mark.parametrize("timeout", BAD_CLIENT_TIMEOUTS, ids=short)
def test_bad_client_timeouts(server: AiloopTestServer, timeout: Any) -> None:
    with pytest.raises(ValidationError):
        AiloopClient(server.url, timeout=timeout)
    with pytest.raises(ValidationError):
        AiloopClient(server.url, echo_timeout=timeout)


@pytest.mark.parametrize("delay", [-1, math.nan, math.inf, "1", None, True], ids=short)
def test_bad_reconnect_delays(server: AiloopTestServer, delay: Any) -> None:
    with pytest.raises(ValidationError):
        AiloopClient(server.url, reconnect_delay=delay)


@pytest.mark.parametrize("attempts", [-1, 1.5, math.nan, "3", True, None], ids=short)
def test_bad_reconnect_attempts(server: AiloopTestServer, attempts: Any) -> None:
    with pytest.raises(ValidationError):
        AiloopClient(server.url, reconnect_attempts=attempts)


@pytest.mark.parametrize("message_id", BAD_UUIDS, ids=short)
def test_bad_uuid_strings(server: AiloopTestServer, client: AiloopClient, message_id: Any) -> None:
    good = uuid.uuid4()
    for call in (
        lambda: client.get_message(message_id),
        lambda: client.respond(message_id, "yes"),
        lambda: client.get_task(message_id),
        lambda: client.update_task(message_id, "done"),
        lambda: client.add_dependency(message_id, good),
        lambda: client.add_dependency(good, message_id),
        lambda: client.remove_dependency(good, message_id),
        lambda: client.get_task_dependencies(message_id),
        lambda: client.get_dependency_graph(message_id),
    ):
        assert_rejected_before_the_wire(server, call)


@pytest.mark.parametrize("url", BAD_URLS, ids=short)
def test_bad_navigation_urls(server: AiloopTestServer, client: AiloopClient, url: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.navigate(url))


@pytest.mark.parametrize(
    "server_url", ["", "localhost:8080", "ftp://host/", "http://", "http://h:99999", 8080]
)
def test_bad_server_urls(server_url: Any) -> None:
    with pytest.raises(ValidationError):
        AiloopClient(server_url)


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=short)
def test_bad_decision_options(server: AiloopTestServer, client: AiloopClient, options: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.ask_decision("d", "Pick", options))


def test_a_recommendation_outside_the_options(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    assert_rejected_before_the_wire(
        server, lambda: client.ask_decision("d", "Pick", ["a", "b"], recommendation="c")
    )


@pytest.mark.parametrize("choices", BAD_CHOICES, ids=short)
def test_bad_choices(server: AiloopTestServer, client: AiloopClient, choices: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.ask("Pick?", choices=choices))


def test_free_text_questions_do_not_exist_on_v1(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    assert_rejected_before_the_wire(server, lambda: client.ask("What is your name?"))


@pytest.mark.parametrize("priority", BAD_PRIORITIES, ids=short)
def test_bad_priorities(server: AiloopTestServer, client: AiloopClient, priority: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.say("hi", priority=priority))


@pytest.mark.parametrize("response_type", BAD_RESPONSE_TYPES, ids=short)
def test_bad_response_types(
    server: AiloopTestServer, client: AiloopClient, response_type: Any
) -> None:
    assert_rejected_before_the_wire(
        server, lambda: client.respond(uuid.uuid4(), "yes", response_type)
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None, 7, b"bytes"], ids=short)
def test_empty_or_non_text_prompts(
    server: AiloopTestServer, client: AiloopClient, text: Any
) -> None:
    assert_rejected_before_the_wire(server, lambda: client.authorize(text))
    assert_rejected_before_the_wire(server, lambda: client.ask(text, choices=["a", "b"]))
    assert_rejected_before_the_wire(server, lambda: client.say(text))


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "context",
    [
        math.nan,
        math.inf,
        {"when": object()},
        {1, 2},
        _nested(100_000),
        {"k": b"bytes"},
    ],
    ids=["nan", "inf", "object", "set", "nested-100000", "bytes"],
)
def test_context_that_is_not_json(
    server: AiloopTestServer, client: AiloopClient, context: Any
) -> None:
    assert_rejected_before_the_wire(server, lambda: client.authorize("deploy", context=context))
    assert_rejected_before_the_wire(server, lambda: client.create_task("t", "d", metadata=context))


@pytest.mark.parametrize("limit", [-1, 1.5, "10", None, True, math.nan])
def test_bad_history_limits(server: AiloopTestServer, client: AiloopClient, limit: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.get_channel_messages("ops", limit))


_CHANNEL_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_RESERVED = {"system", "admin", "internal", "reserved", "ailoop"}


def _server_accepts(name: str) -> bool:
    """PROTOCOL.md §3.8, written out independently of the SDK."""
    return (
        _CHANNEL_RULE.fullmatch(name) is not None
        and len(name.encode("utf-8")) <= 64
        and name.lower() not in _RESERVED
    )


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(
    name=st.text(max_size=70)
    | st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,70}\Z")
    | st.sampled_from(sorted(_RESERVED)).map(str.upper)
)
def test_any_channel_name_is_accepted_exactly_when_the_server_would(name: str) -> None:
    try:
        client = AiloopClient("http://127.0.0.1:9", channel=name)
    except ValidationError:
        assert not _server_accepts(name), f"{name!r} is valid on the server"
        return
    client.close()
    assert _server_accepts(name), f"{name!r} would be refused by the server"


def test_construction_and_validation_open_nothing(server: AiloopTestServer) -> None:
    """Building clients and refusing arguments never touches the network."""
    before = len(server.requests)
    for _ in range(20):
        with AiloopClient(server.url, channel="ops") as client, pytest.raises(ValidationError):
            client.say("x", channel="system")
    assert len(server.requests) == before
    assert ailoop.ValidationError is ValidationError


@pytest.mark.parametrize(
    "timeout", [-1, -0.5, math.nan, math.inf, -math.inf, "10", True, [1]], ids=short
)
def test_bad_wait_timeouts(server: AiloopTestServer, client: AiloopClient, timeout: Any) -> None:
    assert_rejected_before_the_wire(
        server, lambda: client.wait_for_response(uuid.uuid4(), timeout=timeout)
    )


@pytest.mark.parametrize("message_id", BAD_UUIDS, ids=short)
def test_bad_ids_to_wait_for(
    server: AiloopTestServer, client: AiloopClient, message_id: Any
) -> None:
    assert_rejected_before_the_wire(
        server, lambda: client.wait_for_response(message_id, timeout=1.0)
    )


@pytest.mark.parametrize("channel", ["", 42, ["ops"], None], ids=short)
def test_bad_subscriptions(server: AiloopTestServer, client: AiloopClient, channel: Any) -> None:
    assert_rejected_before_the_wire(server, lambda: client.subscribe_to_channel(channel))
    assert_rejected_before_the_wire(server, lambda: client.unsubscribe_from_channel(channel))


def test_subscriptions_accept_names_only_websocket_agents_can_create(client: AiloopClient) -> None:
    """The server validates channel names on POST only; agents on a WebSocket may use any
    name, so a subscription (which sends nothing) accepts them."""
    client.subscribe_to_channel("two words")
    assert "two words" in client.subscriptions


DURATIONS = ["timeout", "echo_timeout", "reconnect_delay", "ping_interval", "ping_timeout"]


@pytest.mark.parametrize("name", DURATIONS)
@pytest.mark.parametrize(
    ("value", "seconds"),
    [(Fraction(1, 4), 0.25), (7, 7.0), (1e12, MAX_WAIT_SECONDS), (10**400, MAX_WAIT_SECONDS)],
    ids=short,
)
def test_every_duration_of_the_constructor_follows_the_one_rule(
    server: AiloopTestServer, name: str, value: Any, seconds: float
) -> None:
    """Real numbers (a Fraction too) are accepted, and beyond ten years capped, as waits are."""
    with AiloopClient(server.url, **{name: value}) as client:
        if name in ("timeout", "echo_timeout", "reconnect_delay"):
            assert getattr(client, name) == seconds


@pytest.mark.parametrize("name", DURATIONS)
@pytest.mark.parametrize("value", [Decimal("1"), True, -1, math.inf, math.nan], ids=short)
def test_every_duration_of_the_constructor_refuses_what_waits_refuse(
    server: AiloopTestServer, client: AiloopClient, name: str, value: Any
) -> None:
    with pytest.raises(ValidationError, match=name):
        AiloopClient(server.url, **{name: value})
    assert_rejected_before_the_wire(
        server, lambda: client.wait_for_response(uuid.uuid4(), timeout=value)
    )
    assert_rejected_before_the_wire(
        server, lambda: client.authorize("x", wait=True, wait_timeout=value)
    )


@pytest.mark.parametrize("value", [Fraction(30), 1e12, 10**400], ids=short)
def test_waits_take_the_same_durations_as_the_constructor(
    make_server: Callable[..., AiloopTestServer],
    make_client: Callable[..., AiloopClient],
    value: Any,
) -> None:
    """``wait_for_response(timeout=1e12)`` waits (capped) like ``wait_timeout=1e12`` does."""
    server = make_server(human=lambda message: "yes")
    client = make_client(server.url)
    prompt = client.authorize("deploy", timeout=60)
    assert ailoop.approved(client.wait_for_response(prompt.id, timeout=value))
    assert ailoop.approved(client.authorize("deploy", timeout=60, wait=True, wait_timeout=value))


@pytest.mark.parametrize(
    ("wait", "wait_timeout"), [(True, -1), (False, 5), ("yes", None), (True, "5")], ids=short
)
def test_bad_wait_arguments_are_refused_before_era_detection(
    server: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    wait: Any,
    wait_timeout: Any,
) -> None:
    """With protocol="auto" a prompt first asks the server its era: bad waits come first."""
    detecting = make_client(server.url, protocol="auto", timeout=5.0)
    for call in (
        lambda: detecting.ask("q", choices=["a", "b"], wait=wait, wait_timeout=wait_timeout),
        lambda: detecting.ask_decision("d", "s", ["a", "b"], wait=wait, wait_timeout=wait_timeout),
        lambda: detecting.authorize("x", wait=wait, wait_timeout=wait_timeout),
        lambda: detecting.navigate("https://example.com/", wait=wait, wait_timeout=wait_timeout),
    ):
        assert_rejected_before_the_wire(server, call)
