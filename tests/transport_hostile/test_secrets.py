"""Rule 2 (credentials in ``server_url``) and issue 12 item 6 (errors name the server).

A password may hold any character -- ``/``, ``?``, ``#``, ``@`` included -- and is still
sent as the ``Authorization`` header, and no error message, repr or log line shows it.
Every connection error names the server it tried: scheme, host, port and base path."""

import base64
import logging
import socket
import threading
from typing import Callable, Iterator, List

import pytest

import ailoop
from ailoop import AiloopClient

from ._hostile import RawServer, header, respond

PASSWORD = "p/a?s#s@w:rd-7Q"
FRAGMENTS = (PASSWORD, "p/a", "s#s", "w:rd", "7Q")


def _url(port: int) -> str:
    return f"http://user:{PASSWORD}@127.0.0.1:{port}/hil"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def authorizations() -> Iterator[RawServer]:
    """Answers 500 to everything (WebSocket upgrades too), keeping the request heads."""

    def fail(conn: socket.socket, head: bytes) -> None:
        respond(conn, "500 Internal Server Error", b"<html><title>down</title></html>")

    with RawServer(fail, name="auth-recorder") as server:
        yield server


def test_a_password_with_url_delimiters_is_sent_as_basic_auth(authorizations: RawServer) -> None:
    with AiloopClient(_url(authorizations.port), timeout=5) as client:
        with pytest.raises(ailoop.ServerError):
            client.get_stats()
        with pytest.raises(ailoop.ServerError):
            client.connect_websocket()
    expected = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    assert {header(head, "Authorization") for head in authorizations.heads} == {expected}
    assert all(b" /hil/" in head.split(b"\r\n")[0] for head in authorizations.heads)


def _failures(port: int) -> List[Callable[[AiloopClient], object]]:
    return [
        lambda client: client.get_stats(),
        lambda client: client.say("hello"),
        lambda client: client.connect_websocket(),
        lambda client: client.authorize("deploy"),
        lambda client: client.wait_for_response("00000000-0000-4000-8000-000000000000", 0.5),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind", ["refused", "server error", "redirect", pytest.param("silent", marks=pytest.mark.slow)]
)
def test_no_error_repr_or_log_shows_the_password(
    kind: str, authorizations: RawServer, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()

    def redirect(conn: socket.socket, head: bytes) -> None:
        respond(conn, "302 Found", b"", f"Location: http://x:{PASSWORD}@127.0.0.1:1/")

    def silent(conn: socket.socket, head: bytes) -> None:
        stop.wait(30)

    servers = {"redirect": redirect, "silent": silent}
    extra = RawServer(servers[kind]) if kind in servers else None
    port = {"refused": _closed_port(), "server error": authorizations.port}.get(
        kind, extra.port if extra else 0
    )
    texts: List[str] = []
    caplog.set_level(logging.DEBUG, logger="ailoop")
    try:
        client = AiloopClient(_url(port), timeout=1.0, echo_timeout=1.0, protocol="v1")
        texts += [repr(client), str(client.server_url), str(client.ws_url)]
        with client:
            for call in _failures(port):
                with pytest.raises(ailoop.AiloopError) as caught:
                    call(client)
                texts += [str(caught.value), repr(caught.value)]
                if kind != "silent":  # a timeout names the server in its own words
                    assert f"127.0.0.1:{port}" in str(caught.value), caught.value
    finally:
        stop.set()
        if extra is not None:
            extra.stop()
    texts.append(caplog.text)
    for text in texts:
        for fragment in FRAGMENTS:
            assert fragment not in text, f"{fragment!r} in {text!r}"


def test_a_refused_connection_names_scheme_host_port_and_base_path() -> None:
    port = _closed_port()
    with AiloopClient(f"http://127.0.0.1:{port}/hil") as client:
        with pytest.raises(ailoop.ConnectionError) as caught:
            client.get_health()
        assert f"http://127.0.0.1:{port}/hil" in str(caught.value)
        with pytest.raises(ailoop.ConnectionError) as caught:
            client.connect_websocket()
        assert f"http://127.0.0.1:{port}/hil" in str(caught.value)
