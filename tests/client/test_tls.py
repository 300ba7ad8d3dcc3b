"""TLS: verification on by default for REST and WebSocket, a private CA via ``verify=``,
and ``verify=False`` working with a warning."""

import logging
import ssl

import pytest
import trustme

from ailoop import ConnectionError
from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer


@pytest.fixture(scope="module")
def authority():
    return trustme.CA()


@pytest.fixture
def ca_path(authority, tmp_path):
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def tls_server(authority):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with AiloopTestServer(ssl_context=context) as server:
        yield server


def test_urls_are_https_and_wss(tls_server, ca_path):
    with AiloopClient(tls_server.url, verify=ca_path) as client:
        assert client.server_url.startswith("https://127.0.0.1:")
        assert client.ws_url.startswith("wss://127.0.0.1:")


def test_unknown_ca_fails_clearly_on_rest_and_websocket(tls_server):
    with AiloopClient(tls_server.url) as client:
        with pytest.raises(ConnectionError) as rest_error:
            client.get_stats()
        with pytest.raises(ConnectionError) as ws_error:
            client.authorize("deploy")
    for error in (rest_error.value, ws_error.value):
        assert "TLS" in str(error)
        assert "verify=" in str(error)


def test_private_ca_bundle_works_for_rest_and_websocket(tls_server, ca_path):
    with AiloopClient(tls_server.url, verify=ca_path) as client:
        assert client.get_health().status == "healthy"
        sent = client.authorize("deploy")
        assert client.say("over TLS").content.text == "over TLS"
    assert tls_server.wait_for_pending(10).message_id == str(sent.id)


def test_ca_bundle_from_the_environment(tls_server, ca_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_path)
    with AiloopClient(tls_server.url) as client:
        client.get_stats()
        client.authorize("deploy")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false_works_and_warns_once(tls_server, caplog):
    caplog.set_level(logging.WARNING, logger="ailoop")
    with AiloopClient(tls_server.url, verify=False) as client:
        client.get_stats()
        client.get_stats()
        client.authorize("deploy")
    warnings = [r for r in caplog.records if "verification is disabled" in r.getMessage()]
    assert len(warnings) == 1
