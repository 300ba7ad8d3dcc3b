"""Credentials stay secret: the token travels only in the ``Authorization`` header (every
HTTP request and every WebSocket handshake), never in a URL or query string, and never
shows up in logs (DEBUG included), ``repr(client)``, error messages or tracebacks; a
``user:password@`` in ``server_url`` is redacted the same way. 401 answers on REST are
:class:`ailoop.AuthenticationError` and are not retried."""

from __future__ import annotations

import logging
import queue
import threading
import traceback
import uuid
from typing import Any, Callable, Iterator, List

import pytest

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import StateLog

pytestmark = pytest.mark.reliability

TOKEN = "tok-7Hq2xSECRETvalue-x9Zk"
WRONG_TOKEN = "tok-WRONGsecret-4ab"
PASSWORD = "pa55w0rdLEAKcheck"
SECRETS = (TOKEN, WRONG_TOKEN, PASSWORD)


def leaked(text: str) -> List[str]:
    """The secrets that appear in ``text``."""
    return [secret for secret in SECRETS if secret in text]


def error_texts(error: BaseException) -> str:
    """Everything a user could print about an error: str, repr, args and the traceback."""
    parts = [str(error), repr(error), repr(error.args)]
    parts.extend(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join(parts)


def collect_errors(calls: List[Callable[[], object]]) -> List[BaseException]:
    """Run each call, which must fail with an SDK error, and return the errors."""
    errors: List[BaseException] = []
    for call in calls:
        with pytest.raises(ailoop.AiloopError) as caught:
            call()
        errors.append(caught.value)
    return errors


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger of the process at DEBUG (urllib3 and websocket-client too)."""
    caplog.set_level(logging.DEBUG)
    yield caplog


@pytest.fixture
def secured(make_server: Callable[..., AiloopTestServer]) -> AiloopTestServer:
    return make_server(tokens=(TOKEN,))


def _exercise(client: AiloopClient) -> None:
    """Touch every kind of route: GETs, POSTs, PUT, DELETE and a WebSocket prompt."""
    client.get_health()
    client.get_stats()
    client.get_channels()
    note = client.say("hello")
    client.get_message(note.id)
    client.get_channel_messages("public", limit=5)
    client.respond(note.id, "ok")
    task = client.create_task("t", "d")
    client.update_task(task.id, "done")
    client.remove_dependency(task.id, uuid.uuid4())
    client.list_tasks(state="done")
    client.get_pending()
    client.authorize("deploy", timeout=1)


def test_the_token_is_in_the_authorization_header_of_every_request_and_nowhere_else(
    secured: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(secured.url, token=TOKEN, timeout=5.0)
    _exercise(client)
    requests = secured.requests
    methods = {request.method for request in requests}
    assert {"GET", "POST", "PUT", "DELETE"} <= methods
    handshakes = [r for r in requests if r.path.split("?")[0] == "/"]
    assert len(handshakes) >= 2, "the prompt's agent connection and the realtime stream"
    for request in requests:
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}", request.path
        assert TOKEN not in request.path, "the token must never travel in a URL"
        other_headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        assert not leaked(repr(other_headers))


@pytest.mark.slow
def test_the_token_never_appears_in_logs_reprs_errors_or_tracebacks(
    secured: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    make_server: Callable[..., AiloopTestServer],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    client = make_client(secured.url, token=TOKEN, timeout=1.0, echo_timeout=1.0)
    _exercise(client)
    assert not leaked(repr(client)) and not leaked(str(client))

    secured.fail_route("GET", "/api/stats", 500, '{"error":"boom"}')
    secured.fail_route("GET", "/api/channels", None, delay=3.0)
    secured.fail_route("GET", "/api/v1/tasks", None, reset=True)
    secured.fail_route("GET", "/", 502, "<html>bad gateway</html>", "text/html")
    errors = collect_errors(
        [
            lambda: client.get_message(uuid.uuid4()),  # 404
            client.get_stats,  # 500
            client.get_channels,  # read timeout
            client.list_tasks,  # reset
            lambda: client.authorize("deploy"),  # the WebSocket handshake fails
            lambda: client.get_channel_messages("ops", limit=-1),  # validation
        ]
    )
    gone = make_server(tokens=(TOKEN,))
    gone_url = gone.url
    gone.stop()
    refused = make_client(gone_url, token=TOKEN, timeout=1.0)
    errors += collect_errors([refused.get_health, lambda: refused.authorize("x")])
    client.close()
    errors += collect_errors([client.get_health, lambda: client.say("x")])

    kinds = {type(error).__name__ for error in errors}
    assert {"NotFoundError", "ServerError", "TimeoutError", "ConnectionError"} <= kinds
    assert "ClientClosedError" in kinds and "ValidationError" in kinds
    for error in errors:
        assert not leaked(error_texts(error)), error_texts(error)
    assert debug_logs.records, "DEBUG logging was on"
    assert not leaked(debug_logs.text)
    for record in debug_logs.records:
        assert not leaked(record.getMessage()), record.name


def test_a_wrong_token_is_an_authentication_error_not_retried_and_not_quoted(
    secured: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    for token in (WRONG_TOKEN, None):
        client = make_client(secured.url, token=token, timeout=2.0)
        secured.clear_logs()
        errors = collect_errors(
            [
                client.get_health,
                lambda: client.say("x"),  # noqa: B023
                lambda: client.authorize("x"),  # noqa: B023 - the WebSocket handshake
            ]
        )
        for error in errors:
            assert type(error) is ailoop.AuthenticationError, repr(error)
            assert error.status_code == 401
            assert not leaked(error_texts(error))
        assert [(r.method, r.path) for r in secured.requests] == [
            ("GET", "/api/v1/health"),
            ("POST", "/api/v1/messages"),
            ("GET", "/"),
        ], "a 401 is never retried"
    assert not leaked(debug_logs.text)


@pytest.mark.slow
def test_credentials_in_the_server_url_are_redacted_everywhere(
    make_server: Callable[..., AiloopTestServer],
    make_client: Callable[..., AiloopClient],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    server = make_server()
    url = server.url.replace("://", f"://alice:{PASSWORD}@", 1)
    client = make_client(url, timeout=1.0, echo_timeout=1.0)
    assert not leaked(repr(client) + str(client) + client.server_url + client.ws_url)
    _exercise(client)
    for request in server.requests:
        assert PASSWORD not in request.path
        assert request.headers.get("Authorization", "").startswith("Basic ")

    server.fail_route("GET", "/api/stats", 503, '{"error":"server shutting down"}')
    server.fail_route("GET", "/api/v1/health", None, reset=True)
    errors = collect_errors([client.get_stats, client.get_health])
    server.stop()
    errors += collect_errors(
        [client.get_channels, lambda: client.say("x"), lambda: client.authorize("x")]
    )
    for error in errors:
        assert not leaked(error_texts(error)), error_texts(error)
    assert not leaked(debug_logs.text)


def _handshakes(server: AiloopTestServer) -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.path.split("?")[0] == "/")


def test_a_401_on_the_handshake_is_fatal_without_a_reconnect_storm(
    secured: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(secured.url, token=TOKEN, timeout=5.0, reconnect_delay=0.01)
    states = StateLog()
    client.add_connection_handler(states)
    client.connect_websocket()
    states.wait_for("connected", 10.0)
    prompt = client.authorize("deploy", timeout=0)
    outcome: queue.Queue[Any] = queue.Queue()

    def waiter() -> None:
        try:
            outcome.put(client.wait_for_response(prompt.id, timeout=30.0))
        except BaseException as exc:
            outcome.put(exc)

    thread = threading.Thread(target=waiter, name="test-waiter", daemon=True)
    thread.start()
    # From now on the WebSocket endpoint refuses the credentials (a rotated token, say).
    secured.fail_route("GET", "/", 401, '{"error":"unauthorized"}')
    before = _handshakes(secured)
    secured.drop_connections()

    gave_up = states.wait_for("gave_up", 10.0)
    assert isinstance(gave_up.error, ailoop.AuthenticationError), repr(gave_up.error)
    error = outcome.get(timeout=10.0)
    assert isinstance(error, ailoop.AuthenticationError), repr(error)
    assert not leaked(error_texts(error))
    thread.join(5.0)
    assert _handshakes(secured) - before == 1, "a 401 is not retried"
    after_drop = states.states()[states.states().index("disconnected") :]
    assert after_drop.count("reconnecting") <= 1 and after_drop[-1] == "gave_up", after_drop


def test_a_wrong_token_on_the_first_handshake_gives_up_at_once(
    secured: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(secured.url, token=WRONG_TOKEN, timeout=5.0, reconnect_delay=0.01)
    states = StateLog()
    client.add_connection_handler(states)
    try:
        client.connect_websocket()
    except ailoop.AuthenticationError as exc:
        assert not leaked(error_texts(exc))
    gave_up = states.wait_for("gave_up", 10.0)
    assert isinstance(gave_up.error, ailoop.AuthenticationError)
    with pytest.raises(ailoop.AuthenticationError) as caught:
        client.wait_for_response(uuid.uuid4(), timeout=5.0)
    assert not leaked(error_texts(caught.value))
    assert _handshakes(secured) <= 2, "one handshake for the stream (and one for the wait)"
    assert "reconnecting" not in states.states()
