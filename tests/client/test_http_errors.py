"""HTTP error statuses map to the ailoop error tree; GETs retry transient failures,
POSTs never do."""

import builtins

import pytest

from ailoop import (
    AiloopError,
    AuthenticationError,
    ConnectionError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    TimeoutError,
    ValidationError,
)
from ailoop.client import AiloopClient

from .conftest import request_paths


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error_class", "server_text"),
    [
        (
            400,
            '{"error":"Channel name is empty"}',
            "application/json",
            ValidationError,
            "Channel name is empty",
        ),
        (413, "", "text/plain", ValidationError, None),
        (
            415,
            "Expected request with `Content-Type: application/json`",
            "text/plain",
            ValidationError,
            "Expected request with `Content-Type: application/json`",
        ),
        (
            422,
            "Failed to deserialize the JSON body into the target type: x",
            "text/plain",
            ValidationError,
            "Failed to deserialize the JSON body into the target type: x",
        ),
        (404, '{"error":"Not found"}', "application/json", NotFoundError, "Not found"),
        (401, '{"error":"unauthorized"}', "application/json", AuthenticationError, "unauthorized"),
        (403, "forbidden", "text/plain", AuthenticationError, "forbidden"),
        (500, "Internal Server Error", "text/plain", ServerError, "Internal Server Error"),
        (
            503,
            '{"error":"server shutting down"}',
            "application/json",
            ServerError,
            "server shutting down",
        ),
    ],
)
def test_status_maps_to_error_class(  # noqa: PLR0917 - pytest passes fixtures positionally
    server, client, status, body, content_type, error_class, server_text
):
    server.fail_route("POST", "/api/v1/messages", status, body=body, content_type=content_type)
    with pytest.raises(error_class) as caught:
        client.say("hello")
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.server_message == server_text
    assert (error.method, error.path) == ("POST", "/api/v1/messages")
    text = str(error)
    assert "POST /api/v1/messages" in text and f"HTTP {status}" in text
    if server_text:
        assert server_text in text
    assert request_paths(server) == ["POST /api/v1/messages"]  # never retried


def test_error_classes_are_also_builtin_errors():
    assert issubclass(ServerError, builtins.ConnectionError)
    assert issubclass(TimeoutError, builtins.TimeoutError)
    assert issubclass(NotFoundError, ValueError)


def test_get_retries_a_transient_503(server, client):
    server.fail_route("GET", "/api/stats", 503, body="busy", content_type="text/plain", times=2)
    client.get_stats()
    assert request_paths(server) == ["GET /api/stats"] * 3


def test_get_gives_up_after_a_few_attempts(server, client):
    server.fail_route("GET", "/api/stats", 502, body="bad gateway", content_type="text/plain")
    with pytest.raises(ServerError) as caught:
        client.get_stats()
    assert caught.value.status_code == 502
    assert request_paths(server) == ["GET /api/stats"] * 3


def test_get_is_not_retried_for_client_errors(server, client):
    server.fail_route("GET", "/api/stats", 400, body="no", content_type="text/plain")
    with pytest.raises(ValidationError):
        client.get_stats()
    assert request_paths(server) == ["GET /api/stats"]


def test_reset_connection_is_retried_for_get_and_a_connection_error_for_post(server, client):
    server.fail_route("GET", "/api/stats", None, reset=True, times=1)
    client.get_stats()
    assert request_paths(server) == ["GET /api/stats"] * 2
    server.fail_route("POST", "/api/v1/messages", None, reset=True)
    with pytest.raises(ConnectionError) as caught:
        client.say("x")
    assert not isinstance(caught.value, ServerError)
    assert caught.value.path == "/api/v1/messages"


@pytest.mark.slow
def test_slow_answer_is_a_timeout_error(server):
    server.fail_route("GET", "/api/stats", 200, body="{}", delay=3.0)
    with AiloopClient(server.url, timeout=0.5) as client, pytest.raises(TimeoutError) as caught:
        client.get_stats()
    assert caught.value.last_response is None
    assert "timed out" in str(caught.value)
    assert request_paths(server) == ["GET /api/stats"]


def test_undecodable_json_success_is_a_malformed_response(server, client):
    server.fail_route("GET", "/api/stats", 200, body='{"total_viewers": "many"}')
    with pytest.raises(MalformedResponseError) as caught:
        client.get_stats()
    assert caught.value.path == "/api/stats"
    assert "could not be decoded" in str(caught.value)


def test_non_json_success_is_a_malformed_response(server, client):
    server.fail_route("GET", "/api/v1/health", 200, body="ok", content_type="text/plain")
    with pytest.raises(MalformedResponseError, match="not JSON") as caught:
        client.get_health()
    assert isinstance(caught.value, ConnectionError)
    assert server.url.replace("http://", "") in str(caught.value), "names the server"


def test_a_history_listing_that_is_not_one_is_a_malformed_response(server, client):
    server.fail_route("GET", "/api/channels*", 200, body='{"channels": 7}')
    with pytest.raises(MalformedResponseError):
        client.get_channels()


def test_every_error_is_an_ailoop_error(server, client):
    server.fail_route("*", "*", 599, body="?")
    with pytest.raises(AiloopError):
        client.get_stats()
