"""Token auth: sent on every request and WebSocket handshake, refused clearly, and never
visible in reprs, logs or errors."""

import logging

import pytest

from ailoop import AuthenticationError
from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer

from .conftest import TOKEN, inbound_frames


@pytest.fixture
def auth_server(era):
    with AiloopTestServer(protocol=era, tokens=(TOKEN,)) as server:
        yield server


def test_token_is_sent_on_rest_and_on_the_websocket_handshake(auth_server, era):
    with AiloopClient(auth_server.url, token=TOKEN, protocol=era) as client:
        client.get_health()
        sent = client.authorize("deploy")
    assert auth_server.wait_for_pending(10).message_id == str(sent.id)
    assert {request.headers.get("Authorization") for request in auth_server.requests} == {
        f"Bearer {TOKEN}"
    }
    handshakes = [request for request in auth_server.requests if request.path == "/"]
    assert len(handshakes) == 2  # the realtime stream's viewer connection, then the prompt's


def test_token_comes_from_the_environment(auth_server, era, monkeypatch):
    monkeypatch.setenv("AILOOP_TOKEN", TOKEN)
    with AiloopClient(auth_server.url, protocol=era) as client:
        assert client.get_health().status == "healthy"


def test_missing_token_is_an_authentication_error_on_rest_and_websocket(auth_server, era):
    with AiloopClient(auth_server.url, protocol=era) as client:
        with pytest.raises(AuthenticationError) as rest_error:
            client.get_stats()
        with pytest.raises(AuthenticationError) as ws_error:
            client.authorize("deploy")
    assert rest_error.value.status_code == 401
    assert rest_error.value.server_message == "unauthorized"
    assert ws_error.value.status_code == 401
    assert ws_error.value.path == "/"
    assert inbound_frames(auth_server) == []


def test_wrong_token_never_leaks(auth_server, era, caplog):
    wrong = "wrong-" + TOKEN
    caplog.set_level(logging.DEBUG)
    with AiloopClient(auth_server.url, token=wrong, protocol=era, timeout=5) as client:
        shown = repr(client) + str(client.__dict__.get("_settings"))
        with pytest.raises(AuthenticationError) as rest_error:
            client.say("hi")
        with pytest.raises(AuthenticationError) as ws_error:
            client.ask("q", choices=["a", "b"])
        with pytest.raises(AuthenticationError):
            client.get_health()
    for error in (rest_error.value, ws_error.value):
        for text in (str(error), repr(error), error.message, str(error.server_message)):
            assert TOKEN not in text
    assert TOKEN not in shown
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_logs_at_debug_never_contain_the_token(auth_server, era, caplog):
    caplog.set_level(logging.DEBUG)
    with AiloopClient(auth_server.url, token=TOKEN, protocol=era) as client:
        client.get_health()
        client.say("hello")
        client.authorize("deploy")
        client.check_version_compatibility()
    assert caplog.records, "expected DEBUG records from the client"
    assert TOKEN not in caplog.text


def test_no_authorization_header_without_a_token(v1_server, v1_client):
    v1_client.get_stats()
    v1_client.authorize("x")
    assert all("Authorization" not in request.headers for request in v1_server.requests)
