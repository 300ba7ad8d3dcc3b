"""``wait_for_response`` and ``wait=True``: every row of PROTOCOL.md §7.10 in both eras,
concurrent waits, answers given while disconnected, prompts lost to a restart."""

import queue
import threading
import uuid
from typing import Any, Callable, Dict, Optional

import pytest

from ailoop import (
    AiloopClient,
    ClientClosedError,
    ConnectionState,
    DecisionOption,
    DeliveryError,
    Message,
    NotFoundError,
    TimeoutError,
)
from ailoop.testing import AiloopTestServer

from .conftest import WAIT, EventRecorder, run_in_thread, wait_until

MakeServer = Callable[..., AiloopTestServer]
MakeClient = Callable[..., AiloopClient]
OPTIONS = [
    DecisionOption(id="blue-green", label="Blue/Green"),
    DecisionOption(id="canary", label="Canary (10%)"),
    DecisionOption(id="rollback", label="Rollback"),
]
CHOICES = ["Red", "Blue", "Green"]
NOT_FINAL_WAIT = 0.5  # how long a test lets a non-final response sit before the deadline


def decide(client: AiloopClient, timeout: Optional[float] = None) -> Message:
    return client.ask_decision("strategy", "Which strategy?", OPTIONS, timeout=timeout)


def answer(record: Message) -> Any:
    return record.content.answer, record.content.response_type, record.metadata


def history_reads(server: AiloopTestServer, channel: str = "public") -> int:
    path = f"/api/channels/{channel}/messages"
    return sum(1 for request in server.requests if request.path.split("?")[0] == path)


# -- decisions (v1) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "option_id", "label", "index"),
    [
        ("blue-green", "blue-green", "Blue/Green", 0),
        ("2", "canary", "Canary (10%)", 1),
        ("  canary (10%) ", "canary", "Canary (10%)", 1),
        ("3", "rollback", "Rollback", 2),
    ],
)
def test_web_ui_decision_answers_resolve_to_the_option(  # noqa: PLR0917 - parametrized
    server: AiloopTestServer,
    make_client: MakeClient,
    typed: str,
    option_id: str,
    label: str,
    index: int,
) -> None:
    client = make_client(server)
    prompt = decide(client)
    reads_before = history_reads(server)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    raw = server.respond(prompt.id, typed)
    response = waiting.get(timeout=WAIT)
    assert answer(response) == (
        option_id,
        "text",
        {"option_id": option_id, "label": label, "index": index},
    )
    assert response.correlation_id == prompt.id
    assert response.id == raw.id  # the raw response, resolved like the server resolves it
    # The stream was connected without a gap since before the prompt went out: it has
    # seen every response, so the wait never reads the history.
    assert history_reads(server) == reads_before


@pytest.mark.slow
def test_an_unresolvable_answer_is_not_final_until_a_good_one_comes(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompt = decide(client)
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, "maybe")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=NOT_FINAL_WAIT)
    assert answer(caught.value.last_response) == ("maybe", "text", None)
    server.wait_for_pending(WAIT, message_id=prompt.id)  # the server asks again
    server.respond(prompt.id, "Rollback")
    assert answer(client.wait_for_response(prompt.id, timeout=WAIT))[0] == "rollback"


@pytest.mark.slow
def test_cancelled_is_never_final(server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(server)
    prompt = decide(client)
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, None, "cancelled")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=NOT_FINAL_WAIT)
    assert caught.value.last_response.content.response_type == "cancelled"
    server.wait_for_pending(WAIT, message_id=prompt.id)  # re-enqueued and shown again
    server.respond(prompt.id, "1")
    assert answer(client.wait_for_response(prompt.id, timeout=WAIT))[0] == "blue-green"


@pytest.mark.parametrize(
    ("human_says", "expected"),
    [
        (
            "canary",
            ("canary", "text", {"option_id": "canary", "label": "Canary (10%)", "index": 1}),
        ),
        (
            ("3", "text"),
            ("rollback", "text", {"option_id": "rollback", "label": "Rollback", "index": 2}),
        ),
        ((None, "text"), (None, "text", None)),
        ((None, "authorization_denied"), (None, "authorization_denied", None)),
    ],
    ids=["terminal", "telegram", "null-answer", "other-type"],
)
def test_canonical_only_decision_answers_are_final(
    make_server: MakeServer, make_client: MakeClient, human_says: Any, expected: Any
) -> None:
    server = make_server(human=lambda message: human_says)
    client = make_client(server)
    assert answer(client.ask_decision("d", "Pick", OPTIONS, wait=True)) == expected


@pytest.mark.slow
def test_a_server_side_decision_timeout_is_final(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompt = decide(client, timeout=1)
    response = client.wait_for_response(prompt.id, timeout=WAIT)
    assert answer(response) == (None, "timeout", None)


def test_ask_with_choices_returns_the_choice_text(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, protocol="v1")
    prompt = client.ask("Which color?", choices=CHOICES)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, "2")
    assert answer(waiting.get(timeout=WAIT)) == (
        "Blue",
        "text",
        {"option_id": "Blue", "label": "Blue", "index": 1},
    )


# -- authorizations and navigations (v1) ----------------------------------------------


@pytest.mark.parametrize("verdict", ["authorization_approved", "authorization_denied"])
def test_web_ui_authorization_verdicts_are_final(
    server: AiloopTestServer, make_client: MakeClient, verdict: str
) -> None:
    client = make_client(server)
    prompt = client.authorize("Deploy")
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, None, verdict)
    assert waiting.get(timeout=WAIT).content.response_type == verdict


@pytest.mark.slow
def test_authorization_timeout_arrives_as_denied(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    response = client.authorize("Deploy", timeout=1, wait=True)
    assert response.content.response_type == "authorization_denied"


def test_the_seed_quick_start_with_a_terminal_human(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server(human=lambda message: "yes")
    client = make_client(server)
    assert (
        client.authorize("Deploy", timeout=300, wait=True).content.response_type
        == "authorization_approved"
    )


@pytest.mark.slow
def test_navigate_approved_and_navigate_timeout(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    server = make_server(default_timeout=0.2)
    client = make_client(server)
    prompt = client.navigate("https://example.org/docs")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=1.0)
    assert caught.value.last_response.content.response_type == "cancelled"  # re-asked, not final
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, None, "authorization_approved")
    assert waiting.get(timeout=WAIT).content.response_type == "authorization_approved"
    # The raw response can end the wait before the server's loop takes the answer.
    wait_until(lambda: server.opened_urls == ["https://example.org/docs"], "the URL opened")


def test_an_answer_posted_while_the_prompt_is_still_queued(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    """Raw only (the server will ask again later); the client applies §11 item 4 and
    takes a resolvable raw answer as final."""
    client = make_client(server)
    first = decide(client)
    server.wait_for_pending(WAIT, message_id=first.id)
    queued = decide(client)  # behind `first`: not registered yet
    server.respond(queued.id, "canary")
    assert answer(client.wait_for_response(queued.id, timeout=WAIT))[0] == "canary"
    server.respond(first.id, "1")
    assert server.wait_for_pending(WAIT, message_id=queued.id)  # the server asks anyway


# -- v0 servers (question prompts) ------------------------------------------------------


@pytest.fixture
def v0_server(make_server: MakeServer) -> AiloopTestServer:
    return make_server(protocol="v0")


@pytest.mark.parametrize(
    ("typed", "expected_answer", "index"),
    [
        ("Blue", "Blue", 1),
        ("2", "Blue", 1),
        ("green", "Green", 2),
        ("Teal, actually", "Teal, actually", None),
    ],
)
def test_v0_question_answers(
    v0_server: AiloopTestServer,
    make_client: MakeClient,
    typed: str,
    expected_answer: str,
    index: Optional[int],
) -> None:
    client = make_client(v0_server, protocol="v0")
    prompt = client.ask("Which color?", choices=CHOICES)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    v0_server.wait_for_pending(WAIT, message_id=prompt.id)
    v0_server.respond(prompt.id, typed)
    response = waiting.get(timeout=WAIT)
    assert response.content.answer == expected_answer
    if index is None:
        assert response.metadata is None
    else:
        assert (
            response.metadata["index"] == index
            and response.metadata["option_id"] == expected_answer
        )


@pytest.mark.slow
def test_v0_cancel_terminal_timeout_and_free_text(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    replies: queue.Queue[Any] = queue.Queue()
    for reply in [(None, "cancelled"), "3"]:
        replies.put(reply)
    server = make_server(protocol="v0", human=lambda message: replies.get(timeout=WAIT))
    client = make_client(server, protocol="v0")
    response = client.ask("Which color?", choices=CHOICES, wait=True)  # cancelled, asked again, "3"
    assert (response.content.answer, response.metadata["index"]) == ("Green", 2)
    replies.put(None)  # the human looks away: the server's own timeout answers
    timed_out = client.ask("Still there?", choices=CHOICES, timeout=1, wait=True)
    assert timed_out.content.response_type == "timeout"
    replies.put("free words")
    assert client.ask("Anything to add?", wait=True).content.answer == "free words"


@pytest.mark.slow
def test_v0_navigate_cancel_then_approve(
    v0_server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(v0_server, protocol="v0")
    prompt = client.navigate("https://example.org/v0")
    v0_server.wait_for_pending(WAIT, message_id=prompt.id)
    v0_server.respond(prompt.id, None, "cancelled")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=NOT_FINAL_WAIT)
    assert caught.value.last_response.content.response_type == "cancelled"
    v0_server.wait_for_pending(WAIT, message_id=prompt.id)
    v0_server.respond(prompt.id, None, "authorization_approved")
    response = client.wait_for_response(prompt.id, timeout=WAIT)
    assert response.content.response_type == "authorization_approved"


def test_v0_authorization(v0_server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(v0_server, protocol="v0")
    prompt = client.authorize("Deploy")
    v0_server.wait_for_pending(WAIT, message_id=prompt.id)
    v0_server.respond(prompt.id, None, "authorization_approved")
    assert (
        client.wait_for_response(prompt.id, timeout=WAIT).content.response_type
        == "authorization_approved"
    )


# -- many waiters, reconnects, restarts ----------------------------------------------------


@pytest.mark.slow
def test_six_threads_with_concurrent_prompts_get_their_own_answers(
    make_server: MakeServer, make_client: MakeClient
) -> None:
    def human(message: Message) -> Any:
        number = int(message.content.action.split()[-1])
        return "yes" if number % 2 == 0 else "no"

    server = make_server(human=human)
    client = make_client(server)
    results: queue.Queue[Any] = queue.Queue()
    start = threading.Barrier(6)

    def ask(number: int) -> None:
        start.wait(WAIT)
        try:
            results.put((number, client.authorize(f"job {number}", wait=True)))
        except BaseException as exc:
            results.put((number, exc))

    threads = [threading.Thread(target=ask, args=(n,), name=f"test-asker-{n}") for n in range(6)]
    for thread in threads:
        thread.start()
    outcomes: Dict[int, Any] = dict(results.get(timeout=WAIT * 3) for _ in threads)
    for thread in threads:
        thread.join(WAIT)
    for number, response in outcomes.items():
        assert isinstance(response, Message), response
        verdict = "authorization_approved" if number % 2 == 0 else "authorization_denied"
        assert response.content.response_type == verdict
    prompts = {
        str(m.id): m.content.action for m in server.messages() if m.content_type == "authorization"
    }
    assert {prompts[str(r.correlation_id)] for r in outcomes.values()} == {
        f"job {n}" for n in range(6)
    }


def test_a_web_ui_answer_given_while_disconnected_is_caught_up(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, reconnect_attempts=100)
    events = EventRecorder()
    client.add_connection_handler(events)
    prompt = decide(client)
    events.wait_for(ConnectionState.CONNECTED)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT * 2))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.fail_route("GET", "/", 503)  # reconnects fail until cleared
    server.drop_connections()
    events.wait_for(ConnectionState.RECONNECTING)
    server.respond(prompt.id, "canary")  # raw stored + canonical broadcast to nobody
    server.clear_faults()
    events.wait_for(ConnectionState.CONNECTED)
    assert answer(waiting.get(timeout=WAIT))[0] == "canary"


def test_waits_started_after_the_answer_and_by_several_threads(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    prompt = decide(client)
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.respond(prompt.id, "rollback")
    waits = [
        run_in_thread(lambda: client.wait_for_response(str(prompt.id), WAIT)) for _ in range(4)
    ]
    assert {answer(w.get(timeout=WAIT))[0] for w in waits} == {"rollback"}
    assert answer(client.wait_for_response(prompt.id, timeout=0))[0] == "rollback"


def test_a_prompt_lost_to_a_server_restart_raises_delivery_error(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server, reconnect_attempts=100)
    prompt = client.authorize("Deploy")
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=None))
    server.wait_for_pending(WAIT, message_id=prompt.id)
    server.restart()
    error = waiting.get(timeout=WAIT)
    assert isinstance(error, DeliveryError), repr(error)
    assert str(prompt.id) in str(error)


def test_unknown_ids_wrong_threads_and_deadlines(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    client = make_client(server)
    with pytest.raises(NotFoundError):
        client.wait_for_response(uuid.uuid4(), timeout=WAIT)
    prompt = client.authorize("Deploy")
    with pytest.raises(TimeoutError) as caught:
        client.wait_for_response(prompt.id, timeout=0)
    assert caught.value.last_response is None
    refused: queue.Queue[Any] = queue.Queue()

    def handler(message: Message) -> None:
        for call in (
            lambda: client.wait_for_response(prompt.id, timeout=WAIT),
            lambda: client.authorize("nested", wait=True),
        ):
            try:
                call()
            except RuntimeError as exc:
                refused.put(exc)

    client.add_message_handler(handler)
    client.say("trigger")
    assert all(isinstance(refused.get(timeout=WAIT), RuntimeError) for _ in range(2))


def test_close_wakes_every_waiter(server: AiloopTestServer, make_client: MakeClient) -> None:
    client = make_client(server)
    prompts = [client.authorize(f"job {n}") for n in range(3)]
    waits = [run_in_thread(lambda p=p: client.wait_for_response(p.id)) for p in prompts]  # type: ignore[misc]
    server.wait_for_pending(WAIT)
    client.close()
    assert all(isinstance(w.get(timeout=WAIT), ClientClosedError) for w in waits)


@pytest.mark.slow
def test_realtime_false_posts_over_http_and_polls(
    server: AiloopTestServer, make_client: MakeClient
) -> None:
    threads_before = threading.active_count()
    client = make_client(server, realtime=False)
    prompt = client.ask_decision("d", "Pick", OPTIONS)
    assert client.get_message(prompt.id) == prompt
    assert server.pending() == []  # posted over HTTP: never in front of the server's human
    assert threading.active_count() == threads_before, "no background thread in HTTP mode"
    reads = history_reads(server)
    waiting = run_in_thread(lambda: client.wait_for_response(prompt.id, timeout=WAIT))
    wait_until(lambda: history_reads(server) > reads, "the wait's first look at the history")
    server.respond(prompt.id, "Rollback")  # found by a later poll
    response = waiting.get(timeout=WAIT)
    assert answer(response) == (
        "rollback",
        "text",
        {"option_id": "rollback", "label": "Rollback", "index": 2},
    )
    assert not any(request.path == "/" for request in server.requests), "no WebSocket at all"
    follow_up = client.authorize("Deploy")
    server.respond(follow_up.id, None, "authorization_denied")
    assert (
        client.wait_for_response(follow_up.id, timeout=WAIT).content.response_type
        == "authorization_denied"
    )
