"""Server URL parsing: schemes, ports, base paths, WebSocket URL, credential redaction."""

import base64

import pytest

from ailoop import ValidationError
from ailoop._urls import parse_server_url, quote_segment, redact_url


@pytest.mark.parametrize(
    ("given", "base_url", "ws_url"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/"),
        ("http://host:9/hil", "http://host:9/hil", "ws://host:9/hil/"),
        ("http://host:9/hil/", "http://host:9/hil", "ws://host:9/hil/"),
        ("https://host/a/b", "https://host/a/b", "wss://host/a/b/"),
        ("https://host:443", "https://host", "wss://host/"),
        ("ws://host:8080", "http://host:8080", "ws://host:8080/"),
        ("wss://host:8443/x", "https://host:8443/x", "wss://host:8443/x/"),
        ("HTTP://Host:80", "http://host", "ws://host/"),
        ("http://[::1]:8080", "http://[::1]:8080", "ws://[::1]:8080/"),
    ],
)
def test_parse_gives_rest_root_and_websocket_endpoint(given, base_url, ws_url):
    server = parse_server_url(given)
    assert server.base_url == base_url
    assert server.ws_url == ws_url


def test_api_paths_carry_the_base_path():
    server = parse_server_url("http://h:1/hil")
    assert server.api_path("/api/v1/health") == "/hil/api/v1/health"
    assert server.api_url("/api/stats") == "http://h:1/hil/api/stats"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "localhost:8080",
        "ftp://host",
        "http://",
        "http://host:notaport",
        "http://host:99999",
        "http://host/x?y=1",
        "http://host/#frag",
        "http://host//double",
        "http://host/api/v1",
        "http://host/api",
        "http://ho st:80",
    ],
)
def test_unusable_urls_are_validation_errors(bad):
    with pytest.raises(ValidationError):
        parse_server_url(bad)


def test_non_string_url_is_a_validation_error():
    with pytest.raises(ValidationError):
        parse_server_url(8080)  # type: ignore[arg-type]


def test_credentials_leave_the_url_and_become_basic_auth():
    server = parse_server_url("https://user:s3cr%40t@host:8443/hil")
    assert server.base_url == "https://host:8443/hil"
    assert "s3cr" not in repr(server) and "s3cr" not in str(server)
    assert server.basic_auth == "Basic dXNlcjpzM2NyQHQ="  # base64 of "user:s3cr@t"


def test_errors_about_a_url_never_quote_its_password():
    with pytest.raises(ValidationError) as caught:
        parse_server_url("ftp://user:hunter2@host/")
    assert "hunter2" not in str(caught.value)
    assert "***@host" in str(caught.value)


def test_redact_url_hides_everything_up_to_the_last_at():
    assert redact_url("http://u:p@h:1/x") == "http://***@h:1/x"
    assert redact_url("http://u:p/q?r#s@t@h:1/x") == "http://***@h:1/x"
    assert redact_url("http://h:1/x") == "http://h:1/x"
    assert redact_url("not a url") == "not a url"


@pytest.mark.parametrize("password", ["pa/ss", "pa?ss", "pa#ss", "p@ss", "a/b?c#d@e:f", "1234/x"])
def test_a_password_with_url_delimiters_is_still_a_password(password):
    server = parse_server_url(f"http://user:{password}@127.0.0.1:9/hil")
    assert (server.host, server.port, server.base_path) == ("127.0.0.1", 9, "/hil")
    assert server.basic_auth == "Basic " + base64.b64encode(f"user:{password}".encode()).decode()
    for shown in (server.base_url, server.display, repr(server), str(server)):
        assert password not in shown


@pytest.mark.parametrize("password", ["pa/ss", "pa?ss", "pa#ss", "p@ss", "x/y?z#w"])
def test_errors_about_a_bad_url_never_quote_a_password_with_delimiters(password):
    with pytest.raises(ValidationError) as caught:
        parse_server_url(f"ftp://user:{password}@host/")
    assert password not in str(caught.value)
    assert "user" not in str(caught.value)


def test_display_names_scheme_host_port_and_base_path():
    assert parse_server_url("https://h/x").display == "https://h:443/x"
    assert parse_server_url("http://[::1]:8").display == "http://[::1]:8"


def test_quote_segment_encodes_slashes_and_spaces():
    assert quote_segment("a b/c") == "a%20b%2Fc"
