"""Failures below the ailoop protocol: refused ports, proxies' HTML pages, non-JSON bodies,
silent ports. Each must surface as an ailoop error, never a ``requests`` exception."""

import builtins
import json

import pytest
import requests

import ailoop
from ailoop import AiloopError, ConnectionError, ServerError
from ailoop.client import AiloopClient

from ._servers import HtmlErrorServer, NoHttpServer, closed_port


@pytest.fixture
def html_server():
    server = HtmlErrorServer()
    yield server
    server.stop()


def test_refused_connection_is_a_connection_error():
    client = AiloopClient(f"http://127.0.0.1:{closed_port()}")
    with client, pytest.raises(ConnectionError) as caught:
        client.get_stats()
    error = caught.value
    assert isinstance(error, ailoop.AiloopError)
    assert isinstance(error, builtins.ConnectionError)
    assert not isinstance(error, requests.RequestException)
    assert error.method == "GET" and error.path == "/api/stats"
    assert "refused" in str(error).lower()


def test_refused_connection_on_a_prompt_is_a_connection_error():
    client = AiloopClient(f"http://127.0.0.1:{closed_port()}", protocol="v1")
    with client, pytest.raises(ConnectionError) as caught:
        client.authorize("deploy")
    assert "refused" in str(caught.value).lower()


def test_proxy_html_error_page_becomes_a_server_error(html_server):
    with AiloopClient(html_server.url) as client, pytest.raises(ServerError) as caught:
        client.get_channels()
    error = caught.value
    assert error.status_code == 502
    assert error.server_message == "HTML page: 502 Bad Gateway"
    assert "<html" not in str(error)
    # a GET answered 502 is retried a few times before giving up
    assert len(html_server.paths) >= 2


def test_post_answered_with_an_html_page_is_not_retried(html_server):
    with AiloopClient(html_server.url) as client, pytest.raises(ServerError):
        client.say("hello")
    assert html_server.paths == ["/api/v1/messages"]


def test_html_success_page_is_not_json_and_says_so():
    server = HtmlErrorServer(status=200, body="<html><title>Captive portal</title></html>")
    try:
        with AiloopClient(server.url) as client, pytest.raises(ConnectionError) as caught:
            client.get_health()
    finally:
        server.stop()
    error = caught.value
    assert error.status_code == 200
    assert "not JSON" in str(error)
    assert "Captive portal" in str(error)
    assert not isinstance(error, json.JSONDecodeError)


def test_plain_text_error_body_is_quoted():
    server = HtmlErrorServer(status=418, body="I'm a teapot", content_type="text/plain")
    try:
        with AiloopClient(server.url) as client, pytest.raises(AiloopError) as caught:
            client.get_stats()
    finally:
        server.stop()
    assert caught.value.status_code == 418
    assert caught.value.server_message == "I'm a teapot"


def test_empty_error_body_gives_a_status_only_error():
    server = HtmlErrorServer(status=500, body="", content_type="text/plain")
    try:
        with AiloopClient(server.url) as client, pytest.raises(ServerError) as caught:
            client.get_stats()
    finally:
        server.stop()
    assert caught.value.status_code == 500
    assert caught.value.server_message is None
    assert "HTTP 500" in str(caught.value)


def test_redirects_are_refused_not_followed():
    server = HtmlErrorServer(status=302, body="", content_type="text/plain")
    try:
        with AiloopClient(server.url) as client, pytest.raises(ConnectionError) as caught:
            client.get_stats()
    finally:
        server.stop()
    assert caught.value.status_code == 302
    assert "redirect" in str(caught.value)


def test_port_without_http_answer_hints_at_two_port_servers():
    silent = NoHttpServer()
    try:
        client = AiloopClient(f"http://127.0.0.1:{silent.port}")
        with client, pytest.raises(ConnectionError) as caught:
            client.get_stats()
    finally:
        silent.stop()
    assert "two-port" in str(caught.value)
