"""Token authentication on REST and on the WebSocket handshake (servers started with tokens)."""

from typing import Any, Callable

import pytest
import requests
import websocket

import ailoop
from ailoop import AiloopClient

from .conftest import PATIENCE, Target, fresh_channel

pytestmark = pytest.mark.timeout(60)

UNAUTHORIZED = {"error": "unauthorized"}


def _get(target: Target, path: str, **headers: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(target.url + path, headers=headers, timeout=PATIENCE)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/channels", "/nope"])
def test_rest_without_a_token_is_401(token_target: Target, path: str) -> None:
    reply = _get(token_target, path)
    assert reply.status_code == 401
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == UNAUTHORIZED


def test_rest_accepts_bearer_and_api_key(token_target: Target) -> None:
    token = str(token_target.token)
    assert _get(token_target, "/api/v1/health", Authorization=f"Bearer {token}").status_code == 200
    assert _get(token_target, "/api/v1/health", **{"X-Api-Key": token}).status_code == 200


def test_a_wrong_bearer_wins_over_a_right_api_key(token_target: Target) -> None:
    headers = {"Authorization": "Bearer wrong", "X-Api-Key": str(token_target.token)}
    assert _get(token_target, "/api/v1/health", **headers).status_code == 401


def test_no_query_token(token_target: Target) -> None:
    reply = _get(token_target, f"/api/v1/health?token={token_target.token}")
    assert reply.status_code == 401


def test_handshake_without_a_token_is_refused(token_target: Target) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(token_target.ws_url, timeout=PATIENCE)
    assert refused.value.status_code == 401


def test_handshake_with_the_token(token_target: Target) -> None:
    socket = websocket.create_connection(
        token_target.ws_url,
        timeout=PATIENCE,
        header=[f"Authorization: Bearer {token_target.token}"],
    )
    socket.close()


def _client(target: Target, **options: Any) -> AiloopClient:
    return AiloopClient(target.url, channel=fresh_channel(), timeout=PATIENCE, **options)


def test_client_with_the_token_works(token_target: Target) -> None:
    with _client(token_target, token=token_target.token) as client:
        assert client.get_health().status == "healthy"
        client.connect_websocket()
        sent = client.say("authorised")
        assert client.get_message(sent.id).id == sent.id


@pytest.mark.parametrize("token", [None, "wrong"])
def test_client_without_the_right_token_is_refused(token_target: Target, token: Any) -> None:
    with _client(token_target, token=token) as client:
        with pytest.raises(ailoop.AuthenticationError) as refused:
            client.get_health()
        assert refused.value.status_code == 401
        assert "wrong" not in str(refused.value)
        with pytest.raises(ailoop.AuthenticationError):
            client.connect_websocket()


def test_make_client_uses_the_token(make_client: Callable[..., AiloopClient]) -> None:
    assert make_client().get_health().status == "healthy"
