"""REST routes failing the way real deployments fail: 5xx answers, a proxy's HTML page, a
server shutting down, answers slower than the client's timeout, reset connections.

Each becomes a typed :mod:`ailoop` error; idempotent GETs are retried with backoff within
the timeout budget; a POST is sent exactly once (counted in ``server.requests``).
"""

from __future__ import annotations

import json
import time
from typing import Callable, Type

import pytest
import requests

import ailoop
from ailoop import AiloopClient, AiloopError
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import SLACK

pytestmark = pytest.mark.reliability

GET_ATTEMPTS = 3  # the first try plus two retries (ailoop._http.GET_ATTEMPTS)
HEALTH = "/api/v1/health"
MESSAGES = "/api/v1/messages"
PROXY_502_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    "</body>\r\n</html>\r\n" + "<!-- padding -->\r\n" * 200
)


def sent(server: AiloopTestServer, method: str, path: str) -> int:
    """How many requests for ``method path`` (query string ignored) the server received."""
    return sum(
        1
        for request in server.requests
        if request.method == method and request.path.split("?", 1)[0] == path
    )


def assert_typed(error: BaseException, expected: Type[AiloopError], method: str, path: str) -> None:
    """An SDK error of the expected class that names the request, never a library error."""
    assert type(error) is expected, f"{type(error).__name__}: {error}"
    assert not isinstance(error, (requests.RequestException, json.JSONDecodeError))
    assert error.method == method
    assert error.path == path
    assert method in str(error) and path in str(error)
    assert len(str(error)) < 1000, "errors quote a bounded slice of the body"


@pytest.fixture
def client(server: AiloopTestServer, make_client: Callable[..., AiloopClient]) -> AiloopClient:
    return make_client(server.url, timeout=2.0)


def test_500_on_a_get_is_a_server_error_with_the_server_text(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, 500, '{"error":"database on fire"}')
    with pytest.raises(ailoop.ServerError) as caught:
        client.get_health()
    assert_typed(caught.value, ailoop.ServerError, "GET", HEALTH)
    assert caught.value.status_code == 500
    assert caught.value.server_message == "database on fire"
    assert isinstance(caught.value, ConnectionError)  # the builtin, for old except clauses
    assert sent(server, "GET", HEALTH) == 1, "500 is not a transient status: no retry"


def test_a_proxy_502_html_page_is_retried_then_a_server_error(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, 502, PROXY_502_PAGE, "text/html")
    with pytest.raises(ailoop.ServerError) as caught:
        client.get_health()
    assert_typed(caught.value, ailoop.ServerError, "GET", HEALTH)
    assert caught.value.status_code == 502
    assert "padding" not in str(caught.value)
    assert sent(server, "GET", HEALTH) == GET_ATTEMPTS


def test_a_transient_502_on_a_get_is_absorbed_by_a_retry(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, 502, PROXY_502_PAGE, "text/html", times=2)
    assert client.get_health().status == "healthy"
    assert sent(server, "GET", HEALTH) == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_post_failing_with_a_gateway_status_is_sent_once(
    server: AiloopTestServer, client: AiloopClient, status: int
) -> None:
    server.fail_route("POST", MESSAGES, status, PROXY_502_PAGE, "text/html")
    with pytest.raises(ailoop.ServerError) as caught:
        client.say("deploy finished")
    assert_typed(caught.value, ailoop.ServerError, "POST", MESSAGES)
    assert caught.value.status_code == status
    assert sent(server, "POST", MESSAGES) == 1


def test_503_shutting_down_is_a_server_error_and_the_post_is_not_repeated(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.begin_shutdown()
    with pytest.raises(ailoop.ServerError) as caught:
        client.say("are you there?")
    assert_typed(caught.value, ailoop.ServerError, "POST", MESSAGES)
    assert caught.value.status_code == 503
    assert caught.value.server_message == "server shutting down"
    assert sent(server, "POST", MESSAGES) == 1
    assert server.messages() == []
    assert client.get_health().status == "healthy", "other routes keep working"


def test_a_503_get_is_retried_within_the_budget(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, 503, '{"error":"server shutting down"}')
    with pytest.raises(ailoop.ServerError) as caught:
        client.get_health()
    assert caught.value.server_message == "server shutting down"
    assert sent(server, "GET", HEALTH) == GET_ATTEMPTS


@pytest.mark.slow
def test_a_get_slower_than_the_timeout_raises_timeout_error_in_time(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=0.5)
    server.fail_route("GET", HEALTH, None, delay=3.0)
    started = time.monotonic()
    with pytest.raises(ailoop.TimeoutError) as caught:
        client.get_health()
    elapsed = time.monotonic() - started
    assert_typed(caught.value, ailoop.TimeoutError, "GET", HEALTH)
    assert isinstance(caught.value, TimeoutError)  # the builtin too
    assert elapsed < 0.5 * SLACK + 0.5, f"the whole call, retries included, took {elapsed:.2f} s"


@pytest.mark.slow
def test_a_slow_post_times_out_and_is_not_sent_again(
    server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    client = make_client(server.url, timeout=0.5)
    server.fail_route("POST", MESSAGES, None, delay=1.5, times=1)  # then served for real
    started = time.monotonic()
    with pytest.raises(ailoop.TimeoutError) as caught:
        client.say("slow")
    assert time.monotonic() - started < 0.5 * SLACK + 0.5
    assert_typed(caught.value, ailoop.TimeoutError, "POST", MESSAGES)
    assert sent(server, "POST", MESSAGES) == 1
    # The next call goes through on its own request; nothing of the first one is replayed.
    client.say("prompt")
    assert sent(server, "POST", MESSAGES) == 2
    assert [m.content.text for m in server.messages()][-1:] == ["prompt"]  # type: ignore


def test_a_reset_get_is_retried_then_a_connection_error(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, None, reset=True)
    with pytest.raises(ailoop.ConnectionError) as caught:
        client.get_health()
    assert_typed(caught.value, ailoop.ConnectionError, "GET", HEALTH)
    assert sent(server, "GET", HEALTH) == GET_ATTEMPTS


def test_a_transient_reset_on_a_get_is_absorbed_by_a_retry(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, None, reset=True, times=1)
    assert client.get_health().status == "healthy"
    assert sent(server, "GET", HEALTH) == 2


def test_a_reset_post_is_a_connection_error_and_never_resent(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("POST", MESSAGES, None, reset=True)
    with pytest.raises(ailoop.ConnectionError) as caught:
        client.say("lost in transit")
    assert_typed(caught.value, ailoop.ConnectionError, "POST", MESSAGES)
    assert sent(server, "POST", MESSAGES) == 1
    assert server.messages() == []


def test_a_reset_answer_post_is_never_resent(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    note = client.say("something to answer")
    path = f"{MESSAGES}/{note.id}/response"
    server.fail_route("POST", path, None, reset=True)
    with pytest.raises(ailoop.ConnectionError):
        client.respond(note.id, "yes")
    assert sent(server, "POST", path) == 1


def test_a_200_html_page_is_a_malformed_response_not_a_decode_error(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("GET", HEALTH, 200, "<html><body>captive portal</body></html>", "text/html")
    with pytest.raises(ailoop.ConnectionError) as caught:
        client.get_health()
    assert_typed(caught.value, ailoop.MalformedResponseError, "GET", HEALTH)


def test_a_refused_connection_is_a_connection_error(
    make_client: Callable[..., AiloopClient], make_server: Callable[..., AiloopTestServer]
) -> None:
    gone = make_server()
    url = gone.url
    gone.stop()
    client = make_client(url, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(ailoop.ConnectionError) as caught:
        client.get_health()
    assert_typed(caught.value, ailoop.ConnectionError, "GET", HEALTH)
    assert time.monotonic() - started < 2.0 * SLACK


def test_after_faults_clear_the_same_client_works_normally(
    server: AiloopTestServer, client: AiloopClient
) -> None:
    server.fail_route("*", "/api/*", None, reset=True)
    for call in (client.get_health, client.get_stats, lambda: client.say("x")):
        with pytest.raises(ailoop.ConnectionError):
            call()
    server.clear_faults()
    assert client.get_health().status == "healthy"
    assert client.say("after the storm").content.text == "after the storm"  # type: ignore
