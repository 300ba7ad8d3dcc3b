"""TLS against the stand-in serving a certificate from a private test CA (trustme):
verification is on by default and fails with a clear error, ``verify="ca.pem"`` works for
``https://`` and ``wss://`` alike, and ``verify=False`` works but logs a warning."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Callable

import pytest
import trustme

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer
from tests.reliability.conftest import Collector, StateLog

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _server_context(authority: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*names).configure_cert(context)
    return context


def _ca_file(authority: trustme.CA, directory: Path, name: str = "ca.pem") -> str:
    path = directory / name
    authority.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def tls_server(
    authority: trustme.CA, make_server: Callable[..., AiloopTestServer]
) -> AiloopTestServer:
    return make_server(ssl_context=_server_context(authority, "127.0.0.1", "localhost"))


def _assert_clear_tls_error(error: BaseException) -> None:
    assert isinstance(error, ailoop.ConnectionError), repr(error)
    text = str(error).lower()
    assert "certificate" in text or "tls" in text, str(error)
    assert "verify" in text, "the message says how to fix it"
    assert len(str(error)) < 1000


def test_verification_is_on_by_default_and_fails_clearly(
    tls_server: AiloopTestServer, make_client: Callable[..., AiloopClient]
) -> None:
    assert tls_server.url.startswith("https://")
    client = make_client(tls_server.url, timeout=3.0)
    for call in (client.get_health, lambda: client.say("x"), lambda: client.authorize("x")):
        with pytest.raises(ailoop.ConnectionError) as caught:
            call()
        _assert_clear_tls_error(caught.value)
    assert tls_server.messages() == [], "nothing got through unverified"


def test_a_certificate_from_another_ca_is_refused(
    tls_server: AiloopTestServer, make_client: Callable[..., AiloopClient], tmp_path: Path
) -> None:
    stranger = _ca_file(trustme.CA(), tmp_path, "stranger.pem")
    client = make_client(tls_server.url, verify=stranger, timeout=3.0)
    for call in (client.get_health, lambda: client.authorize("x")):
        with pytest.raises(ailoop.ConnectionError) as caught:
            call()
        _assert_clear_tls_error(caught.value)


def test_a_certificate_for_another_host_is_refused(
    authority: trustme.CA,
    make_server: Callable[..., AiloopTestServer],
    make_client: Callable[..., AiloopClient],
    tmp_path: Path,
) -> None:
    server = make_server(ssl_context=_server_context(authority, "ailoop.example.org"))
    client = make_client(server.url, verify=_ca_file(authority, tmp_path), timeout=3.0)
    for call in (client.get_health, lambda: client.authorize("x")):
        with pytest.raises(ailoop.ConnectionError) as caught:
            call()
        _assert_clear_tls_error(caught.value)


def test_the_test_ca_bundle_works_for_https_and_wss(
    tls_server: AiloopTestServer,
    authority: trustme.CA,
    make_client: Callable[..., AiloopClient],
    tmp_path: Path,
) -> None:
    client = make_client(tls_server.url, verify=_ca_file(authority, tmp_path), timeout=5.0)
    assert client.ws_url.startswith("wss://")
    assert client.get_health().status == "healthy"
    assert client.say("over TLS").content.text == "over TLS"  # type: ignore[union-attr]
    prompt = client.authorize("deploy over wss")
    assert tls_server.wait_for_pending(10.0).message_id == str(prompt.id)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false_works_and_logs_a_warning(
    tls_server: AiloopTestServer,
    make_client: Callable[..., AiloopClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ailoop")
    client = make_client(tls_server.url, verify=False, timeout=5.0)
    warnings = [
        record
        for record in caplog.records
        if record.name.startswith("ailoop") and record.levelno >= logging.WARNING
    ]
    assert warnings, "verify=False must be loud"
    assert "verif" in warnings[0].getMessage().lower()
    assert client.get_health().status == "healthy"
    prompt = client.authorize("deploy, unverified")
    assert tls_server.wait_for_pending(10.0).message_id == str(prompt.id)


@pytest.mark.slow
def test_the_realtime_stream_and_waits_work_over_wss(
    authority: trustme.CA,
    make_server: Callable[..., AiloopTestServer],
    make_client: Callable[..., AiloopClient],
    tmp_path: Path,
) -> None:
    server = make_server(
        ssl_context=_server_context(authority, "127.0.0.1"),
        human=lambda message: (None, "authorization_approved"),
    )
    client = make_client(server.url, verify=_ca_file(authority, tmp_path), timeout=5.0)
    received = Collector()
    states = StateLog()
    client.add_connection_handler(states)
    client.add_message_handler(received)
    response = client.authorize("deploy over wss", wait=True)
    assert response.content.response_type == "authorization_approved"
    note = client.say("pushed over wss")
    received.wait_for(lambda got: any(m.id == note.id for m in got), 10.0, "the pushed note")
    states.wait_for("connected", 10.0)
    server.drop_connections()  # the stream reconnects over TLS too
    states.wait_for("connected", 10.0)
    again = client.authorize("deploy again", wait=True)
    assert again.content.response_type == "authorization_approved"
