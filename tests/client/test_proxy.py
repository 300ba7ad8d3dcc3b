"""Proxies from the environment apply to REST and WebSocket alike (read once, at
construction), and ``NO_PROXY`` is honoured."""

import pytest

from ailoop.client import AiloopClient

from ._servers import ForwardProxy

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    forward = ForwardProxy()
    yield forward
    forward.stop()


def test_rest_and_websocket_go_through_the_environment_proxy(proxy, v1_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with AiloopClient(v1_server.url) as client:
        client.get_stats()
        sent = client.authorize("deploy")
    assert v1_server.wait_for_pending(10).message_id == str(sent.id)
    origin = v1_server.url.split("://", 1)[1]
    assert ("GET", f"http://{origin}/api/stats") in proxy.targets
    assert ("CONNECT", origin) in proxy.targets


def test_no_proxy_is_honoured_for_rest_and_websocket(proxy, v1_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with AiloopClient(v1_server.url) as client:
        client.get_stats()
        client.authorize("deploy")
    assert proxy.targets == []


def test_rest_reads_the_environment_once_at_construction(proxy, v1_server, monkeypatch):
    with AiloopClient(v1_server.url) as client:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client.get_stats()
    assert proxy.targets == []
